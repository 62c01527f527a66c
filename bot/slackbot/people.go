package slackbot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"resendbot/bot"
)

// How long what users.info said of someone is believed, and how long a
// read that failed stands before Slack is asked again (so that a Slack in
// trouble is not asked on every request, nor a person refused for long).
const (
	personTTL     = 10 * time.Minute
	personFailTTL = 15 * time.Second
	// personTimeout bounds one users.info read: the envelope of someone
	// not known yet waits for it before it is handled and acknowledged,
	// well inside Slack's 3 s.
	personTimeout = 2 * time.Second
	// personReaders read users.info for envelopes waiting on it, from a
	// queue of up to personQueue people; when it is full, an envelope is
	// handled at once and its read blocks the Socket Mode loop instead.
	personReaders = 4
	personQueue   = 256
	// personCacheSweep is how many people are remembered before the
	// expired ones are forgotten.
	personCacheSweep = 1024
)

// people says who Slack users are, for the core's guard: the bot's own
// organisation (auth.test at start) and each user's (users.info, cached).
// It is the core's bot.People.
type people struct {
	api      *slack.Client
	log      *slog.Logger
	now      func() time.Time
	failures prometheus.Counter
	// called, when set, is told each users.info result: the Web API's
	// failure counts and whether Slack still takes the bot token.
	called func(method string, err error)

	home bot.Org // set by learnHome before the bot takes requests

	mu      sync.Mutex
	known   map[string]personRead
	waiting map[string][]func(context.Context) // user → what runs once they are known
	queue   chan string                        // people to read for waiting envelopes
}

var _ bot.People = (*people)(nil)

// personRead is one users.info answer, or its failure, and until when it
// stands.
type personRead struct {
	person bot.Person
	err    error
	until  time.Time
}

func newPeople(api *slack.Client, d bot.Deps) *people {
	failures := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "resendbot_users_info_failures_total",
		Help: "users.info reads that failed: until one succeeds, only people listed in RESEND_ALLOWED_USERS may resend.",
	})
	d.Metrics.MustRegister(failures)
	return &people{api: api, log: d.Log, now: d.Now, failures: failures, known: map[string]personRead{},
		waiting: map[string][]func(context.Context){}, queue: make(chan string, personQueue)}
}

// learnHome records the bot's own organisation from auth.test's answer.
func (p *people) learnHome(at *slack.AuthTestResponse) {
	p.home = bot.Org{Team: at.TeamID, Enterprise: at.EnterpriseID}
}

// Home implements bot.People.
func (p *people) Home() bot.Org { return p.home }

// whenKnown arranges for then to run once what Slack says of user is
// known (read, or failed to be read), off the caller's goroutine, with
// run's context (which ends at shutdown), and reports true. It reports
// false when that is known already and nothing of user's still waits, or
// when it cannot be arranged (the queue is full): the caller goes on at
// once.
func (p *people) whenKnown(user string, then func(context.Context)) bool {
	if user == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Behind earlier envelopes of theirs still waiting, even once the
	// person is known: they are handled in the order they came.
	if waiters, reading := p.waiting[user]; reading {
		p.waiting[user] = append(waiters, then)
		return true
	}
	if r, ok := p.known[user]; ok && p.now().Before(r.until) {
		return false
	}
	select {
	case p.queue <- user:
		p.waiting[user] = []func(context.Context){then}
		return true
	default:
		return false
	}
}

// run reads the people envelopes wait on, with personReaders readers,
// until ctx ends; what still waits then is called with ctx done, to tell
// its caller (its envelope may have been acknowledged already).
func (p *people) run(ctx context.Context) {
	var readers sync.WaitGroup
	for range personReaders {
		readers.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case user := <-p.queue:
					_, _ = p.Person(ctx, user)
					p.handOn(ctx, user)
				}
			}
		})
	}
	readers.Wait()
	p.mu.Lock()
	left := p.waiting
	p.waiting = map[string][]func(context.Context){}
	p.mu.Unlock()
	for _, waiters := range left {
		for _, then := range waiters {
			then(ctx)
		}
	}
}

// handOn runs, in order, what waits for user, now known, and what comes
// to wait meanwhile: user stays in waiting until none is left, so that an
// envelope of theirs arriving while the earlier ones are handed on (the
// event loop takes one at a time) is not handled before them.
func (p *people) handOn(ctx context.Context, user string) {
	for {
		p.mu.Lock()
		waiters := p.waiting[user]
		if len(waiters) == 0 {
			delete(p.waiting, user)
			p.mu.Unlock()
			return
		}
		p.waiting[user] = nil // still waited on: later ones queue behind
		p.mu.Unlock()
		for _, then := range waiters {
			then(ctx)
		}
	}
}

// Person implements bot.People: what users.info says of user, read at
// most every personTTL. A read that fails (Slack down, a 429, an unknown
// user) is an error for personFailTTL, or a 429's Retry-After if longer.
func (p *people) Person(ctx context.Context, user string) (bot.Person, error) {
	now := p.now()
	p.mu.Lock()
	r, ok := p.known[user]
	p.mu.Unlock()
	if ok && now.Before(r.until) {
		return r.person, r.err
	}
	r = p.read(ctx, user)
	if r.err != nil {
		p.failures.Inc()
		p.log.Warn("users.info could not be read; only people listed in RESEND_ALLOWED_USERS may resend until it can",
			"user", user, "err", r.err)
		_, wait := verdictOf(r.err) // a 429's Retry-After: Slack asked for that much quiet
		r.until = now.Add(max(personFailTTL, wait))
	} else {
		r.until = now.Add(personTTL)
	}
	p.mu.Lock()
	if len(p.known) >= personCacheSweep {
		for u, old := range p.known {
			if !now.Before(old.until) {
				delete(p.known, u)
			}
		}
	}
	p.known[user] = r
	p.mu.Unlock()
	return r.person, r.err
}

func (p *people) read(ctx context.Context, user string) personRead {
	ctx, cancel := context.WithTimeout(ctx, personTimeout)
	defer cancel()
	u, err := p.api.GetUserInfoContext(ctx, user)
	if p.called != nil {
		p.called("users.info", err)
	}
	if err != nil {
		return personRead{err: fmt.Errorf("users.info %s: %w", user, err)}
	}
	return personRead{person: bot.Person{
		Org:      bot.Org{Team: u.TeamID, Enterprise: u.Enterprise.EnterpriseID},
		Guest:    u.IsRestricted || u.IsUltraRestricted,
		Stranger: u.IsStranger,
	}}
}
