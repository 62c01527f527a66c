package slackbot

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuietGCCollectsOnceAfterWorkEnds(t *testing.T) {
	// The clock is the test's: "quiet" is decided on it, so a slow machine
	// cannot make activity look old. Only the collector's naps are real.
	const gap = 10 * time.Millisecond
	var clock atomic.Int64
	clock.Store(time.Unix(1_700_000_000, 0).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	var busy atomic.Bool
	collected := make(chan struct{}, 10)
	q := newQuietGC(gap, now, busy.Load, func() { collected <- struct{}{} })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	none := func(what string) {
		t.Helper()
		select {
		case <-collected:
			t.Fatalf("collected %s", what)
		case <-time.After(10 * gap):
		}
	}
	one := func(what string) {
		t.Helper()
		select {
		case <-collected:
		case <-time.After(10 * time.Second):
			t.Fatalf("no collection %s", what)
		}
	}

	advance(time.Hour)
	none("before any activity")

	busy.Store(true)
	q.touch(now())
	advance(time.Hour)
	none("while work was queued or running")
	busy.Store(false)
	one("after the work ended")
	none("again without new activity")

	q.touch(now())
	none("while the latest envelope is recent")
	advance(gap)
	one("once the latest envelope is gap old")
}

func TestQuietGCStopsWithItsContext(t *testing.T) {
	q := newQuietGC(time.Hour, time.Now, func() bool { return false }, func() { t.Error("collected") })
	q.touch(time.Now())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.run(ctx)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}
