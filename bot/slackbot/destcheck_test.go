package slackbot

import (
	"strings"
	"testing"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// withCustomer is an open reservation uuidA whose customerDetails is
// customerJSON, written raw.
func withCustomer(customerJSON string) frontpaytest.Answer {
	return frontpaytest.Answer{Status: 200, Body: frontpaytest.DetailsEnvelope(
		`{"reservationUuid":"` + uuidA + `","status":"sent","isPaid":false,"customerDetails":` + customerJSON + `}`)}
}

// askedTwo sends text as a slash command and returns the caller-only
// confirmation it is answered with, which must offer two choices: send to
// what was typed, cancel.
func (h *harness) askedTwo(text string) (fakeslack.ResponseURLPost, []choice) {
	h.t.Helper()
	p := h.answered(h.slash(agent, text))
	c := confirmChoices(h.t, p.Blocks)
	if len(c) != 2 || !strings.HasPrefix(c[0].label, "Send to ") || c[1].label != "Cancel" {
		h.t.Fatalf("%q: buttons %+v in %q, want send-typed and cancel", text, c, p.Text)
	}
	return p, c
}

// A contact on file the bot cannot read is never "nothing on file": the
// caller is asked, is shown what Front Payment holds (escaped), and gets
// no "send to the one on file" button; nothing is posted or sent until
// they choose.
func TestConfirmAContactOnFileThatCannotBeRead(t *testing.T) {
	for _, c := range []struct {
		name, customer, typed string
		shows                 []string
	}{
		{"the calling code repeated in msisdn", `{"countryCode":"+47","msisdn":"4741234567"}`, "phone=+4741234567",
			[]string{"`+47 4741234567`: not a mobile number resendbot can read"}},
		{"E.164 msisdn and a null calling code", `{"countryCode":null,"msisdn":"+4741234567"}`, "phone=+4741234567",
			[]string{"`+4741234567`"}},
		{"a country for a calling code", `{"countryCode":"NO","msisdn":"41234567"}`, "phone=41234567",
			[]string{"`NO 41234567`"}},
		{"a landline when SMS is asked", `{"countryCode":"+47","msisdn":"22123456"}`, "phone=+4741234567",
			[]string{"`+47 22123456`: a landline, which can't receive SMS"}},
		{"a display name around the address", `{"email":"Kari <@U0BOSS> Nordmann <kari.nordmann@example.com>"}`, "email=" + emailOnFile,
			[]string{"`Kari &lt;@U0BOSS&gt; Nordmann &lt;kari.nordmann@example.com&gt;`: not an email address resendbot can read"}},
		{"two addresses", `{"email":"a@example.com; b@example.com"}`, "email=a@example.com", []string{"`a@example.com; b@example.com`"}},
		{"a trailing dot", `{"email":"kari.nordmann@example.com."}`, "email=" + emailOnFile, []string{"`kari.nordmann@example.com.`"}},
		{"a zero-width space", `{"email":"kari.nordmann@example.com\u200b"}`, "email=" + emailOnFile, []string{"`kari.nordmann@example.com[U+200B]`"}},
		{"an array", `{"email":["kari.nordmann@example.com"]}`, "email=" + emailOnFile, []string{"`[\"kari.nordmann@example.com\"]`"}},
		{"an object", `{"email":{"address":"kari.nordmann@example.com"}}`, "email=" + emailOnFile, []string{"`{\"address\":\"kari.nordmann@example.com\"}`"}},
		{"a bool for the calling code", `{"countryCode":true,"msisdn":41234567}`, "phone=+4741234567", []string{"`true 41234567`"}},
		{"customerDetails that is no object", `"kari.nordmann@example.com"`, "email=" + emailOnFile, []string{"`kari.nordmann@example.com`"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, confirming(nil))
			h.fp.SetDetailsAnswer(uuidA, withCustomer(c.customer))
			p, choices := h.askedTwo(uuidA + " " + c.typed)
			for _, want := range append(c.shows, "Nothing sent yet", "can't compare") {
				if !strings.Contains(p.Text, want) {
					t.Errorf("confirmation lacks %q:\n%s", want, p.Text)
				}
			}
			if n := len(h.resends()); n != 0 || len(h.slack.Messages()) != 0 {
				t.Fatalf("before any press: %d resends, %d channel messages; want none", n, len(h.slack.Messages()))
			}
			if l := h.auditWith("confirmation_asked"); l["destination_check"] != "unreadable_on_file" {
				t.Errorf("audit line = %v, want destination_check unreadable_on_file", l)
			}
			h.pressed(agent, choices[0])
			root, _ := h.thread()
			if !strings.Contains(root.Text, "not the contact on file; <@"+agent+"> confirmed it") {
				t.Errorf("audit message %q", root.Text)
			}
			if n := len(h.resends()); n != 1 {
				t.Errorf("resends = %d, want 1", n)
			}
			if l := h.auditWith("sent"); l["destination_check"] != "confirmed_new" {
				t.Errorf("audit line = %v", l)
			}
		})
	}
}

// Both channels, one readable and the same, one unreadable: asked, and
// the confirmation names only the unreadable one.
func TestConfirmOneChannelUnreadable(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetailsAnswer(uuidA, withCustomer(`{"countryCode":"+47","msisdn":"4741234567","email":"`+emailOnFile+`"}`))
	p, c := h.askedTwo(uuidA + " phone=+4741234567 email=" + emailOnFile)
	if !strings.Contains(p.Text, "• SMS: you typed") || strings.Contains(p.Text, "• Email") {
		t.Errorf("confirmation should list the SMS only:\n%s", p.Text)
	}
	h.pressed(agent, c[1])
	if l := h.auditWith("cancelled"); l["destination_check"] != "unreadable_on_file" {
		t.Errorf("cancel's audit line = %v", l)
	}
	if n := len(h.resends()); n != 0 {
		t.Errorf("%d resends after Cancel", n)
	}
}

// Emails are compared in ASCII case only: an address typed with a
// letter that Unicode folds to the one on file is another address.
func TestConfirmAUnicodeLookalikeOfTheAddressOnFile(t *testing.T) {
	for name, c := range map[string]struct{ onFile, typed, code string }{
		"KELVIN SIGN": {emailOnFile, "\u212Aari.nordmann@example.com", "U+212A"},
		"LONG S":      {"kristine@example.se", "kri\u017ftine@example.se", "U+017F"},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, confirming(nil))
			h.fp.SetDetailsAnswer(uuidA, withCustomer(`{"email":"`+c.onFile+`"}`))
			p, choices := h.asked(0, agent, uuidA+" email="+c.typed)
			if !strings.Contains(p.Text, "`"+c.typed+"`") || !strings.Contains(p.Text, "not plain ASCII, "+c.code+", so it may only look like the address on file") {
				t.Errorf("confirmation does not show what was typed and its odd character:\n%s", p.Text)
			}
			if l := h.auditWith("confirmation_asked"); l["destination_check"] != "asked" {
				t.Errorf("audit line = %v", l)
			}
			h.pressed(agent, choices[1])
			h.thread()
			if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != emailBody(c.onFile) {
				t.Errorf("resends = %v, want one to the address on file", rs)
			}
		})
	}
}

// status and the offer never say "none" for a contact on file they cannot
// use: they show it as held, escaped, and say why; the offer has no button
// for it.
func TestStatusAndOfferShowAContactOnFileThatCannotBeUsed(t *testing.T) {
	h := start(t, nil)
	h.fp.SetDetailsAnswer(uuidA, withCustomer(`{"countryCode":"+47","msisdn":"4741234567","email":"Kari <kari@example.com>"}`))
	status := h.answered(h.slash(agent, "status "+uuidA))
	for _, want := range []string{"• Contact on file: SMS `+47 4741234567` (not a mobile number resendbot can read), email `Kari &lt;kari@example.com&gt;` (not an email address resendbot can read)"} {
		if !strings.Contains(status.Text, want) {
			t.Errorf("status lacks %q:\n%s", want, status.Text)
		}
	}
	offer := h.answered(h.slash(agent, uuidA))
	if b := offerButtons(t, offer); len(b) != 0 {
		t.Errorf("offer buttons %v, want none", b)
	}
	for _, want := range []string{
		"No SMS button: the phone number Front Payment has on file, `+47 4741234567`, is not a mobile number resendbot can read.",
		"No email button: the email address Front Payment has on file, `Kari &lt;kari@example.com&gt;`, is not an email address resendbot can read.",
		"no usable phone number or email",
	} {
		if !strings.Contains(offer.Text, want) {
			t.Errorf("offer lacks %q:\n%s", want, offer.Text)
		}
	}

	// A landline and a good address: the address is offered, the landline said.
	h.fp.SetDetailsAnswer(uuidA, withCustomer(`{"countryCode":"+47","msisdn":"22123456","email":"`+emailOnFile+`"}`))
	offer = h.answered(h.slash(agent, uuidA))
	if b := offerButtons(t, offer); len(b) != 1 || b["Email to k***@example.com"] == "" {
		t.Errorf("offer buttons %v, want the email alone", b)
	}
	if want := "No SMS button: the phone number Front Payment has on file, `+47 22123456`, is a landline, which can't receive SMS."; !strings.Contains(offer.Text, want) {
		t.Errorf("offer lacks %q:\n%s", want, offer.Text)
	}
	if n := len(h.resends()); n != 0 || len(h.slack.Messages()) != 0 {
		t.Errorf("status and offers: %d resends, %d channel messages; want none", n, len(h.slack.Messages()))
	}
}

// A pasted Slack link whose label is another address or number than its
// target is refused: the agent read the label, Front Payment would get the
// target. A link whose label is its target is unwrapped.
func TestAPastedLinkThatHidesAnotherDestination(t *testing.T) {
	h := start(t, nil)
	h.refused(agent, uuidA+" email=<mailto:attacker@evil.example|kari.nordmann@example.com>",
		`email= is a link that shows "kari.nordmann@example.com" but leads to "attacker@evil.example"`)
	h.refused(agent, uuidA+" phone=<tel:+4799999999|+47 412 34 567>",
		`phone= is a link that shows "+47 412 34 567" but leads to "+4799999999"`)
	if l := h.waitAudit(2)[1]; l["reservation"] != uuidA || l["outcome"] == "sent" {
		t.Errorf("audit line = %v", l)
	}
	h.sent(agent, uuidA+" phone=<tel:+4741234567|+47 412 34 567> email=<mailto:Kari.Nordmann@example.com|kari.nordmann@example.com>")
	if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != `{"countryCode":"+47","msisdn":"41234567","email":"Kari.Nordmann@example.com"}` {
		t.Errorf("resends = %v, want one to the link's target", rs)
	}
}
