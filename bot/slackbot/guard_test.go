package slackbot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// refused asserts a request was refused to the caller with want in the
// words, sent nothing and posted nothing.
func (h *harness) refused(user, text, want string) {
	h.t.Helper()
	calls, posts := h.fp.Calls(), len(h.slack.Messages())
	got := h.callerAnswer(user, text)
	if !strings.Contains(got, want) {
		h.t.Errorf("%q answered %q, want %q", text, got, want)
	}
	if !strings.Contains(strings.ToLower(got), "nothing") {
		h.t.Errorf("refusal %q does not say nothing was sent", got)
	}
	if h.fp.Calls() != calls || len(h.slack.Messages()) != posts {
		h.t.Errorf("refused request reached Front Payment or the channel")
	}
}

// sent runs a request to its outcome and returns the reply.
func (h *harness) sent(user, text string) fakeslack.Message {
	h.t.Helper()
	before := len(h.slack.Messages())
	if got := h.command(user, text); got != "" {
		h.t.Fatalf("%q refused: %q", text, got)
	}
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		return len(s.Messages) >= before+2 && len(s.Messages[before].Updates) > 0
	}, wait)
	if err != nil {
		h.t.Fatalf("no outcome for %q: %v", text, err)
	}
	return snap.Messages[before+1]
}

func TestAllowlists(t *testing.T) {
	h := start(t, map[string]string{"RESEND_ALLOWED_CHANNELS": "C0ELSEWHERE", "RESEND_ALLOWED_USERS": agent})
	h.refused(agent, uuidA+" email=kari@example.com", "RESEND_ALLOWED_CHANNELS")

	h = start(t, map[string]string{"RESEND_ALLOWED_CHANNELS": room, "RESEND_ALLOWED_USERS": agent})
	h.refused(agent2, uuidA+" email=kari@example.com", "not on the list")
	h.sent(agent, uuidA+" email=kari@example.com")

	lines := h.waitAudit(2)
	if lines[0]["outcome"] != "refused" || lines[0]["reason"] != bot.ReasonUser {
		t.Errorf("refusal audit line = %v", lines[0])
	}
}

func TestPerUserRateLimit(t *testing.T) {
	h := start(t, map[string]string{"RESEND_RATE_PER_USER": "2/1h", "RESEND_COOLDOWN": "0"})
	h.sent(agent, uuidA+" email=a@example.com")
	h.sent(agent, uuidA+" email=b@example.com")
	h.refused(agent, uuidA+" email=c@example.com", "Try again in 30 minutes")
	// Another person still has their own budget.
	h.sent(agent2, uuidA+" email=d@example.com")
	// Bad input spends nothing: a third user with typos keeps both tokens.
	h.command("U0TYPO", "oops")
	h.command("U0TYPO", uuidA+" email=nope")
	h.sent("U0TYPO", uuidA+" email=e@example.com")
	h.sent("U0TYPO", uuidA+" email=f@example.com")
	if n := len(h.fp.Resends()); n != 5 {
		t.Errorf("front payment calls = %d, want 5", n)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	h := start(t, map[string]string{"RESEND_RATE_GLOBAL": "2/1m", "RESEND_COOLDOWN": "0"})
	h.sent(agent, uuidA+" email=a@example.com")
	h.sent(agent2, uuidA+" email=b@example.com")
	h.refused("U0THIRD", uuidA+" email=c@example.com", "The team has made a lot of requests")
}

func TestCooldown(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "2m"})
	h.sent(agent, uuidA+" email=kari@example.com")
	// Same reservation, same destination (any case): refused, naming when and by whom.
	h.refused(agent2, uuidA+" email=KARI@example.com", "already sent by email to `K***@example.com`")
	got := h.command(agent2, uuidA+" email=kari@example.com")
	if !strings.Contains(got, "ago by <@"+agent+">") || !strings.Contains(got, "again in 2 minutes") {
		t.Errorf("cooldown refusal %q should say how long ago, by whom, and when it may be sent again", got)
	}
	// A request for two channels where one is cooling down is refused whole, naming it.
	h.refused(agent, uuidA+" phone=41234567 email=kari@example.com", "k***@example.com")
	// A different destination for the same reservation is fine.
	h.sent(agent, uuidA+" phone=41234567")
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2", n)
	}
}

func TestFailedResendStartsNoCooldown(t *testing.T) {
	h := start(t, nil)
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	h.sent(agent, uuidA+" email=kari@example.com")
	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	reply := h.sent(agent, uuidA+" email=kari@example.com")
	if !strings.Contains(reply.Text, "Sent") {
		t.Errorf("retry after a failure: %q", reply.Text)
	}
}

func TestSameRequestWhileInFlightIsRefused(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	hold := make(chan struct{})
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})
	h.command(agent, uuidA+" email=kari@example.com")
	h.fp.WaitForResends(1, wait)
	h.refused(agent, uuidA+" email=kari@example.com", "A resend of this payment link by email to `k***@example.com` is already in progress")
	close(hold)
	h.thread()
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

func TestFrontPaymentRateLimitSaysWhenToTryAgain(t *testing.T) {
	h := start(t, nil)
	h.fp.SetAnswer(uuidA, frontpaytest.RateLimited(90))
	reply := h.sent(agent, uuidA+" email=kari@example.com")
	if !strings.Contains(reply.Text, "Try again in 90 seconds") {
		t.Errorf("reply %q should say when to try again", reply.Text)
	}
}

func TestSlackRateLimitLosesNoOutcome(t *testing.T) {
	// Once limited, the channel is paced (about a post a second in
	// production); a shorter pace keeps the test's nine posts quick.
	h := startOn(t, map[string]string{"RESEND_COOLDOWN": "0"}, fakeslack.New(t), frontpaytest.NewServer(t), bot.State{},
		func(d *bot.Deps) { d.SlackPostInterval = 20 * time.Millisecond })
	// Slack answers the first posts 429 (Retry-After 0 keeps the test fast;
	// the wait honours it whatever it says).
	h.slack.FailNext("chat.postMessage", 3, fakeslack.Fault{HTTPStatus: 429, RetryAfter: 0})
	h.slack.FailNext("chat.update", 2, fakeslack.Fault{HTTPStatus: 429, RetryAfter: 0})
	h.outcomes(3)
}

func TestRedeliveredEnvelopeIsActedOnOnce(t *testing.T) {
	h := start(t, nil)
	payload, _ := json.Marshal(map[string]any{
		"user_id": agent, "channel_id": room, "command": "/resend", "text": uuidA + " email=kari@example.com",
		"response_url": h.slack.APIURL() + "../response/x", "trigger_id": "1.2",
	})
	env := fakeslack.Envelope{Type: "slash_commands", EnvelopeID: "env-dup-1", Payload: payload}
	h.slack.Send(env)
	env.RetryAttempt, env.RetryReason = 1, "timeout"
	h.slack.Send(env)
	h.thread()
	deadline := time.Now().Add(wait)
	for len(h.slack.Acks()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(h.slack.Acks()); n != 2 {
		t.Errorf("acks = %d, want both deliveries acknowledged", n)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
	// A new envelope that is a retry (retry_attempt > 0) is not dropped for that.
	env = fakeslack.Envelope{Type: "slash_commands", EnvelopeID: "env-new-2", Payload: payload, RetryAttempt: 2}
	h.slack.Send(env)
	if _, err := h.slack.WaitAck("env-new-2", wait); err != nil {
		t.Fatal(err)
	}
}

// TestNoSecretInAnyLogLine reads what the code logged before the
// redacting writer (the last line of defence) saw it: no code path may log
// a token or a customer's full contact, even at debug level.
func TestNoSecretInAnyLogLine(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0", "RESEND_RATE_PER_USER": "100/1m"})
	const email, phone = "kari.nordmann@example.com", "41234567"
	echo := fmt.Sprintf("%q", "token "+h.fp.Token+" "+strings.ToUpper(h.fp.Token)+" for "+strings.ToUpper(email)+" +47 412 34 567")
	answers := []frontpaytest.Answer{
		frontpaytest.Unauthorized(),
		{Status: 401, Body: `{"message":` + echo + `}`},
		frontpaytest.Invalid(`{"email":[` + echo + `]}`),
		{Status: 510, Body: `{"message":` + echo + `}`},
		{Status: 418, Body: echo},
	}
	for i, a := range answers {
		u := fmt.Sprintf("5e5e5e5e-0000-4000-8000-%012d", i)
		h.fp.SetAnswer(u, a)
		h.sent(agent, u+" email="+email+" phone=+47"+phone)
	}
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	h.answered(h.slash(agent, "status "+uuidA))
	h.refused(agent, "nope", "")
	h.shutdown()
	out := h.rawLogs.String()
	if !strings.Contains(out, `"level":"DEBUG"`) {
		t.Fatal("no debug lines: the test would not see what debug logging leaks")
	}
	lower := strings.ToLower(out)
	for _, s := range h.cfg.Secrets() {
		if strings.Contains(lower, strings.ToLower(s)) {
			t.Errorf("the code logged the secret %q", s[:6]+"…")
		}
	}
	if strings.Contains(lower, email) {
		t.Error("the code logged the customer's full address")
	}
	if strings.Contains(strings.NewReplacer(" ", "", "-", "").Replace(out), phone) {
		t.Error("the code logged the customer's full number")
	}
}
