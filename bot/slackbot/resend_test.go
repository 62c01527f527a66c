package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

func TestResendByEmailEndToEnd(t *testing.T) {
	h := start(t, nil)

	if got := h.command(agent, strings.ToUpper(uuidA)+" email=kari@example.com"); got != "" {
		t.Fatalf("accepted request answered the caller at once with %q; want an empty ack", got)
	}
	root, reply := h.thread()

	// Audit first: the root message names requester, reservation and the
	// masked destination, and existed before Front Payment was called.
	for _, want := range []string{"<@" + agent + ">", "`" + uuidA + "`", "email to `k***@example.com`"} {
		if !strings.Contains(root.Text, want) {
			t.Errorf("root message %q lacks %q", root.Text, want)
		}
	}
	if strings.Contains(root.Text, "kari@example.com") || strings.Contains(reply.Text, "kari@example.com") {
		t.Errorf("channel shows the full address: %q / %q", root.Text, reply.Text)
	}
	reqs := h.fp.Resends()
	if len(reqs) != 1 {
		t.Fatalf("front payment calls = %d, want 1", len(reqs))
	}
	if !root.At.Before(reqs[0].At) {
		t.Errorf("front payment was called at %v, before the audit message existed at %v", reqs[0].At, root.At)
	}
	if reqs[0].Path != "/api/v1/connect/reservations/resend/"+uuidA {
		t.Errorf("path = %q", reqs[0].Path)
	}
	if got, want := string(reqs[0].Body), `{"countryCode":null,"msisdn":null,"email":"kari@example.com"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}

	// The outcome is a reply in the root's thread, and the root shows it.
	if reply.ThreadTS != root.TS {
		t.Errorf("reply thread_ts = %q, want root ts %q", reply.ThreadTS, root.TS)
	}
	if !strings.Contains(reply.Text, "Sent") || !strings.Contains(reply.Text, "customer gets the payment link") {
		t.Errorf("reply %q does not say it was sent", reply.Text)
	}
	last := root.Updates[len(root.Updates)-1]
	if !strings.Contains(last.Text, "Sent") {
		t.Errorf("root not updated with the outcome: %q", last.Text)
	}
	assertBlocksWithFallback(t, reply.Blocks, reply.Text)
	assertBlocksWithFallback(t, last.Blocks, last.Text)
	// Both carry the status emoji, the reservation in code style, the
	// requester, the masked destination, and Front Payment's answer and time.
	for _, b := range []json.RawMessage{reply.Blocks, last.Blocks} {
		for _, want := range []string{":white_check_mark:", "`" + uuidA + "`", "<@" + agent + ">", "email to `k***@example.com`",
			"Front Payment: sent (HTTP 202) · "} {
			if !strings.Contains(unescapeJSON(b), want) {
				t.Errorf("blocks lack %q: %s", want, b)
			}
		}
	}

	line := h.waitAudit(1)[0]
	for k, want := range map[string]any{"user": agent, "channel": room, "reservation": uuidA, "outcome": "sent", "http_status": 202.0} {
		if line[k] != want {
			t.Errorf("audit %s = %v, want %v (line %v)", k, line[k], want, line)
		}
	}
	if ds, _ := line["destinations"].([]any); len(ds) != 1 || ds[0] != "k***@example.com" {
		t.Errorf("audit destinations = %v, want the masked address", line["destinations"])
	}
}

func TestResendBySMSSendsCountryCodeAndNationalNumber(t *testing.T) {
	h := start(t, nil)
	h.command(agent, uuidA+" phone=+47 412 34 567 email=<mailto:kari@example.com|kari@example.com>")
	root, _ := h.thread()
	if !strings.Contains(root.Text, "SMS to `+47 ****4567`") || !strings.Contains(root.Text, "email to `k***@example.com`") {
		t.Errorf("root %q does not name both masked destinations", root.Text)
	}
	reqs := h.fp.Resends()
	if len(reqs) != 1 {
		t.Fatalf("front payment calls = %d, want 1 (both channels in one call)", len(reqs))
	}
	if got, want := string(reqs[0].Body), `{"countryCode":"+47","msisdn":"41234567","email":"kari@example.com"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestUnmaskedContactsWhenMaskingIsOff(t *testing.T) {
	h := start(t, map[string]string{"RESEND_MASK_CONTACTS": "false"})
	h.command(agent, uuidA+" sms=41234567")
	root, _ := h.thread()
	if !strings.Contains(root.Text, "SMS to `+47 412 34 567`") {
		t.Errorf("root %q should show the full number when RESEND_MASK_CONTACTS=false", root.Text)
	}
}

func TestEveryOutcomeIsWordedInTheThread(t *testing.T) {
	cases := []struct {
		name   string
		answer frontpaytest.Answer
		words  []string
		kind   string
		root   string
	}{
		{"sent", frontpaytest.Accepted(), []string{"Sent", "Nothing else to do"}, "sent", "Sent"},
		{"not found", frontpaytest.NotFound(), []string{"reservation not found", "Check the ID"}, "not_found", "reservation not found"},
		{"completed", frontpaytest.Completed(), []string{"already paid", "nothing was sent"}, "completed", "already paid"},
		{"cancelled", frontpaytest.Cancelled(), []string{"cancelled", "nothing was sent"}, "cancelled", "reservation cancelled"},
		{"invalid", frontpaytest.Invalid(`{"email":["The email must be a valid email address."]}`),
			[]string{"rejected the contact details", "email: The email must be a valid email address."}, "invalid", "contact details rejected"},
		{"unauthorized", frontpaytest.Unauthorized(), []string{"refused resendbot's access token", "admin"}, "unauthorized", "access was refused"},
		{"rate limited", frontpaytest.RateLimited(30), []string{"Try again in 30 seconds"}, "rate_limited", "Front Payment is busy"},
		{"510", frontpaytest.ServerFailure(), []string{"problem on its side (HTTP 510)", "may or may not have reached the customer"}, "server_error", "Front Payment failed"},
		{"502 html", frontpaytest.BadGateway(), []string{"HTTP 502", "may or may not have reached the customer"}, "server_error", "Front Payment failed"},
		{"garbage", frontpaytest.Garbage(418), []string{"doesn't understand (HTTP 418)"}, "unexpected", "Unexpected answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, nil)
			h.fp.SetAnswer(uuidA, c.answer)
			h.command(agent, uuidA+" email=kari@example.com")
			root, reply := h.thread()
			for _, w := range c.words {
				if !strings.Contains(reply.Text, w) {
					t.Errorf("reply %q lacks %q", reply.Text, w)
				}
			}
			if strings.Contains(reply.Text, "{") || strings.Contains(reply.Text, "frontpay:") {
				t.Errorf("reply shows raw JSON or a Go error: %q", reply.Text)
			}
			if n := len(h.fp.Resends()); n != 1 {
				t.Errorf("front payment calls = %d, want exactly 1", n)
			}
			if got := root.Updates[len(root.Updates)-1].Text; strings.Contains(got, "Sending") || !strings.Contains(got, c.root) {
				t.Errorf("root message not updated with the outcome: %q", got)
			}
			if line := h.waitAudit(1)[0]; line["outcome"] != c.kind {
				t.Errorf("audit outcome = %v, want %s", line["outcome"], c.kind)
			}
		})
	}
}

func TestFrontPaymentTimeoutSaysItMayHaveBeenSent(t *testing.T) {
	h := start(t, map[string]string{"FRONTPAYMENT_TIMEOUT": "200ms"})
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Hold: hold})
	h.command(agent, uuidA+" email=kari@example.com")
	_, reply := h.thread()
	for _, w := range []string{"did not answer", "may or may not have reached the customer"} {
		if !strings.Contains(reply.Text, w) {
			t.Errorf("reply %q lacks %q", reply.Text, w)
		}
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1: a timeout is never retried automatically", n)
	}
}

func TestBadInputIsAnsweredOnlyToTheCallerAndSendsNothing(t *testing.T) {
	h := start(t, nil)
	cases := map[string]string{
		"not-a-uuid email=kari@example.com":  "reservation",
		uuidA + " email=kari@example":        "email",
		uuidA + " phone=+47 12345678":        "valid",
		uuidA + " phone=+47 22 12 34 56":     "landline",
		uuidA + " fax=123":                   "fax",
		uuidA + " email=a@b.no email=c@d.no": "email",
	}
	for text, want := range cases {
		got := h.command(agent, text)
		if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
			t.Errorf("%q answered %q, want it to mention %q", text, got, want)
		}
	}
	if n := len(h.fp.Resends()); n != 0 {
		t.Errorf("bad input called Front Payment %d times", n)
	}
	if ms := h.slack.Messages(); len(ms) != 0 {
		t.Errorf("bad input posted in the channel: %+v", ms)
	}
	if lines := h.waitAudit(len(cases)); lines[0]["reason"] != bot.ReasonInvalidInput {
		t.Errorf("audit line for bad input: %v", lines[0])
	}
}

func TestHelpShowsUsage(t *testing.T) {
	h := start(t, nil)
	for _, text := range []string{"help", "HELP"} {
		got := h.command(agent, text)
		if !strings.Contains(got, "email=") || !strings.Contains(got, "phone=") {
			t.Errorf("%q answered %q, want usage", text, got)
		}
	}
	if len(h.fp.Resends()) != 0 || len(h.slack.Messages()) != 0 {
		t.Error("help sent something")
	}
	for _, line := range h.waitAudit(2) {
		if line["outcome"] != "help" || line["user"] != agent {
			t.Errorf("audit line for help = %v", line)
		}
	}
}

func TestAuditMessageThatCannotBePostedSendsNothing(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext("chat.postMessage", 1, fakeslack.Fault{SlackError: "not_in_channel"})
	h.command(agent, uuidA+" email=kari@example.com")
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.ResponseURLPosts) > 0 }, wait)
	if err != nil {
		t.Fatalf("caller was not told: %v", err)
	}
	var p struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(snap.ResponseURLPosts[0].Body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ResponseType != "ephemeral" || !strings.Contains(p.Text, "/invite @resendbot") || !strings.Contains(p.Text, "Nothing was sent") {
		t.Errorf("caller told %+v; want an ephemeral how-to-fix", p)
	}
	if n := len(h.fp.Resends()); n != 0 {
		t.Errorf("front payment called %d times without an audit message", n)
	}
	// The failed attempt started no cooldown: the same request works once the bot is invited.
	h.command(agent, uuidA+" email=kari@example.com")
	h.thread()
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls after invite = %d, want 1", n)
	}
}

// assertBlocksWithFallback checks a Block Kit payload: a section with the
// text, a context line, and a plain-text fallback.
func assertBlocksWithFallback(t *testing.T, blocks json.RawMessage, text string) {
	t.Helper()
	if strings.TrimSpace(text) == "" {
		t.Error("message has no plain text fallback")
	}
	var bs []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	if len(bs) < 2 || bs[0].Type != "section" || bs[len(bs)-1].Type != "context" {
		t.Errorf("blocks = %s; want a section and a context line", blocks)
	}
}

func TestFrontPaymentRefusingConnectionsIsReportedOnce(t *testing.T) {
	closed := "http://" + closedAddr(t)
	h := start(t, map[string]string{"FRONTPAYMENT_BASE_URL": closed})
	h.command(agent, uuidA+" email=kari@example.com")
	root, reply := h.thread()
	if !strings.Contains(reply.Text, "could not reach Front Payment") || retryButton(t, reply) == "" {
		t.Errorf("reply = %q; want it unreachable, with a Retry button", reply.Text)
	}
	if !strings.Contains(root.Updates[len(root.Updates)-1].Text, "could not be reached") {
		t.Errorf("root = %q", root.Updates[len(root.Updates)-1].Text)
	}
	if line := h.waitAudit(1)[0]; line["outcome"] != "unreachable" || line["http_status"] != 0.0 {
		t.Errorf("audit = %v", line)
	}
}

func TestFrontPaymentGarbageAnswerIsUnexpected(t *testing.T) {
	h := start(t, nil)
	h.fp.SetAnswer(uuidA, frontpaytest.Garbage(200))
	h.command(agent, uuidA+" email=kari@example.com")
	_, reply := h.thread()
	if !strings.Contains(reply.Text, "doesn't understand (HTTP 200)") || !strings.Contains(reply.Text, "not known whether the link was sent") {
		t.Errorf("reply = %q", reply.Text)
	}
	if retryButton(t, reply) != "" {
		t.Error("an answer that may mean success must not offer a Retry")
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

// unescapeJSON undoes encoding/json's HTML escaping, so that a test can look
// for "<@U…>" in a JSON payload.
func unescapeJSON(b json.RawMessage) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}
