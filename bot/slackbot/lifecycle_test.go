package slackbot

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/testkit"
	"resendbot/frontpay/frontpaytest"
)

// TestMain fails the package if any goroutine outlives the tests: every
// bot, fake and server a test starts must be stopped by it.
func TestMain(m *testing.M) {
	os.Exit(testkit.RunWithoutLeaks(m))
}

// responseURLSays waits for a caller-only answer containing want.
func (h *harness) responseURLSays(want string) {
	h.t.Helper()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, want) {
				return true
			}
		}
		return false
	}, wait); err != nil {
		h.t.Errorf("no caller-only answer containing %q: %v", want, err)
	}
}

func TestFullQueueIsRefusedPolitely(t *testing.T) {
	h := start(t, map[string]string{"RESEND_MAX_INFLIGHT": "1", "RESEND_RATE_PER_USER": "100/1m", "RESEND_COOLDOWN": "0"})
	hold := make(chan struct{})
	h.fp.SetDefault(frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})
	h.command(agent, uuidA+" email=busy@example.com")
	h.fp.WaitForResends(1, wait)
	capacity := h.bot.engine.QueueCapacity()
	for i := range capacity {
		if got := h.command(agent, fmt.Sprintf("%s email=q%d@example.com", uuidA, i)); got != "" {
			t.Fatalf("request %d refused before the queue was full: %q", i, got)
		}
	}
	got := h.command(agent, uuidA+" email=one-too-many@example.com")
	if !strings.Contains(got, "busy") || !strings.Contains(got, "Nothing was sent") {
		t.Errorf("full queue answered %q", got)
	}
	close(hold)
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		n := 0
		for _, m := range s.Messages {
			if m.ThreadTS != "" {
				n++
			}
		}
		return n == capacity+1
	}, wait); err != nil {
		t.Fatalf("queued requests did not all finish: %v", err)
	}
	if n := len(h.fp.Resends()); n != capacity+1 {
		t.Errorf("front payment calls = %d, want %d (the refused one never sent)", n, capacity+1)
	}
}

// busyWithOneSend starts a bot with one worker, busy with a send that
// Front Payment holds until hold is closed.
func busyWithOneSend(t *testing.T) (h *harness, hold chan struct{}) {
	t.Helper()
	h = start(t, map[string]string{"RESEND_MAX_INFLIGHT": "1", "RESEND_COOLDOWN": "0"})
	hold = make(chan struct{})
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})
	h.command(agent, uuidA+" email=first@example.com")
	h.fp.WaitForResends(1, wait)
	return h, hold
}

func TestShutdownFinishesWorkInFlightAndTellsTheQueued(t *testing.T) {
	h, hold := busyWithOneSend(t)
	h.command(agent2, uuidA+" email=second@example.com") // queued behind the first

	h.stop() // SIGTERM
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return s.OpenSockets == 0 }, wait); err != nil {
		t.Fatalf("socket mode connection not closed on shutdown: %v", err)
	}
	h.responseURLSays("Nothing was sent: resendbot was restarting")
	close(hold)
	h.stopped()
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1 (the queued one is not sent)", n)
	}
	snap := h.slack.Snapshot()
	replies := 0
	for _, m := range snap.Messages {
		if m.ThreadTS != "" && strings.Contains(m.Text, "Sent") {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("outcome of the call in flight was not posted: %+v", snap.Messages)
	}
	var reasons []any
	for _, l := range h.auditLines() {
		reasons = append(reasons, l["reason"])
	}
	if !strings.Contains(fmt.Sprint(reasons), bot.ReasonShuttingDown) {
		t.Errorf("audit log lacks the request dropped at shutdown: %v", reasons)
	}
}

// startWhileSlackSaysNothingOfPeople runs a bot whose users.info calls
// get no answer until it stops (the bot waits for them as long as that):
// whatever someone sends waits for Slack to say who they are.
func startWhileSlackSaysNothingOfPeople(t *testing.T) *harness {
	t.Helper()
	s := fakeslack.New(t)
	s.FailNext("users.info", -1, fakeslack.Fault{Delay: time.Hour})
	return startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{}, func(d *bot.Deps) { d.SlackTimeout = time.Hour })
}

// A mention, a button press and a status command of someone the bot has
// not read yet are acknowledged at once and wait for users.info; stopped
// meanwhile, each caller is told nothing was done, and the mention and the
// command have their audit lines.
func TestEnvelopesWaitingForTheirSenderAtShutdownAreAnswered(t *testing.T) {
	h := startWhileSlackSaysNothingOfPeople(t)
	h.mentionAs(agent2, fakeslack.TeamID, uuidA+" email=kari@example.com")
	h.pressAs(agent2, fakeslack.TeamID, actionRetry, blockRetry, "x")
	h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent2, ChannelID: room, Text: "status " + uuidA})
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Acks) == 3 }, wait); err != nil {
		t.Fatal(err)
	}
	h.stop() // SIGTERM, users.info not answered yet
	h.stopped()
	h.ephemeralSays(agent2, "Nothing was sent: resendbot was restarting")
	h.responseURLSays("Nothing was sent: resendbot was restarting")
	// A status lookup is told about its lookup, not about a resend.
	h.responseURLSays("resendbot was restarting before it could look the")
	if n := len(h.fp.Requests()); n != 0 {
		t.Errorf("front payment calls = %d, want none", n)
	}
	var reasons []any
	for _, l := range h.auditLines() {
		reasons = append(reasons, l["reason"])
	}
	if want := fmt.Sprint([]any{bot.ReasonShuttingDown, bot.ReasonShuttingDown}); fmt.Sprint(reasons) != want {
		t.Errorf("audit lines' reasons = %v, want the mention's and the status command's, %s", reasons, want)
	}
}

// shutDownWithAHeldCall starts a bot with grace, holds its one Front
// Payment call past it, and shuts the bot down.
func shutDownWithAHeldCall(t *testing.T, grace string) *harness {
	t.Helper()
	h := start(t, map[string]string{"RESEND_SHUTDOWN_GRACE": "35s", "FRONTPAYMENT_TIMEOUT": "30s"})
	// The configuration refuses a FRONTPAYMENT_TIMEOUT that does not fit in
	// the grace; the grace can still run out (Slack slow to take the
	// outcome), which a shorter grace than the call stands for here. Run
	// reads it only once the shutdown below has begun.
	g, err := time.ParseDuration(grace)
	if err != nil {
		t.Fatal(err)
	}
	h.cfg.ShutdownGrace = g
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Hold: hold})
	h.command(agent, uuidA+" email=kari@example.com")
	h.fp.WaitForResends(1, wait)
	if err := h.shutdown(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	return h
}

func TestShutdownGraceRunsOut(t *testing.T) {
	h := shutDownWithAHeldCall(t, "100ms")
	lines := h.waitAudit(1)
	if lines[0]["outcome"] != "unreachable" {
		t.Errorf("call cut off by the grace: audit %v", lines[0])
	}
}

func TestReconnectsAfterDisconnectAndDrop(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	h.slack.Disconnect("refresh_requested")
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return s.SocketsOpened >= 2 && s.OpenSockets == 1 }, wait); err != nil {
		t.Fatalf("no reconnect after disconnect: %v", err)
	}
	h.sent(agent, uuidA+" email=a@example.com")

	h.slack.DropConnections()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return s.SocketsOpened >= 3 && s.OpenSockets == 1 }, wait); err != nil {
		t.Fatalf("no reconnect after a dropped socket: %v", err)
	}
	h.sent(agent, uuidA+" email=b@example.com")
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2", n)
	}
}

func TestReadinessFollowsTheConnection(t *testing.T) {
	h := start(t, nil)
	srv := httptest.NewServer(bot.Health{Ready: h.bot.Ready, Metrics: h.metrics}.Handler())
	defer srv.Close()
	status := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(wait)
	for status("/readyz") != 200 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := status("/readyz"); got != 200 {
		t.Errorf("/readyz while connected = %d", got)
	}
	// Slack refuses new connections for a while: the bot is alive but not ready.
	h.slack.SetOpenError("internal_error", -1)
	h.slack.DropConnections()
	for status("/readyz") != 503 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := status("/readyz"); got != 503 {
		t.Errorf("/readyz while disconnected = %d, want 503", got)
	}
	if got := status("/healthz"); got != 200 {
		t.Errorf("/healthz while disconnected = %d, want 200", got)
	}
	h.slack.SetOpenError("", 0)
	for status("/readyz") != 200 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := status("/readyz"); got != 200 {
		t.Errorf("/readyz after reconnecting = %d, want 200", got)
	}
}

func TestMetricsAreScraped(t *testing.T) {
	h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent})
	h.sent(agent, uuidA+" email=kari@example.com")
	h.refused(agent2, uuidA+" email=kari@example.com", "not on the list")
	srv := httptest.NewServer(bot.Health{Ready: h.bot.Ready, Metrics: h.metrics}.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`resendbot_requests_total{kind="reservation",outcome="sent"} 1`,
		`resendbot_refusals_total{reason="user_not_allowed"} 1`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="resend",record="reservation"} 1`,
		`resendbot_ack_latency_seconds_count`,
		`resendbot_frontpayment_in_flight 0`,
		`resendbot_slack_reconnects_total 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// Slack's Web API failing for a while (5xx, HTML, timeouts) delays the
// outcome but loses nothing, and Front Payment is still called once. The
// harness gives each Slack call 1s, so a 3s delay is a timeout.
func TestSlackWebAPIDownThenBack(t *testing.T) {
	type failing struct {
		method string
		n      int
		fault  fakeslack.Fault
	}
	for _, c := range []struct {
		name  string
		fails []failing
	}{
		{"5xx", []failing{
			{"chat.postMessage", 4, fakeslack.Fault{HTTPStatus: 503}},
			{"chat.update", 2, fakeslack.Fault{HTTPStatus: 500, Body: "<html>oops</html>"}},
		}},
		// A timed-out update is repeated (it is the same either way); a
		// timed-out audit post is not (posting_test.go).
		{"timeouts", []failing{
			{"chat.update", 2, fakeslack.Fault{Delay: 3 * time.Second, HTTPStatus: 503}},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, nil)
			for _, f := range c.fails {
				h.slack.FailNext(f.method, f.n, f.fault)
			}
			h.command(agent, uuidA+" email=kari@example.com")
			_, reply := h.thread()
			if !strings.Contains(reply.Text, "Sent") {
				t.Errorf("reply = %q", reply.Text)
			}
			if n := len(h.fp.Resends()); n != 1 {
				t.Errorf("front payment calls = %d, want exactly 1", n)
			}
			if lines := h.waitAudit(1); lines[0]["outcome"] != "sent" {
				t.Errorf("audit = %v", lines[0])
			}
		})
	}
}
