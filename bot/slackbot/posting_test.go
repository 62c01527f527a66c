package slackbot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// mention delivers "@resendbot <text>" written at ts, in thread when not
// "" (else at the top level of the channel), with extra fields. text is as
// Slack delivers it (mailto, below).
func (h *harness) mention(ts, thread, text string, extra map[string]any) {
	ev := map[string]any{"type": "app_mention", "user": agent, "channel": room, "ts": ts, "text": "<@" + fakeslack.BotUserID + "> " + text}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	for k, v := range extra {
		ev[k] = v
	}
	h.slack.EventsAPI(ev, fakeslack.EventOpts{})
}

// mailto is an address as Slack delivers it in a message's text.
func mailto(addr string) string { return "<mailto:" + addr + "|" + addr + ">" }

// Slack re-sends an edited message that mentions the bot, with a new
// event_id: it is acknowledged and never acted on again.
func TestAnEditedMentionIsNotActedOnAgain(t *testing.T) {
	h := start(t, nil)
	const ticket = "1600000000.000200"
	h.mention("1700000001.000300", ticket, "resend "+uuidA+" email="+mailto("kari@example.com"), nil)
	h.threadOf(ticket)
	id := h.slack.EventsAPI(map[string]any{
		"type": "app_mention", "user": agent, "channel": room, "ts": "1700000001.000300", "thread_ts": ticket,
		"text":   "<@" + fakeslack.BotUserID + "> resend " + uuidA + " email=" + mailto("kari@example.com") + " phone=+4741234567",
		"edited": map[string]any{"user": agent, "ts": "1700000009.000100"},
	}, fakeslack.EventOpts{})
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	// The log says it was ignored once the handler is done; then nothing
	// more may have happened.
	deadline := time.Now().Add(wait)
	for len(h.logLines("edited mention ignored")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the edited mention was not logged as ignored:\n%s", h.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1 (the edit is not a new request)", n)
	}
	snap := h.slack.Snapshot()
	if len(snap.Messages) != 2 || len(snap.Ephemerals) != 0 {
		t.Errorf("the edit was answered: %d messages, ephemerals %+v", len(snap.Messages), snap.Ephemerals)
	}
	if n := len(h.auditLines()); n != 1 {
		t.Errorf("%d audit lines, want 1", n)
	}
}

// A mention at the top level of a channel has no thread, and Slack would
// hide an ephemeral posted in it: its caller-only answers (usage,
// refusals, the offer, the confirmation) go to the channel, and a resend's
// audit message starts the thread under the mention.
func TestATopLevelMentionIsAnsweredWhereItsWriterSeesIt(t *testing.T) {
	h := start(t, confirming(map[string]string{"RESEND_ALLOWED_USERS": agent + "," + agent2}))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	for i, typed := range []string{
		"resend nope",     // bad input
		"resend help",     // usage
		"resend " + uuidA, // the offer of the contact on file
		"resend " + uuidA + " email=" + mailto(emailTypo), // the confirmation
	} {
		h.mention(fmt.Sprintf("1700000100.%06d", i), "", typed, nil)
		snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Ephemerals) > i }, wait)
		if err != nil {
			t.Fatalf("%q: no answer: %v", typed, err)
		}
		if e := snap.Ephemerals[i]; e.Hidden || e.ThreadTS != "" || e.User != agent {
			t.Errorf("%q: answered %+v, want it shown to its writer in the channel", typed, e)
		}
	}
	if c := confirmChoices(t, h.slack.Ephemerals()[3].Blocks); len(c) != 3 {
		t.Errorf("confirmation buttons = %+v", c)
	}

	// A resend: the audit message is a reply to the mention, the outcome
	// follows it there.
	const top = "1700000200.000100"
	h.mention(top, "", "resend "+uuidA+" email="+mailto(emailOnFile), nil)
	if th := h.threadOf(top); !strings.Contains(th[1].Text, "Sent") {
		t.Errorf("outcome = %q", th[1].Text)
	}
	if n := len(h.resends()); n != 1 {
		t.Errorf("resends = %d, want 1", n)
	}
}

// Slack refuses a post past its limit with HTTP 200 and a ratelimited (or
// rate_limited) body as well as with 429: the outcome reply and the root's
// update are tried again until they land.
func TestOutcomeRateLimitedInTheBodyIsPostedAgain(t *testing.T) {
	for _, code := range []string{"ratelimited", "rate_limited"} {
		t.Run(code, func(t *testing.T) {
			h := start(t, nil)
			h.slack.FailNext("chat.postMessage", 1, fakeslack.Fault{}) // the audit message goes through
			h.slack.FailNext("chat.postMessage", 3, fakeslack.Fault{SlackError: code})
			h.slack.FailNext("chat.update", 3, fakeslack.Fault{SlackError: code})
			h.command(agent, uuidA+" email=kari@example.com")
			root, reply := h.thread()
			if !strings.Contains(reply.Text, "Sent") || strings.Contains(root.Text, "Sending") {
				t.Errorf("root %q, reply %q", root.Text, reply.Text)
			}
			if n := len(h.fp.Resends()); n != 1 {
				t.Errorf("front payment calls = %d, want 1", n)
			}
			wantSeries(t, scrape(t, h.metrics),
				`resendbot_outcomes_unposted_total 0`,
				`resendbot_slack_api_retries_total{error="ratelimited",method="chat.update"} 3`, // however Slack says it
			)
		})
	}
}

// SIGTERM while Slack limits the outcome's posts: they are retried within
// the shutdown grace, and the bot then exits cleanly.
func TestOutcomeRateLimitedAtShutdownLandsWithinTheGrace(t *testing.T) {
	h := start(t, map[string]string{"RESEND_SHUTDOWN_GRACE": "20s"})
	h.slack.FailNext("chat.update", -1, fakeslack.RateLimitedBody(0))
	h.command(agent, uuidA+" email=kari@example.com")
	if _, err := h.slack.WaitCalls("chat.update", 2, wait); err != nil {
		t.Fatal(err)
	}
	h.stop()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return s.OpenSockets == 0 }, wait); err != nil {
		t.Fatal(err)
	}
	h.slack.ClearFaults("chat.update")
	root, _ := h.thread()
	if strings.Contains(root.Text, "Sending") {
		t.Errorf("root still says sending: %q", root.Text)
	}
	if err := <-h.done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	close(h.done)
	wantSeries(t, scrape(t, h.metrics), `resendbot_outcomes_unposted_total 0`)
}

// An outcome Slack never takes before the grace runs out is counted, and
// the log says the root still says sending.
func TestOutcomeThatNeverLandsIsCounted(t *testing.T) {
	h := start(t, nil)
	// The configuration refuses a grace too short for a Front Payment call;
	// a short one stands here for Slack limiting longer than any grace.
	// Run reads it only once the shutdown has begun.
	h.cfg.ShutdownGrace = time.Second
	h.slack.FailNext("chat.update", -1, fakeslack.RateLimitedBody(0))
	h.command(agent, uuidA+" email=kari@example.com")
	if _, err := h.slack.WaitCalls("chat.update", 2, wait); err != nil {
		t.Fatal(err)
	}
	if err := h.shutdown(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	body := scrape(t, h.metrics)
	wantSeries(t, body, `resendbot_outcomes_unposted_total 1`)
	// The last try ends rate-limited or cut off by the grace: either way
	// one chat.update failed for good.
	if !strings.Contains(body, `error="ratelimited",method="chat.update"} 1`) && !strings.Contains(body, `error="cancelled",method="chat.update"} 1`) {
		t.Errorf("/metrics does not count the chat.update that failed for good:\n%s", body)
	}
	if len(h.logLines("audit message could not be updated; it still says sending")) != 1 {
		t.Errorf("the log does not say the root still says sending:\n%s", h.logs.String())
	}
	if lines := h.waitAudit(1); lines[0]["outcome"] != "sent" {
		t.Errorf("audit = %v", lines[0])
	}
}

// An audit post that may have landed — Slack posted it but answered too
// late, or answered fatal_error — is not repeated: Front Payment is not
// asked, the caller is told, and no second audit message exists.
func TestAnAuditPostThatMayHaveLandedIsNotRepeated(t *testing.T) {
	for name, f := range map[string]fakeslack.Fault{
		"answers late": {Lands: true, Delay: 3 * time.Second}, // the harness's Slack timeout is 1s
		"fatal_error":  {Lands: true, SlackError: "fatal_error"},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, nil)
			h.slack.FailNext("chat.postMessage", 1, f)
			h.command(agent, uuidA+" email=kari@example.com")
			h.responseURLSays("Slack didn't confirm resendbot's audit message")
			// The late answer is recorded when it is written; a repeat would
			// have been recorded before it.
			if _, err := h.slack.WaitCalls("chat.postMessage", 1, wait); err != nil {
				t.Fatal(err)
			}
			if l := h.auditWith("refused"); l["reason"] != bot.ReasonAuditUncertain {
				t.Errorf("audit = %v", l)
			}
			if n := len(h.fp.Resends()); n != 0 {
				t.Errorf("front payment calls = %d, want 0", n)
			}
			if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
				t.Errorf("chat.postMessage called %d times, want once", n)
			}
			if n := len(h.slack.Messages()); n != 1 {
				t.Errorf("%d messages in the channel, want the one that landed", n)
			}
			wantSeries(t, scrape(t, h.metrics),
				`resendbot_refusals_total{reason="audit_post_uncertain"} 1`)
		})
	}
}

// Slack limits posting in a channel to about one a second: once it says
// so, that channel's posts are paced, so a burst meets only a few refusals;
// another channel is not slowed.
func TestPostsArePacedInAChannelSlackLimits(t *testing.T) {
	h := startOn(t, map[string]string{"RESEND_COOLDOWN": "0", "RESEND_MAX_INFLIGHT": "2", "RESEND_RATE_PER_USER": "100/1m"},
		fakeslack.New(t), frontpaytest.NewServer(t), bot.State{},
		func(d *bot.Deps) { d.SlackPostInterval = 300 * time.Millisecond })
	// The bot paces at 300 ms, well apart from the fake's 100 ms, so that a
	// slow request on a busy machine does not arrive early.
	h.slack.LimitPosts(fakeslack.PostLimit{Burst: 1, Every: 100 * time.Millisecond, RetryAfter: 1})
	snap := h.outcomes(5)
	limited := 0
	for _, c := range snap.CallsTo("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	// Two workers may meet the limit at once before the first refusal;
	// after it, posts wait their turn.
	if limited > 3 {
		t.Errorf("%d posts refused for the rate limit, want at most 3 (the pacing did not hold)", limited)
	}
}

// Pacing one channel holds nothing else up.
func TestPacingAChannelDoesNotSlowAnother(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	const other = "C0OTHER"
	h.slack.FailNext("chat.postMessage", 1, fakeslack.Fault{Channel: room, HTTPStatus: 429, RetryAfter: 3600})
	h.command(agent, uuidA+" email=kari@example.com") // held for an hour in room
	if _, err := h.slack.WaitCalls("chat.postMessage", 1, wait); err != nil {
		t.Fatal(err)
	}
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: other, Text: uuidA + " email=other@example.com"})
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, m := range s.Messages {
			if m.Channel == other && m.ThreadTS != "" {
				return true
			}
		}
		return false
	}, wait); err != nil {
		t.Fatalf("the other channel waited for the limited one: %v", err)
	}
	for _, m := range h.slack.Messages() {
		if m.Channel == room {
			t.Errorf("posted in the limited channel before its Retry-After: %+v", m)
		}
	}
}

// stopWhileHeld stops the bot while a call it made is held, lets the
// call go on once the bot has begun to stop (closing held), and waits for
// Run to end cleanly.
func (h *harness) stopWhileHeld(held chan struct{}) {
	h.t.Helper()
	h.stop()
	deadline := time.Now().Add(wait)
	for len(h.logLines("stopping: no new work is begun")) == 0 {
		if time.Now().After(deadline) {
			h.t.Fatalf("the bot never began to stop:\n%s", h.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(held)
	if err := <-h.done; err != nil {
		h.t.Errorf("Run = %v, want nil", err)
	}
	close(h.done)
}

// SIGTERM while the comparison's read of the reservation is slow: the
// resend is not begun after it (the grace could cut it off with its audit
// message saying "Sending…"): nothing is posted or sent, the caller is
// told, and the audit line says shutting_down.
func TestSIGTERMDuringTheComparisonsReadBeginsNoResend(t *testing.T) {
	h := start(t, confirming(nil))
	hold := make(chan struct{})
	d := frontpaytest.SampleDetails(uuidA)
	h.fp.SetDetailsAnswer(uuidA, frontpaytest.Answer{Status: 200, Body: frontpaytest.DetailsJSON(d), Hold: hold})
	h.command(agent, uuidA+" email="+emailOnFile)
	h.fp.WaitForCalls(1, wait) // the read has begun
	h.stopWhileHeld(hold)
	h.responseURLSays("Nothing was sent: resendbot was restarting")
	if n := len(h.resends()); n != 0 {
		t.Errorf("resends = %d, want 0", n)
	}
	if n := len(h.slack.Messages()); n != 0 {
		t.Errorf("%d messages posted, want none", n)
	}
	if l := h.auditWith("refused"); l["reason"] != bot.ReasonShuttingDown {
		t.Errorf("audit = %v", l)
	}
}

// SIGTERM while Slack is still taking the audit message: once it exists,
// Front Payment is not asked (the grace could cut the call off with the
// message saying "Sending…"); the message says nothing was sent, and so
// are the caller and the audit line told.
func TestSIGTERMDuringTheAuditPostBeginsNoResend(t *testing.T) {
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	h := startOn(t, map[string]string{"RESEND_SHUTDOWN_GRACE": "20s"}, fakeslack.New(t), frontpaytest.NewServer(t), bot.State{},
		func(d *bot.Deps) { d.SlackTimeout = time.Minute })
	h.slack.FailNext("chat.postMessage", 1, fakeslack.Fault{Arrived: arrived, Release: release})
	h.command(agent, uuidA+" email=kari@example.com")
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatal("the audit message was never posted")
	}
	h.stopWhileHeld(release)
	if n := len(h.resends()); n != 0 {
		t.Errorf("resends = %d, want 0", n)
	}
	msgs := h.slack.Messages()
	if len(msgs) != 1 || len(msgs[0].Updates) == 0 || !strings.Contains(msgs[0].Text, "Not sent: resendbot was restarting") {
		t.Errorf("audit message %+v, want it updated to say nothing was sent", msgs)
	}
	h.responseURLSays("Nothing was sent: resendbot was restarting")
	if l := h.auditWith("refused"); l["reason"] != bot.ReasonShuttingDown {
		t.Errorf("audit = %v", l)
	}
}

// A lookup still queued at shutdown is abandoned with an audit line.
func TestALookupAbandonedAtShutdownIsAudited(t *testing.T) {
	h := start(t, map[string]string{"RESEND_MAX_INFLIGHT": "1"})
	hold := make(chan struct{})
	h.fp.SetDetailsAnswer(uuidA, frontpaytest.Answer{Status: 200, Body: frontpaytest.DetailsJSON(frontpaytest.SampleDetails(uuidA)), Hold: hold})
	h.slash(agent, "status "+uuidA)
	h.fp.WaitForCalls(1, wait)
	queued := h.slash(agent2, "status "+uuidA) // queued behind the first
	h.earlyAnswer(queued)                      // taken, once Slack has said who agent2 is
	h.stop()
	h.responseURLSays("restarting before it could look the reservation or order up")
	close(hold)
	if err := <-h.done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	close(h.done)
	for _, l := range h.auditLines() {
		if l["user"] == agent2 {
			if l["reason"] != bot.ReasonShuttingDown || l["reservation"] != uuidA {
				t.Errorf("audit = %v", l)
			}
			return
		}
	}
	t.Errorf("no audit line for the abandoned lookup:\n%v", h.auditLines())
}

// A reservation whose every field is long and full of characters that
// escape to several still shows within Slack's 3000 characters, saying
// it was shortened.
func TestStatusOfAnOutsizedReservationFitsSlack(t *testing.T) {
	h := start(t, map[string]string{"RESEND_LANGUAGE": "nb", "RESEND_MASK_CONTACTS": "false"})
	d := frontpaytest.SampleDetails(uuidA)
	long := strings.Repeat("&", 200)
	d.Status, d.ReservationDate, d.PaymentLinkDueDate, d.CustomerDetails.Name = long, long, long, long
	d.CustomerDetails.Email = strings.Repeat("&", 64) + "@" + strings.Repeat("a", 60) + ".example.com"
	h.fp.SetDetails(uuidA, d)
	id := h.slash(agent, "status "+uuidA)
	p := h.answered(id)
	if n := len([]rune(p.Text)); n > 3000 || !strings.Contains(p.Text, "Forkortet") {
		t.Errorf("status text of %d characters, want at most 3000 saying it was shortened: %q", n, p.Text)
	}
	if !strings.Contains(p.Text, uuidA) {
		t.Errorf("status text lost its heading: %q", p.Text)
	}
}
