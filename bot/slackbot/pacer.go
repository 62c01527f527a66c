package slackbot

import (
	"context"
	"sync"
	"time"
)

// pacer keeps Slack's posting limit per channel adaptively: calls go out
// freely until Slack signals a limit on a channel (a 429, or a ratelimited
// body), then that channel's calls of that method go one per interval,
// none before Retry-After, until it has been quiet for quiet; every call
// waiting for the channel waits its turn. A channel where Slack sets no
// limit never waits.
type pacer struct {
	interval, quiet time.Duration

	mu    sync.Mutex
	lanes map[laneKey]*lane
}

// laneKey is a method in a channel: Slack limits each method on its own.
type laneKey struct{ method, channel string }

// lane is a channel that Slack limited.
type lane struct {
	next      time.Time // the earliest the next call may go
	limitedAt time.Time // the latest limit Slack signalled
}

// quietLanes is how many intervals without a limit signal free a channel.
const quietLanes = 30

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, quiet: quietLanes * interval, lanes: map[laneKey]*lane{}}
}

// wait returns when a call of method may go to channel: at once unless
// Slack limited it there. It returns ctx's error if ctx ends first.
func (p *pacer) wait(ctx context.Context, method, channel string) error {
	if p == nil || channel == "" {
		return nil
	}
	key := laneKey{method, channel}
	for {
		p.mu.Lock()
		l := p.lanes[key]
		now := time.Now()
		switch {
		case l == nil:
			p.mu.Unlock()
			return nil
		case !now.Before(l.next):
			if now.Sub(l.limitedAt) >= p.quiet {
				delete(p.lanes, key) // quiet for a while: free again
			} else {
				l.next = now.Add(p.interval)
			}
			p.mu.Unlock()
			return nil
		}
		at := l.next
		p.mu.Unlock()
		if err := sleep(ctx, time.Until(at)); err != nil {
			return err
		}
	}
}

// limited records that Slack refused a call of method in channel for its
// rate limit, asking for retryAfter (0: it did not say).
func (p *pacer) limited(method, channel string, retryAfter time.Duration) {
	if p == nil || channel == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	key := laneKey{method, channel}
	l := p.lanes[key]
	if l == nil {
		l = &lane{}
		p.lanes[key] = l
	}
	now := time.Now()
	l.limitedAt = now
	if next := now.Add(max(retryAfter, p.interval)); next.After(l.next) {
		l.next = next
	}
	for k, other := range p.lanes {
		if now.Sub(other.limitedAt) >= p.quiet && !now.Before(other.next) {
			delete(p.lanes, k) // a channel quiet since, not posted in again
		}
	}
}
