package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The guardrails keep their state behind these small interfaces: in
// process memory for one replica (the default), in Redis when REDIS_URL is
// set so that replicas share it. An error from any of them means the state
// could not be read or written; the caller then sends nothing.

// Limiter is a set of token buckets, one per key.
type Limiter interface {
	// Take spends one token of key's bucket of rate r. When the bucket is
	// empty it spends nothing and returns how long until a token is there.
	Take(ctx context.Context, key string, r Rate) (wait time.Duration, err error)
	// Refund gives back a token taken for a request that never reached
	// Front Payment.
	Refund(ctx context.Context, key string, r Rate) error
}

// Hold is who sends, or last sent, to one reservation+destination.
type Hold struct {
	User     string    `json:"user"`
	At       time.Time `json:"at"`
	Until    time.Time `json:"until"`
	InFlight bool      `json:"in_flight"`
}

// Cooldowns keeps the in-flight holds and cooldowns of
// reservation+destination keys.
type Cooldowns interface {
	// Claim takes key for h until h.Until, atomically, unless a live entry
	// has it: then it returns that entry and false.
	Claim(ctx context.Context, key string, h Hold) (prev Hold, ok bool, err error)
	// Set replaces key's entry with h, kept until h.Until.
	Set(ctx context.Context, key string, h Hold) error
	// Release forgets key.
	Release(ctx context.Context, key string) error
}

// Once remembers keys for a while so that something is done once: an
// envelope acted on, a button pressed.
type Once interface {
	// First reports whether key was not seen within ttl, and remembers it.
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Seen reports whether key is remembered, without remembering it.
	Seen(ctx context.Context, key string) (bool, error)
}

// Stash keeps small values for a while: what a Retry or an offer button
// will send, kept out of the message so the customer's contact is not in
// Slack unmasked, and the kind (reservation or order) of each UUID read.
type Stash interface {
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Get returns the value, or ok false when it is gone.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
}

// Recent keeps each user's latest resends, newest first, for App Home.
type Recent interface {
	Add(ctx context.Context, user string, e RecentResend) error
	List(ctx context.Context, user string) ([]RecentResend, error)
}

// RecentResend is one line of a user's history. It keeps stable values,
// worded when App Home is drawn, in the language of that moment.
type RecentResend struct {
	At          time.Time      `json:"at"`
	Reservation string         `json:"reservation"`
	Link        string         `json:"link,omitempty"` // "order" or "reservation"; "" in entries from before orders
	Kind        string         `json:"kind,omitempty"` // frontpay.Kind's name: "sent"
	TimedOut    bool           `json:"timed_out,omitempty"`
	To          []RecentTarget `json:"to,omitempty"`
	// Written by versions before Kind: the words of their day.
	Destination string `json:"destination,omitempty"`
	Outcome     string `json:"outcome,omitempty"`
	Emoji       string `json:"emoji,omitempty"`
}

// RecentTarget is one destination of a recent resend, masked.
type RecentTarget struct {
	Channel string `json:"channel"` // "sms" or "email"
	Masked  string `json:"masked"`
}

// RecentCap is how many resends a user's history keeps.
const RecentCap = 10

// State is every kind of shared state the bot keeps.
type State struct {
	Limiter   Limiter
	Cooldowns Cooldowns
	Once      Once
	Stash     Stash
	Recent    Recent
	// Health reports whether the shared store answers, for readiness;
	// nil when there is nothing outside the process to check.
	Health func(context.Context) error
}

// ErrStateUnavailable marks a failure of the shared state (Redis down).
var ErrStateUnavailable = errors.New("shared state unavailable")

// burstSize sizes the maps a command touches before its ack (a few tens of
// KB in all): a burst of that many commands from as many people fills them
// without growing them, which would be allocation and copying on the
// Socket Mode loop's path.
const burstSize = 256

// MemoryState keeps everything in this process: right for one replica.
func MemoryState(now func() time.Time) State {
	return State{
		Limiter:   &memLimiter{now: now, m: make(map[string]*memBucket, burstSize)},
		Cooldowns: &memCooldowns{now: now, m: make(map[string]Hold, burstSize)},
		Once:      &memOnce{now: now, m: make(map[string]time.Time, burstSize)},
		Stash:     &memStash{now: now, m: make(map[string]stashed)},
		Recent:    &memRecent{m: make(map[string][]RecentResend)},
	}
}

// memLimiter keeps one token bucket per key. A bucket idle for a whole
// refill period is full again, so it is dropped: the map holds only keys
// used within the last period.
type memLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	m         map[string]*memBucket
	lastSweep time.Time
}

type memBucket struct {
	lim  *rate.Limiter
	per  time.Duration
	used time.Time
}

func (l *memLimiter) bucket(key string, r Rate, now time.Time) *rate.Limiter {
	if now.Sub(l.lastSweep) >= time.Minute {
		for k, b := range l.m {
			if now.Sub(b.used) >= b.per {
				delete(l.m, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.m[key]
	if !ok {
		b = &memBucket{lim: rate.NewLimiter(rate.Every(r.Per/time.Duration(r.N)), r.N), per: r.Per}
		l.m[key] = b
	}
	b.used = now
	return b.lim
}

func (l *memLimiter) Take(_ context.Context, key string, r Rate) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	res := l.bucket(key, r, now).ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, nil
	}
	return 0, nil
}

// Refund reserves minus one token: x/time/rate adds it back, capped at the
// burst on the next use.
func (l *memLimiter) Refund(_ context.Context, key string, r Rate) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.bucket(key, r, now).ReserveN(now, -1)
	return nil
}

func (l *memLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// memCooldowns is swept of expired entries as it grows.
type memCooldowns struct {
	mu   sync.Mutex
	now  func() time.Time
	m    map[string]Hold
	next int // size at which to sweep
}

func (c *memCooldowns) Claim(_ context.Context, key string, h Hold) (Hold, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	sweep(c.m, &c.next, now, func(h Hold) time.Time { return h.Until })
	if prev, ok := c.m[key]; ok && now.Before(prev.Until) {
		return prev, false, nil
	}
	c.m[key] = h
	return Hold{}, true, nil
}

func (c *memCooldowns) Set(_ context.Context, key string, h Hold) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = h
	return nil
}

func (c *memCooldowns) Release(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

type memOnce struct {
	mu   sync.Mutex
	now  func() time.Time
	m    map[string]time.Time // key → when it expires
	next int                  // size at which to sweep
}

func (o *memOnce) First(_ context.Context, key string, ttl time.Duration) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	sweep(o.m, &o.next, now, func(until time.Time) time.Time { return until })
	if until, ok := o.m[key]; ok && now.Before(until) {
		return false, nil
	}
	o.m[key] = now.Add(ttl)
	return true, nil
}

func (o *memOnce) Seen(_ context.Context, key string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	until, ok := o.m[key]
	return ok && o.now().Before(until), nil
}

type memStash struct {
	mu   sync.Mutex
	now  func() time.Time
	m    map[string]stashed
	next int // size at which to sweep
}

type stashed struct {
	value []byte
	until time.Time
}

func (s *memStash) Put(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sweep(s.m, &s.next, now, func(v stashed) time.Time { return v.until })
	s.m[key] = stashed{value: value, until: now.Add(ttl)}
	return nil
}

func (s *memStash) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok || !s.now().Before(v.until) {
		return nil, false, nil
	}
	return v.value, true, nil
}

// memRecent keeps RecentCap entries per user; users are few (a support team).
type memRecent struct {
	mu sync.Mutex
	m  map[string][]RecentResend
}

func (r *memRecent) Add(_ context.Context, user string, e RecentResend) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := append([]RecentResend{e}, r.m[user]...)
	r.m[user] = list[:min(len(list), RecentCap)]
	return nil
}

func (r *memRecent) List(_ context.Context, user string) ([]RecentResend, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.m[user]), nil
}

// sweepAbove is how large an in-memory store grows before it is first
// swept of expired entries: small stores are not worth the scan.
const sweepAbove = 1024

// sweep deletes the entries of m that expired by now once m has grown to
// *next entries, then sets *next to twice what is left (at least
// sweepAbove): the scans cost O(1) per insert however many entries are
// still live.
func sweep[V any](m map[string]V, next *int, now time.Time, until func(V) time.Time) {
	if len(m) < max(*next, sweepAbove) {
		return
	}
	for k, v := range m {
		if !now.Before(until(v)) {
			delete(m, k)
		}
	}
	*next = 2 * len(m)
}
