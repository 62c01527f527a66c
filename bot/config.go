package bot

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"resendbot/bot/i18n"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Mode says which program the configuration is for: the Slack bot needs
// Slack and Front Payment tokens, the console needs neither (it talks to a
// built-in demo Front Payment) unless it runs live.
type Mode int

const (
	ModeBot         Mode = iota // ./resendbot
	ModeConsole                 // ./resendbot console
	ModeConsoleLive             // ./resendbot console --live
)

// Rate is a token bucket: it holds N and refills N per Per.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Per) }

// Config is every setting (README, "Configuration"), parsed and validated once.
type Config struct {
	SlackAppToken string
	SlackBotToken string
	SlackAPIURL   string

	FrontPaymentToken   string
	FrontPaymentBaseURL string
	FrontPaymentTimeout time.Duration

	AllowedChannels []string
	AllowedUsers    []string
	// AllowedUserGroups are user group IDs (S0…) and handles (support,
	// written @support), as RESEND_ALLOWED_USERGROUPS lists them.
	AllowedUserGroups []string
	RatePerUser       Rate
	RateGlobal        Rate
	Cooldown          time.Duration
	DefaultRegion     string
	MaskContacts      bool
	// ConfirmNewDestination: a typed destination that is not the contact on
	// file is sent only once the caller confirms it.
	ConfirmNewDestination bool
	MaxInflight           int

	HTTPAddr      string
	RedisURL      string
	RedisPrefix   string
	LogLevel      slog.Level
	LogFormat     string
	Language      i18n.Lang      // what people read: RESEND_LANGUAGE
	Timezone      *time.Location // where the times people read are: RESEND_TIMEZONE
	ShutdownGrace time.Duration
}

// OutcomePostTime is what a shutdown leaves, after Front Payment's
// answer, to post the outcome and update the audit message.
const OutcomePostTime = 3 * time.Second

// Secrets returns the configured secret values, so that tests and log
// scrubbers can check none of them escapes.
func (c *Config) Secrets() []string {
	var out []string
	for _, s := range []string{c.SlackAppToken, c.SlackBotToken, c.FrontPaymentToken, RedisPassword(c.RedisURL)} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ConfigError lists every problem found in the environment, one per line,
// each naming its variable. It never holds a secret's value.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string { return strings.Join(e.Problems, "\n") }

// LoadConfig reads every setting through getenv and returns the parsed
// configuration, or a *ConfigError naming every problem at once.
func LoadConfig(getenv func(string) string, mode Mode) (*Config, error) {
	p := &envParser{getenv: getenv}
	needFP := mode != ModeConsole
	c := &Config{
		SlackAppToken:         p.token("SLACK_APP_TOKEN", "xapp-", mode == ModeBot),
		SlackBotToken:         p.token("SLACK_BOT_TOKEN", "xoxb-", mode == ModeBot),
		SlackAPIURL:           p.url("SLACK_API_URL", "https://slack.com/api/", false),
		FrontPaymentToken:     p.token("FRONTPAYMENT_TOKEN", "", needFP),
		FrontPaymentBaseURL:   p.url("FRONTPAYMENT_BASE_URL", DemoFrontPaymentURL, true),
		FrontPaymentTimeout:   p.duration("FRONTPAYMENT_TIMEOUT", 15*time.Second, false),
		AllowedChannels:       p.ids("RESEND_ALLOWED_CHANNELS", channelID, "channel IDs like C0123ABCD (a channel's ID is at the bottom of its details, under its name)"),
		AllowedUsers:          p.ids("RESEND_ALLOWED_USERS", userID, "user IDs like U0123ABCD (a person's member ID is in their profile, under ⋮)"),
		AllowedUserGroups:     p.userGroups("RESEND_ALLOWED_USERGROUPS"),
		RatePerUser:           p.rate("RESEND_RATE_PER_USER", Rate{5, time.Minute}),
		RateGlobal:            p.rate("RESEND_RATE_GLOBAL", Rate{60, time.Minute}),
		Cooldown:              p.duration("RESEND_COOLDOWN", 2*time.Minute, true),
		DefaultRegion:         p.region("RESEND_DEFAULT_REGION", "NO"),
		MaskContacts:          p.boolean("RESEND_MASK_CONTACTS", true),
		ConfirmNewDestination: p.boolean("RESEND_CONFIRM_NEW_DESTINATION", true),
		MaxInflight:           p.positiveInt("RESEND_MAX_INFLIGHT", 16),
		HTTPAddr:              p.addr("HTTP_ADDR"),
		RedisURL:              p.redisURL("REDIS_URL"),
		RedisPrefix:           p.str("RESEND_REDIS_PREFIX", "resendbot:"),
		LogLevel:              p.level("LOG_LEVEL"),
		LogFormat:             p.oneOf("LOG_FORMAT", "json", "json", "text"),
		Language:              p.language("RESEND_LANGUAGE"),
		Timezone:              p.zone("RESEND_TIMEZONE", i18n.DefaultZone),
		ShutdownGrace:         p.duration("RESEND_SHUTDOWN_GRACE", 25*time.Second, false),
	}
	if c.FrontPaymentTimeout > 0 && c.ShutdownGrace > 0 && c.FrontPaymentTimeout+OutcomePostTime > c.ShutdownGrace {
		p.problem("FRONTPAYMENT_TIMEOUT", "(%s) plus %s to post the outcome must fit in RESEND_SHUTDOWN_GRACE (%s), or a shutdown cuts off a resend in flight: lower FRONTPAYMENT_TIMEOUT or raise RESEND_SHUTDOWN_GRACE",
			c.FrontPaymentTimeout, OutcomePostTime, c.ShutdownGrace)
	}
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/" // slack-go appends method names to it
	}
	c.FrontPaymentBaseURL = strings.TrimRight(c.FrontPaymentBaseURL, "/")
	for _, v := range []struct{ name, value, token string }{
		{"FRONTPAYMENT_BASE_URL", c.FrontPaymentBaseURL, "the bearer token"},
		{"SLACK_API_URL", c.SlackAPIURL, "the bot token"},
	} {
		if v.value != "" && !secureOrLoopback(v.value) {
			u, err := url.Parse(v.value)
			p.problem(v.name, "must be https:// (%s would travel in clear over http://; only a loopback address may use http), got %s",
				v.token, describeURL(v.value, u, err))
		}
	}
	if len(p.problems) > 0 {
		return nil, &ConfigError{Problems: p.problems}
	}
	return c, nil
}

// envParser collects problems instead of stopping at the first, so an
// operator fixes the whole environment in one go.
type envParser struct {
	getenv   func(string) string
	problems []string
}

func (p *envParser) problem(name, format string, args ...any) {
	p.problems = append(p.problems, name+" "+fmt.Sprintf(format, args...))
}

// get reads a value, trimmed and without one pair of matching quotes
// around it: `docker run --env-file` keeps the quotes of KEY="value", which
// a .env file read by the bot itself would strip.
func (p *envParser) get(name string) string { return unquote(strings.TrimSpace(p.getenv(name))) }

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

func (p *envParser) str(name, def string) string {
	if v := p.get(name); v != "" {
		return v
	}
	return def
}

// token never quotes the value it checks: it is a secret.
func (p *envParser) token(name, prefix string, required bool) string {
	v := p.get(name)
	switch {
	case v == "" && required:
		p.problem(name, "is required")
	case v != "" && prefix != "" && !strings.HasPrefix(v, prefix):
		p.problem(name, "must start with %q (is it the right token?)", prefix)
	case strings.ContainsAny(v, " \t\r\n"):
		p.problem(name, "must not contain spaces or line breaks")
	}
	return v
}

func (p *envParser) url(name, def string, originOnly bool) string {
	v := p.str(name, def)
	if strings.Contains(v, "@") {
		// A user or password has no place here; one holding / or ? would
		// not even parse as one, and the rest of it would be quoted below.
		p.problem(name, "must not carry a user or password (it holds an @; the value is not shown here)")
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.problem(name, "must be an http(s) URL like %q, got %s", def, describeURL(v, u, err))
		return ""
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		// The paths of the API's methods are appended to it: behind a
		// query or fragment they would not be paths at all. Not quoted: a
		// query may hold a token.
		p.problem(name, "must not have a query or fragment (a ? or #; the value is not shown here), like %q", def)
		return ""
	}
	if originOnly && strings.Trim(u.Path, "/") != "" {
		p.problem(name, "must be an origin without a path, like %q, got %q", def, v)
		return ""
	}
	return v
}

func (p *envParser) duration(name string, def time.Duration, zeroOK bool) time.Duration {
	v := p.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		p.problem(name, "must be a duration like 90s, 2m or 1h, got %q", v)
	case d < 0 && zeroOK:
		p.problem(name, "must not be negative (0 turns it off), got %q", v)
	case d <= 0 && !zeroOK:
		p.problem(name, "must be greater than zero, got %q", v)
	}
	return d
}

func (p *envParser) rate(name string, def Rate) Rate {
	v := p.get(name)
	if v == "" {
		return def
	}
	n, per, ok := strings.Cut(v, "/")
	count, errN := strconv.Atoi(strings.TrimSpace(n))
	d, errD := time.ParseDuration(strings.TrimSpace(per))
	if !ok || errN != nil || errD != nil || count <= 0 || d <= 0 {
		p.problem(name, "must be a rate like 5/1m (N requests per duration, both above zero), got %q", v)
		return def
	}
	return Rate{N: count, Per: d}
}

func (p *envParser) region(name, def string) string {
	v := strings.ToUpper(p.str(name, def))
	if phonenumbers.GetCountryCodeForRegion(v) == 0 {
		p.problem(name, "must be a two-letter region code like NO or SE, got %q", v)
	}
	return v
}

func (p *envParser) boolean(name string, def bool) bool {
	v := p.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.problem(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

func (p *envParser) positiveInt(name string, def int) int {
	v := p.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 1024 {
		p.problem(name, "must be a whole number from 1 to 1024, got %q", v)
		return def
	}
	return n
}

// userGroups reads user groups by ID ("S0123ABCD") or handle
// ("@support-agents"); a handle is kept with its "@".
func (p *envParser) userGroups(name string) []string {
	var out []string
	for item := range strings.SplitSeq(p.get(name), ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			continue
		case userGroupID.MatchString(item):
		case userGroupHandle.MatchString(item):
			item = "@" + strings.TrimPrefix(item, "@")
		default:
			p.problem(name, "must be a comma-separated list of user group IDs (S0123ABCD) or handles (@support), got %q", item)
			continue
		}
		out = append(out, item)
	}
	return out
}

var (
	userGroupID     = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
	userGroupHandle = regexp.MustCompile(`^@?[a-z0-9][a-z0-9._-]*$`)
)

// ids reads a comma-separated list of Slack IDs, each matching id: a
// channel's or a person's name in its place would match nobody, and every
// request would be refused without the operator knowing why.
func (p *envParser) ids(name string, id *regexp.Regexp, what string) []string {
	var out []string
	for item := range strings.SplitSeq(p.get(name), ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !id.MatchString(item) {
			p.problem(name, "must be a comma-separated list of %s, got %q", what, item)
			continue
		}
		out = append(out, item)
	}
	return out
}

// Slack's IDs: channels (public, private, direct messages) and people
// (U…, or W… on Enterprise Grid).
var (
	channelID = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	userID    = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
)

func (p *envParser) addr(name string) string {
	v := p.get(name)
	if v == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(v)
	n, errN := strconv.Atoi(port)
	if err != nil || errN != nil || n < 0 || n > 65535 || strings.ContainsAny(host, " /") {
		p.problem(name, "must be a listen address like :8080 or 127.0.0.1:8080, got %q", v)
		return ""
	}
	return v
}

// describeURL quotes a bad URL for a configuration message without its
// user and password; one that does not even parse is described, not quoted
// (it may be a password pasted in the wrong place).
func describeURL(raw string, u *url.URL, err error) string {
	if err != nil || u == nil {
		return "a value that is not a URL"
	}
	if u.User != nil {
		c := *u
		c.User = nil
		return fmt.Sprintf("%q (user and password left out here)", c.String())
	}
	return fmt.Sprintf("%q", raw)
}

func (p *envParser) redisURL(name string) string {
	v := p.get(name)
	if v == "" {
		return ""
	}
	// The URL may hold a password: ParseRedisURL's errors never quote it.
	if _, err := ParseRedisURL(v); err != nil {
		p.problem(name, "%v", err)
		return ""
	}
	return v
}

func (p *envParser) level(name string) slog.Level {
	v := p.str(name, "info")
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil || strings.ContainsAny(v, "+-") {
		p.problem(name, "must be one of debug, info, warn, error, got %q", v)
		return slog.LevelInfo
	}
	return l
}

func (p *envParser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.problem(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

func (p *envParser) language(name string) i18n.Lang {
	v := p.get(name)
	l, ok := i18n.ParseLang(v)
	if !ok {
		p.problem(name, "must be en (English) or nb (Norwegian bokmål; no and nb-NO mean the same), got %q", v)
		return i18n.EN
	}
	return l
}

// zone reads an IANA time zone name ("Europe/Oslo"), once, at start.
// "Local" is refused: in a container it is whatever the image says.
func (p *envParser) zone(name, def string) *time.Location {
	v := p.str(name, def)
	z, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		p.problem(name, "must be an IANA time zone such as Europe/Oslo or UTC, got %q", v)
		return time.UTC
	}
	return z
}

// DemoFrontPaymentURL is Front Payment's demo API, the default
// FRONTPAYMENT_BASE_URL: nothing sent through it reaches a real customer.
const DemoFrontPaymentURL = "https://demo-api.frontpayment.no"

// secureOrLoopback reports whether raw is https, or http to this machine.
func secureOrLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoadHTTPAddr reads only HTTP_ADDR ("" when unset), for the healthcheck,
// which needs no tokens.
func LoadHTTPAddr(getenv func(string) string) (string, error) {
	p := &envParser{getenv: getenv}
	addr := p.addr("HTTP_ADDR")
	if len(p.problems) > 0 {
		return "", &ConfigError{Problems: p.problems}
	}
	return addr, nil
}
