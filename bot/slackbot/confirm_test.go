package slackbot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// The contact on file of frontpaytest.SampleDetails, and the typo the
// tests type instead.
const (
	emailOnFile = "kari.nordmann@example.com"
	emailTypo   = "kari.nordmann@exmaple.com"
)

// confirming is env with the comparison with the contact on file on (the
// harness turns it off for the tests of everything else).
func confirming(env map[string]string) map[string]string {
	out := map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "true"}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// choice is one button of a confirmation.
type choice struct{ label, value, actionID string }

// confirmChoices returns a confirmation's buttons in order: send to what
// was typed, send to the contact on file, cancel.
func confirmChoices(t *testing.T, blocks json.RawMessage) []choice {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatal(err)
	}
	var out []choice
	for _, b := range bs.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok && a.BlockID == blockConfirm {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					out = append(out, choice{btn.Text.Text, btn.Value, btn.ActionID})
				}
			}
		}
	}
	return out
}

// asked sends text as a slash command on socket conn and returns the
// caller-only confirmation it is answered with, and its three choices.
func (h *harness) asked(conn int, user, text string) (fakeslack.ResponseURLPost, []choice) {
	h.t.Helper()
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: user, ChannelID: room, Text: text, Conn: conn})
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	if got := ackText(h.t, ack.Payload); got != "" {
		h.t.Fatalf("%q answered at once: %q", text, got)
	}
	p := h.answered(id)
	c := confirmChoices(h.t, p.Blocks)
	if len(c) != 3 {
		h.t.Fatalf("%q: confirmation buttons %+v in %q, want 3", text, c, p.Text)
	}
	return p, c
}

// pressChoice presses c on socket conn, as user, and returns the press's
// envelope ID without waiting for its ack.
func (h *harness) pressChoice(conn int, user string, c choice) string {
	return h.slack.Interactive(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"channel":      map[string]any{"id": room},
		"response_url": h.slack.ResponseURL(fmt.Sprintf("confirm-press-%d-%s", conn, user)),
		"container":    map[string]any{"type": "message", "is_ephemeral": true},
		"actions":      []map[string]any{{"type": "button", "action_id": c.actionID, "block_id": blockConfirm, "value": c.value}},
	}, conn)
}

// pressed presses c as user and waits for the press's ack.
func (h *harness) pressed(user string, c choice) {
	h.t.Helper()
	if _, err := h.slack.WaitAck(h.pressChoice(0, user, c), wait); err != nil {
		h.t.Fatal(err)
	}
}

// resends are the resend calls Front Payment received.
func (h *harness) resends() []frontpaytest.Request { return h.fp.Resends() }

// reads counts the details calls Front Payment received.
func (h *harness) reads() int { return h.fp.Calls() - len(h.resends()) }

// auditWith waits for an audit line whose outcome is outcome and returns it.
func (h *harness) auditWith(outcome string) map[string]any {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, l := range h.auditLines() {
			if l["outcome"] == outcome {
				return l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("no audit line with outcome %q in:\n%v", outcome, h.auditLines())
	return nil
}

func emailBody(email string) string {
	return `{"countryCode":null,"msisdn":null,"email":"` + email + `"}`
}

func TestConfirmATypedEmailThatIsNotOnFile(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	p, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	for _, want := range []string{"Nothing sent yet", uuidA, "`" + emailTypo + "`", "`k***@example.com`", "Check with the customer"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, p.Text)
		}
	}
	if p.ResponseType != "ephemeral" || strings.Contains(string(p.Blocks), emailOnFile) {
		t.Errorf("confirmation not caller-only, or shows the address on file unmasked: %s", p.Body)
	}
	if c[0].label != "Send to "+emailTypo || c[1].label != "Send to the one on file (k***@example.com)" || c[2].label != "Cancel" {
		t.Errorf("labels = %q, %q, %q", c[0].label, c[1].label, c[2].label)
	}
	if n := len(h.resends()); n != 0 || len(h.slack.Messages()) != 0 {
		t.Fatalf("before any press: %d resends, %d channel messages; want none", n, len(h.slack.Messages()))
	}
	if l := h.auditWith("confirmation_asked"); l["destination_check"] != "asked" || l["reservation"] != uuidA {
		t.Errorf("audit line = %v", l)
	}

	h.pressed(agent, c[0])
	root, reply := h.thread()
	if !strings.Contains(root.Text, "email to `k***@exmaple.com` (not the contact on file; <@"+agent+"> confirmed it)") || !strings.Contains(reply.Text, "Sent") {
		t.Errorf("audit message %q, reply %q", root.Text, reply.Text)
	}
	h.responseURLSays("You chose to resend")
	if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != emailBody(emailTypo) {
		t.Fatalf("resends = %v, want one to the typed address", rs)
	}
	if l := h.auditWith("sent"); l["destination_check"] != "confirmed_new" || l["source"] != "confirm" {
		t.Errorf("audit line = %v", l)
	}

	// The same button again, or another of the three: nothing more.
	for _, b := range c {
		h.pressed(agent, b)
	}
	h.answersSay("already used", len(c))
	if n := len(h.resends()); n != 1 {
		t.Errorf("resends after pressing again = %d, want 1", n)
	}
}

// answersSay waits for n caller-only answers containing want.
func (h *harness) answersSay(want string, n int) {
	h.t.Helper()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		got := 0
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, want) {
				got++
			}
		}
		return got >= n
	}, wait); err != nil {
		h.t.Errorf("fewer than %d caller-only answers contain %q: %v", n, want, err)
	}
}

func TestConfirmChoosingTheContactOnFile(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	_, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	h.pressed(agent, c[1])
	root, _ := h.thread()
	if strings.Contains(root.Text, "not the contact on file") {
		t.Errorf("audit message %q says the contact on file is not on file", root.Text)
	}
	if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != emailBody(emailOnFile) {
		t.Fatalf("resends = %v, want one to the address on file", rs)
	}
	if l := h.auditWith("sent"); l["destination_check"] != "matched" {
		t.Errorf("audit line = %v", l)
	}
}

func TestConfirmCancelSendsNothing(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	_, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	h.pressed(agent, c[2])
	h.responseURLSays("Cancelled: nothing was sent for reservation `" + uuidA + "`")
	if l := h.auditWith("cancelled"); l["reservation"] != uuidA {
		t.Errorf("audit line = %v", l)
	}
	h.pressed(agent, c[0])
	h.pressed(agent, c[1])
	h.answersSay("already used", 2)
	if n := len(h.resends()); n != 0 || len(h.slack.Messages()) != 0 {
		t.Errorf("after cancel: %d resends, %d channel messages; want none", n, len(h.slack.Messages()))
	}
}

// A destination that is the one on file, or a channel with nothing on
// file, goes on at once, after one read of the reservation.
func TestConfirmNotNeeded(t *testing.T) {
	emailOnly := frontpaytest.SampleDetails(uuidA)
	emailOnly.CustomerDetails.CountryCode, emailOnly.CustomerDetails.MSISDN = "", ""
	for _, c := range []struct {
		name, typed string
		details     frontpaytest.Details
		check       string
	}{
		{"email in other letter case", "email=KARI.Nordmann@Example.com", frontpaytest.SampleDetails(uuidA), "matched"},
		{"phone written otherwise", "phone=0047 412 34 567", frontpaytest.SampleDetails(uuidA), "matched"},
		{"both, as on file", "phone=41234567 email=" + emailOnFile, frontpaytest.SampleDetails(uuidA), "matched"},
		{"no phone on file", "phone=+4799887766", emailOnly, "no_contact_on_file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, confirming(nil))
			h.fp.SetDetails(uuidA, c.details)
			root, reply := h.thread2(agent, uuidA+" "+c.typed)
			if !strings.Contains(reply.Text, "Sent") || strings.Contains(root.Text, "on file") || strings.Contains(root.Text, "compared") {
				t.Errorf("audit message %q, reply %q", root.Text, reply.Text)
			}
			if n, reads := len(h.resends()), h.reads(); n != 1 || reads != 1 {
				t.Errorf("resends %d, reads %d; want 1 and 1", n, reads)
			}
			if l := h.auditWith("sent"); l["destination_check"] != c.check {
				t.Errorf("audit line = %v, want destination_check %q", l, c.check)
			}
		})
	}
}

// Both channels in one command: one confirmation, naming only the one that
// differs; the contact on file replaces only that one.
func TestConfirmBothChannelsListsOnlyWhatDiffers(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	p, c := h.asked(0, agent, uuidA+" phone=41234567 email="+emailTypo)
	if !strings.Contains(p.Text, "• Email: you typed") || strings.Contains(p.Text, "• SMS") {
		t.Errorf("confirmation should list the email only:\n%s", p.Text)
	}
	h.pressed(agent, c[1])
	h.thread()
	if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != `{"countryCode":"+47","msisdn":"41234567","email":"`+emailOnFile+`"}` {
		t.Fatalf("resends = %v, want the typed number and the address on file", rs)
	}

	// Both differ: both are listed.
	h2 := start(t, confirming(nil))
	h2.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	p, c = h2.asked(0, agent, uuidA+" phone=+4799887766 email="+emailTypo)
	if !strings.Contains(p.Text, "• Email: you typed") || !strings.Contains(p.Text, "• SMS: you typed `+47 998 87 766`, on file is `+47 ****4567`") {
		t.Errorf("confirmation should list both:\n%s", p.Text)
	}
	if want := "Send to +47 998 87 766 and " + emailTypo; c[0].label != want {
		t.Errorf("typed label = %q, want %q", c[0].label, want)
	}
}

// When the reservation cannot be read, the resend goes on and its audit
// message says the destination could not be compared. (A reservation
// that is not found is read as an order next: orders_test.go.)
func TestConfirmCannotReadTheReservation(t *testing.T) {
	for name, answer := range map[string]frontpaytest.Answer{
		"failing":      frontpaytest.ServerFailure(),
		"no answer":    {Status: 200, Body: frontpaytest.DetailsJSON(frontpaytest.SampleDetails(uuidA)), Delay: time.Minute},
		"unauthorized": frontpaytest.Unauthorized(),
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, confirming(map[string]string{"FRONTPAYMENT_TIMEOUT": "300ms"}))
			h.fp.SetDetailsAnswer(uuidA, answer)
			root, reply := h.thread2(agent, uuidA+" email="+emailTypo)
			if !strings.Contains(root.Text, "(could not be compared with the contact on file)") || !strings.Contains(reply.Text, "Sent") {
				t.Errorf("audit message %q, reply %q", root.Text, reply.Text)
			}
			if rs := h.resends(); len(rs) != 1 || string(rs[0].Body) != emailBody(emailTypo) {
				t.Errorf("resends = %v, want the typed one", rs)
			}
			if l := h.auditWith("sent"); l["destination_check"] != "not_compared" {
				t.Errorf("audit line = %v", l)
			}
		})
	}
}

// A paid or cancelled reservation is not asked about, nor sent (CONTRACT
// §3): the caller alone is told at once, in the outcome's words, that
// Front Payment's record says so (orders_test.go has the other shapes).
func TestConfirmNotAskedForAClosedReservation(t *testing.T) {
	h := start(t, confirming(nil))
	p := h.answered(h.slash(agent, frontpaytest.UUIDPaid+" email="+emailTypo))
	if !strings.Contains(p.Text, "record says this reservation is already paid") || !strings.Contains(p.Text, "already paid*") ||
		!strings.Contains(p.Text, "“captured”") || strings.Contains(string(p.Blocks), "button") {
		t.Errorf("answer %q, want the already-paid outcome with the status, no buttons", p.Text)
	}
	if l := h.auditWith("completed"); l["destination_check"] != "reservation_closed" || l["kind"] != "reservation" {
		t.Errorf("audit line = %v", l)
	}
	if n, m := len(h.resends()), len(h.slack.Messages()); n != 0 || m != 0 {
		t.Errorf("%d resends, %d channel messages; want none", n, m)
	}
}

// A reservation whose money Front Payment holds or has taken (reserved,
// captured, charged) says paid by its status alone, with isPaid false:
// Front Payment's resend would still send the link, so the bot neither
// asks about a stranger's address nor sends; the caller alone is told.
func TestHeldFundsCountAsPaidWithoutIsPaid(t *testing.T) {
	for _, status := range []string{"reserved", "Captured", "CHARGED"} {
		t.Run(status, func(t *testing.T) {
			h := start(t, confirming(nil))
			d := frontpaytest.SampleDetails(uuidA)
			d.Status, d.IsPaid = status, false
			h.fp.SetDetails(uuidA, d)
			p := h.answered(h.slash(agent, uuidA+" email="+emailTypo))
			if !strings.Contains(p.Text, "record says this reservation is already paid") || !strings.Contains(p.Text, "“"+status+"”") ||
				strings.Contains(string(p.Blocks), "button") {
				t.Errorf("answer %q, want the already-paid outcome with the status, no buttons", p.Text)
			}
			if n, m := len(h.resends()), len(h.slack.Messages()); n != 0 || m != 0 {
				t.Errorf("%d resends, %d channel messages; want none", n, m)
			}
			if l := h.auditWith("completed"); l["destination_check"] != "reservation_closed" {
				t.Errorf("audit line = %v", l)
			}
		})
	}
}

// Off, a typed destination goes to Front Payment at once, with only the
// read that finds its kind; a second request reads nothing.
func TestConfirmOff(t *testing.T) {
	h := start(t, map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "false", "RESEND_COOLDOWN": "0"})
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	root, _ := h.thread2(agent, uuidA+" email="+emailTypo)
	if h.reads() != 1 || len(h.resends()) != 1 || strings.Contains(root.Text, "on file") {
		t.Errorf("reads %d, resends %d, audit message %q; want the kind's read and one resend", h.reads(), len(h.resends()), root.Text)
	}
	if l := h.auditWith("sent"); l["destination_check"] != "off" {
		t.Errorf("audit line = %v", l)
	}
	h.command(agent, uuidA+" email="+emailTypo)
	h.fp.WaitForResends(2, wait)
	if h.reads() != 1 {
		t.Errorf("reads %d after a second resend of a known UUID, want still 1", h.reads())
	}
}

// The form and a mention ask the same way; a mention's confirmation goes
// to its author alone, in its thread.
func TestConfirmFromTheFormAndAMention(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room})
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	views, err := h.slack.WaitCalls("views.open", 1, wait)
	if err != nil {
		t.Fatalf("form not opened: %v", err)
	}
	h.submitForm(agent, formMetadata(t, views[0]), uuidA, emailTypo, "")
	p := h.answered(id)
	if c := confirmChoices(t, p.Blocks); len(c) != 3 || !strings.Contains(p.Text, emailTypo) {
		t.Errorf("form: answer %q with buttons %v, want a confirmation", p.Text, c)
	}

	const ticket = "1600000000.000200"
	h.slack.EventsAPI(map[string]any{
		"type": "app_mention", "user": agent, "channel": room, "ts": "1700000001.000300", "thread_ts": ticket,
		"text": "<@" + fakeslack.BotUserID + "> resend " + uuidA + " email=" + emailTypo,
	}, fakeslack.EventOpts{})
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Ephemerals) > 0 }, wait)
	if err != nil {
		t.Fatal(err)
	}
	e := snap.Ephemerals[0]
	if c := confirmChoices(t, e.Blocks); e.User != agent || e.ThreadTS != ticket || len(c) != 3 {
		t.Errorf("mention: ephemeral %+v, want a confirmation to its author in the thread", e)
	}
	if n := len(h.resends()); n != 0 {
		t.Errorf("%d resends before any press", n)
	}
}

// A Retry of a confirmed resend repeats it without asking again.
func TestConfirmedResendRetriesWithoutAsking(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	_, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	h.pressed(agent, c[0])
	_, reply := h.thread()
	key := retryButton(t, reply)
	if key == "" {
		t.Fatalf("no Retry button on %q", reply.Text)
	}
	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	reads := h.reads()
	h.press(agent2, reply, key)
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Messages) >= 4 && len(s.Messages[2].Updates) > 0 }, wait); err != nil {
		t.Fatalf("the retry did not run: %v", err)
	}
	if rs := h.resends(); len(rs) != 2 || string(rs[1].Body) != emailBody(emailTypo) {
		t.Errorf("resends = %v, want the confirmed address twice", rs)
	}
	if h.reads() != reads {
		t.Errorf("the Retry read the reservation again")
	}
	if root := h.slack.Messages()[2]; !strings.Contains(root.Text, "(not the contact on file; <@"+agent2+"> confirmed it)") {
		t.Errorf("retry's audit message %q does not say the destination was confirmed", root.Text)
	}
}

// Confirmation buttons stop working after an hour.
func TestConfirmAfterTheButtonsExpired(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	_, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	h.later.Add(int64(61 * time.Minute))
	for _, b := range c {
		h.pressed(agent, b)
	}
	h.answersSay("That button has expired, so nothing was sent", len(c))
	if n := len(h.resends()); n != 0 || len(h.slack.Messages()) != 0 {
		t.Errorf("expired buttons: %d resends, %d channel messages", n, len(h.slack.Messages()))
	}
}

// Two presses at once on two replicas, of two of the buttons: one send.
func TestReplicasConfirmPressedOnEachSendsOnce(t *testing.T) {
	hs, _ := replicas(t, 2, confirming(nil))
	h := hs[0]
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	_, c := h.asked(0, agent, uuidA+" email="+emailTypo)
	ids := []string{h.pressChoice(0, agent, c[0]), h.pressChoice(1, agent, c[1])}
	for _, id := range ids {
		if _, err := h.slack.WaitAck(id, wait); err != nil {
			t.Fatal(err)
		}
	}
	h.thread()
	h.responseURLSays("nothing more was sent")
	if n := len(h.resends()); n != 1 {
		t.Errorf("resends = %d, want 1", n)
	}
}

// The details call is counted under its endpoint.
func TestConfirmReadIsMeasured(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	h.thread2(agent, uuidA+" email="+emailOnFile)
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_frontpayment_latency_seconds_count{endpoint="details",record="reservation"} 1`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="resend",record="reservation"} 1`)
}

// A contact chosen from the offer is the one on file: it is not read or
// asked about again.
func TestConfirmNotAskedForTheOffersChoice(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	buttons := offerButtons(t, h.answered(h.slash(agent, uuidA)))
	h.pressOffer(agent, buttons["SMS to +47 ****4567"])
	h.thread()
	if reads, n := h.reads(), len(h.resends()); reads != 1 || n != 1 {
		t.Errorf("reads %d, resends %d; want the offer's one read and one resend", reads, n)
	}
	if l := h.auditWith("sent"); l["destination_check"] != "matched" || l["source"] != "offer" {
		t.Errorf("audit line = %v", l)
	}
}
