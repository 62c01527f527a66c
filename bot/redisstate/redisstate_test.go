package redisstate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"resendbot/bot"
	"resendbot/bot/internal/redistest"
	"resendbot/bot/internal/testkit"
)

// testOpTimeout replaces redisOpTimeout in tests: a CI runner busy with
// -race builds can stall a process for longer than the production budget.
// TestRedisHungGivesUpInTime checks the production budget itself.
const testOpTimeout = 5 * time.Second

// newRedisState connects a State to url under prefix, closed when t ends.
func newRedisState(t testing.TB, url, prefix string) bot.State {
	t.Helper()
	s, closeState, err := openRedisState(t.Context(), url, prefix, testOpTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeState() })
	return s
}

// TestStateContract proves the back ends behave the same: every check
// runs on memory, on a real Redis, on the primary of a real Sentinel set-up
// and on a real Redis Cluster. The cluster refuses an operation whose keys
// lie in different slots (CROSSSLOT), so its run also proves that every
// operation keeps to keys of one slot.
func TestStateContract(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		testStateContract(t, func(*testing.T) bot.State { return bot.MemoryState(time.Now) })
	})
	t.Run("redis", func(t *testing.T) {
		url, _ := redistest.Start(t)
		// One server; each check gets its own prefix.
		testStateContract(t, func(t *testing.T) bot.State { return newRedisState(t, url, t.Name()+":") })
	})
	t.Run("sentinel", func(t *testing.T) {
		// Sentinels that ask for the same password as Redis (the failover
		// test has sentinels that ask for none).
		url := redistest.StartSentinel(t, redistest.Password).URL()
		testStateContract(t, func(t *testing.T) bot.State { return newRedisState(t, url, t.Name()+":") })
		testWrongPasswordRefused(t, url)
	})
	t.Run("cluster", func(t *testing.T) {
		url := redistest.StartCluster(t).URL()
		testStateContract(t, func(t *testing.T) bot.State { return newRedisState(t, url, t.Name()+":") })
		testWrongPasswordRefused(t, url)
	})
}

// testWrongPasswordRefused opens url with another password: Open fails
// with ErrStateUnavailable, and the message shows neither password.
func testWrongPasswordRefused(t *testing.T, url string) {
	t.Helper()
	const wrong = "Wr0ng-s3cret"
	bad := strings.Replace(url, ":"+redistest.Password+"@", ":"+wrong+"@", 1)
	if bad == url {
		t.Fatalf("no password in %s", url)
	}
	_, _, err := Open(t.Context(), bad, "")
	if !errors.Is(err, bot.ErrStateUnavailable) {
		t.Fatalf("Open with a wrong password: %v, want ErrStateUnavailable", err)
	}
	if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), redistest.Password) {
		t.Errorf("error shows a password: %v", err)
	}
}

func testStateContract(t *testing.T, newState func(t *testing.T) bot.State) {
	ctx := t.Context()

	t.Run("take until empty, then wait", func(t *testing.T) {
		s := newState(t)
		r := bot.Rate{N: 2, Per: time.Hour}
		for i := range 2 {
			if w, err := s.Limiter.Take(ctx, "rate:user:U1", r); err != nil || w != 0 {
				t.Fatalf("take %d: wait %v, err %v", i+1, w, err)
			}
		}
		w, err := s.Limiter.Take(ctx, "rate:user:U1", r)
		if err != nil {
			t.Fatal(err)
		}
		if w < 29*time.Minute || w > 30*time.Minute {
			t.Errorf("third take of 2/1h waits %v, want about 30m (one token's refill)", w)
		}
		// Another key has its own bucket.
		if w, err := s.Limiter.Take(ctx, "rate:user:U2", r); err != nil || w != 0 {
			t.Errorf("other key: wait %v, err %v", w, err)
		}
	})

	t.Run("refund gives back exactly one token", func(t *testing.T) {
		s := newState(t)
		r := bot.Rate{N: 1, Per: time.Hour}
		mustTake(t, s, "k", r, true)
		mustTake(t, s, "k", r, false)
		if err := s.Limiter.Refund(ctx, "k", r); err != nil {
			t.Fatal(err)
		}
		mustTake(t, s, "k", r, true)
		mustTake(t, s, "k", r, false)

		r = bot.Rate{N: 3, Per: time.Hour}
		for range 3 {
			mustTake(t, s, "k3", r, true)
		}
		for range 2 {
			if err := s.Limiter.Refund(ctx, "k3", r); err != nil {
				t.Fatal(err)
			}
		}
		mustTake(t, s, "k3", r, true)
		mustTake(t, s, "k3", r, true)
		mustTake(t, s, "k3", r, false)
	})

	t.Run("refund of a full bucket gives nothing extra", func(t *testing.T) {
		s := newState(t)
		r := bot.Rate{N: 2, Per: time.Hour}
		for range 3 {
			if err := s.Limiter.Refund(ctx, "full", r); err != nil {
				t.Fatal(err)
			}
		}
		mustTake(t, s, "full", r, true)
		mustTake(t, s, "full", r, true)
		mustTake(t, s, "full", r, false)
	})

	t.Run("claim, refuse, release, claim", func(t *testing.T) {
		s := newState(t)
		now := time.Now().Truncate(time.Millisecond)
		h := bot.Hold{User: "U1", At: now, Until: now.Add(time.Minute), InFlight: true}
		if _, ok, err := s.Cooldowns.Claim(ctx, "res|email|a@b.no", h); err != nil || !ok {
			t.Fatalf("first claim: ok %v, err %v", ok, err)
		}
		prev, ok, err := s.Cooldowns.Claim(ctx, "res|email|a@b.no", bot.Hold{User: "U2", At: now, Until: now.Add(time.Minute)})
		if err != nil || ok {
			t.Fatalf("second claim: ok %v, err %v", ok, err)
		}
		if prev.User != "U1" || !prev.InFlight || !prev.At.Equal(h.At) || !prev.Until.Equal(h.Until) {
			t.Errorf("second claim saw %+v, want the first hold %+v", prev, h)
		}
		// Set replaces the hold: the cooldown after a send.
		cool := bot.Hold{User: "U1", At: now, Until: now.Add(2 * time.Minute)}
		if err := s.Cooldowns.Set(ctx, "res|email|a@b.no", cool); err != nil {
			t.Fatal(err)
		}
		prev, ok, _ = s.Cooldowns.Claim(ctx, "res|email|a@b.no", h)
		if ok || prev.InFlight || !prev.Until.Equal(cool.Until) {
			t.Errorf("claim after Set: ok %v, prev %+v, want the cooldown", ok, prev)
		}
		if err := s.Cooldowns.Release(ctx, "res|email|a@b.no"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Cooldowns.Claim(ctx, "res|email|a@b.no", h); err != nil || !ok {
			t.Errorf("claim after release: ok %v, err %v", ok, err)
		}
		// Releasing what is not there is fine.
		if err := s.Cooldowns.Release(ctx, "nothing"); err != nil {
			t.Error(err)
		}
	})

	t.Run("holds and cooldowns end at Until", func(t *testing.T) {
		s := newState(t)
		now := time.Now()
		if _, ok, _ := s.Cooldowns.Claim(ctx, "short", bot.Hold{User: "U1", At: now, Until: now.Add(50 * time.Millisecond)}); !ok {
			t.Fatal("first claim refused")
		}
		if err := s.Cooldowns.Set(ctx, "set-short", bot.Hold{User: "U1", At: now, Until: now.Add(50 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if err := s.Cooldowns.Set(ctx, "set-past", bot.Hold{User: "U1", At: now, Until: now.Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond)
		later := time.Now()
		for _, k := range []string{"short", "set-short", "set-past"} {
			if prev, ok, err := s.Cooldowns.Claim(ctx, k, bot.Hold{User: "U2", At: later, Until: later.Add(time.Minute)}); err != nil || !ok {
				t.Errorf("%s: claim after Until refused (prev %+v, err %v)", k, prev, err)
			}
		}
	})

	t.Run("20 racing claims, exactly one wins", func(t *testing.T) {
		s := newState(t)
		now := time.Now()
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 20 {
			wg.Go(func() {
				<-start
				_, ok, err := s.Cooldowns.Claim(ctx, "race", bot.Hold{User: fmt.Sprint("U", i), At: now, Until: now.Add(time.Minute), InFlight: true})
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d of 20 racing claims won, want exactly 1", n)
		}
	})

	t.Run("once", func(t *testing.T) {
		s := newState(t)
		for i, want := range []bool{true, false, false} {
			if got, err := s.Once.First(ctx, "envelope:e1", time.Hour); err != nil || got != want {
				t.Errorf("First #%d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if got, _ := s.Once.First(ctx, "envelope:e2", time.Hour); !got {
			t.Error("another key was not first")
		}
		if got, _ := s.Once.First(ctx, "short", 50*time.Millisecond); !got {
			t.Error("short: not first")
		}
		time.Sleep(120 * time.Millisecond)
		if got, _ := s.Once.First(ctx, "short", 50*time.Millisecond); !got {
			t.Error("short: still remembered after its ttl")
		}
	})

	t.Run("once racing", func(t *testing.T) {
		s := newState(t)
		var firsts atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if ok, err := s.Once.First(ctx, "press:retry:x", time.Hour); err != nil {
					t.Error(err)
				} else if ok {
					firsts.Add(1)
				}
			})
		}
		wg.Wait()
		if n := firsts.Load(); n != 1 {
			t.Errorf("%d of 20 were first, want 1", n)
		}
	})

	t.Run("stash", func(t *testing.T) {
		s := newState(t)
		if _, ok, err := s.Stash.Get(ctx, "retry:none"); err != nil || ok {
			t.Errorf("missing key: ok %v, err %v", ok, err)
		}
		if err := s.Stash.Put(ctx, "retry:a", []byte(`{"x":1}`), time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Stash.Get(ctx, "retry:a"); err != nil || !ok || string(v) != `{"x":1}` {
			t.Errorf("Get = %q, %v, %v", v, ok, err)
		}
		if err := s.Stash.Put(ctx, "retry:short", []byte("v"), 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond)
		if _, ok, _ := s.Stash.Get(ctx, "retry:short"); ok {
			t.Error("stashed value outlived its ttl")
		}
	})

	t.Run("recent is newest first and capped", func(t *testing.T) {
		s := newState(t)
		if l, err := s.Recent.List(ctx, "U1"); err != nil || len(l) != 0 {
			t.Errorf("empty list = %v, %v", l, err)
		}
		base := time.Now().Truncate(time.Second)
		for i := range bot.RecentCap + 3 {
			if err := s.Recent.Add(ctx, "U1", bot.RecentResend{At: base.Add(time.Duration(i) * time.Second), Reservation: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		l, err := s.Recent.List(ctx, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != bot.RecentCap {
			t.Fatalf("list has %d entries, want the cap %d", len(l), bot.RecentCap)
		}
		if l[0].Reservation != fmt.Sprint(bot.RecentCap+2) || !l[0].At.Equal(base.Add(time.Duration(bot.RecentCap+2)*time.Second)) ||
			l[bot.RecentCap-1].Reservation != "3" {
			t.Errorf("list = %+v, want newest first", l)
		}
	})
}

func mustTake(t *testing.T, s bot.State, key string, r bot.Rate, allowed bool) {
	t.Helper()
	w, err := s.Limiter.Take(t.Context(), key, r)
	if err != nil {
		t.Fatal(err)
	}
	if (w == 0) != allowed {
		t.Fatalf("take %s of %v: wait %v, want allowed=%v", key, r, w, allowed)
	}
}

func TestRedisStateKeysArePrefixedAndExpire(t *testing.T) {
	url, _ := redistest.Start(t)
	ctx := t.Context()
	raw := redistest.Client(t, url)
	raw.Set(ctx, "someone-else:key", "v", 0) // not ours: must be left alone

	a := newRedisState(t, url, "") // the default prefix
	b := newRedisState(t, url, "other:")
	for _, s := range []bot.State{a, b} {
		now := time.Now()
		r := bot.Rate{N: 2, Per: time.Minute}
		mustTake(t, s, "rate:user:"+agent, r, true)
		mustTake(t, s, "rate:global", r, true)
		if err := s.Limiter.Refund(ctx, "rate:user:"+agent, r); err != nil {
			t.Fatal(err)
		}
		if err := s.Limiter.Refund(ctx, "rate:user:never-took", r); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.Cooldowns.Claim(ctx, uuidA+"|email|kari@example.com", bot.Hold{User: agent, At: now, Until: now.Add(time.Minute)}); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := s.Cooldowns.Set(ctx, uuidA+"|sms|+4741234567", bot.Hold{User: agent, At: now, Until: now.Add(2 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Once.First(ctx, "envelope:e1", time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Stash.Put(ctx, "retry:k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Recent.Add(ctx, agent, bot.RecentResend{Reservation: uuidA}); err != nil {
			t.Fatal(err)
		}
	}
	// The two prefixes do not see each other.
	if first, _ := b.Once.First(ctx, "envelope:only-a", time.Hour); !first {
		t.Error("prefix other: saw a key it never set")
	}

	keys, err := raw.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, k := range keys {
		if k == "someone-else:key" {
			continue
		}
		switch {
		case strings.HasPrefix(k, DefaultRedisPrefix):
			counts[DefaultRedisPrefix]++
		case strings.HasPrefix(k, "other:"):
			counts["other:"]++
		default:
			t.Errorf("key %q is outside both prefixes", k)
		}
		if strings.Contains(k, "kari") || strings.Contains(k, "4741234567") {
			t.Errorf("key %q holds a customer's contact", k)
		}
		ttl, err := raw.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has no TTL (PTTL %v, %v)", k, ttl, err)
		}
	}
	// 3 rate buckets, 2 cooldowns, 1 once, 1 stash, 1 recent list each.
	if counts[DefaultRedisPrefix] != 8 || counts["other:"] != 9 {
		t.Errorf("keys per prefix = %v, want 8 and 9; keys: %v", counts, keys)
	}
	for _, want := range []string{"resendbot:rate:rate:user:" + agent, "resendbot:rate:rate:global", "resendbot:once:envelope:e1", "resendbot:stash:retry:k", "resendbot:recent:" + agent} {
		if n, _ := raw.Exists(ctx, want).Result(); n != 1 {
			t.Errorf("no key %q; keys: %v", want, keys)
		}
	}
	if v, _ := raw.Get(ctx, "someone-else:key").Result(); v != "v" {
		t.Error("a key outside the prefix was touched")
	}
}

// TestRedisRateNegativeCostDropsTheRefund documents why Refund does not use
// redis_rate's AllowN(-1): when only one token was spent, the script does
// not write the refund. It is a canary for the dependency: when redis_rate
// starts applying a negative cost it fails, so that someone switches Refund
// to AllowN(-1) and deletes it, instead of a skip line nobody reads.
func TestRedisRateNegativeCostDropsTheRefund(t *testing.T) {
	url, _ := redistest.Start(t)
	rl := redis_rate.NewLimiter(redistest.Client(t, url))
	ctx := t.Context()
	lim := redis_rate.Limit{Rate: 1, Burst: 1, Period: time.Hour}
	if res, _ := rl.Allow(ctx, "k", lim); res.Allowed != 1 {
		t.Fatal("first take refused")
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := rl.AllowN(ctx, "k", lim, -1); err != nil {
		t.Fatal(err)
	}
	if res, _ := rl.Allow(ctx, "k", lim); res.Allowed != 0 {
		t.Fatal("redis_rate now applies a negative cost: switch Refund to AllowN(-1) and delete this test")
	}
}

func TestRedisStateStartupErrorsNameNoSecret(t *testing.T) {
	const secret = "s3cret-Passw0rd"
	closed := testkit.ClosedAddr(t)

	pwURL, pwSrv := redistest.Start(t)
	if err := redistest.Client(t, pwURL).ConfigSet(t.Context(), "requirepass", "the-real-one").Err(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, url, want string
		unavailable     bool
	}{
		{"unreachable", "redis://:" + secret + "@" + closed + "/0", closed, true},
		{"wrong password", "redis://:" + secret + "@" + pwSrv.Addr() + "/0", pwSrv.Addr(), true},
		{"bad port", "redis://:" + secret + "@127.0.0.1:notaport/0", "REDIS_URL", false},
		{"bad database", "rediss://user:" + secret + "@127.0.0.1:6379/db", "REDIS_URL", false},
		{"sentinels unreachable", "redis+sentinel://:" + secret + "@" + closed + "/mymaster", closed, true},
		{"cluster unreachable", "redis+cluster://:" + secret + "@" + closed, closed, true},
		{"sentinel without master", "redis+sentinel://:" + secret + "@" + closed, "REDIS_URL", false},
		{"cluster bad port", "redis+cluster://:" + secret + "@127.0.0.1:7000,127.0.0.1:port", "REDIS_URL", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := Open(t.Context(), tc.url, "")
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
			if errors.Is(err, bot.ErrStateUnavailable) != tc.unavailable {
				t.Errorf("errors.Is(%v, ErrStateUnavailable) = %v", err, !tc.unavailable)
			}
			if d := time.Since(start); d > StartTimeout+time.Second {
				t.Errorf("took %v to fail", d)
			}
		})
	}
}

func TestRedisStateDownAndBack(t *testing.T) {
	url, srv := redistest.Start(t)
	s := newRedisState(t, url, "")
	ctx := t.Context()
	if err := s.Health(ctx); err != nil {
		t.Fatal(err)
	}
	mustTake(t, s, "k", bot.Rate{N: 5, Per: time.Minute}, true)

	srv.Stop()
	now := time.Now()
	start := time.Now()
	checks := map[string]error{
		"health": s.Health(ctx),
		"take": func() error {
			_, err := s.Limiter.Take(ctx, "k", bot.Rate{N: 5, Per: time.Minute})
			return err
		}(),
		"refund": s.Limiter.Refund(ctx, "k", bot.Rate{N: 5, Per: time.Minute}),
		"claim": func() error {
			_, _, err := s.Cooldowns.Claim(ctx, "c", bot.Hold{At: now, Until: now.Add(time.Minute)})
			return err
		}(),
		"set":     s.Cooldowns.Set(ctx, "c", bot.Hold{At: now, Until: now.Add(time.Minute)}),
		"release": s.Cooldowns.Release(ctx, "c"),
		"once": func() error {
			_, err := s.Once.First(ctx, "e", time.Hour)
			return err
		}(),
	}
	for name, err := range checks {
		if !errors.Is(err, bot.ErrStateUnavailable) {
			t.Errorf("%s with Redis down: %v, want ErrStateUnavailable", name, err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("%d operations took %v with Redis down (connection refused): they must fail at once", len(checks), d)
	}

	srv.Restart()
	waitHealthy(t, s)
	if _, ok, err := s.Cooldowns.Claim(ctx, "c", bot.Hold{At: now, Until: now.Add(time.Minute)}); err != nil || !ok {
		t.Errorf("claim after Redis came back: %v %v", ok, err)
	}
}

// TestRedisHungGivesUpInTime checks the production budget: a Redis that
// accepts but does not answer costs an operation redisOpTimeout, so a
// request is refused well inside Slack's 3 s.
func TestRedisHungGivesUpInTime(t *testing.T) {
	url, srv := redistest.Start(t)
	s, closeState, err := Open(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeState() })
	ctx := t.Context()
	mustTake(t, s, "k", bot.Rate{N: 5, Per: time.Minute}, true)

	srv.Freeze()
	now := time.Now()
	for name, op := range map[string]func() error{
		"claim": func() error {
			_, _, err := s.Cooldowns.Claim(ctx, "hung", bot.Hold{At: now, Until: now.Add(time.Minute)})
			return err
		},
		"take": func() error {
			_, err := s.Limiter.Take(ctx, "k", bot.Rate{N: 5, Per: time.Minute})
			return err
		},
		"once": func() error {
			_, err := s.Once.First(ctx, "hung", time.Hour)
			return err
		},
		"health": func() error { return s.Health(ctx) },
	} {
		start := time.Now()
		err := op()
		if d := time.Since(start); d > redisOpTimeout+time.Second {
			t.Errorf("%s with Redis hung took %v, want about %v", name, d, redisOpTimeout)
		}
		if !errors.Is(err, bot.ErrStateUnavailable) {
			t.Errorf("%s with Redis hung: %v, want ErrStateUnavailable", name, err)
		}
	}

	srv.Thaw()
	waitHealthy(t, s)
	if _, ok, err := s.Cooldowns.Claim(ctx, "after", bot.Hold{At: now, Until: now.Add(time.Minute)}); err != nil || !ok {
		t.Errorf("claim after Redis woke up: %v %v", ok, err)
	}
}

// waitHealthy waits for the client to reconnect by itself.
func waitHealthy(t testing.TB, s bot.State) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := s.Health(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis never became healthy again: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	wait  = testkit.Wait
	agent = "U0AGENT"
	uuidA = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"
)

// A Redis error that quotes the password in another letter case still
// does not show it.
func TestRedactIgnoresLetterCase(t *testing.T) {
	const pw = "s3cret-Passw0rd"
	got := redact("WRONGPASS for s3cret-passw0rd and S3CRET-PASSW0RD and "+pw, pw)
	if strings.Contains(strings.ToLower(got), strings.ToLower(pw)) {
		t.Errorf("redact left the password: %q", got)
	}
}

// BenchmarkAdmitOps measures on a real Redis what the guard does for an
// accepted request: claim the in-flight hold, take both rate tokens, and
// release the hold.
func BenchmarkAdmitOps(b *testing.B) {
	url, _ := redistest.Start(b)
	s := newRedisState(b, url, "")
	ctx := b.Context()
	r := bot.Rate{N: 1_000_000_000, Per: time.Second}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		key := fmt.Sprintf("%s|email|k%d@example.com", uuidA, i%4096)
		now := time.Now()
		if _, ok, err := s.Cooldowns.Claim(ctx, key, bot.Hold{User: agent, At: now, Until: now.Add(time.Minute), InFlight: true}); err != nil || !ok {
			b.Fatalf("claim: %v %v", ok, err)
		}
		for _, k := range []string{"rate:user:" + agent, "rate:global"} {
			if _, err := s.Limiter.Take(ctx, k, r); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Cooldowns.Release(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

// OnFailure hears of every failed operation by a fixed name, for
// resendbot_shared_state_errors_total.
func TestOnFailureNamesTheFailedOperation(t *testing.T) {
	url, srv := redistest.Start(t)
	var mu sync.Mutex
	var failed []string
	s, closeState, err := openRedisState(t.Context(), url, "fail:", testOpTimeout, OnFailure(func(op string) {
		mu.Lock()
		defer mu.Unlock()
		failed = append(failed, op)
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeState() })
	if err := s.Health(t.Context()); err != nil {
		t.Fatalf("health with Redis up: %v", err)
	}
	srv.Stop()
	if err := s.Health(t.Context()); !errors.Is(err, bot.ErrStateUnavailable) {
		t.Fatalf("health with Redis down: %v", err)
	}
	if _, err := s.Once.First(t.Context(), "k", time.Minute); err == nil {
		t.Fatal("once with Redis down: no error")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(failed, ",") != "ping,once" {
		t.Errorf("failures heard = %v, want [ping once]", failed)
	}
}
