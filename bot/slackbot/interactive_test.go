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

// retryButton returns the Retry button's value in a reply, "" if none.
func retryButton(t *testing.T, m fakeslack.Message) string {
	t.Helper()
	var blocks slack.Blocks
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	for _, b := range blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == actionRetry {
					if btn.Confirm == nil {
						t.Error("Retry button has no confirmation dialog")
					}
					return btn.Value
				}
			}
		}
	}
	return ""
}

// press sends a block_actions envelope for the Retry button of reply.
func (h *harness) press(user string, reply fakeslack.Message, value string) string {
	h.t.Helper()
	id := h.pressOn(0, user, reply, value)
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		h.t.Fatalf("press not acknowledged: %v", err)
	}
	return id
}

// pressOn sends the press on socket conn without waiting for its ack.
func (h *harness) pressOn(conn int, user string, reply fakeslack.Message, value string) string {
	return h.slack.Interactive(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"channel":      map[string]any{"id": reply.Channel},
		"response_url": h.slack.ResponseURL("press-" + user),
		"trigger_id":   "trig-press",
		"container":    map[string]any{"type": "message", "message_ts": reply.TS, "channel_id": reply.Channel},
		"message":      map[string]any{"ts": reply.TS, "text": reply.Text, "blocks": json.RawMessage(reply.Blocks), "thread_ts": reply.ThreadTS},
		"actions":      []map[string]any{{"type": "button", "action_id": actionRetry, "block_id": blockRetry, "value": value}},
	}, conn)
}

func TestRetryButtonOnlyOnTransientOutcomes(t *testing.T) {
	for _, c := range []struct {
		answer frontpaytest.Answer
		button bool
	}{
		{frontpaytest.ServerFailure(), true},
		{frontpaytest.BadGateway(), true},
		{frontpaytest.RateLimited(5), true},
		{frontpaytest.Accepted(), false},
		{frontpaytest.NotFound(), false},
		{frontpaytest.Completed(), false},
		{frontpaytest.Invalid(`"bad"`), false},
		{frontpaytest.Unauthorized(), false},
	} {
		h := start(t, nil)
		h.fp.SetAnswer(uuidA, c.answer)
		_, reply := h.thread2(agent, uuidA+" email=kari@example.com")
		if got := retryButton(t, reply) != ""; got != c.button {
			t.Errorf("HTTP %d: Retry button = %v, want %v", c.answer.Status, got, c.button)
		}
	}
}

// thread2 sends a command and waits for its root and reply.
func (h *harness) thread2(user, text string) (root, reply fakeslack.Message) {
	h.t.Helper()
	return h.rootOf(h.sent(user, text))
}

func (h *harness) rootOf(reply fakeslack.Message) (root, r fakeslack.Message) {
	h.t.Helper()
	for _, m := range h.slack.Messages() {
		if m.TS == reply.ThreadTS {
			return m, reply
		}
	}
	h.t.Fatalf("no root for reply %+v", reply)
	return
}

func TestRetryPressedOnceSendsOnceMore(t *testing.T) {
	h := start(t, nil)
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	root, reply := h.thread2(agent, uuidA+" phone=+47 412 34 567")
	key := retryButton(t, reply)
	if key == "" {
		t.Fatal("no Retry button on a 510")
	}
	if strings.Contains(string(reply.Blocks), "41234567") {
		t.Error("the Retry button carries the customer's number; it must stay on the server")
	}
	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	h.press(agent2, reply, key)

	// A second audit message and its outcome follow in the same thread.
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		th := s.Thread(room, root.TS)
		return len(th) >= 3 && len(th[1].Updates) > 0 && len(th[0].Updates) > 0
	}, wait)
	if err != nil {
		t.Fatalf("retry did not run in the thread: %v", err)
	}
	th := snap.Thread(room, root.TS)
	if !strings.Contains(th[1].Text, "<@"+agent2+"> retried") || !strings.Contains(th[1].Text, "SMS to `+47 ****4567`") {
		t.Errorf("retry audit message = %q", th[1].Text)
	}
	if !strings.Contains(th[2].Text, "Sent") {
		t.Errorf("retry outcome = %q", th[2].Text)
	}
	reqs := h.fp.Resends()
	if len(reqs) != 2 || string(reqs[1].Body) != `{"countryCode":"+47","msisdn":"41234567","email":null}` {
		t.Fatalf("front payment calls = %d (%v), want 2 with the same body", len(reqs), reqs)
	}
	// The channel's root message now tells how it ended.
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		m, _ := s.Message(room, root.TS)
		last := m.Updates[len(m.Updates)-1].Text
		return strings.Contains(last, "Sent (after a Retry by <@"+agent2+">") && strings.Contains(last, "<@"+agent+"> asked")
	}, wait); err != nil {
		t.Errorf("root message not updated with the retry's outcome: %v", err)
	}
	// The pressed button is replaced by who pressed it.
	first, _ := snap.Message(room, reply.TS)
	if len(first.Updates) == 0 || retryButton(t, fakeslack.Message{Blocks: first.Updates[len(first.Updates)-1].Blocks}) != "" {
		t.Errorf("the used Retry button is still there: %+v", first.Updates)
	}

	// Pressed again (a double click, or a stale client): nothing more.
	h.press(agent, reply, key)
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, "already used") {
				return true
			}
		}
		return false
	}, wait); err != nil {
		t.Errorf("second press not answered: %v", err)
	}
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls after a second press = %d, want still 2", n)
	}
}

func TestRetryGoesThroughTheGuardrails(t *testing.T) {
	h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent})
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	_, reply := h.thread2(agent, uuidA+" email=kari@example.com")
	h.press(agent2, reply, retryButton(t, reply))
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, "not on the list") {
				return true
			}
		}
		return false
	}, wait); err != nil {
		t.Errorf("a retry by someone not allowed was not refused: %v", err)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

// A press the checks refuse (someone not allowed, someone over their rate)
// leaves the button for the requester.
func TestARefusedPressLeavesTheButton(t *testing.T) {
	const outsider = "U0OUTSIDER"
	h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent + "," + agent2, "RESEND_RATE_PER_USER": "2/1h"})
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	_, reply := h.thread2(agent, uuidA+" email=kari@example.com")
	key := retryButton(t, reply)
	for i := range 2 { // agent2's resends this hour
		h.sent(agent2, fmt.Sprintf("4a2b3c4d-0000-4000-8000-00000000000%d email=other@example.com", i))
	}

	h.press(outsider, reply, key)
	h.responseURLSays("not on the list")
	h.press(agent2, reply, key)
	h.responseURLSays("a lot of requests")
	if n := len(h.fp.Resends()); n != 3 {
		t.Fatalf("front payment calls after two refused presses = %d, want 3", n)
	}

	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	h.press(agent, reply, key)
	if reqs := h.fp.WaitForResends(4, wait); len(reqs) != 4 {
		t.Fatalf("the requester's press after two refused ones: front payment calls = %d, want 4", len(reqs))
	}
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, "already used") {
				return true
			}
		}
		return false
	}, time.Second)
	if err == nil {
		t.Errorf("a refused press used the button up: %+v", snap.ResponseURLPosts)
	}
}

func TestMentionInAThreadRepliesInThatThread(t *testing.T) {
	h := start(t, nil)
	const ticket = "1600000000.000200"
	h.slack.EventsAPI(map[string]any{
		"type": "app_mention", "user": agent, "channel": room, "ts": "1700000001.000300", "thread_ts": ticket,
		"text": "<@" + fakeslack.BotUserID + "> resend " + uuidA + " email=<mailto:kari@example.com|kari@example.com>",
	}, fakeslack.EventOpts{})
	th := h.threadOf(ticket)
	if !strings.Contains(th[0].Text, "<@"+agent+">") || !strings.Contains(th[1].Text, "Sent") {
		t.Errorf("thread = %q / %q", th[0].Text, th[1].Text)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}

	// Bad input in a mention is answered only to its author, in the thread.
	h.slack.EventsAPI(map[string]any{
		"type": "app_mention", "user": agent, "channel": room, "ts": "1700000002.000400", "thread_ts": ticket,
		"text": "<@" + fakeslack.BotUserID + "> resend nope",
	}, fakeslack.EventOpts{})
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Ephemerals) > 0 }, wait)
	if err != nil {
		t.Fatal(err)
	}
	if e := snap.Ephemerals[0]; e.User != agent || e.ThreadTS != ticket || !strings.Contains(e.Text, "reservation or order ID") {
		t.Errorf("ephemeral = %+v", e)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("bad mention called front payment")
	}
}

func TestFormOpensValidatesAndSends(t *testing.T) {
	h := start(t, nil)
	if got := h.command(agent, ""); got != "" {
		t.Errorf("empty /resend acked with %q; want the form", got)
	}
	views, err := h.slack.WaitCalls("views.open", 1, wait)
	if err != nil {
		t.Fatalf("form not opened: %v", err)
	}
	if views[0].Form.Get("trigger_id") == "" {
		t.Error("views.open without trigger_id")
	}

	metadata := formMetadata(t, views[0])
	submit := func(reservation, email, phone string) json.RawMessage {
		return h.submitForm(agent, metadata, reservation, email, phone)
	}

	for _, c := range []struct{ reservation, email, phone, block string }{
		{"nope", "kari@example.com", "", formReservation},
		{uuidA, "kari@", "", formEmail},
		{uuidA, "", "+47 22 12 34 56", formPhone},
		{uuidA, "", "", formEmail},
	} {
		var resp slack.ViewSubmissionResponse
		if err := json.Unmarshal(submit(c.reservation, c.email, c.phone), &resp); err != nil {
			t.Fatal(err)
		}
		if resp.ResponseAction != slack.RAErrors || resp.Errors[c.block] == "" {
			t.Errorf("%+v: ack = %+v, want response_action errors on %s", c, resp, c.block)
		}
	}
	if n := len(h.fp.Resends()); n != 0 {
		t.Fatalf("invalid forms called front payment %d times", n)
	}

	if p := submit(uuidA, "kari@example.com", ""); len(p) != 0 && string(p) != "null" {
		t.Errorf("valid form acked with %s; want an empty ack that closes it", p)
	}
	root, reply := h.thread()
	if root.Channel != room || !strings.Contains(root.Text, "k***@example.com") || !strings.Contains(reply.Text, "Sent") {
		t.Errorf("form flow: root %q reply %q", root.Text, reply.Text)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

func TestFormThatCannotOpenFallsBackToUsage(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext("views.open", 1, fakeslack.Fault{SlackError: "expired_trigger_id"})
	h.command(agent, "")
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		return len(s.ResponseURLPosts) > 0 && strings.Contains(s.ResponseURLPosts[0].Text, "email=")
	}, wait); err != nil {
		t.Errorf("no usage after the form failed: %v", err)
	}
}

func TestAppHomeShowsOnlyTheViewersResends(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	h.sent(agent, uuidA+" email=kari@example.com")
	h.sent(agent2, uuidA+" phone=41234567")
	h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": agent, "channel": "D1", "tab": "home"}, fakeslack.EventOpts{})
	calls, err := h.slack.WaitCalls("views.publish", 1, wait)
	if err != nil {
		t.Fatal(err)
	}
	view := string(calls[0].JSON) + calls[0].Form.Get("view")
	if !strings.Contains(view, "k***@example.com") || !strings.Contains(view, uuidA) {
		t.Errorf("home lacks the viewer's resend: %s", view)
	}
	if strings.Contains(view, "****4567") {
		t.Errorf("home shows someone else's resend: %s", view)
	}
	if calls[0].Form.Get("user_id") != agent && !strings.Contains(string(calls[0].JSON), agent) {
		t.Errorf("published for the wrong user: %+v", calls[0])
	}
}

// Slack gives a form 3 s to open: opening it must not wait behind sends.
func TestFormOpensWhileSendsFillTheQueue(t *testing.T) {
	h := startBusy(t)
	if got := h.command(agent2, ""); got != "" {
		t.Errorf("empty /resend acked with %q; want the form", got)
	}
	views, err := h.slack.WaitCalls("views.open", 1, wait)
	if err != nil {
		t.Fatalf("the form did not open while sends filled the queue: %v", err)
	}
	if views[0].Error != "" {
		t.Errorf("views.open answered %q: the trigger expired waiting behind sends", views[0].Error)
	}
}

// startBusy starts a bot with one Front Payment call in flight, held
// until the test ends, and its queue full behind it.
func startBusy(t *testing.T) *harness {
	t.Helper()
	h := start(t, map[string]string{"RESEND_MAX_INFLIGHT": "1", "RESEND_RATE_PER_USER": "100/1m", "RESEND_COOLDOWN": "0"})
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	h.fp.SetDefault(frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})
	h.command(agent, uuidA+" email=busy@example.com")
	h.fp.WaitForResends(1, wait)
	for i := range h.bot.engine.QueueCapacity() {
		if got := h.command(agent, fmt.Sprintf("%s email=q%d@example.com", uuidA, i)); got != "" {
			t.Fatalf("request %d refused before the queue was full: %q", i, got)
		}
	}
	return h
}

// formMetadata is the private_metadata of the view a views.open call opened.
func formMetadata(t *testing.T, call fakeslack.Call) string {
	t.Helper()
	var v struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	if err := json.Unmarshal([]byte(call.Form.Get("view")), &v); err != nil {
		t.Fatalf("views.open view: %v", err)
	}
	return v.PrivateMetadata
}

// submitForm submits the form as user, with the metadata the bot gave it,
// and returns the ack's payload.
func (h *harness) submitForm(user, metadata, reservation, email, phone string) json.RawMessage {
	h.t.Helper()
	val := func(v string) map[string]any {
		return map[string]any{formValue: map[string]any{"type": "plain_text_input", "value": v}}
	}
	id := h.slack.Interactive(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": user},
		"view": map[string]any{
			"id": "V1", "callback_id": formID, "private_metadata": metadata,
			"state": map[string]any{"values": map[string]any{
				formReservation: val(reservation), formEmail: val(email), formPhone: val(phone),
			}},
		},
	}, 0)
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	return ack.Payload
}

// A form submitted from where the bot cannot post tells its caller, through
// the command's response_url, what happened and how to fix it.
func TestFormFromWhereTheBotCannotPostTellsTheCaller(t *testing.T) {
	for _, c := range []struct{ channel, want string }{
		{"C0ELSEWHERE", "/invite @resendbot"},
		{"D0PEOPLE", "direct message"},
	} {
		t.Run(c.channel, func(t *testing.T) {
			h := start(t, nil)
			h.slack.SetMember(c.channel, false)
			id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: c.channel})
			if _, err := h.slack.WaitAck(id, wait); err != nil {
				t.Fatal(err)
			}
			views, err := h.slack.WaitCalls("views.open", 1, wait)
			if err != nil {
				t.Fatalf("form not opened: %v", err)
			}
			if p := h.submitForm(agent, formMetadata(t, views[0]), uuidA, "kari@example.com", ""); len(p) != 0 && string(p) != "null" {
				t.Errorf("valid form acked with %s", p)
			}
			snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
				for _, p := range s.ResponseURLPosts {
					if p.ID == id && strings.Contains(p.Text, c.want) && strings.Contains(p.Text, "Nothing was sent") {
						return true
					}
				}
				return false
			}, wait)
			if err != nil {
				t.Errorf("the caller was not told, through the command's response_url: %v\nposts: %+v", err, snap.ResponseURLPosts)
			}
			if n := len(h.fp.Resends()); n != 0 {
				t.Errorf("front payment calls = %d, want 0 (no audit message, no send)", n)
			}
		})
	}
}
