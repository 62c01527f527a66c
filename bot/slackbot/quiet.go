package slackbot

import (
	"context"
	"sync/atomic"
	"time"
)

// quietGC runs a garbage collection once the bot has gone quiet after some
// work: no envelope and no task for gap, and nothing queued or running.
//
// Why: the bot's work (Web API posts, Front Payment calls) leaves its
// garbage on a small heap, and the next command would otherwise find the
// heap near the collector's goal, so the next burst of slash commands
// would pay for a GC cycle while its acks are due (the load benchmark saw
// one inside the acks of most bursts). Collecting while nothing waits
// costs a millisecond of CPU per quiet spell and leaves the next burst a
// heap with room. GOGC stays what the operator set.
type quietGC struct {
	gap     time.Duration
	now     func() time.Time
	busy    func() bool // work queued or running
	collect func()

	last  atomic.Int64 // latest activity, UnixNano
	dirty atomic.Bool  // activity since the latest collection
	poke  chan struct{}
}

func newQuietGC(gap time.Duration, now func() time.Time, busy func() bool, collect func()) *quietGC {
	return &quietGC{gap: gap, now: now, busy: busy, collect: collect, poke: make(chan struct{}, 1)}
}

// touch records activity. It is on the Socket Mode loop's path: an atomic
// store, and a channel send only on the first activity after a collection.
func (q *quietGC) touch(at time.Time) {
	q.last.Store(at.UnixNano())
	if !q.dirty.Load() && q.dirty.CompareAndSwap(false, true) {
		select {
		case q.poke <- struct{}{}:
		default:
		}
	}
}

// run collects after each quiet spell that follows activity, until ctx
// ends. Idle, it waits on a channel, not a ticker.
func (q *quietGC) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.poke:
		}
		for {
			idle := q.now().Sub(time.Unix(0, q.last.Load()))
			if idle >= q.gap && !q.busy() {
				break
			}
			t := time.NewTimer(max(q.gap-idle, q.gap/10))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		// Activity from here on makes the next spell dirty again.
		q.dirty.Store(false)
		q.collect()
	}
}
