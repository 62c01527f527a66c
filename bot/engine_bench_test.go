package bot

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// nopSurface shows nothing: for measuring the engine alone.
type nopSurface struct{}

func (nopSurface) Post(context.Context, string, string, Message) (string, error) { return "1", nil }
func (nopSurface) Update(context.Context, string, string, Message) error         { return nil }
func (nopSurface) Tell(context.Context, Origin, Message) error                   { return nil }

// BenchmarkCommandAccepted is what the Socket Mode loop does for an
// accepted /resend before it acks: parse, checks, queue.
func BenchmarkCommandAccepted(b *testing.B) {
	cfg, _ := LoadConfig(env(map[string]string{"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
		"RESEND_RATE_PER_USER": "1000000000/1s", "RESEND_RATE_GLOBAL": "1000000000/1s"}), ModeBot)
	e := newEngine(cfg, Deps{}, nopSurface{})
	ctx := b.Context()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		text := fmt.Sprintf("%08x-0000-4000-8000-%012x email=load%d@example.com", i, i, i)
		if r := e.Command(ctx, Origin{UserID: fmt.Sprint("U", i%1000), ChannelID: "C1"}, text); r != "" {
			b.Fatal(r)
		}
		if err := (<-e.queue).(*resendTask).ticket.finish(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSweepIsAmortised(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	m := map[string]time.Time{}
	for i := range 3000 {
		m[fmt.Sprint(i)] = now.Add(time.Hour) // all live
	}
	m["old"] = now.Add(-time.Second)
	scans := 0
	until := func(v time.Time) time.Time { scans++; return v }
	next := 0
	sweep(m, &next, now, until)
	if _, ok := m["old"]; ok || len(m) != 3000 || next != 6000 {
		t.Fatalf("after a sweep: len %d, next %d, expired entry kept: %v", len(m), next, ok)
	}
	scans = 0
	for i := range 2999 {
		m[fmt.Sprint("new", i)] = now.Add(time.Hour)
		sweep(m, &next, now, until)
	}
	if scans != 0 {
		t.Errorf("%d entries scanned while the store had not doubled; want 0", scans)
	}
	m["one more"] = now
	sweep(m, &next, now, until)
	if scans != 6000 || next != 2*5999 {
		t.Errorf("doubling: scanned %d, next %d", scans, next)
	}
}
