package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/syncbuf"
	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

// wait is the generous deadline of every wait in these tests: it bounds a
// broken test, it does not measure speed.
const wait = testkit.Wait

var (
	env        = testkit.Env
	minimalEnv = testkit.MinimalEnv()
	closedAddr = testkit.ClosedAddr
)

const (
	uuidA  = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"
	agent  = "U0AGENT"
	agent2 = "U0OTHER"
	room   = "C0SUPPORT"
)

// harness is one resendbot wired to a fake Slack and a fake Front Payment,
// both real servers on 127.0.0.1, driven through the real slack-go client.
type harness struct {
	t       *testing.T
	slack   *fakeslack.Server
	fp      *frontpaytest.Server
	cfg     *bot.Config
	bot     *Bot
	logs    *syncbuf.Buffer // the log as the process writes it, through redactWriter
	rawLogs *syncbuf.Buffer // the same lines before redactWriter: what the code logged
	later   atomic.Int64    // how far the bot's clock is ahead of the real one, in ns
	metrics *bot.Metrics
	stop    context.CancelFunc
	done    chan error
	// early are the envelopes the bot acknowledged before it handled them
	// (their sender not yet known): envelope ID → its answer, once handled.
	early sync.Map // string → earlyAnswer
}

// earlyAnswer is what an envelope acknowledged early was answered, once
// its handler ran (answered).
type earlyAnswer struct {
	answered bool
	text     string
}

func (h *harness) noteEarly(id string, answered bool, text string) {
	h.early.Store(id, earlyAnswer{answered, text})
}

// start runs a bot with env on top of the test defaults, on its own fake
// Slack and Front Payment.
func start(t *testing.T, env map[string]string) *harness {
	t.Helper()
	return startOn(t, env, fakeslack.New(t), frontpaytest.NewServer(t), bot.State{})
}

// startOn runs a bot on the given fakes and state (zero State: in memory),
// so that several replicas can share them.
func startOn(t *testing.T, env map[string]string, slack *fakeslack.Server, fps *frontpaytest.Server, state bot.State, opts ...func(*bot.Deps)) *harness {
	t.Helper()
	h := &harness{t: t, slack: slack, fp: fps, logs: &syncbuf.Buffer{}, rawLogs: &syncbuf.Buffer{}}
	connected := slack.OpenSockets()
	vars := map[string]string{
		"SLACK_APP_TOKEN":       fakeslack.AppToken,
		"SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"SLACK_API_URL":         h.slack.APIURL(),
		"FRONTPAYMENT_TOKEN":    h.fp.Token,
		"FRONTPAYMENT_BASE_URL": h.fp.URL,
		"FRONTPAYMENT_TIMEOUT":  "2s",
		"RESEND_SHUTDOWN_GRACE": "5s",
		"LOG_LEVEL":             "debug",
		// The end-to-end tests of everything else run as before the
		// comparison with the contact on file; confirm_test.go turns it on.
		"RESEND_CONFIRM_NEW_DESTINATION": "false",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := bot.LoadConfig(func(k string) string { return vars[k] }, bot.ModeBot)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h.cfg = cfg
	fp, err := frontpay.NewClient(frontpay.Config{BaseURL: cfg.FrontPaymentBaseURL, Token: cfg.FrontPaymentToken, Timeout: cfg.FrontPaymentTimeout, UserAgent: "resendbot/test"})
	if err != nil {
		t.Fatal(err)
	}
	log, audit := bot.NewLoggers(cfg, io.MultiWriter(h.rawLogs, bot.RedactWriter(h.logs, cfg.Secrets())))
	h.metrics = bot.NewMetrics()
	words, err := bot.WordsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	deps := bot.Deps{Resender: fp, Log: log, Audit: audit, State: state, Metrics: h.metrics, Words: words,
		SlackTimeout: time.Second, Backoff: func(int) time.Duration { return 5 * time.Millisecond },
		Now: func() time.Time { return time.Now().Add(time.Duration(h.later.Load())) }, GroupRefresh: 50 * time.Millisecond}
	for _, opt := range opts {
		opt(&deps)
	}
	h.bot = New(cfg, deps)
	h.bot.earlyAcked = h.noteEarly
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.bot.Run(ctx) }()
	t.Cleanup(func() {
		h.shutdown()
		// An answer Slack accepts but shows nobody is lost: it was posted
		// in a thread that did not exist yet.
		for _, e := range h.slack.Ephemerals() {
			if e.Hidden {
				t.Errorf("an ephemeral nobody sees (thread %s does not exist): %q", e.ThreadTS, e.Text)
			}
		}
	})
	if err := h.slack.WaitConnected(connected+1, wait); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	return h
}

// shutdown stops the bot as SIGTERM would and returns what Run returned.
func (h *harness) shutdown() error {
	h.stop()
	select {
	case err, ok := <-h.done:
		if ok {
			close(h.done)
		}
		return err
	case <-time.After(wait):
		h.t.Fatalf("bot did not stop within %s", wait)
		return nil
	}
}

// stopped waits for the bot stopped with h.stop to return from Run, with
// nil (exit 0).
func (h *harness) stopped() {
	h.t.Helper()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run after SIGTERM = %v, want nil (exit 0)", err)
		}
	case <-time.After(wait):
		h.t.Fatal("bot did not stop")
	}
	close(h.done)
}

// command sends a /resend and returns the acknowledgement's caller-only
// text ("" when the ack carried nothing).
func (h *harness) command(user, text string) string {
	h.t.Helper()
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: user, ChannelID: room, Text: text})
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		h.t.Fatalf("no ack for %q: %v", text, err)
	}
	if got := ackText(h.t, ack.Payload); got != "" {
		return got
	}
	return h.earlyAnswer(id)
}

// earlyAnswer is the answer the caller of envelope id reads through its
// response_url when the bot acknowledged it before handling it (its sender
// not yet known), once handled; "" for an envelope acknowledged as it was
// handled, or answered nothing.
func (h *harness) earlyAnswer(id string) string {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		v, early := h.early.Load(id)
		if !early {
			return ""
		}
		if a := v.(earlyAnswer); a.answered {
			if a.text != "" {
				h.responseURLSays(a.text)
			}
			return a.text
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("envelope %s, acknowledged early, was never handled", id)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// answered runs a slash command whose caller is to be answered and
// returns the answer: in the ack, or, for a command acknowledged before it
// could be handled (its caller not yet known: users.info), through its
// response_url.
func (h *harness) callerAnswer(user, text string) string {
	h.t.Helper()
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: user, ChannelID: room, Text: text})
	return h.answerTo(id)
}

// answerTo is the caller-only answer to slash command envelope id: its
// ack's, or the first one posted to its response_url.
func (h *harness) answerTo(id string) string {
	h.t.Helper()
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		h.t.Fatalf("no ack for %s: %v", id, err)
	}
	if got := ackText(h.t, ack.Payload); got != "" {
		return got
	}
	return h.earlyAnswer(id)
}

func ackText(t *testing.T, payload json.RawMessage) string {
	t.Helper()
	if len(payload) == 0 || string(payload) == "null" {
		return ""
	}
	var p struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatalf("ack payload %s: %v", payload, err)
	}
	if p.ResponseType != "ephemeral" {
		t.Errorf("ack response_type = %q, want ephemeral (only the caller may see it)", p.ResponseType)
	}
	return p.Text
}

// thread waits until the root message and its outcome reply exist, and
// the root has been updated with the outcome.
func (h *harness) thread() (root, reply fakeslack.Message) {
	h.t.Helper()
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, m := range s.Messages {
			if m.ThreadTS == "" && len(m.Updates) > 0 && len(repliesTo(s.Messages, m.TS)) > 0 {
				return true
			}
		}
		return false
	}, wait)
	if err != nil {
		h.t.Fatalf("no outcome in a thread: %v\nmessages: %+v", err, snap.Messages)
	}
	for _, m := range snap.Messages {
		if m.ThreadTS == "" && len(m.Updates) > 0 {
			if rs := repliesTo(snap.Messages, m.TS); len(rs) > 0 {
				return m, rs[0]
			}
		}
	}
	panic("unreachable")
}

// outcomes sends n resends of uuidA (to k0@…, k1@…) and waits until each
// has its root message updated and its reply.
func (h *harness) outcomes(n int) fakeslack.Snapshot {
	h.t.Helper()
	for i := range n {
		h.command(agent, fmt.Sprintf("%s email=k%d@example.com", uuidA, i))
	}
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		roots, replies := 0, 0
		for _, m := range s.Messages {
			if m.ThreadTS == "" && len(m.Updates) > 0 {
				roots++
			} else if m.ThreadTS != "" {
				replies++
			}
		}
		return roots == n && replies == n
	}, wait)
	if err != nil {
		h.t.Fatalf("outcomes lost: %v\n%+v", err, snap.Messages)
	}
	if got := len(h.fp.Resends()); got != n {
		h.t.Errorf("front payment resends = %d, want exactly %d", got, n)
	}
	return snap
}

// threadOf waits until the audit message and its outcome are in the
// thread of ts, and returns that thread.
func (h *harness) threadOf(ts string) []fakeslack.Message {
	h.t.Helper()
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		th := s.Thread(room, ts)
		return len(th) >= 2 && len(th[0].Updates) > 0
	}, wait)
	if err != nil {
		h.t.Fatalf("no audit message and outcome in the thread of %s: %v", ts, err)
	}
	return snap.Thread(room, ts)
}

func repliesTo(ms []fakeslack.Message, ts string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, m := range ms {
		if m.ThreadTS == ts && m.TS != ts {
			out = append(out, m)
		}
	}
	return out
}

// auditLines are the audit log's JSON lines so far.
func (h *harness) auditLines() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["log"] == "audit" {
			out = append(out, m)
		}
	}
	return out
}

// waitAudit waits for n audit lines.
func (h *harness) waitAudit(n int) []map[string]any {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		lines := h.auditLines()
		if len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("want %d audit lines, have %d:\n%s", n, len(lines), h.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
