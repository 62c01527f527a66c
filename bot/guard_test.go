package bot

import (
	"fmt"
	"testing"
	"time"
)

func TestIdleRateBucketsAreEvicted(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &memLimiter{now: func() time.Time { return now }, m: make(map[string]*memBucket)}
	for i := range 1000 {
		if _, err := l.Take(t.Context(), userKey(fmt.Sprint(i)), Rate{N: 5, Per: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := l.Take(t.Context(), userKey("late"), Rate{N: 5, Per: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if n := l.len(); n != 1 {
		t.Errorf("buckets after everyone went idle = %d, want 1", n)
	}
}

func TestRefundGivesTheTokenBack(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &memLimiter{now: func() time.Time { return now }, m: make(map[string]*memBucket)}
	r := Rate{N: 1, Per: time.Hour}
	if w, _ := l.Take(t.Context(), "k", r); w != 0 {
		t.Fatalf("first take waits %v", w)
	}
	if w, _ := l.Take(t.Context(), "k", r); w == 0 {
		t.Fatal("second take of a 1/1h bucket was allowed")
	}
	if err := l.Refund(t.Context(), "k", r); err != nil {
		t.Fatal(err)
	}
	if w, _ := l.Take(t.Context(), "k", r); w != 0 {
		t.Errorf("take after refund waits %v", w)
	}
	if w, _ := l.Take(t.Context(), "k", r); w == 0 {
		t.Error("refund gave back more than one token")
	}
}

func BenchmarkGuardAdmit(b *testing.B) {
	benchGuardAdmit(b, MemoryState(time.Now))
}

// benchGuardAdmit measures the check path of an accepted request:
// allowlists, cooldown claim, both rate limits, and releasing the hold.
func benchGuardAdmit(b *testing.B, state State) {
	cfg, _ := LoadConfig(env(map[string]string{
		"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
		"RESEND_ALLOWED_CHANNELS": "C1,C2,C3", "RESEND_ALLOWED_USERS": "U1,U2,U3,U4",
		"RESEND_RATE_PER_USER": "1000000000/1s", "RESEND_RATE_GLOBAL": "1000000000/1s",
	}), ModeBot)
	g := newGuard(cfg, state, time.Now, English(), nil, nil)
	r := &request{Origin: Origin{UserID: "U2", ChannelID: "C2"}, Reservation: "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd", Email: "kari@example.com"}
	ctx := b.Context()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Email = fmt.Sprintf("k%d@example.com", i%4096)
		t, ref, err := g.admit(ctx, r.Origin, r.destinations(), true)
		if ref != nil || err != nil {
			b.Fatalf("refused: %v %v", ref, err)
		}
		if err := t.finish(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}
