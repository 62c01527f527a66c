package slackbot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// healthServer serves h's /healthz, /readyz and /metrics as the process does.
func healthServer(t *testing.T, h *harness) func(path string) int {
	t.Helper()
	srv := httptest.NewServer(bot.Health{Alive: h.bot.Alive, Ready: h.bot.Ready, Metrics: h.metrics}.Handler())
	t.Cleanup(srv.Close)
	return func(path string) int {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
}

// eventually waits, up to the generous deadline, for check to hold.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A bot token revoked while the bot runs fails every post, so nothing is
// audited or sent: the bot reports unready, sets the gauge the alert
// reads, and logs it at error once however many requests fail.
func TestRevokedBotTokenMakesTheBotUnready(t *testing.T) {
	for _, code := range []string{"token_revoked", "invalid_auth", "account_inactive"} {
		t.Run(code, func(t *testing.T) {
			h := start(t, nil)
			status := healthServer(t, h)
			eventually(t, "/readyz 200 once connected", func() bool { return status("/readyz") == 200 })

			h.slack.RevokeBotToken(code)
			for _, to := range []string{"kari", "ola", "per"} {
				h.command(agent, uuidA+" email="+to+"@example.com")
			}
			h.waitAudit(3)
			if n := len(h.fp.Resends()); n != 0 {
				t.Fatalf("%d resends reached Front Payment without an audit message", n)
			}
			if got := status("/readyz"); got != 503 {
				t.Errorf("/readyz with the bot token refused = %d, want 503", got)
			}
			if got := status("/healthz"); got != 200 {
				t.Errorf("/healthz with the bot token refused = %d, want 200 (a restart does not bring a token back)", got)
			}
			if n := len(h.logLines(logTokenRefused)); n != 1 {
				t.Errorf("%d log lines about the refused token, want 1:\n%s", n, h.logs.String())
			}
			for _, l := range h.logLines(logTokenRefused) {
				if l["level"] != "ERROR" || l["error"] != code {
					t.Errorf("log line = %v, want level ERROR and error %s", l, code)
				}
			}
			// The first call with the refused token is users.info (who is
			// asking): it fails once, its failure stands for the agent's
			// next two commands, and nothing is posted or sent.
			wantSeries(t, scrape(t, h.metrics),
				`resendbot_slack_token_rejected 1`,
				`resendbot_slack_api_failures_total{error="`+code+`",method="users.info"} 1`)

			// Reinstalled: the next call Slack accepts makes it ready again
			// (another agent, whose users.info has no failure standing).
			h.slack.RevokeBotToken("")
			h.sent(agent2, uuidA+" email=other@example.com")
			if got := status("/readyz"); got != 200 {
				t.Errorf("/readyz once the token is accepted again = %d, want 200", got)
			}
			wantSeries(t, scrape(t, h.metrics), `resendbot_slack_token_rejected 0`)
		})
	}
}

// blockingOnce is the in-memory Once, except that First blocks on an
// envelope's key until release: it wedges the Socket Mode event loop,
// which checks redeliveries before it acks.
type blockingOnce struct {
	bot.Once
	wedged  chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingOnce) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if strings.HasPrefix(key, onceEnvelope) {
		b.once.Do(func() {
			close(b.wedged)
			<-b.release
		})
	}
	return b.Once.First(ctx, key, ttl)
}

// A wedged event loop acknowledges nothing, so Slack shows every caller an
// error while the bot stays connected: /healthz fails so that the
// orchestrator restarts the pod, and passes again once the loop turns.
func TestWedgedEventLoopFailsLiveness(t *testing.T) {
	state := bot.MemoryState(time.Now)
	once := &blockingOnce{Once: state.Once, wedged: make(chan struct{}), release: make(chan struct{})}
	state.Once = once
	h := startOn(t, nil, fakeslack.New(t), frontpaytest.NewServer(t), state, func(d *bot.Deps) { d.LoopStall = 300 * time.Millisecond })
	status := healthServer(t, h)
	if got := status("/healthz"); got != 200 {
		t.Fatalf("/healthz of a turning loop = %d, want 200", got)
	}
	h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: "help"})
	<-once.wedged
	eventually(t, "/healthz 503 while the loop is wedged", func() bool { return status("/healthz") == 503 })
	if n := len(h.logLines(logLoopStuck)); n != 1 {
		t.Errorf("%d log lines about the stuck loop, want 1", n)
	}
	close(once.release)
	eventually(t, "/healthz 200 once the loop turns again", func() bool { return status("/healthz") == 200 })
}

// switchableState is the in-memory state with a Health that fails while
// down is set, as a Redis that stops answering.
func switchableState() (bot.State, *atomic.Bool) {
	state := bot.MemoryState(time.Now)
	down := &atomic.Bool{}
	state.Health = func(context.Context) error {
		if down.Load() {
			return bot.ErrStateUnavailable
		}
		return nil
	}
	return state, down
}

// The series an on-call reads in an incident: the queue's length and
// capacity, whether the shared state answered the readiness check, and
// each Slack call's latency by method.
func TestIncidentSeries(t *testing.T) {
	state, down := switchableState()
	h := startOn(t, map[string]string{"RESEND_MAX_INFLIGHT": "2"}, fakeslack.New(t), frontpaytest.NewServer(t), state)
	status := healthServer(t, h)
	h.sent(agent, uuidA+" email=kari@example.com")
	eventually(t, "/readyz 200", func() bool { return status("/readyz") == 200 })
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_queue_capacity 32`,
		`resendbot_queue_length 0`,
		`resendbot_shared_state_up 1`,
	)
	if body := scrape(t, h.metrics); strings.Contains(body, `resendbot_slack_api_latency_seconds_count{method="chat.postMessage"} 0`) ||
		!strings.Contains(body, `resendbot_slack_api_latency_seconds_count{method="auth.test"} 1`) {
		t.Errorf("chat.postMessage and auth.test latencies not measured:\n%s", body)
	}
	down.Store(true)
	if got := status("/readyz"); got != 503 {
		t.Errorf("/readyz with the shared state down = %d, want 503", got)
	}
	wantSeries(t, scrape(t, h.metrics), `resendbot_shared_state_up 0`)
}

// Where nothing probes /readyz (compose) and nobody types, the bot checks
// the shared state by itself, so the gauge the alert reads follows Redis.
func TestSharedStateIsWatchedWithoutProbes(t *testing.T) {
	state, down := switchableState()
	h := startOn(t, nil, fakeslack.New(t), frontpaytest.NewServer(t), state)
	stop := goUntilStopped(t.Context(), h.bot.watchState(10*time.Millisecond))
	defer stop()
	down.Store(true)
	eventually(t, "resendbot_shared_state_up 0", func() bool {
		return strings.Contains(scrape(t, h.metrics), "resendbot_shared_state_up 0\n")
	})
	down.Store(false)
	eventually(t, "resendbot_shared_state_up 1", func() bool {
		return strings.Contains(scrape(t, h.metrics), "resendbot_shared_state_up 1\n")
	})
}
