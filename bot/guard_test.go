package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"resendbot/bot/command"
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

// limiterSpy wraps a Limiter: Take fails for the keys in failTake, and
// every Refund is recorded with the rate it was given.
type limiterSpy struct {
	Limiter
	failTake map[string]bool
	refunds  []string // "key rate"
}

func (l *limiterSpy) Take(ctx context.Context, key string, r Rate) (time.Duration, error) {
	if l.failTake[key] {
		return 0, errors.New("state down")
	}
	return l.Limiter.Take(ctx, key, r)
}

func (l *limiterSpy) Refund(ctx context.Context, key string, r Rate) error {
	l.refunds = append(l.refunds, fmt.Sprintf("%s %d/%v", key, r.N, r.Per))
	return l.Limiter.Refund(ctx, key, r)
}

// guardWithSpy is a guard on in-memory state whose limiter is spied on;
// each user may send once an hour, everyone together twice an hour.
func guardWithSpy(t *testing.T, failTake ...string) (*guard, *limiterSpy, State) {
	t.Helper()
	cfg, err := LoadConfig(env(map[string]string{
		"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
		"RESEND_RATE_PER_USER": "1/1h", "RESEND_RATE_GLOBAL": "2/1h",
	}), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	state := MemoryState(time.Now)
	spy := &limiterSpy{Limiter: state.Limiter, failTake: map[string]bool{}}
	for _, k := range failTake {
		spy.failTake[k] = true
	}
	state.Limiter = spy
	return newGuard(cfg, state, time.Now, English(), nil, nil), spy, state
}

var guardRequest = &request{Origin: Origin{UserID: "U1", ChannelID: "C1"},
	Reservation: "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd", Email: "kari@example.com"}

// State that fails halfway through admitting a request gives back what
// it took: the destination's hold and the tokens already spent.
func TestAdmitGivesBackWhatItTookWhenStateFailsHalfway(t *testing.T) {
	g, spy, state := guardWithSpy(t, globalKey)
	ctx := t.Context()
	dests := guardRequest.destinations()
	tk, refusal, err := g.admit(ctx, guardRequest.Origin, dests, true)
	if tk != nil || err == nil || refusal == nil || refusal.Reason != ReasonStateDown {
		t.Fatalf("admit = %v, %+v, %v; want the state-down refusal", tk, refusal, err)
	}
	if want := []string{userKey("U1") + " 1/1h0m0s"}; !slices.Equal(spy.refunds, want) {
		t.Errorf("refunds %q, want %q", spy.refunds, want)
	}
	if _, ok, err := state.Cooldowns.Claim(ctx, dests[0].key, Hold{User: "U2", At: time.Now(), Until: time.Now().Add(time.Minute)}); !ok || err != nil {
		t.Errorf("the destination is still held after the refusal (claim %v, %v)", ok, err)
	}
	if wait, _ := spy.Limiter.Take(ctx, userKey("U1"), Rate{N: 1, Per: time.Hour}); wait != 0 {
		t.Errorf("the user's token was not given back: wait %v", wait)
	}
}

// A request to both channels whose second destination someone else holds
// is refused, and lets go of the first one it had claimed: that one is
// free at once, not "in flight" for the hold's ten minutes.
func TestAdmitRefusedOnItsSecondDestinationFreesTheFirst(t *testing.T) {
	g, spy, state := guardWithSpy(t)
	ctx := t.Context()
	r := &request{Origin: guardRequest.Origin, Reservation: guardRequest.Reservation, Email: "kari@example.com",
		Phone: &command.Phone{CountryCode: "+47", National: "90123405", E164: "+4790123405"}}
	dests := r.destinations()
	now := time.Now()
	if _, ok, _ := state.Cooldowns.Claim(ctx, dests[1].key, Hold{User: "U2", At: now, Until: now.Add(time.Hour), InFlight: true}); !ok {
		t.Fatal("the second destination could not be held for the test")
	}
	tk, refusal, err := g.admit(ctx, r.Origin, dests, true)
	if tk != nil || err != nil || refusal == nil || refusal.Reason != ReasonInFlight {
		t.Fatalf("admit = %v, %+v, %v; want the in-flight refusal", tk, refusal, err)
	}
	if _, ok, err := state.Cooldowns.Claim(ctx, dests[0].key, Hold{User: "U3", At: now, Until: now.Add(time.Minute)}); !ok || err != nil {
		t.Errorf("the first destination is still held after the refusal (claim %v, %v)", ok, err)
	}
	if len(spy.refunds) != 0 {
		t.Errorf("refunds %q for a refusal before any token was taken", spy.refunds)
	}
}

// A request cancelled after admit (never sent) gives back both tokens,
// each to its own limiter at its own rate, and its hold.
func TestCancelGivesBackBothTokensAtTheirRates(t *testing.T) {
	g, spy, state := guardWithSpy(t)
	ctx := t.Context()
	dests := guardRequest.destinations()
	tk, refusal, err := g.admit(ctx, guardRequest.Origin, dests, true)
	if tk == nil || refusal != nil || err != nil {
		t.Fatalf("admit = %v, %+v, %v", tk, refusal, err)
	}
	if err := tk.cancel(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{userKey("U1") + " 1/1h0m0s", globalKey + " 2/1h0m0s"}
	if !slices.Equal(spy.refunds, want) {
		t.Errorf("refunds %q, want %q", spy.refunds, want)
	}
	if _, ok, _ := state.Cooldowns.Claim(ctx, dests[0].key, Hold{User: "U2", At: time.Now(), Until: time.Now().Add(time.Minute)}); !ok {
		t.Error("the destination is still held after cancel")
	}
	// Both buckets are full again: the same user may send at once.
	if _, refusal, _ := g.admit(ctx, Origin{UserID: "U1", ChannelID: "C1"}, []destination{{channel: "email", key: "other"}}, true); refusal != nil {
		t.Errorf("after cancel: %+v", refusal)
	}
}

// finish starts the cooldown of a sent request for the configured time,
// and releases the destination of one that was not sent.
//
// Equivalent mutant (gremlins CONDITIONALS_BOUNDARY, guard.go finish,
// `t.g.cooldown > 0` → `>= 0`): with RESEND_COOLDOWN=0 a sent request
// then Sets a hold whose Until is its At instead of Releasing it. Both
// stores read a hold with Until <= now as none (memCooldowns.Claim by
// now.Before(Until), redisstate's Set deletes it), so nothing a person
// or a later request sees changes.
func TestFinishStartsTheCooldownOnlyWhenSent(t *testing.T) {
	g, _, state := guardWithSpy(t)
	ctx := t.Context()
	for _, sent := range []bool{false, true} {
		dests := guardRequest.destinations()
		tk, refusal, err := g.admit(ctx, guardRequest.Origin, dests, true)
		if refusal != nil || err != nil {
			t.Fatalf("sent=%v: admit refused: %+v, %v", sent, refusal, err)
		}
		if err := tk.finish(ctx, sent); err != nil {
			t.Fatal(err)
		}
		prev, ok, _ := state.Cooldowns.Claim(ctx, dests[0].key, Hold{User: "U9", At: time.Now(), Until: time.Now().Add(time.Second)})
		if ok == sent {
			t.Fatalf("sent=%v: claim after finish ok=%v", sent, ok)
		}
		if sent && (prev.InFlight || prev.Until.Sub(prev.At) != g.cooldown) {
			t.Errorf("cooldown %+v, want %v long and not in flight", prev, g.cooldown)
		}
		if !sent {
			_ = state.Cooldowns.Release(ctx, dests[0].key)
		}
		spy := state.Limiter.(*limiterSpy)
		_ = spy.Limiter.Refund(ctx, userKey("U1"), Rate{N: 1, Per: time.Hour})
	}
}

// An in-flight hold outlives the Front Payment call it guards by the
// margin: a bot that dies mid-call does not free the destination at once.
func TestHoldOutlivesTheCall(t *testing.T) {
	g, _, state := guardWithSpy(t)
	ctx := t.Context()
	dests := guardRequest.destinations()
	before := time.Now()
	if _, refusal, err := g.admit(ctx, guardRequest.Origin, dests, true); refusal != nil || err != nil {
		t.Fatal(refusal, err)
	}
	prev, ok, _ := state.Cooldowns.Claim(ctx, dests[0].key, Hold{})
	if ok || !prev.InFlight {
		t.Fatalf("claim while in flight ok=%v prev=%+v", ok, prev)
	}
	// Ten minutes, as written: holdMargin itself would move with a broken
	// constant.
	if min := before.Add(15*time.Second + 10*time.Minute); prev.Until.Before(min) {
		t.Errorf("hold until %v, want at least %v", prev.Until, min)
	}
}

// The defaults a bot gets when it sets none are the documented ones.
func TestDepsDefaults(t *testing.T) {
	var d Deps
	d.SetDefaults()
	if d.Backoff == nil || d.Backoff(1) != 500*time.Millisecond || d.Backoff(100) != 30*time.Second {
		t.Error("Backoff is not DefaultBackoff")
	}
	if d.SlackTimeout != 30*time.Second {
		t.Errorf("SlackTimeout %v, want 30s", d.SlackTimeout)
	}
	if d.QuietGap != time.Second {
		t.Errorf("QuietGap %v, want 1s", d.QuietGap)
	}
	if d.SlackPostInterval != time.Second {
		t.Errorf("SlackPostInterval %v, want 1s", d.SlackPostInterval)
	}
	if d.LoopStall != DefaultLoopStall {
		t.Errorf("LoopStall %v, want %v", d.LoopStall, DefaultLoopStall)
	}
	if d.Collect == nil || d.Now == nil || d.Log == nil || d.Audit == nil || d.Metrics == nil || d.Words == nil || d.State.Limiter == nil {
		t.Errorf("a default is missing: %+v", d)
	}
	if got := d.Words.T("destination.and"); got != English().T("destination.and") {
		t.Errorf("default words %q, want English", got)
	}
}

// What a bot sets is kept: SetDefaults fills in only the zero fields.
func TestDepsDefaultsKeepWhatIsSet(t *testing.T) {
	now := func() time.Time { return time.Unix(1_700_000_000, 0) }
	backoff := func(int) time.Duration { return 7 * time.Millisecond }
	collected := false
	d := Deps{Now: now, Backoff: backoff, SlackTimeout: 9 * time.Second, SlackPostInterval: 3 * time.Millisecond,
		Collect: func() { collected = true }, QuietGap: 2 * time.Millisecond, LoopStall: 5 * time.Minute}
	d.SetDefaults()
	if d.Now() != now() || d.Backoff(1) != 7*time.Millisecond || d.SlackTimeout != 9*time.Second ||
		d.SlackPostInterval != 3*time.Millisecond || d.QuietGap != 2*time.Millisecond || d.LoopStall != 5*time.Minute {
		t.Errorf("a set value was replaced: %+v", d)
	}
	if d.Collect(); !collected {
		t.Error("Collect was replaced")
	}
}

// A request over a rate is refused for that rate, and what admit took
// before it is given back.
func TestOverARateIsRefusedForThatRate(t *testing.T) {
	g, _, state := guardWithSpy(t)
	ctx := t.Context()
	first := []destination{{channel: "email", key: "a"}}
	if _, r, err := g.admit(ctx, Origin{UserID: "U1"}, first, true); r != nil || err != nil {
		t.Fatal(r, err)
	}
	second := []destination{{channel: "email", key: "b"}}
	_, r, err := g.admit(ctx, Origin{UserID: "U1"}, second, true)
	if r == nil || r.Reason != ReasonRateUser || err != nil {
		t.Fatalf("second within the hour: %+v %v", r, err)
	}
	if _, ok, _ := state.Cooldowns.Claim(ctx, "b", Hold{Until: time.Now().Add(time.Minute)}); !ok {
		t.Error("the refused request still holds its destination")
	}
	if _, r, _ := g.admit(ctx, Origin{UserID: "U2"}, []destination{{channel: "email", key: "c"}}, true); r != nil {
		t.Fatalf("another user: %+v", r)
	}
	if _, r, _ := g.admit(ctx, Origin{UserID: "U3"}, []destination{{channel: "email", key: "d"}}, true); r == nil || r.Reason != ReasonRateGlobal {
		t.Errorf("third user over the team's 2/1h: %+v", r)
	}
}
