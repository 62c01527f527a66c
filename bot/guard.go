package bot

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Refusal is why a request was not accepted: Reason is a stable label for
// logs and metrics, Message the plain words the caller reads.
type Refusal struct {
	Reason  string
	Message string
}

// Refusal reasons, as they appear in audit lines and metrics.
const (
	ReasonInvalidInput   = "invalid_input"
	ReasonChannel        = "channel_not_allowed"
	ReasonUser           = "user_not_allowed"
	ReasonCooldown       = "cooldown"
	ReasonInFlight       = "in_flight"
	ReasonRateUser       = "rate_limited_user"
	ReasonRateGlobal     = "rate_limited_global"
	ReasonQueueFull      = "queue_full"
	ReasonStateDown      = "state_unavailable"
	ReasonShuttingDown   = "shutting_down"
	ReasonAuditPostError = "audit_post_failed"
)

// guard is the one place a request is checked before anything is sent:
// allowlists, the reservation+destination cooldown (with its in-flight
// hold), and the rate limits, in that order so that refusals spend no
// rate tokens.
type guard struct {
	channels map[string]bool // empty: any
	users    map[string]bool // empty: any
	cooldown time.Duration
	holdTTL  time.Duration // how long an in-flight hold lives if its owner dies
	now      func() time.Time

	perUser *userLimiters
	global  *rate.Limiter
	state   *cooldowns
}

func newGuard(cfg *Config, now func() time.Time) *guard {
	return &guard{
		channels: set(cfg.AllowedChannels),
		users:    set(cfg.AllowedUsers),
		cooldown: cfg.Cooldown,
		holdTTL:  2*cfg.FrontPaymentTimeout + time.Minute,
		now:      now,
		perUser:  newUserLimiters(cfg.RatePerUser),
		global:   newLimiter(cfg.RateGlobal),
		state:    newCooldowns(),
	}
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// ticket is an admitted request's claim on the guard's state. Exactly one
// of finish or cancel must be called.
type ticket struct {
	g     *guard
	keys  []string
	user  string
	spent []*rate.Reservation
}

// finish ends the in-flight hold; a request Front Payment accepted starts
// the cooldown for each of its destinations.
func (t *ticket) finish(sent bool) {
	at := t.g.now()
	for _, k := range t.keys {
		if sent && t.g.cooldown > 0 {
			t.g.state.set(k, cooldownEntry{user: t.user, at: at, until: at.Add(t.g.cooldown)})
		} else {
			t.g.state.release(k)
		}
	}
}

// cancel undoes admit for a request that never reached Front Payment: the
// hold is released and the rate tokens are given back.
func (t *ticket) cancel() {
	now := t.g.now()
	for _, r := range t.spent {
		r.CancelAt(now)
	}
	for _, k := range t.keys {
		t.g.state.release(k)
	}
}

// admit checks a request. It returns a ticket when the request may be sent,
// or the refusal the caller should read.
func (g *guard) admit(o Origin, dests []destination, mask bool) (*ticket, *Refusal) {
	if len(g.channels) > 0 && !g.channels[o.ChannelID] {
		return nil, &Refusal{ReasonChannel, "Resends aren't enabled in this channel, so nothing was sent. " +
			"Use the payment-support channel, or ask an admin to add this channel to RESEND_ALLOWED_CHANNELS."}
	}
	if len(g.users) > 0 && !g.users[o.UserID] {
		return nil, &Refusal{ReasonUser, "You're not on the list of people who may resend payment links, so nothing was sent. " +
			"Ask an admin to add you to RESEND_ALLOWED_USERS."}
	}

	now := g.now()
	t := &ticket{g: g, user: o.UserID}
	for _, d := range dests {
		key := d.key
		prev, ok := g.state.hold(key, cooldownEntry{user: o.UserID, at: now, until: now.Add(g.holdTTL), inFlight: true}, now)
		if ok {
			t.keys = append(t.keys, key)
			continue
		}
		t.cancel()
		shown := d.shown(mask)
		if prev.inFlight {
			return nil, &Refusal{ReasonInFlight, fmt.Sprintf(
				"A resend of this reservation to %s is already in progress (started by <@%s> %s ago), so nothing more was sent. "+
					"Wait for its answer in the channel.", shown, prev.user, roundAgo(now.Sub(prev.at)))}
		}
		return nil, &Refusal{ReasonCooldown, fmt.Sprintf(
			"The payment link for this reservation was already sent to %s %s ago by <@%s>, so nothing was sent. "+
				"To avoid spamming the customer, the same destination can get it again in %s.",
			shown, roundAgo(now.Sub(prev.at)), prev.user, roundUp(prev.until.Sub(now)))}
	}

	userRes := g.perUser.get(o.UserID, now).ReserveN(now, 1)
	if d := userRes.DelayFrom(now); d > 0 {
		userRes.CancelAt(now)
		t.cancel()
		return nil, &Refusal{ReasonRateUser, fmt.Sprintf(
			"You've sent a lot of resends in a short time, so nothing was sent. Try again in %s.", roundUp(d))}
	}
	globalRes := g.global.ReserveN(now, 1)
	if d := globalRes.DelayFrom(now); d > 0 {
		globalRes.CancelAt(now)
		userRes.CancelAt(now)
		t.cancel()
		return nil, &Refusal{ReasonRateGlobal, fmt.Sprintf(
			"The team has sent a lot of resends in a short time, so nothing was sent. Try again in %s.", roundUp(d))}
	}
	t.spent = []*rate.Reservation{userRes, globalRes}
	return t, nil
}

func newLimiter(r Rate) *rate.Limiter {
	return rate.NewLimiter(rate.Every(r.Per/time.Duration(r.N)), r.N)
}

// userLimiters keeps one token bucket per Slack user. A bucket idle for a
// whole refill period is full again, so it is dropped: the map holds only
// users active within the last period.
type userLimiters struct {
	mu        sync.Mutex
	rate      Rate
	m         map[string]*userLimiter
	lastSweep time.Time
}

type userLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

func newUserLimiters(r Rate) *userLimiters {
	return &userLimiters{rate: r, m: make(map[string]*userLimiter)}
}

func (u *userLimiters) get(user string, now time.Time) *rate.Limiter {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.lastSweep) >= u.rate.Per {
		for k, l := range u.m {
			if now.Sub(l.used) >= u.rate.Per {
				delete(u.m, k)
			}
		}
		u.lastSweep = now
	}
	l, ok := u.m[user]
	if !ok {
		l = &userLimiter{lim: newLimiter(u.rate)}
		u.m[user] = l
	}
	l.used = now
	return l.lim
}

func (u *userLimiters) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.m)
}

// cooldownEntry is who last sent (or is sending) to one reservation+destination.
type cooldownEntry struct {
	user     string
	at       time.Time
	until    time.Time
	inFlight bool
}

// cooldowns is the in-process store of holds and cooldowns, swept of
// expired entries as it is used.
type cooldowns struct {
	mu sync.Mutex
	m  map[string]cooldownEntry
}

func newCooldowns() *cooldowns { return &cooldowns{m: make(map[string]cooldownEntry)} }

// hold claims key unless a live entry has it; then it returns that entry.
func (c *cooldowns) hold(key string, e cooldownEntry, now time.Time) (cooldownEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 1024 {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
	}
	if prev, ok := c.m[key]; ok && now.Before(prev.until) {
		return prev, false
	}
	c.m[key] = e
	return cooldownEntry{}, true
}

func (c *cooldowns) set(key string, e cooldownEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = e
}

func (c *cooldowns) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// seenSet remembers keys (Socket Mode envelope IDs, event IDs, button
// presses) for a while so that a redelivery is acted on once.
type seenSet struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]time.Time
	now func() time.Time
}

func newSeenSet(ttl time.Duration, now func() time.Time) *seenSet {
	return &seenSet{ttl: ttl, m: make(map[string]time.Time), now: now}
}

// first reports whether key is new, and remembers it.
func (s *seenSet) first(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) > 4096 {
		for k, at := range s.m {
			if now.Sub(at) > s.ttl {
				delete(s.m, k)
			}
		}
	}
	if at, ok := s.m[key]; ok && now.Sub(at) <= s.ttl {
		return false
	}
	s.m[key] = now
	return true
}

// roundAgo and roundUp word a duration for people: "45 seconds", "2 minutes".
func roundAgo(d time.Duration) string { return humanDuration(d, false) }
func roundUp(d time.Duration) string  { return humanDuration(d, true) }

func humanDuration(d time.Duration, up bool) string {
	unit, name := time.Second, "second"
	switch {
	case d >= 100*time.Minute:
		unit, name = time.Hour, "hour"
	case d >= 100*time.Second:
		unit, name = time.Minute, "minute"
	}
	n := int64(d / unit)
	if up && d%unit != 0 {
		n++
	}
	n = max(n, 1)
	if n == 1 {
		return "1 " + name
	}
	return fmt.Sprintf("%d %ss", n, name)
}
