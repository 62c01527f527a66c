package redisstate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"resendbot/bot"
	"resendbot/bot/internal/redistest"
)

// recoverWait bounds how long the stores may take to work again after the
// primary died: Sentinel or the cluster must notice, promote the replica,
// and go-redis find it. Generous: it bounds a broken test.
const recoverWait = 30 * time.Second

// TestSentinelFailover kills the primary; the sentinels promote the
// replica, and the stores follow it by themselves.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := redistest.StartSentinel(t, "") // sentinels without a password
	testFailover(t, s.URL(), func() { s.Primary.KillAfterSync(s.Replica) })
}

// TestClusterFailover kills the primary of the first third of the slots;
// its replica takes over, and the stores follow it by themselves.
func TestClusterFailover(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t)
	// The keys that must work again after the failover include some of the
	// primary killed, for both kinds of key.
	raw := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Primaries[1].Addr()}, Password: redistest.Password})
	t.Cleanup(func() { _ = raw.Close() })
	for kind, redisKey := range map[string]func(string) string{
		"once":     func(k string) string { return failoverPrefix + "once:" + k },
		"cooldown": (&redisCooldowns{&redisStore{prefix: failoverPrefix}}).key,
	} {
		var n int
		for _, k := range afterKeys() {
			node, err := raw.MasterForKey(t.Context(), redisKey(k))
			if err != nil {
				t.Fatal(err)
			}
			if node.Options().Addr == c.Primaries[0].Addr() {
				n++
			}
		}
		if n == 0 {
			t.Fatalf("none of the %s keys of afterKeys lies on the primary the test kills", kind)
		}
	}
	testFailover(t, c.URL(), func() { c.Primaries[0].KillAfterSync(c.Replicas[0]) })
}

const failoverPrefix = "failover:"

// afterKeys must all work again after the failover, whatever node holds
// them: the rounds of the race each use a new key, which may miss the
// primary that went away.
func afterKeys() []string {
	keys := make([]string, 32)
	for i := range keys {
		keys[i] = fmt.Sprint("after:", i)
	}
	return keys
}

// pressResult is one round of the race: what two replicas of the bot did
// when one button press (or one command) reached both.
type pressResult struct {
	round             int
	onceWins, claimed int // how many of the two stores won
	errs              []error
	during            bool // started after the failover began
}

// testFailover races two stores (two replicas of the bot) on the same
// once-only and cooldown keys, round after round, while failover kills
// the primary. It proves that:
//   - no key is ever won by both;
//   - an operation that fails returns ErrStateUnavailable (the caller is
//     refused, fail closed), and some do fail while there is no primary;
//   - Health (what /readyz asks) turns false during the failover and true
//     again after it, by itself;
//   - the stores work again without being reopened;
//   - every key won before, during or after is still taken afterwards:
//     failover (KillAfterSync) loses no acknowledged write, and the stores
//     wrote to no node but the primary.
func testFailover(t *testing.T, url string, failover func()) {
	ctx := t.Context()
	a := newRedisState(t, url, failoverPrefix)
	b := newRedisState(t, url, failoverPrefix)

	var (
		mu      sync.Mutex
		results []pressResult
		during  atomic.Bool
		stop    = make(chan struct{})
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		for round := 0; ; round++ {
			select {
			case <-stop:
				return
			default:
			}
			res := race(ctx, round, a, b)
			res.during = during.Load()
			mu.Lock()
			results = append(results, res)
			mu.Unlock()
			if len(res.errs) > 0 {
				time.Sleep(5 * time.Millisecond) // as a caller refused would: not at once
			}
		}
	}()
	// cleanRounds counts the rounds at the end of results in which every
	// operation succeeded.
	cleanRounds := func() (n int) {
		mu.Lock()
		defer mu.Unlock()
		for i := len(results) - 1; i >= 0 && len(results[i].errs) == 0; i-- {
			n++
		}
		return n
	}
	waitRounds := func(what string, n int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for cleanRounds() < n {
			if time.Now().After(deadline) {
				close(stop)
				<-done
				t.Fatalf("%s: no %d rounds in a row without an error within %v; last errors: %v", what, n, within, lastErrs(&mu, results))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitRounds("before the failover", 20, wait)

	// Readiness, as /readyz asks it, every 20 ms from the failover on; only
	// of b, so that a shows it recovers without (a cluster's Health
	// re-reads the slots).
	var unready atomic.Int32
	healthStop, healthDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(healthDone)
		for {
			select {
			case <-healthStop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := b.Health(ctx); err != nil {
				if !errors.Is(err, bot.ErrStateUnavailable) {
					t.Errorf("Health: %v, want ErrStateUnavailable", err)
				}
				unready.Add(1)
			}
		}
	}()

	during.Store(true)
	start := time.Now()
	failover()
	waitRounds("after the failover", 20, recoverWait)
	for _, s := range []bot.State{a, b} {
		waitAllKeys(t, s, recoverWait)
	}
	waitHealthyWithin(t, b, recoverWait)
	waitHealthyWithin(t, a, recoverWait)
	t.Logf("the stores worked again %v after the primary was killed", time.Since(start).Round(time.Millisecond))
	close(stop)
	<-done
	close(healthStop)
	<-healthDone

	var failedOps, rounds, roundsDuring int
	var firstErr, lastErr error
	for _, r := range results {
		rounds++
		if r.during {
			roundsDuring++
		}
		if r.onceWins > 1 || r.claimed > 1 {
			t.Errorf("round %d: both stores won (once %d, claim %d)", r.round, r.onceWins, r.claimed)
		}
		for _, err := range r.errs {
			failedOps++
			if firstErr == nil {
				firstErr = err
			}
			lastErr = err
			if !r.during {
				t.Errorf("round %d failed before the failover: %v", r.round, err)
			}
			if !errors.Is(err, bot.ErrStateUnavailable) {
				t.Errorf("round %d: %v, want ErrStateUnavailable", r.round, err)
			}
		}
	}
	t.Logf("%d rounds (%d from the failover on), %d operations failed, Health false %d times; first error %q, last %q",
		rounds, roundsDuring, failedOps, unready.Load(), firstErr, lastErr)
	if failedOps == 0 {
		t.Error("no operation failed while the primary was gone: the test did not race the failover")
	}
	if unready.Load() == 0 {
		t.Error("Health never turned false while the primary was gone")
	}

	// What was won stays won: a third store finds every key taken.
	c := newRedisState(t, url, failoverPrefix)
	now := time.Now()
	for _, r := range results {
		key := roundKey(r.round)
		if r.onceWins > 0 {
			if first, err := c.Once.First(ctx, key, time.Hour); err != nil || first {
				t.Errorf("round %d: once-only key won, then forgotten after the failover (first %v, err %v)", r.round, first, err)
			}
		}
		if r.claimed > 0 {
			if _, ok, err := c.Cooldowns.Claim(ctx, key, bot.Hold{User: "U3", At: now, Until: now.Add(time.Hour)}); err != nil || ok {
				t.Errorf("round %d: hold claimed, then forgotten after the failover (ok %v, err %v)", r.round, ok, err)
			}
		}
	}
}

func roundKey(round int) string { return fmt.Sprint("press:", round) }

// race runs one round: both stores try to be first for one once-only key
// and to claim one hold, all four at once.
func race(ctx context.Context, round int, stores ...bot.State) pressResult {
	res := pressResult{round: round}
	key := roundKey(round)
	var mu sync.Mutex
	var wg sync.WaitGroup
	now := time.Now()
	for i, s := range stores {
		wg.Go(func() {
			first, err := s.Once.First(ctx, key, time.Hour)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errs = append(res.errs, fmt.Errorf("once: %w", err))
			} else if first {
				res.onceWins++
			}
		})
		wg.Go(func() {
			_, ok, err := s.Cooldowns.Claim(ctx, key, bot.Hold{User: fmt.Sprint("U", i), At: now, Until: now.Add(time.Hour), InFlight: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errs = append(res.errs, fmt.Errorf("claim: %w", err))
			} else if ok {
				res.claimed++
			}
		})
	}
	wg.Wait()
	return res
}

// waitAllKeys waits until one pass over afterKeys runs without an error.
func waitAllKeys(t *testing.T, s bot.State, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := allKeys(t.Context(), s)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the store did not work again for every key within %v: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allKeys(ctx context.Context, s bot.State) error {
	now := time.Now()
	for _, k := range afterKeys() {
		if _, err := s.Once.First(ctx, k, time.Hour); err != nil {
			return err
		}
		if _, _, err := s.Cooldowns.Claim(ctx, k, bot.Hold{User: "U1", At: now, Until: now.Add(time.Hour)}); err != nil {
			return err
		}
	}
	return nil
}

func lastErrs(mu *sync.Mutex, results []pressResult) []error {
	mu.Lock()
	defer mu.Unlock()
	for i := len(results) - 1; i >= 0; i-- {
		if len(results[i].errs) > 0 {
			return results[i].errs
		}
	}
	return nil
}

// waitHealthyWithin waits for Health to succeed, the client reconnecting
// by itself.
func waitHealthyWithin(t testing.TB, s bot.State, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := s.Health(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis never became healthy again within %v: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
