package redisstate

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"resendbot/bot"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Timeouts of the Redis state. An operation runs while a Slack envelope
// waits for its ack (3 s), so a Redis that does not answer must fail fast:
// the request is then refused, never sent unchecked.
const (
	redisOpTimeout = 500 * time.Millisecond
	StartTimeout   = 3 * time.Second
	// recentTTL bounds a user's App Home history: it goes when they have
	// not resent anything for this long.
	recentTTL = 30 * 24 * time.Hour
)

// DefaultRedisPrefix is the key prefix when RESEND_REDIS_PREFIX is unset.
const DefaultRedisPrefix = "resendbot:"

// Open keeps the bot's state in the Redis at redisURL, every key under
// prefix and with a TTL, so that replicas share limits, cooldowns and
// dedupe. redisURL is one of bot.ParseRedisURL's forms: one server
// (redis://, rediss://), the primary Redis Sentinel names
// (redis+sentinel://) or a Redis Cluster (redis+cluster://). It pings
// Redis (every primary of a cluster) before returning. closeState releases
// the connections.
//
// The error, when Redis cannot be used, wraps ErrStateUnavailable and names
// the address, never the password. Every later error of the returned State
// wraps ErrStateUnavailable too.
func Open(ctx context.Context, redisURL, prefix string, opts ...Option) (_ bot.State, closeState func() error, _ error) {
	return openRedisState(ctx, redisURL, prefix, redisOpTimeout, opts...)
}

// Option adjusts the State Open returns.
type Option func(*redisStore)

// OnFailure has failed call f with the failed operation's name
// (cooldown_claim, ping, …: a short fixed list), for a metric.
func OnFailure(f func(op string)) Option { return func(s *redisStore) { s.onFailure = f } }

// openRedisState is Open with opTimeout bounding each operation.
func openRedisState(ctx context.Context, redisURL, prefix string, opTimeout time.Duration, opts ...Option) (bot.State, func() error, error) {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	c, err := newConn(redisURL, opTimeout)
	if err != nil {
		return bot.State{}, nil, err
	}
	s := &redisStore{conn: c, prefix: prefix, now: time.Now, opTimeout: opTimeout}
	for _, o := range opts {
		o(s)
	}

	pingCtx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	if err := c.check(pingCtx); err != nil {
		_ = c.rdb.Close()
		return bot.State{}, nil, fmt.Errorf("%w: cannot use the Redis at %s (REDIS_URL; start-up PING, %s deadline): %s%s",
			bot.ErrStateUnavailable, c.where, StartTimeout, redact(err.Error(), redisURL, c.password), tlsHint(err))
	}

	return bot.State{
		Limiter:   &redisLimiter{s: s, rl: redis_rate.NewLimiter(prefixed{UniversalClient: c.rdb, prefix: prefix})},
		Cooldowns: &redisCooldowns{s},
		Once:      &redisOnce{s},
		Stash:     &redisStash{s},
		Recent:    &redisRecent{s},
		Health:    s.ping,
	}, c.rdb.Close, nil
}

// conn is a go-redis client of any of the three modes, and what differs
// between them.
type conn struct {
	rdb      redis.UniversalClient
	where    string // the address for messages, without the password
	password string // to redact from go-redis's messages
	// check asks whether every operation can be served: one server, the
	// primary Sentinel names, every primary of a cluster.
	check func(ctx context.Context) error
	// afterFailure is called after an operation failed (nil: nothing to do).
	afterFailure func()
}

// newConn builds the client redisURL asks for, through go-redis's own
// clients: NewClient, NewFailoverClient (Sentinel), NewClusterClient.
//
// Every mode gets the same budget: no command is retried — one that
// failed may still have been applied (a claim, a refund), and a retry
// would not fit the time budget anyway — and dialling and reading are
// bounded by opTimeout unless the URL says otherwise (redis:// query
// options).
func newConn(redisURL string, opTimeout time.Duration) (*conn, error) {
	target, err := bot.ParseRedisURL(redisURL)
	if err != nil {
		// Its errors never quote the password.
		return nil, fmt.Errorf("REDIS_URL %w", err)
	}
	var tlsConfig *tls.Config
	if target.TLS {
		// No ServerName: each connection checks the certificate against the
		// host it dials, which matters when sentinels, primaries and cluster
		// nodes have names of their own.
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	c := &conn{where: target.String(), password: target.Password}
	// What the Sentinel and Cluster clients share; each mode takes its
	// options from it.
	//
	// The URL's password is the data nodes' and the sentinels' both:
	// go-redis authenticates to Redis 6+ with HELLO … AUTH, which a
	// sentinel without a password (requirepass) accepts whatever the
	// password, and one with requirepass needs. The user name is only the
	// data nodes'.
	shared := &redis.UniversalOptions{
		Addrs:                 target.Addrs,
		MasterName:            target.Master,
		SentinelPassword:      target.Password,
		Username:              target.Username,
		Password:              target.Password,
		DB:                    target.DB,
		TLSConfig:             tlsConfig,
		MaxRetries:            -1,
		ContextTimeoutEnabled: true,
		DialerRetries:         1,
		DialTimeout:           opTimeout,
		ReadTimeout:           opTimeout,
	}
	switch target.Mode {
	case bot.RedisSentinel:
		rdb := redis.NewFailoverClient(shared.Failover())
		c.rdb = rdb
		c.check = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	case bot.RedisCluster:
		// No redirect is followed either: following one means retrying
		// after a network error too. A MOVED answer makes go-redis re-read
		// the slots, so the next operation goes where it should.
		shared.MaxRedirects = -1
		rdb := redis.NewClusterClient(shared.Cluster())
		c.rdb = rdb
		// Every primary must answer: each serves a share of the keys.
		// ForEachMaster re-reads the slots first, so a health check also
		// finds a promoted replica.
		c.check = func(ctx context.Context) error {
			return rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
				return node.Ping(ctx).Err()
			})
		}
		// A primary that went away leaves its slots pointing at it until
		// go-redis re-reads them (every minute, or on a MOVED answer, which
		// a dead node never gives): after a failure, re-read them now.
		c.afterFailure = func() { rdb.ReloadState(context.Background()) }
	default:
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			// url.Parse quotes the URL, password included, in its errors.
			return nil, fmt.Errorf("REDIS_URL is not a usable Redis URL (%s); it must look like redis://host:6379/0 or rediss://:password@host:6380",
				redact(err.Error(), redisURL, bot.RedisPassword(redisURL)))
		}
		opt.MaxRetries = -1
		opt.ContextTimeoutEnabled = true
		if opt.DialerRetries == 0 {
			opt.DialerRetries = 1
		}
		if opt.DialTimeout == 0 {
			opt.DialTimeout = opTimeout
		}
		if opt.ReadTimeout == 0 {
			opt.ReadTimeout = opTimeout
		}
		rdb := redis.NewClient(opt)
		c.rdb, c.where, c.password = rdb, opt.Addr, opt.Password
		c.check = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
	}
	return c, nil
}

// redact removes secrets from a message that may quote them, in any
// letter case.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(s)).ReplaceAllLiteralString(msg, "[REDACTED]")
		}
	}
	return msg
}

// redisStore is the connection and naming the Redis state kinds share.
type redisStore struct {
	*conn
	prefix    string
	now       func() time.Time
	opTimeout time.Duration
	onFailure func(op string) // nil: not counted
}

// op bounds one operation.
func (s *redisStore) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// key names kind's key k in Redis.
func (s *redisStore) key(kind, k string) string { return s.prefix + kind + ":" + k }

// failed wraps a Redis error. Messages name the operation, never the key:
// a cooldown key holds a customer's contact.
func (s *redisStore) failed(op string, err error) error {
	if s.afterFailure != nil {
		s.afterFailure()
	}
	if s.onFailure != nil {
		s.onFailure(strings.ReplaceAll(op, " ", "_"))
	}
	return fmt.Errorf("%w: redis %s: %w", bot.ErrStateUnavailable, op, err)
}

func (s *redisStore) ping(ctx context.Context) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.check(ctx); err != nil {
		return s.failed("ping", err)
	}
	return nil
}

// ttlUntil is how long an entry kept until until lives: at least a
// millisecond, which Redis needs.
func (s *redisStore) ttlUntil(until time.Time) time.Duration {
	return max(until.Sub(s.now()), time.Millisecond)
}

// prefixed puts redis_rate's keys under the prefix: the library names a
// bucket "rate:"+key and offers no prefix of its own, so the scripts it
// runs see prefix+"rate:"+key.
type prefixed struct {
	redis.UniversalClient
	prefix string
}

func (p prefixed) keys(ks []string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = p.prefix + k
	}
	return out
}

func (p prefixed) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return p.UniversalClient.Eval(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalSha(ctx context.Context, sha string, keys []string, args ...any) *redis.Cmd {
	return p.UniversalClient.EvalSha(ctx, sha, p.keys(keys), args...)
}

func (p prefixed) EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return p.UniversalClient.EvalRO(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalShaRO(ctx context.Context, sha string, keys []string, args ...any) *redis.Cmd {
	return p.UniversalClient.EvalShaRO(ctx, sha, p.keys(keys), args...)
}

func (p prefixed) Del(ctx context.Context, keys ...string) *redis.IntCmd {
	return p.UniversalClient.Del(ctx, p.keys(keys)...)
}

// redisLimiter is GCRA (redis_rate): a bucket of N refilled at N per Per,
// the same bucket x/time/rate keeps in memory. redis_rate stores one
// number per key, the bucket's theoretical arrival time (TAT, seconds
// since 2017 on Redis's clock), with a TTL of when the bucket is full again.
type redisLimiter struct {
	s  *redisStore
	rl *redis_rate.Limiter
}

func limitOf(r bot.Rate) redis_rate.Limit {
	return redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per}
}

func (l *redisLimiter) Take(ctx context.Context, key string, r bot.Rate) (time.Duration, error) {
	ctx, cancel := l.s.op(ctx)
	defer cancel()
	res, err := l.rl.Allow(ctx, key, limitOf(r))
	if err != nil {
		return 0, l.s.failed("rate limit", err)
	}
	if res.Allowed > 0 {
		return 0, nil
	}
	return max(res.RetryAfter, time.Millisecond), nil
}

// Refund moves the bucket's TAT back by one emission interval (Per/N),
// which is one token. redis_rate's AllowN with n = -1 cannot do it: its
// script writes the new TAT only while it is still in the future, so the
// refund of a bucket's only spent token (the common case) is dropped. A TAT
// in the past means a full bucket to the script (it takes max(TAT, now)),
// so lowering it too far gives nothing extra: the burst caps it, as in
// memory. INCRBYFLOAT is atomic against the script; the PEXPIRE keeps the
// key bounded (Per outlasts any TAT a refund leaves, which is at most
// Per - Per/N ahead) and gives a TTL to the key INCRBYFLOAT creates when
// the bucket had expired (was full).
func (l *redisLimiter) Refund(ctx context.Context, key string, r bot.Rate) error {
	ctx, cancel := l.s.op(ctx)
	defer cancel()
	k := l.s.prefix + "rate:" + key // where redis_rate keeps it, through prefixed
	_, err := l.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.IncrByFloat(ctx, k, -r.Per.Seconds()/float64(r.N))
		p.PExpire(ctx, k, r.Per)
		return nil
	})
	if err != nil {
		return l.s.failed("rate refund", err)
	}
	return nil
}

// redisCooldowns keeps a Hold as JSON. Its key is a hash of the
// reservation+destination key, so that no customer contact is a Redis key.
type redisCooldowns struct{ s *redisStore }

func (c *redisCooldowns) key(k string) string {
	sum := sha256.Sum256([]byte(k))
	return c.s.key("cooldown", hex.EncodeToString(sum[:16]))
}

// Claim is SET NX PX: of replicas racing for one key, exactly one wins.
// A loser reads the winner's hold to say who has it; when that hold
// expired between the SET and the GET, it tries once more.
func (c *redisCooldowns) Claim(ctx context.Context, key string, h bot.Hold) (bot.Hold, bool, error) {
	ctx, cancel := c.s.op(ctx)
	defer cancel()
	val, err := json.Marshal(h)
	if err != nil {
		return bot.Hold{}, false, err
	}
	k := c.key(key)
	for range 2 {
		ok, err := c.s.rdb.SetNX(ctx, k, val, c.s.ttlUntil(h.Until)).Result()
		if err != nil {
			return bot.Hold{}, false, c.s.failed("cooldown claim", err)
		}
		if ok {
			return bot.Hold{}, true, nil
		}
		raw, err := c.s.rdb.Get(ctx, k).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return bot.Hold{}, false, c.s.failed("cooldown read", err)
		}
		var prev bot.Hold
		if err := json.Unmarshal(raw, &prev); err != nil {
			return bot.Hold{}, false, c.s.failed("cooldown read", fmt.Errorf("not a hold: %w", err))
		}
		return prev, false, nil
	}
	return bot.Hold{}, false, c.s.failed("cooldown claim", errors.New("the entry kept expiring and reappearing"))
}

func (c *redisCooldowns) Set(ctx context.Context, key string, h bot.Hold) error {
	ctx, cancel := c.s.op(ctx)
	defer cancel()
	val, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if !h.Until.After(c.s.now()) {
		err = c.s.rdb.Del(ctx, c.key(key)).Err()
	} else {
		err = c.s.rdb.Set(ctx, c.key(key), val, c.s.ttlUntil(h.Until)).Err()
	}
	if err != nil {
		return c.s.failed("cooldown set", err)
	}
	return nil
}

func (c *redisCooldowns) Release(ctx context.Context, key string) error {
	ctx, cancel := c.s.op(ctx)
	defer cancel()
	if err := c.s.rdb.Del(ctx, c.key(key)).Err(); err != nil {
		return c.s.failed("cooldown release", err)
	}
	return nil
}

// redisOnce is SET NX PX: the first to set the key is first.
type redisOnce struct{ s *redisStore }

func (o *redisOnce) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ctx, cancel := o.s.op(ctx)
	defer cancel()
	ok, err := o.s.rdb.SetNX(ctx, o.s.key("once", key), "1", max(ttl, time.Millisecond)).Result()
	if err != nil {
		return false, o.s.failed("once", err)
	}
	return ok, nil
}

func (o *redisOnce) Seen(ctx context.Context, key string) (bool, error) {
	ctx, cancel := o.s.op(ctx)
	defer cancel()
	n, err := o.s.rdb.Exists(ctx, o.s.key("once", key)).Result()
	if err != nil {
		return false, o.s.failed("once", err)
	}
	return n > 0, nil
}

type redisStash struct{ s *redisStore }

func (st *redisStash) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := st.s.op(ctx)
	defer cancel()
	if err := st.s.rdb.Set(ctx, st.s.key("stash", key), value, max(ttl, time.Millisecond)).Err(); err != nil {
		return st.s.failed("stash put", err)
	}
	return nil
}

func (st *redisStash) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := st.s.op(ctx)
	defer cancel()
	v, err := st.s.rdb.Get(ctx, st.s.key("stash", key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, st.s.failed("stash get", err)
	}
	return v, true, nil
}

// redisRecent is a list per user, newest first, trimmed to recentCap.
type redisRecent struct{ s *redisStore }

func (rr *redisRecent) Add(ctx context.Context, user string, e bot.RecentResend) error {
	ctx, cancel := rr.s.op(ctx)
	defer cancel()
	val, err := json.Marshal(e)
	if err != nil {
		return err
	}
	k := rr.s.key("recent", user)
	_, err = rr.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, k, val)
		p.LTrim(ctx, k, 0, bot.RecentCap-1)
		p.PExpire(ctx, k, recentTTL)
		return nil
	})
	if err != nil {
		return rr.s.failed("recent add", err)
	}
	return nil
}

func (rr *redisRecent) List(ctx context.Context, user string) ([]bot.RecentResend, error) {
	ctx, cancel := rr.s.op(ctx)
	defer cancel()
	raw, err := rr.s.rdb.LRange(ctx, rr.s.key("recent", user), 0, bot.RecentCap-1).Result()
	if err != nil {
		return nil, rr.s.failed("recent list", err)
	}
	out := make([]bot.RecentResend, 0, len(raw))
	for _, r := range raw {
		var e bot.RecentResend
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			return nil, rr.s.failed("recent list", fmt.Errorf("not a resend: %w", err))
		}
		out = append(out, e)
	}
	return out, nil
}

// tlsHint says what to do when Redis's certificate is not trusted: a
// Redis with a private CA is trusted through SSL_CERT_FILE.
func tlsHint(err error) string {
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return " (for a Redis whose certificate comes from a private CA, set SSL_CERT_FILE to that CA's PEM file)"
	}
	return ""
}
