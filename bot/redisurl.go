package bot

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// RedisMode is how a REDIS_URL reaches Redis.
type RedisMode int

const (
	// RedisSingle is one server (redis://, rediss://), or whatever stands
	// in front of several and looks like one.
	RedisSingle RedisMode = iota
	// RedisSentinel is the primary that Redis Sentinel names
	// (redis+sentinel://, rediss+sentinel://); after a failover, the
	// replica Sentinel promoted.
	RedisSentinel
	// RedisCluster is a Redis Cluster (redis+cluster://, rediss+cluster://).
	RedisCluster
)

// RedisTarget is what a REDIS_URL names. Its String never shows the
// password.
type RedisTarget struct {
	Mode RedisMode
	TLS  bool
	// Addrs are host:port: the server (RedisSingle), the sentinels
	// (RedisSentinel), or the cluster nodes to learn the cluster from
	// (RedisCluster).
	Addrs []string
	// Master is the name Sentinel knows the primary by (RedisSentinel).
	Master string
	// DB is the database number (RedisSentinel; for RedisSingle go-redis
	// reads it from the URL; a cluster has only database 0).
	DB       int
	Username string
	Password string
}

// Default ports of a host written without one.
const (
	defaultSentinelPort = "26379"
	defaultClusterPort  = "6379"
)

// redisURLForms is the reminder of what REDIS_URL may look like.
const redisURLForms = "redis://host:6379/0, rediss://:password@host:6380, " +
	"redis+sentinel://:password@host1:26379,host2:26379/mymaster or redis+cluster://:password@host1:7000,host2:7001"

// ParseRedisURL reads a REDIS_URL:
//
//	redis://[user:password@]host:port[/db]       (rediss:// for TLS)
//	redis+sentinel://[user:password@]host1:26379,host2:26379/mymaster[/db]
//	redis+cluster://[user:password@]host1:7000,host2:7001
//
// (rediss+sentinel:// and rediss+cluster:// for TLS). A host without a
// port gets 26379 (sentinel) or 6379 (cluster). redis:// and rediss:// keep
// go-redis's query options; the sentinel and cluster forms take none.
//
// The error, meant to follow the variable's name ("REDIS_URL must …"),
// never quotes the user or password: it may quote a host.
func ParseRedisURL(raw string) (RedisTarget, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return RedisTarget{}, errNotRedisURL
	}
	if _, after := splitAuthority(rest); strings.Contains(after, "@") {
		// A user or password holding /, ? or # ends the authority early: the
		// rest of it would be read as hosts, path or options, and quoted.
		return RedisTarget{}, errUserinfoNotEncoded
	}
	var t RedisTarget
	switch strings.ToLower(scheme) {
	case "redis", "rediss":
		return parseSingleRedisURL(raw)
	case "redis+sentinel":
		t.Mode = RedisSentinel
	case "rediss+sentinel":
		t.Mode, t.TLS = RedisSentinel, true
	case "redis+cluster":
		t.Mode = RedisCluster
	case "rediss+cluster":
		t.Mode, t.TLS = RedisCluster, true
	default:
		return RedisTarget{}, errNotRedisURL
	}
	if strings.ContainsAny(rest, "?#") {
		return RedisTarget{}, fmt.Errorf("must not hold ? or # with %s:// (it takes no options; "+
			"a password with such characters must be percent-encoded, ? as %%3F and # as %%23)", strings.ToLower(scheme))
	}
	authority, path, _ := strings.Cut(rest, "/")
	userinfo, hosts := splitUserinfo(authority)
	if userinfo != "" {
		var err error
		if t.Username, t.Password, err = decodeUserinfo(userinfo); err != nil {
			return RedisTarget{}, err
		}
	}
	port := defaultSentinelPort
	if t.Mode == RedisCluster {
		port = defaultClusterPort
	}
	var err error
	if t.Addrs, err = parseHostList(hosts, port); err != nil {
		return RedisTarget{}, err
	}
	if t.Mode == RedisSentinel {
		t.Master, t.DB, err = parseSentinelPath(path)
	} else {
		err = checkClusterPath(path)
	}
	if err != nil {
		return RedisTarget{}, err
	}
	return t, nil
}

var errNotRedisURL = errors.New("must be a URL like " + redisURLForms)

var errUserinfoNotEncoded = errors.New("has an @ after the hosts: a user or password holding /, ? or # must be " +
	"percent-encoded (/ as %2F, ? as %3F, # as %23, @ as %40; the value is not shown here)")

// splitAuthority splits what follows "://" where net/url ends the
// authority: at the first /, ? or #.
func splitAuthority(rest string) (authority, after string) {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i], rest[i:]
	}
	return rest, ""
}

// parseSingleRedisURL checks what it did before the other forms existed:
// a redis:// or rediss:// URL with a host. go-redis reads the rest.
func parseSingleRedisURL(raw string) (RedisTarget, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// url.Parse quotes the URL, password included: never show its error.
		return RedisTarget{}, errNotRedisURL
	}
	if strings.Contains(u.Host, ",") {
		return RedisTarget{}, fmt.Errorf("lists several hosts after %s://, which names one server: "+
			"for sentinels write %s+sentinel://host1:26379,host2:26379/mymaster, for a cluster %[2]s+cluster://host1:7000,host2:7001",
			u.Scheme, u.Scheme)
	}
	t := RedisTarget{Mode: RedisSingle, TLS: strings.EqualFold(u.Scheme, "rediss"), Addrs: []string{u.Host}}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	return t, nil
}

// splitUserinfo splits an authority at its last @, as net/url does.
func splitUserinfo(authority string) (userinfo, hosts string) {
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		return authority[:i], authority[i+1:]
	}
	return "", authority
}

func decodeUserinfo(userinfo string) (user, password string, _ error) {
	rawUser, rawPassword, _ := strings.Cut(userinfo, ":")
	user, errU := url.PathUnescape(rawUser)
	password, errP := url.PathUnescape(rawPassword)
	if errU != nil || errP != nil {
		return "", "", errors.New("has a user or password that is not percent-encoded correctly (% must start %XX; " +
			"the value is not shown here)")
	}
	return user, password, nil
}

func parseHostList(hosts, defaultPort string) ([]string, error) {
	if hosts == "" {
		return nil, errors.New("lists no hosts: write them comma-separated after ://, like " + redisURLForms)
	}
	var addrs []string
	for h := range strings.SplitSeq(hosts, ",") {
		addr, err := hostPort(h, defaultPort)
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, addr)
	}
	return addrs, nil
}

// hostPort reads one host of a list: host:port, host, [::1]:port or [::1].
func hostPort(h, defaultPort string) (string, error) {
	if h == "" {
		return "", errors.New("has an empty host in its list (two commas in a row, or one at an end)")
	}
	host, port := h, defaultPort
	switch {
	case strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]"):
		host = h[1 : len(h)-1]
	case strings.Contains(h, ":"):
		var err error
		if host, port, err = net.SplitHostPort(h); err != nil {
			return "", fmt.Errorf("has a host that is not host:port: %q", h)
		}
	}
	if host == "" || strings.ContainsAny(host, " []") {
		return "", fmt.Errorf("has a host that is not host:port: %q", h)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("has a bad port in %q (a port is a number from 1 to 65535)", h)
	}
	return net.JoinHostPort(host, port), nil
}

func parseSentinelPath(path string) (master string, db int, _ error) {
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	name, err := url.PathUnescape(parts[0])
	if err != nil || name == "" || strings.ContainsAny(name, " \t") {
		return "", 0, errors.New("must name the primary Sentinel monitors after the hosts, " +
			"like redis+sentinel://host1:26379,host2:26379/mymaster (the name in sentinel.conf's `sentinel monitor` line)")
	}
	switch len(parts) {
	case 1:
		return name, 0, nil
	case 2:
		db, err := strconv.Atoi(parts[1])
		if err != nil || db < 0 {
			return "", 0, fmt.Errorf("has a database number that is not a number from 0 up: %q "+
				"(redis+sentinel://hosts/mymaster/0)", parts[1])
		}
		return name, db, nil
	default:
		return "", 0, errors.New("has more in its path than the primary's name and a database number " +
			"(redis+sentinel://hosts/mymaster/0)")
	}
}

func checkClusterPath(path string) error {
	switch strings.TrimSuffix(path, "/") {
	case "", "0":
		return nil
	}
	return errors.New("must be only hosts after redis+cluster:// (a Redis Cluster has only database 0), " +
		"like redis+cluster://host1:7000,host2:7001")
}

// String describes where the target is, without the password.
func (t RedisTarget) String() string {
	hosts := strings.Join(t.Addrs, ",")
	switch t.Mode {
	case RedisSentinel:
		return fmt.Sprintf("primary %q through the sentinels %s", t.Master, hosts)
	case RedisCluster:
		return "cluster " + hosts
	default:
		return hosts
	}
}

// GoString keeps %#v from printing the password.
func (t RedisTarget) GoString() string { return "bot.RedisTarget{" + t.String() + "}" }

// RedisPassword is the password in a REDIS_URL of any form, or "", for
// scrubbing it from what is logged. It finds the password even in a URL
// that is otherwise wrong; one that is not percent-encoded correctly is
// returned as written.
func RedisPassword(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	authority, _ := splitAuthority(rest)
	userinfo, _ := splitUserinfo(authority)
	_, rawPassword, ok := strings.Cut(userinfo, ":")
	if !ok {
		return ""
	}
	if pw, err := url.PathUnescape(rawPassword); err == nil {
		return pw
	}
	return rawPassword
}
