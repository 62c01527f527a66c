package slackbot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"resendbot/bot"
	"resendbot/bot/i18n"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

const (
	uuidB      = "0b6e4d2c-1a2b-4c3d-8e9f-0123456789ab"
	ticketTS   = "1690000000.000100" // a ticket's message at the top level
	ticketRe   = "1690000005.000500" // a reply in its thread
	elsewhere  = "C0ELSEWHERE"
	sharedRoom = "C0SHARED"
)

// ticket is a helpdesk integration's message: text, an attachment and
// rich text blocks, as Slack sends them in a message shortcut's payload.
func ticket(ts, threadTS, text string, attachments []map[string]any, blocks []map[string]any) map[string]any {
	m := map[string]any{"type": "message", "user": "U0HELPDESK", "ts": ts, "text": fakeslack.TypedText(text)}
	if threadTS != "" {
		m["thread_ts"] = threadTS
	}
	if attachments != nil {
		m["attachments"] = attachments
	}
	if blocks != nil {
		m["blocks"] = blocks
	}
	return m
}

// words is the catalogue of the language a harness runs in.
func (h *harness) words() *i18n.Words {
	w, err := i18n.New(h.cfg.Language)
	if err != nil {
		h.t.Fatal(err)
	}
	return w
}

// shortcutOn uses the message shortcut on message in channel as user and
// returns the envelope ID (its response_url is ResponseURL of it).
func (h *harness) shortcutOn(user, channel string, message map[string]any) string {
	h.t.Helper()
	id := h.slack.MessageShortcut(fakeslack.MessageShortcut{CallbackID: shortcutMessage, UserID: user, ChannelID: channel, Message: message})
	if ack, err := h.slack.WaitAck(id, wait); err != nil {
		h.t.Fatalf("shortcut not acknowledged: %v", err)
	} else if len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		h.t.Errorf("shortcut acked with %s; Slack reads nothing there", ack.Payload)
	}
	return id
}

// openedForm waits for the nth views.open and returns its view, which
// Slack accepted.
func (h *harness) openedForm(n int) formView {
	h.t.Helper()
	calls, err := h.slack.WaitCalls("views.open", n, wait)
	if err != nil {
		h.t.Fatalf("no form opened: %v", err)
	}
	c := calls[n-1]
	if c.Error != "" {
		h.t.Fatalf("views.open answered %s", c.Error)
	}
	var v formView
	if err := json.Unmarshal([]byte(c.Form.Get("view")), &v); err != nil {
		h.t.Fatal(err)
	}
	var opened []fakeslack.View
	for _, view := range h.slack.Views() {
		if view.Method == "views.open" {
			opened = append(opened, view)
		}
	}
	v.ID = opened[n-1].ID
	return v
}

// formView is an opened view, read generically.
type formView struct {
	ID              string           `json:"-"` // the ID Slack gave it
	CallbackID      string           `json:"callback_id"`
	PrivateMetadata string           `json:"private_metadata"`
	Submit          map[string]any   `json:"submit"`
	Blocks          []map[string]any `json:"blocks"`
}

// element is the element of the input block id, nil without one.
func (v formView) element(id string) map[string]any {
	for _, b := range v.Blocks {
		if b["block_id"] == id {
			el, _ := b["element"].(map[string]any)
			return el
		}
	}
	return nil
}

// text is every text the view shows, joined.
func (v formView) text() string {
	raw, _ := json.Marshal(v.Blocks)
	return string(raw)
}

// options are a static_select's values, and its initial one.
func options(el map[string]any) (values []string, initial string) {
	opts, _ := el["options"].([]any)
	for _, o := range opts {
		values = append(values, o.(map[string]any)["value"].(string))
	}
	if io, ok := el["initial_option"].(map[string]any); ok {
		initial, _ = io["value"].(string)
	}
	return values, initial
}

// submit submits the form v as user, with values by block ID (typed
// text, a chosen option's value, a picked channel; the others as the form
// started), as Slack's client would, and returns the ack's payload.
func (h *harness) submit(user string, v formView, values map[string]string) json.RawMessage {
	h.t.Helper()
	ack, err := h.slack.WaitAck(h.slack.SubmitView(v.ID, user, values), wait)
	if err != nil {
		h.t.Fatal(err)
	}
	return ack.Payload
}

// fieldErrors are the errors of a response_action errors ack; nil for an
// empty ack (the form closes).
func fieldErrors(t *testing.T, payload json.RawMessage) map[string]string {
	t.Helper()
	if len(payload) == 0 || string(payload) == "null" {
		return nil
	}
	var resp slack.ViewSubmissionResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.ResponseAction != slack.RAErrors || len(resp.Errors) == 0 {
		t.Fatalf("ack %s: want response_action errors", payload)
	}
	return resp.Errors
}

// inThread waits for the audit message and its outcome as replies in
// thread, the audit message updated with the outcome.
func (h *harness) inThread(channel, thread string) (audit, outcome fakeslack.Message) {
	h.t.Helper()
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		ms := s.Thread(channel, thread)
		return len(ms) >= 2 && len(ms[0].Updates) > 0
	}, wait)
	if err != nil {
		h.t.Fatalf("no audit message and outcome in thread %s: %v", thread, err)
	}
	ms := snap.Thread(channel, thread)
	return ms[0], ms[1]
}

// The message shortcut, in both languages: on a reply in a ticket's
// thread, the form opens filled in from the message (its text, its
// attachments' fields and fallback, its blocks), saying so; sent, the
// normal flow runs and the audit message and outcome are replies in the
// ticket's thread. On a top-level message they start its thread.
func TestMessageShortcutFillsTheFormAndAnswersInTheThread(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang})
			w := h.words()
			msg := ticket(ticketRe, ticketTS, "Kari never got her link (order "+uuidA+")",
				[]map[string]any{{"fallback": "New contact", "fields": []map[string]any{{"title": "Email", "value": "kari@firma.no"}}}},
				[]map[string]any{{"type": "rich_text", "block_id": "r", "elements": []map[string]any{{"type": "rich_text_section",
					"elements": []map[string]any{{"type": "text", "text": "mobil 412 "}, {"type": "text", "text": "34 567", "style": map[string]any{"bold": true}}}}}}})
			h.shortcutOn(agent, room, msg)
			v := h.openedForm(1)
			if !strings.Contains(v.text(), w.T("shortcut.from_message")) {
				t.Errorf("the form does not say where its values came from: %s", v.text())
			}
			for block, want := range map[string]string{formReservation: uuidA, formEmail: "kari@firma.no", formPhone: "+47 412 34 567"} {
				if el := v.element(block); el["type"] != "plain_text_input" || el["initial_value"] != want {
					t.Errorf("%s = %v, want filled in with %q", block, el, want)
				}
			}
			if p := h.submit(agent, v, map[string]string{formPhone: ""}); fieldErrors(t, p) != nil {
				t.Fatalf("valid form refused: %s", p)
			}
			audit, outcome := h.inThread(room, ticketTS)
			if !strings.Contains(audit.Text, "k***@firma.no") || !strings.Contains(audit.Text, agent) {
				t.Errorf("audit message %q", audit.Text)
			}
			if sent := map[string]string{"en": "Sent", "nb": "Sendt"}[lang]; !strings.Contains(outcome.Text, sent) {
				t.Errorf("outcome %q, want %q", outcome.Text, sent)
			}
			if n := len(h.fp.Resends()); n != 1 {
				t.Errorf("front payment calls = %d, want 1", n)
			}
			lines := h.waitAudit(2)
			if last := lines[len(lines)-1]; last["source"] != "shortcut" || last["outcome"] != "sent" {
				t.Errorf("audit line %v, want source shortcut, outcome sent", last)
			}

			// A top-level message: its own thread.
			h.fp.SetAnswer(uuidB, frontpaytest.Accepted())
			h.shortcutOn(agent, room, ticket("1690000100.000100", "", "Resend "+uuidB+" to ola@firma.no", nil, nil))
			v = h.openedForm(2)
			h.submit(agent, v, nil)
			h.inThread(room, "1690000100.000100")
		})
	}
}

// Several IDs, addresses or numbers: a choice among them, the first
// chosen; "none" sends nothing on that channel. Nothing found: the empty
// form, saying so.
func TestMessageShortcutChoicesAndNothingFound(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang})
			w := h.words()
			h.shortcutOn(agent, room, ticket(ticketTS, "", fmt.Sprintf("old %s new %s; kari@firma.no or kari.n@privat.no; 412 34 567", uuidB, uuidA), nil, nil))
			v := h.openedForm(1)
			values, initial := options(v.element(formReservation))
			if strings.Join(values, " ") != uuidB+" "+uuidA || initial != uuidB {
				t.Errorf("reservation choice %q, initial %q", values, initial)
			}
			values, initial = options(v.element(formEmail))
			if strings.Join(values, " ") != "kari@firma.no kari.n@privat.no "+noneChosen || initial != "kari@firma.no" {
				t.Errorf("email choice %q, initial %q", values, initial)
			}
			if !strings.Contains(v.text(), w.T("shortcut.several", "Count", 2)) || !strings.Contains(v.text(), w.T("shortcut.no_email")) {
				t.Errorf("the choice is not worded: %s", v.text())
			}
			if el := v.element(formPhone); el["initial_value"] != "+47 412 34 567" {
				t.Errorf("phone = %v", el)
			}
			h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
			if p := h.submit(agent, v, map[string]string{formReservation: uuidA, formEmail: noneChosen}); fieldErrors(t, p) != nil {
				t.Fatalf("valid form refused: %s", p)
			}
			audit, _ := h.inThread(room, ticketTS)
			if !strings.Contains(audit.Text, uuidA) || !strings.Contains(audit.Text, "****4567") || strings.Contains(audit.Text, "***@") {
				t.Errorf("audit %q: want the chosen reservation, by SMS only", audit.Text)
			}
			reqs := h.fp.Resends()
			if len(reqs) != 1 || !strings.Contains(reqs[0].Path, uuidA) {
				t.Errorf("front payment requests %+v", reqs)
			}

			// Nothing to fill in.
			h.shortcutOn(agent, room, ticket("1690000200.000100", "", "Can someone call the customer back?", nil, nil))
			v = h.openedForm(2)
			if !strings.Contains(v.text(), w.T("shortcut.nothing_found")) {
				t.Errorf("the empty form does not say nothing was found: %s", v.text())
			}
			for _, block := range []string{formReservation, formEmail, formPhone} {
				if el := v.element(block); el["type"] != "plain_text_input" || el["initial_value"] != nil {
					t.Errorf("%s = %v, want an empty input", block, el)
				}
			}
		})
	}
}

// Who may use it and where is checked before anything opens: a refused
// presser is told why, only them, through the shortcut's response_url.
// Guests and people of another organisation (as users.info says) are
// refused as on every entry point (§2).
func TestMessageShortcutRefusedBeforeTheFormOpens(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		for _, c := range []struct {
			name, key string
			env       map[string]string
			presser   fakeslack.User
		}{
			{"channel", "refusal.channel", map[string]string{"RESEND_ALLOWED_CHANNELS": elsewhere}, fakeslack.User{}},
			{"user", "refusal.user", map[string]string{"RESEND_ALLOWED_USERS": agent2}, fakeslack.User{}},
			{"guest", "refusal.guest", map[string]string{}, fakeslack.User{ID: agent, Restricted: true}},
			{"other organisation", "refusal.outsider", map[string]string{}, fakeslack.User{ID: agent, TeamID: otherTeam, Stranger: true}},
		} {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				c.env["RESEND_LANGUAGE"] = lang
				s := fakeslack.New(t)
				if c.presser.ID != "" {
					s.SetUser(c.presser)
				}
				h := startOn(t, c.env, s, frontpaytest.NewServer(t), bot.State{})
				id := h.shortcutOn(agent, room, ticket(ticketTS, "", "order "+uuidA+" kari@firma.no", nil, nil))
				snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.ResponseURLPosts) > 0 }, wait)
				if err != nil {
					t.Fatalf("the presser was not told: %v", err)
				}
				if p := snap.ResponseURLPosts[0]; p.ID != id || p.ResponseType != "ephemeral" || p.Text != h.words().T(c.key) {
					t.Errorf("answer %+v, want %q only to the presser", p, h.words().T(c.key))
				}
				if n := len(h.slack.Calls("views.open")); n != 0 {
					t.Errorf("views.open called %d times for a refused presser", n)
				}
			})
		}
	}
}

// The form opens within the trigger's 3 s even when sends fill the queue;
// a trigger that expired anyway tells the presser to try again.
func TestMessageShortcutOpensWhenBusyAndSaysWhenItCannot(t *testing.T) {
	h := startBusy(t)
	h.shortcutOn(agent2, room, ticket(ticketTS, "", "order "+uuidA, nil, nil))
	h.openedForm(1)

	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang})
			h.slack.SetTriggerTTL(0)
			id := h.shortcutOn(agent, room, ticket(ticketTS, "", "order "+uuidA, nil, nil))
			want := h.words().T("shortcut.not_opened")
			if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
				return len(s.ResponseURLPosts) > 0 && s.ResponseURLPosts[0].ID == id && s.ResponseURLPosts[0].Text == want
			}, wait); err != nil {
				t.Errorf("the presser was not told the form did not open: %v", err)
			}
		})
	}
}

// The global shortcut: the empty form and a channel picker (no shared or
// external channels); a channel outside RESEND_ALLOWED_CHANNELS, one the
// bot is not in or cannot see, or a shared one is refused on the picker,
// with how to fix it; a good one gets the audit message.
func TestGlobalShortcutChecksTheChannel(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang, "RESEND_ALLOWED_CHANNELS": room + "," + elsewhere + "," + sharedRoom + ",G0SECRET"})
			w := h.words()
			h.slack.SetMember(elsewhere, false)
			h.slack.SetMember("G0SECRET", false)
			h.slack.SetChannel("G0SECRET", fakeslack.Channel{Private: true})
			h.slack.SetChannel(sharedRoom, fakeslack.Channel{ExtShared: true})
			id := h.slack.GlobalShortcut(fakeslack.GlobalShortcut{CallbackID: shortcutGlobal, UserID: agent})
			if _, err := h.slack.WaitAck(id, wait); err != nil {
				t.Fatal(err)
			}
			v := h.openedForm(1)
			picker := v.element(formChannel)
			filter, _ := picker["filter"].(map[string]any)
			if picker["type"] != "conversations_select" || filter["exclude_external_shared_channels"] != true {
				t.Fatalf("channel picker %v", picker)
			}
			if el := v.element(formReservation); el["initial_value"] != nil {
				t.Errorf("the global form is not empty: %v", el)
			}
			fields := func(channel string) map[string]string {
				return map[string]string{formReservation: uuidA, formEmail: "kari@firma.no", formChannel: channel}
			}
			for channel, key := range map[string]string{
				"C0NOTLISTED": "refusal.channel", elsewhere: "shortcut.not_member",
				"G0SECRET": "shortcut.not_member", sharedRoom: "shortcut.shared",
			} {
				errs := fieldErrors(t, h.submit(agent, v, fields(channel)))
				if errs[formChannel] != w.T(key) {
					t.Errorf("%s: errors %v, want %q on the picker", channel, errs, w.T(key))
				}
			}
			// Slack not answering conversations.info is no yes.
			h.slack.FailNext("conversations.info", 1, fakeslack.Fault{SlackError: "internal_error"})
			if errs := fieldErrors(t, h.submit(agent, v, fields(room))); errs[formChannel] != w.T("shortcut.unchecked") {
				t.Errorf("conversations.info failing: errors %v, want %q", errs, w.T("shortcut.unchecked"))
			}
			if n := len(h.fp.Resends()); n != 0 {
				t.Fatalf("refused channels called front payment %d times", n)
			}
			if errs := fieldErrors(t, h.submit(agent, v, fields(room))); errs != nil {
				t.Fatalf("a good channel refused: %v", errs)
			}
			root, _ := h.thread()
			if root.Channel != room || !strings.Contains(root.Text, "k***@firma.no") {
				t.Errorf("audit message %+v", root)
			}
			if lines := h.waitAudit(1); lines[len(lines)-1]["source"] != "shortcut" {
				t.Errorf("audit line %v", lines[len(lines)-1])
			}
		})
	}
}

// Someone the user lists leave out gets why in the form's place, and
// nothing to send.
func TestGlobalShortcutRefusedPresserSeesWhy(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang, "RESEND_ALLOWED_USERS": agent2})
			h.slack.GlobalShortcut(fakeslack.GlobalShortcut{CallbackID: shortcutGlobal, UserID: agent})
			v := h.openedForm(1)
			if v.Submit != nil || v.element(formReservation) != nil || !strings.Contains(v.text(), h.words().T("refusal.user")) {
				t.Errorf("refused presser's view %+v", v)
			}
		})
	}
}

// Every part of a message that people read is looked in: its text, its
// attachments' pretext, title, text, fields and fallback, and its
// sections (text and fields), context, headers and rich text (quotes,
// preformatted, lists), as slack-go decodes them from the payload.
func TestMessageTextsReadsEveryPart(t *testing.T) {
	raw := `{"type":"message","ts":"1.2","text":"t0",
	 "attachments":[{"pretext":"a1","title":"a2","text":"a3","fallback":"a5","fields":[{"title":"a4t","value":"a4v"}]}],
	 "blocks":[
	  {"type":"section","text":{"type":"mrkdwn","text":"s1"},"fields":[{"type":"plain_text","text":"s2"}]},
	  {"type":"context","elements":[{"type":"mrkdwn","text":"c1"},{"type":"image","image_url":"https://x/i.png","alt_text":"no"}]},
	  {"type":"header","text":{"type":"plain_text","text":"h1"}},
	  {"type":"rich_text","elements":[
	   {"type":"rich_text_section","elements":[{"type":"text","text":"r1 "},{"type":"text","text":"r2","style":{"bold":true}},{"type":"link","url":"mailto:r3@x.no","text":"mail"}]},
	   {"type":"rich_text_quote","elements":[{"type":"text","text":"q1"}]},
	   {"type":"rich_text_preformatted","elements":[{"type":"text","text":"p1"}]},
	   {"type":"rich_text_list","style":"bullet","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"l1"}]}]}]}]}`
	var m slack.Message
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(messageTexts(m), "|")
	for _, want := range []string{"t0", "a1", "a2", "a3", "a4t", "a4v", "a5", "s1", "s2", "c1", "h1", "r1 r2", "mailto:r3@x.no", "q1", "p1", "l1"} {
		if !strings.Contains(got, want) {
			t.Errorf("messageTexts lacks %q: %q", want, got)
		}
	}
}

// What Slack refuses in a form is never sent: values longer than an
// option may be are shortened in its text or left out, so the form with a
// choice opens; a shortcut delivered twice opens one form (its trigger
// works once).
func TestMessageShortcutFormStaysWithinSlacksLimits(t *testing.T) {
	h := start(t, nil)
	long := strings.Repeat("k", 60) + "@" + strings.Repeat("d", 20) + ".no"                                   // 84: text shortened
	longer := strings.Repeat("k", 64) + "@" + strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + ".no" // 190: no option
	id := h.shortcutOn(agent, room, ticket(ticketTS, "", long+" "+longer+" kari@firma.no "+uuidA, nil, nil))
	v := h.openedForm(1)
	values, initial := options(v.element(formEmail))
	if strings.Join(values, " ") != long+" kari@firma.no "+noneChosen || initial != long {
		t.Errorf("email options %q (initial %q)", values, initial)
	}
	h.slack.Redeliver(id, 0)
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.AcksFor(id)) == 2 }, wait); err != nil {
		t.Fatal(err)
	}
	// Envelopes are handled in order, and a form is recorded as shown
	// when it is queued to open: once the next envelope is acked, a second
	// form would be on record.
	h.command(agent, "help")
	forms := 0
	for _, line := range h.auditLines() {
		if line["outcome"] == "form" {
			forms++
		}
	}
	if forms != 1 {
		t.Errorf("%d forms opened for one shortcut delivered twice", forms)
	}
}

// Values found in a message are typed values like any other: one that is
// not the contact on file is asked about first, only to the presser
// (through the shortcut's response_url); confirmed, the audit message goes
// in the message's thread.
func TestMessageShortcutValuesAreComparedWithTheContactOnFile(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, confirming(map[string]string{"RESEND_LANGUAGE": lang}))
			h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
			id := h.shortcutOn(agent, room, ticket(ticketRe, ticketTS, "order "+uuidA+", new address "+emailTypo, nil, nil))
			h.submit(agent, h.openedForm(1), nil)
			p := h.answered(id)
			c := confirmChoices(t, p.Blocks)
			if len(c) != 3 || !strings.Contains(p.Text, emailTypo) {
				t.Fatalf("answer %q with buttons %v, want a confirmation", p.Text, c)
			}
			if n := len(h.resends()); n != 0 {
				t.Fatalf("%d resends before the presser confirmed", n)
			}
			h.pressed(agent, c[0])
			audit, _ := h.inThread(room, ticketTS)
			if !strings.Contains(audit.Text, uuidA) {
				t.Errorf("audit %q", audit.Text)
			}
			if r := h.resends(); len(r) != 1 || !strings.Contains(string(r[0].Body), emailTypo) {
				t.Errorf("resends %+v, want one to the confirmed address", r)
			}
		})
	}
}

// A link in the message whose label is another address or number than
// its target (in its text, or a rich text link) never fills the form with
// the target: the agent read the label only. The label is offered.
func TestMessageShortcutNeverOffersATargetItsLabelHides(t *testing.T) {
	h := start(t, nil)
	msg := ticket(ticketTS, "", "", nil,
		[]map[string]any{{"type": "rich_text", "block_id": "r", "elements": []map[string]any{{"type": "rich_text_section",
			"elements": []map[string]any{{"type": "text", "text": "mobil "},
				{"type": "link", "url": "tel:+4799999999", "text": "412 34 567"},
				{"type": "text", "text": " or "},
				{"type": "link", "url": "mailto:thief@evil.example", "text": "kari@firma.no"}}}}}})
	// As a helpdesk integration posts it: a link in mrkdwn, not typed.
	msg["text"] = "order " + uuidA + ", new address <mailto:attacker@evil.example|" + emailOnFile + ">"
	h.shortcutOn(agent, room, msg)
	v := h.openedForm(1)
	if form := v.text(); strings.Contains(form, "evil.example") || strings.Contains(form, "99999999") {
		t.Errorf("the form offers a link's hidden target: %s", form)
	}
	if values, initial := options(v.element(formEmail)); strings.Join(values, " ") != emailOnFile+" kari@firma.no "+noneChosen || initial != emailOnFile {
		t.Errorf("email choice %q, initial %q; want the labels", values, initial)
	}
	if el := v.element(formPhone); el["initial_value"] != "+47 412 34 567" {
		t.Errorf("phone = %v, want the label", el)
	}
}

// Where the bot cannot post, nothing is sent and the presser is told,
// through the shortcut's response_url, how to fix it.
func TestMessageShortcutWhereTheBotIsNotTellsThePresser(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang})
			h.slack.SetMember(elsewhere, false)
			id := h.shortcutOn(agent, elsewhere, ticket(ticketTS, "", "order "+uuidA+" kari@firma.no", nil, nil))
			if p := h.submit(agent, h.openedForm(1), nil); fieldErrors(t, p) != nil {
				t.Fatalf("valid form refused: %s", p)
			}
			if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
				for _, p := range s.ResponseURLPosts {
					if p.ID == id && p.Text == h.words().T("msg.not_in_channel") {
						return true
					}
				}
				return false
			}, wait); err != nil {
				t.Errorf("the presser was not told: %v", err)
			}
			if n := len(h.fp.Resends()); n != 0 {
				t.Errorf("front payment calls = %d, want 0", n)
			}
		})
	}
}

// A form whose channel cannot be told (no channel in its metadata, no
// picker in its state) sends nothing.
func TestFormWithoutAChannelSendsNothing(t *testing.T) {
	h := start(t, nil)
	id := h.slack.Interactive(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": agent},
		"view": map[string]any{"id": "V9", "callback_id": formID, "private_metadata": `{"channel":"","source":"shortcut"}`,
			"state": map[string]any{"values": map[string]any{
				formReservation: map[string]any{formValue: map[string]any{"type": "plain_text_input", "value": uuidA}},
				formEmail:       map[string]any{formValue: map[string]any{"type": "plain_text_input", "value": "kari@firma.no"}},
			}}},
	}, 0)
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if errs := fieldErrors(t, ack.Payload); errs[formReservation] != h.words().T("msg.form_unreadable") {
		t.Errorf("errors %v", errs)
	}
	if n := len(h.fp.Resends()); n != 0 {
		t.Errorf("front payment calls = %d", n)
	}
}

// The global shortcut has no response_url: a refusal after the form
// closes (here the cooldown) reaches the presser as a message only they
// see, in the channel they picked.
func TestGlobalShortcutRefusalReachesThePresserInTheChannel(t *testing.T) {
	h := start(t, nil)
	values := map[string]string{formReservation: uuidA, formEmail: "kari@firma.no", formChannel: room}
	for i := 1; i <= 2; i++ {
		h.slack.GlobalShortcut(fakeslack.GlobalShortcut{CallbackID: shortcutGlobal, UserID: agent})
		if errs := fieldErrors(t, h.submit(agent, h.openedForm(i), values)); errs != nil {
			t.Fatalf("submit %d: %v", i, errs)
		}
		if i == 1 {
			h.thread()
		}
	}
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Ephemerals) > 0 }, wait)
	if err != nil {
		t.Fatalf("the presser was not told: %v", err)
	}
	if e := snap.Ephemerals[0]; e.Channel != room || e.User != agent || !strings.Contains(e.Text, "k***@firma.no") {
		t.Errorf("ephemeral %+v, want the cooldown refusal to the presser in %s", e, room)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("resends = %d, want 1", n)
	}
}

// A transient outcome of a message shortcut's resend offers its Retry in
// the ticket's thread; pressed, its own audit message and outcome follow
// there too, not at the channel's top level.
func TestMessageShortcutRetryStaysInTheTicketsThread(t *testing.T) {
	h := start(t, nil)
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	h.shortcutOn(agent, room, ticket(ticketRe, ticketTS, "order "+uuidA+" kari@firma.no", nil, nil))
	if p := h.submit(agent, h.openedForm(1), nil); fieldErrors(t, p) != nil {
		t.Fatalf("valid form refused: %s", p)
	}
	_, reply := h.inThread(room, ticketTS)
	key := retryButton(t, reply)
	if key == "" {
		t.Fatalf("no Retry on a 510: %q", reply.Text)
	}
	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	h.press(agent2, reply, key)
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		th := s.Thread(room, ticketTS)
		return len(th) >= 4 && len(th[2].Updates) > 0
	}, wait)
	if err != nil {
		t.Fatalf("the retry did not run in the ticket's thread: %v", err)
	}
	th := snap.Thread(room, ticketTS)
	if !strings.Contains(th[2].Text, "<@"+agent2+"> retried") || !strings.Contains(th[3].Text, "Sent") {
		t.Errorf("retry audit %q, outcome %q", th[2].Text, th[3].Text)
	}
	for _, m := range snap.Messages {
		if m.Channel == room && m.ThreadTS == "" {
			t.Errorf("a message at the channel's top level: %q", m.Text)
		}
	}
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2", n)
	}
}
