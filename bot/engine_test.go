package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// The queue and its workers, by the core's own tests.

// taskFunc is a Task made of two functions; nil ones do nothing.
type taskFunc struct{ run, abandon func(context.Context) }

func (f taskFunc) Run(ctx context.Context) {
	if f.run != nil {
		f.run(ctx)
	}
}

func (f taskFunc) Abandon(ctx context.Context) {
	if f.abandon != nil {
		f.abandon(ctx)
	}
}

// signals counts what is sent to it, never blocking the sender.
type signals chan struct{}

func (s signals) send() {
	select {
	case s <- struct{}{}:
	default:
	}
}

// wait waits for n signals, at most testkit.Wait in all.
func (s signals) wait(t *testing.T, n int, what string) {
	t.Helper()
	deadline := time.After(testkit.Wait)
	for i := range n {
		select {
		case <-s:
		case <-deadline:
			t.Fatalf("%d of %d %s", i, n, what)
		}
	}
}

// newTestCore is a core, not started, of the minimal configuration and
// vars, on rec.
func newTestCore(t testing.TB, d Deps, rec *recorder, vars map[string]string) *Core {
	t.Helper()
	all := testkit.MinimalEnv()
	for k, v := range vars {
		all[k] = v
	}
	cfg, err := LoadConfig(testkit.Env(all), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	return NewCore(cfg, d, rec)
}

// The queue holds queuePerWorker tasks per worker; Busy counts what is
// queued or running, in either lane, and a refused task is not counted.
func TestBusyCountsQueuedAndRunningWork(t *testing.T) {
	c := newTestCore(t, Deps{}, newRecorder(), map[string]string{"RESEND_MAX_INFLIGHT": "3"})
	if got := c.QueueCapacity(); got != 48 {
		t.Fatalf("QueueCapacity = %d, want 48 (16 per worker)", got)
	}
	if c.Busy() {
		t.Fatal("busy before any work")
	}
	finished := make(signals, 100)
	c.OnEachTask(nil, finished.send)
	for i := range 48 {
		if !c.Submit(taskFunc{}) {
			t.Fatalf("task %d refused by a queue of 48", i+1)
		}
	}
	if c.Submit(taskFunc{}) {
		t.Fatal("a 49th task was queued")
	}
	if !c.SubmitPrompt(taskFunc{}) {
		t.Fatal("the prompt lane is full with the main queue")
	}
	if !c.Busy() {
		t.Fatal("not busy with 49 tasks queued")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	finished.wait(t, 49, "tasks finished")
	if c.Busy() {
		t.Error("busy once every task has finished")
	}
	stopCore(t, c, ctx, cancel)
	if c.Submit(taskFunc{}) || c.SubmitPrompt(taskFunc{}) {
		t.Error("a stopped core took work")
	}
}

// A task that panics is logged and the worker goes on with the next; a
// task that does not panic logs nothing.
func TestAPanickingTaskIsLoggedAndTheWorkerGoesOn(t *testing.T) {
	var log bytes.Buffer
	var mu sync.Mutex
	c := newTestCore(t, Deps{Log: slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &mu}, nil))}, newRecorder(),
		map[string]string{"RESEND_MAX_INFLIGHT": "1"})
	ran := make(signals, 10)
	c.Submit(taskFunc{run: func(context.Context) { ran.send() }})
	c.Submit(taskFunc{run: func(context.Context) { panic("boom") }})
	c.Submit(taskFunc{run: func(context.Context) { ran.send() }})
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	ran.wait(t, 2, "tasks ran around the panicking one")
	stopCore(t, c, ctx, cancel)
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(log.String(), "a queued task failed"); n != 1 {
		t.Errorf("%d panics logged, want 1:\n%s", n, log.String())
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Stop waits for work in flight for the grace, then cancels it; what is
// still queued is abandoned, its caller told.
func TestStopCancelsWorkInFlightAfterTheGrace(t *testing.T) {
	c := newTestCore(t, Deps{}, newRecorder(), map[string]string{"RESEND_MAX_INFLIGHT": "1"})
	started, cancelled, abandoned := make(signals, 1), make(signals, 1), make(signals, 1)
	c.Submit(taskFunc{run: func(ctx context.Context) {
		started.send()
		<-ctx.Done() // the work context: cancelled by Stop, or the test's end
		cancelled.send()
	}})
	c.Submit(taskFunc{run: func(context.Context) { t.Error("a queued task ran after Stop") }, abandon: func(context.Context) { abandoned.send() }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Start(ctx)
	started.wait(t, 1, "task started")
	stopped := make(chan struct{})
	go func() {
		c.Stop(ctx, 10*time.Millisecond, cancel)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(testkit.Wait):
		t.Fatal("Stop did not return")
	}
	cancelled.wait(t, 1, "work cancelled")
	abandoned.wait(t, 1, "queued task abandoned")
	if c.Busy() {
		t.Error("busy after Stop")
	}
}

// auditLines collects the audit lines a core writes, as JSON objects.
type auditLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (a *auditLines) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(&lockedWriter{w: &a.buf, mu: &a.mu}, nil))
}

func (a *auditLines) lines(t *testing.T) []map[string]any {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(a.buf.String()), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// The outcome goes in the audit message's thread, or in the thread the
// request came from; the audit line says what happened.
func TestTheOutcomeGoesInTheAuditMessagesThread(t *testing.T) {
	for _, thread := range []string{"", "1699999999.000900"} {
		rec := newRecorder()
		var audit auditLines
		c := startCoreOn(t, Deps{Resender: rec, Audit: audit.logger()}, rec, map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "false"})
		o := agentOrigin
		o.ThreadTS, o.Execution = thread, "Fx0123456789"
		c.Command(t.Context(), o, coreUUID+" phone=+4790123405 email=Kari.Nordmann@Example.com")
		rec.waitFor(t, "update", 1)
		rec.mu.Lock()
		threads := append([]string(nil), rec.threads...)
		rec.mu.Unlock()
		want := []string{thread, "1700000001.000100"}
		if thread != "" {
			want[1] = thread
		}
		if strings.Join(threads, ",") != strings.Join(want, ",") {
			t.Errorf("thread %q: posts in threads %q, want %q", thread, threads, want)
		}
		lines := audit.lines(t)
		if len(lines) != 1 {
			t.Fatalf("audit lines %v", lines)
		}
		l := lines[0]
		for k, v := range map[string]any{"outcome": "sent", "destination_check": "off", "root_ts": "1700000001.000100",
			"execution_id": "Fx0123456789", "user": "U0AGENT", "channel": "C0SUPPORT", "source": "slash",
			"reservation": coreUUID, "kind": "reservation", "allowed_by": "anyone", "http_status": float64(202)} {
			if l[k] != v {
				t.Errorf("audit %s = %v, want %v", k, l[k], v)
			}
		}
		if d, ok := l["destinations"].([]any); !ok || len(d) != 2 || d[0] != "+47 ****3405" {
			t.Errorf("audit destinations %v", l["destinations"])
		}
	}
}

// A resend that is sent, one that fails and its Retry log only the
// failure: every other log line of the path is for something gone wrong.
func TestOnlyWhatWentWrongIsLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	rec := newRecorder()
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c := startCoreOn(t, Deps{Resender: rec, Log: log, Audit: slog.New(slog.DiscardHandler)}, rec, map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "false"})
	c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
	rec.waitFor(t, "update", 1)
	rec.mu.Lock()
	rec.answer = func() error { return &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 503} }
	rec.mu.Unlock()
	c.Command(t.Context(), agentOrigin, coreUUID+" phone=+4790123405")
	rec.waitFor(t, "update", 2)
	rec.mu.Lock()
	rec.answer = nil
	retry := rec.posts[3].Buttons[0].Value
	rec.mu.Unlock()
	if reply := c.Press(t.Context(), agentOrigin, ActionRetry, retry); !reply.Queued {
		t.Fatalf("retry: %+v", reply)
	}
	rec.waitFor(t, "update", 4)
	if reply := c.Command(t.Context(), agentOrigin, coreUUID+" phone=+4790123405"); reply.Queued || !strings.Contains(reply.Answer, "was already sent") {
		t.Fatalf("within the cooldown: %+v", reply)
	}
	c.TellLater(agentOrigin, Message{Text: "x"})
	rec.waitFor(t, "tell", 1)
	mu.Lock()
	defer mu.Unlock()
	var msgs []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m struct{ Msg string }
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m.Msg)
	}
	if want := []string{"front payment did not send"}; strings.Join(msgs, "|") != strings.Join(want, "|") {
		t.Errorf("logged %q, want %q", msgs, want)
	}
}

// lateOnce is a once-only record in which every key is taken between a
// press's first look and its taking it: another replica pressed first.
type lateOnce struct{ Once }

func (lateOnce) Seen(context.Context, string) (bool, error)                 { return false, nil }
func (lateOnce) First(context.Context, string, time.Duration) (bool, error) { return false, nil }

// A press holds its destination while it is queued; a press that loses
// the button to another after the checks gives back what they took.
func TestAPressHoldsWhatItTookOnlyWhileItSends(t *testing.T) {
	retry, _ := json.Marshal(pendingResend{Reservation: coreUUID, Kind: "reservation", Email: "kari@example.com", Channel: "C0SUPPORT"})
	vars := map[string]string{"RESEND_RATE_PER_USER": "1/1h"}
	for _, late := range []bool{false, true} {
		state := MemoryState(time.Now)
		if late {
			state.Once = lateOnce{state.Once}
		}
		c := newTestCore(t, Deps{State: state}, newRecorder(), vars) // not started: a queued press stays queued
		if err := state.Stash.Put(t.Context(), stashRetry+"K0x9", retry, time.Hour); err != nil {
			t.Fatal(err)
		}
		reply := c.Press(t.Context(), agentOrigin, ActionRetry, "K0x9")
		if reply.Queued == late {
			t.Fatalf("late %v: press %+v", late, reply)
		}
		again := c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
		if again.Queued != late {
			t.Errorf("late %v: the same request after the press: %+v", late, again)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopCore(t, c, ctx, cancel)
	}
}

// A request its record ends (paid) gives back what admit took, quietly.
func TestARequestEndedByItsRecordLogsNothing(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	rec := newRecorder()
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c := startCoreOn(t, Deps{Resender: paidReader{rec, "paid"}, Log: log, Audit: slog.New(slog.DiscardHandler)}, rec, nil)
	c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
	rec.waitFor(t, "tell", 1)
	if reply := c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com"); !reply.Queued {
		t.Errorf("the same request again: %+v", reply)
	}
	rec.waitFor(t, "tell", 2)
	mu.Lock()
	defer mu.Unlock()
	if buf.Len() != 0 {
		t.Errorf("logged:\n%s", buf.String())
	}
}

// A request that ends unsent after admit gives back what admit took: its
// destination is free at once (not "in flight" for the hold's ten
// minutes) and the caller's rate token is back.
func TestARequestEndedUnsentGivesBackWhatAdmitTook(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*recorder) Deps
	}{
		{"no such reservation or order", func(rec *recorder) Deps {
			return Deps{Resender: records{recorder: rec, recs: map[string]*frontpay.Record{}}}
		}},
		{"audit message not posted", func(rec *recorder) Deps {
			rec.postErr = errors.New("channel_not_found")
			return Deps{Resender: rec}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			c := startCoreOn(t, tc.setup(rec), rec, map[string]string{"RESEND_RATE_PER_USER": "1/1h"})
			c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
			rec.waitFor(t, "tell", 1)
			if n := rec.count("resend"); n != 0 {
				t.Fatalf("%d resends, want none", n)
			}
			wantGivenBack(t, c, "kari@example.com", Rate{N: 1, Per: time.Hour})
		})
	}
}

// A request still queued at shutdown is abandoned and gives back what
// admit took, for the replicas that share the state and go on.
func TestARequestAbandonedAtShutdownGivesBackWhatAdmitTook(t *testing.T) {
	rec := newRecorder()
	hold := make(chan struct{})
	rec.answer = func() error { <-hold; return nil }
	c, stop := runCoreOn(t, Deps{Resender: rec}, rec, map[string]string{"RESEND_MAX_INFLIGHT": "1", "RESEND_RATE_PER_USER": "2/1h"})
	c.Command(t.Context(), agentOrigin, coreUUID+" email=first@example.com")
	rec.waitFor(t, "resend", 1) // held: the only worker is busy
	c.Command(t.Context(), agentOrigin, coreUUID+" email=second@example.com")
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		stop()
	}()
	rec.waitFor(t, "tell", 1) // the queued one is told nothing was sent
	close(hold)
	<-stopped
	if n := rec.count("resend"); n != 1 {
		t.Fatalf("%d resends, want only the one in flight", n)
	}
	rec.mu.Lock()
	told := rec.tells[0].Text
	rec.mu.Unlock()
	if told != c.d.Words.T(MsgShutdown) {
		t.Errorf("the queued request's caller was told %q, want %q", told, c.d.Words.T(MsgShutdown))
	}
	wantGivenBack(t, c, "second@example.com", Rate{N: 2, Per: time.Hour})
}

// A request refused because the queue is full gives back what admit took.
func TestARequestRefusedForAFullQueueGivesBackWhatAdmitTook(t *testing.T) {
	rec := newRecorder()
	hold := make(chan struct{})
	rec.answer = func() error { <-hold; return nil }
	const taken = 1 + queuePerWorker // the one in flight and a full queue
	c := startCoreOn(t, Deps{Resender: rec}, rec, map[string]string{"RESEND_MAX_INFLIGHT": "1",
		"RESEND_RATE_PER_USER": fmt.Sprintf("%d/1h", taken+1), "RESEND_RATE_GLOBAL": "1000/1h"})
	t.Cleanup(func() { close(hold) }) // before the core stops: cleanups run last first
	for i := range taken {
		if reply := c.Command(t.Context(), agentOrigin, fmt.Sprintf("%s email=k%d@example.com", coreUUID, i)); !reply.Queued {
			t.Fatalf("request %d: %+v", i, reply)
		}
		if i == 0 {
			rec.waitFor(t, "resend", 1) // the only worker is busy from now on
		}
	}
	if reply := c.Command(t.Context(), agentOrigin, coreUUID+" email=last@example.com"); reply.Queued || reply.Answer != c.d.Words.T(msgQueueFull) {
		t.Fatalf("with the queue full: %+v, want the queue-full refusal", reply)
	}
	wantGivenBack(t, c, "last@example.com", Rate{N: taken + 1, Per: time.Hour})
}

// wantGivenBack checks that a request of agentOrigin's to email, for
// coreUUID, that ended unsent left its destination free and gave back its
// token to the caller's bucket (perUser, RESEND_RATE_PER_USER).
func wantGivenBack(t *testing.T, c *Core, email string, perUser Rate) {
	t.Helper()
	ctx, now := t.Context(), time.Now()
	if _, ok, err := c.d.State.Cooldowns.Claim(ctx, coreUUID+"|email|"+email, Hold{User: "U2", At: now, Until: now.Add(time.Minute)}); !ok || err != nil {
		t.Errorf("%s is still held (claim %v, %v)", email, ok, err)
	}
	if wait, err := c.d.State.Limiter.Take(ctx, userKey(agentOrigin.UserID), perUser); wait != 0 || err != nil {
		t.Errorf("the caller's token was not given back (wait %v, %v)", wait, err)
	}
}

// A command dropped before it was handled (the bot stopped while Slack
// said who sent it) is told nothing was done, in the words of what it
// asked, with its audit line; nothing is looked up, posted or sent.
func TestADroppedCommandIsToldInItsOwnWords(t *testing.T) {
	for _, c := range []struct{ text, kind, want string }{
		{coreUUID + " email=kari@example.com", "unknown", "Nothing was sent: resendbot was restarting before it got to your resend."},
		{"status order " + coreUUID, "order", "resendbot was restarting before it could look the order up."},
		{"status " + coreUUID, "unknown", "resendbot was restarting before it could look the reservation or order up."},
	} {
		rec := newRecorder()
		var audit auditLines
		core := startCoreOn(t, Deps{Resender: rec, Audit: audit.logger()}, rec, nil)
		core.Dropped(t.Context(), agentOrigin, c.text)
		if got := rec.eventsSoFar(); got != "tell U0AGENT" {
			t.Errorf("%q: events %q, want only the caller told", c.text, got)
		}
		if !strings.HasPrefix(rec.tells[0].Text, c.want) {
			t.Errorf("%q: told %q, want %q", c.text, rec.tells[0].Text, c.want)
		}
		lines := audit.lines(t)
		if len(lines) != 1 || lines[0]["reason"] != ReasonShuttingDown || lines[0]["reservation"] != coreUUID || lines[0]["kind"] != c.kind {
			t.Errorf("%q: audit lines %v, want one, shutting_down, of %s, kind %s", c.text, lines, coreUUID, c.kind)
		}
	}
}
