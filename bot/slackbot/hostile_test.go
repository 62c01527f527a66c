package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"resendbot/bot"
	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// A workflow step's channel is chosen in Workflow Builder, away from the
// requester, as the global shortcut's picker is, and passes the same
// check: a direct message the bot is in (its own with someone), a channel
// shared with another organisation, or one Slack cannot be asked about
// is refused before anything is posted or sent. Before, the step sent
// the link with its only audit message in a DM nobody else reads.
func TestWorkflowStepChannelIsCheckedAsThePickersIs(t *testing.T) {
	const botDM = "D0BOTDM"
	for name, c := range map[string]struct {
		channel string
		setup   func(h *harness)
		words   string
		reason  string
	}{
		"the bot's own direct message": {botDM, func(h *harness) { h.slack.SetMember(botDM, true) }, "shortcut.not_member", bot.ReasonChannel},
		"a channel shared with another organisation": {sharedRoom, func(h *harness) {
			h.slack.SetChannel(sharedRoom, fakeslack.Channel{ExtShared: true, Shared: true})
		}, "shortcut.shared", bot.ReasonChannel},
		"Slack not answering about the channel": {room, func(h *harness) {
			h.slack.FailNext("conversations.info", -1, fakeslack.Fault{SlackError: "internal_error"})
		}, "shortcut.unchecked", bot.ReasonChannel},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, nil)
			c.setup(h)
			in := stepInputs(agent, "kari@example.com")
			in[stepChannel] = c.channel
			h.failed(h.step(in, 0), h.words().T(c.words))
			if n := len(h.slack.Messages()); n != 0 {
				t.Errorf("messages posted = %d, want none", n)
			}
			if line := h.auditWith("refused"); line["reason"] != c.reason || line["reservation"] != uuidA {
				t.Errorf("audit line %v, want reason %s and the step's reservation", line, c.reason)
			}
		})
	}
}

// A link's target is never offered when its label hides it, whatever the
// link: a helpdesk's https: link whose query names an address and a
// number, and rich text links whose URL holds what would
// end a link written as Slack writes one in text ("|", ">"). Only the
// IDs in a link's address are read; the labels are what was seen.
func TestMessageShortcutNeverOffersWhatALinksAddressHolds(t *testing.T) {
	h := start(t, nil)
	link := func(url, text string) map[string]any { return map[string]any{"type": "link", "url": url, "text": text} }
	msg := ticket(ticketTS, "", "", nil,
		[]map[string]any{{"type": "rich_text", "block_id": "r", "elements": []map[string]any{{"type": "rich_text_section",
			"elements": []map[string]any{
				{"type": "text", "text": "Ticket: "},
				link("https://help.example/t/1|thief@evil.example", "open"),
				{"type": "text", "text": " "},
				link("https://help.example/t/2>thief2@evil.example<", "history"),
				{"type": "text", "text": " mobil "},
				link("https://help.example/call?to=4799999999", "412 34 567"),
			}}}}})
	msg["text"] = "order <https://help.example/o/" + uuidA + "?requester=thief3@evil.example&amp;sms=4798888888|" + uuidA + ">"
	h.shortcutOn(agent, room, msg)
	v := h.openedForm(1)
	if form := v.text(); strings.Contains(form, "evil.example") || strings.Contains(form, "99999999") ||
		strings.Contains(form, "88888888") {
		t.Errorf("the form offers what a link's address holds: %s", form)
	}
	if el := v.element(formReservation); el["initial_value"] != uuidA {
		t.Errorf("reservation = %v, want %s", el, uuidA)
	}
	if el := v.element(formPhone); el["initial_value"] != "+47 412 34 567" {
		t.Errorf("phone = %v, want the label's number", el)
	}
}

// A function_executed event slack-go cannot decode (here a date written
// as a string) is acknowledged and not acted on, and its step fails, once,
// with the words of a request that came to nothing, instead of showing as
// running in the workflow for good.
func TestWorkflowStepWhoseEventCannotBeDecodedFails(t *testing.T) {
	h := start(t, nil)
	fn := manifestStep(t)
	fn.Odd = map[string]any{"date_created": "1694727597"}
	env, exec := h.slack.FunctionExecuted(fn, "", stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{})
	if _, err := h.slack.WaitAck(env, wait); err != nil {
		t.Fatalf("the undecodable event was never acknowledged: %v", err)
	}
	h.failed(exec, h.words().T(bot.MsgHandlerFailed))
	if line := h.auditWith("refused"); line["source"] != bot.SourceWorkflow || line["execution_id"] != exec {
		t.Errorf("audit line %v, want the workflow step's", line)
	}
	// Delivered again (the same execution), it is not completed twice.
	again, _ := h.slack.FunctionExecuted(fn, exec, stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{})
	if _, err := h.slack.WaitAck(again, wait); err != nil {
		t.Fatal(err)
	}
	h.waitLog("workflow step delivered again")
	if n := len(h.slack.Calls(fakeslack.MethodCompleteError)); n != 1 {
		t.Errorf("functions.completeError calls = %d, want 1", n)
	}
}

// FuzzRichTextLinkShowsOnlyItsLabel: whatever a rich text link's URL and
// label hold, the message shortcut offers no address or number that its
// reader did not see in the label.
func FuzzRichTextLinkShowsOnlyItsLabel(f *testing.F) {
	f.Add("mailto:thief@evil.example", "kari@firma.no")
	f.Add("https://help.example/t?to=thief@evil.example&sms=4799999999", "Open the ticket")
	f.Add("https://x.example/a|thief@evil.example", "ticket")
	f.Add("https://x.example/>thief@evil.example<", "ticket")
	f.Add("tel:+4799999999", "412 34 567")
	f.Add("sms:+4799999999", "ti|cket> <x")
	f.Add("mailto:Kari@Firma.no", "kari@firma.no")
	f.Add("mailto:kari@firma.no", "")
	w, err := i18n.New("en")
	if err != nil {
		f.Fatal(err)
	}
	pr := command.NewParser(w, "NO")
	f.Fuzz(func(t *testing.T, url, label string) {
		raw, err := json.Marshal(map[string]any{"type": "message", "ts": "1.2", "blocks": []any{map[string]any{
			"type": "rich_text", "elements": []any{map[string]any{"type": "rich_text_section",
				"elements": []any{map[string]any{"type": "link", "url": url, "text": label}}}}}}})
		if err != nil {
			return
		}
		var m slack.Message
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		found := pr.Find(messageTexts(m)...)
		shown := label
		if shown == "" {
			shown = url // Slack shows a link without text as its URL
		}
		for _, e := range found.Emails {
			if !strings.Contains(strings.ToLower(shown), strings.ToLower(e)) {
				t.Fatalf("link %q labelled %q offers %q", url, label, e)
			}
		}
		for _, p := range found.Phones {
			_, national, _ := strings.Cut(p, " ")
			if !strings.Contains(digitsOf(shown), digitsOf(national)) {
				t.Fatalf("link %q labelled %q offers %q", url, label, p)
			}
		}
	})
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Front Payment answering a reservation's read with another one's record
// (its own UUID another) is not read as this one's: no button offers that
// other customer's contact, status shows nothing of it, and nothing is
// sent. Before, the offer's buttons would send this link to them.
func TestARecordOfAnotherReservationIsNotOffered(t *testing.T) {
	h := start(t, nil)
	other := frontpaytest.SampleDetails(uuidB)
	other.CustomerDetails.MSISDN, other.CustomerDetails.Email = "98765432", "ola@example.com"
	h.fp.SetDetails(uuidA, other)
	for _, text := range []string{uuidA, "status " + uuidA} {
		p := h.answered(h.slash(agent, text))
		if !strings.Contains(p.Text, "doesn't understand (HTTP 200)") {
			t.Errorf("%q answered %q, want an answer not understood", text, p.Text)
		}
		if b := offerButtons(t, p); len(b) != 0 || strings.Contains(p.Text, "5432") || strings.Contains(p.Text, "ola") {
			t.Errorf("%q shows another reservation's contact: %q, buttons %v", text, p.Text, b)
		}
	}
	if n := len(h.fp.Resends()); n != 0 {
		t.Errorf("resends = %d, want none", n)
	}
}

// A form submission slack-go cannot decode (here a field's value that is
// no string) is acknowledged with the form's error, so that the form stays
// open saying it could not be read, rather than closing as if sent.
func TestAFormSubmissionThatCannotBeDecodedStaysOpen(t *testing.T) {
	h := start(t, nil)
	id := h.slack.Interactive(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": agent},
		"view": map[string]any{"id": "V9", "callback_id": formID, "private_metadata": `{"channel":"` + room + `"}`,
			"state": map[string]any{"values": map[string]any{
				formReservation: map[string]any{formValue: map[string]any{"type": "plain_text_input", "value": 5}},
			}}},
	}, 0)
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if errs := fieldErrors(t, ack.Payload); errs[formReservation] != h.words().T(bot.MsgFormUnreadable) {
		t.Errorf("ack %s, want the form's error", ack.Payload)
	}
	h.waitLog("could not be decoded")
	if n := len(h.fp.Resends()); n != 0 {
		t.Errorf("resends = %d", n)
	}
}

// Someone who may not resend is told so first, whatever the step's
// channel, and the audit line names the step's reservation.
func TestWorkflowStepOfSomeoneNotAllowedIsRefusedAsACommandIs(t *testing.T) {
	h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent2})
	h.slack.SetMember("D0BOTDM", true)
	in := stepInputs(agent, "kari@example.com")
	in[stepChannel] = "D0BOTDM"
	h.failed(h.step(in, 0), "not on the list")
	if line := h.auditWith("refused"); line["reason"] != bot.ReasonUser || line["reservation"] != uuidA {
		t.Errorf("audit line %v, want reason %s and the step's reservation", line, bot.ReasonUser)
	}
	if n := len(h.slack.Calls("conversations.info")); n != 0 {
		t.Errorf("conversations.info calls = %d, want none for someone refused", n)
	}
}
