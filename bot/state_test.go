package bot

import (
	"fmt"
	"testing"
	"time"
)

// A bucket idle for exactly its period is full again, and dropped by the
// sweep that runs once a minute, to the nanosecond.
func TestBucketsAreEvictedAtExactlyTheirPeriod(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &memLimiter{now: func() time.Time { return now }, m: make(map[string]*memBucket)}
	r := Rate{N: 5, Per: time.Minute}
	if _, err := l.Take(t.Context(), userKey("U0"), r); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := l.Take(t.Context(), userKey("U9"), r); err != nil {
		t.Fatal(err)
	}
	if n := l.len(); n != 1 {
		t.Errorf("buckets a minute on = %d, want 1", n)
	}
}

// A bucket of N per period gives N at once, then one every period/N.
func TestABucketRefillsAtItsRate(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := &memLimiter{now: func() time.Time { return now }, m: make(map[string]*memBucket)}
	r := Rate{N: 4, Per: time.Minute}
	for i := range 4 {
		if w, _ := l.Take(t.Context(), "k", r); w != 0 {
			t.Fatalf("take %d of a burst of 4 waits %v", i+1, w)
		}
	}
	if w, _ := l.Take(t.Context(), "k", r); w != 15*time.Second {
		t.Errorf("the fifth take waits %v, want 15s", w)
	}
}

// A store is swept once it holds sweepAbove entries, not one before.
func TestSweepStartsAtSweepAbove(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	m := map[string]time.Time{"old": now}
	for i := range sweepAbove - 2 {
		m[fmt.Sprint(i)] = now.Add(time.Hour)
	}
	next := 0
	until := func(v time.Time) time.Time { return v }
	sweep(m, &next, now, until)
	if _, kept := m["old"]; !kept || next != 0 {
		t.Fatalf("swept at %d entries", len(m))
	}
	m["one more"] = now.Add(time.Hour)
	sweep(m, &next, now, until)
	if _, kept := m["old"]; kept || next != 2*(sweepAbove-1) {
		t.Errorf("at %d entries: expired kept %v, next %d", sweepAbove, kept, next)
	}
}
