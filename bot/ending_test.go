package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// endings is a Listener that keeps what it is told.
type endings struct {
	mu  sync.Mutex
	got []Ending
	ch  chan struct{}
}

func newEndings() *endings { return &endings{ch: make(chan struct{}, 10)} }

func (l *endings) Ended(_ context.Context, e Ending) {
	l.mu.Lock()
	l.got = append(l.got, e)
	l.mu.Unlock()
	select { // never blocks, however often a broken core tells it
	case l.ch <- struct{}{}:
	default:
	}
}

// first waits for the first Ending.
func (l *endings) first(t testing.TB) Ending {
	t.Helper()
	select {
	case <-l.ch:
	case <-time.After(testkit.Wait):
		t.Fatal("the request never said how it ended")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got[0]
}

func (l *endings) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.got)
}

// Every request tells its listener how it ended, once, from the place it
// writes its audit line: whichever door it came in by.
func TestEveryRequestEndsOnceForItsListener(t *testing.T) {
	step := func(user, reservation, email string) func(*Core, Origin) {
		return func(c *Core, o Origin) {
			o.UserID, o.Source, o.Unattended, o.Execution = user, SourceWorkflow, true, "Fx1"
			c.Step(t.Context(), o, reservation, email, "")
		}
	}
	command := func(text string) func(*Core, Origin) {
		return func(c *Core, o Origin) { c.Command(t.Context(), o, text) }
	}
	cases := []struct {
		name    string
		postErr error
		answer  error
		run     func(*Core, Origin)
		want    Ending
	}{
		{"slash, sent", nil, nil, command(coreUUID + " email=kari@example.com"),
			Ending{Outcome: "sent", Called: true, Sent: true, HTTPStatus: 202, AuditTS: "1700000001.000100"}},
		{"slash, bad input", nil, nil, command(coreUUID + " email=kari@"),
			Ending{Outcome: "refused", Reason: ReasonInvalidInput}},
		{"step, sent", nil, nil, step("U0AGENT", coreUUID, "kari@example.com"),
			Ending{Outcome: "sent", Called: true, Sent: true, HTTPStatus: 202, AuditTS: "1700000001.000100"}},
		{"step, no requester", nil, nil, step("", coreUUID, "kari@example.com"),
			Ending{Outcome: "refused", Reason: ReasonInvalidInput}},
		{"step, no destination", nil, nil, step("U0AGENT", coreUUID, ""),
			Ending{Outcome: "refused", Reason: ReasonInvalidInput}},
		{"step, no audit message", fmt.Errorf("chat.postMessage: %w", ErrNotInChannel), nil, step("U0AGENT", coreUUID, "kari@example.com"),
			Ending{Outcome: "refused", Reason: ReasonAuditPostError}},
		{"step, no answer in time", nil, &frontpay.Error{Op: frontpay.OpResend, Kind: frontpay.KindUnreachable, Err: context.DeadlineExceeded}, step("U0AGENT", coreUUID, "kari@example.com"),
			Ending{Outcome: "timeout", Called: true, AuditTS: "1700000001.000100"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder()
			rec.postErr = c.postErr
			if c.answer != nil {
				rec.answer = func() error { return c.answer }
			}
			core, stop := runCore(t, rec, nil)
			l := newEndings()
			o := agentOrigin
			o.Ended = l
			c.run(core, o)
			got := l.first(t)
			stop() // no second ending can follow
			got.Words = ""
			if got != c.want {
				t.Errorf("ending = %+v, want %+v", got, c.want)
			}
			if n := l.count(); n != 1 {
				t.Errorf("%d endings, want 1", n)
			}
			if o.Source == SourceWorkflow && rec.count("tell") != 0 {
				t.Errorf("an unattended request was told through the surface: %v", rec.events)
			}
		})
	}
}

// A workflow step's fields are what someone typed into a form: whatever
// they hold, the step ends once, and says so.
func FuzzStepEndsOnce(f *testing.F) {
	f.Add(coreUUID, "kari@example.com", "")
	f.Add(coreUUID, "", "+47 412 34 567")
	f.Add("not-a-uuid", "kari@", "12")
	f.Add(coreUUID, `["kari@example.com"]`, "<tel:+4741234567|+47 41234567>")
	core, _ := runCore(f, newRecorder(), nil)
	f.Fuzz(func(t *testing.T, reservation, email, phone string) {
		l := newEndings()
		o := Origin{UserID: "U0AGENT", ChannelID: "C0SUPPORT", Source: SourceWorkflow, Unattended: true, Ended: l}
		core.Step(t.Context(), o, reservation, email, phone)
		e := l.first(t)
		if (e.Called || e.Answered) != (e.Outcome != "refused") {
			t.Errorf("ending %+v: asked Front Payment and refused at once", e)
		}
		if e.Outcome == "refused" && e.Words == "" {
			t.Errorf("refused without words for the caller: %+v", e)
		}
	})
}
