package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"resendbot/bot/i18n"
	"resendbot/bot/internal/testkit"
	"strings"
	"testing"
	"time"
)

var (
	env          = testkit.Env
	minimalEnv   = testkit.MinimalEnv()
	containsLine = testkit.ContainsLine
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(minimalEnv), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		SlackAppToken:         "xapp-1-A1-secret-app",
		SlackBotToken:         "xoxb-1-secret-bot",
		SlackAPIURL:           "https://slack.com/api/",
		FrontPaymentToken:     "fp-secret-token",
		FrontPaymentBaseURL:   "https://demo-api.frontpayment.no",
		FrontPaymentTimeout:   15 * time.Second,
		RatePerUser:           Rate{5, time.Minute},
		RateGlobal:            Rate{60, time.Minute},
		Cooldown:              2 * time.Minute,
		DefaultRegion:         "NO",
		MaskContacts:          true,
		ConfirmNewDestination: true,
		MaxInflight:           16,
		RedisPrefix:           "resendbot:",
		LogLevel:              slog.LevelInfo,
		LogFormat:             "json",
		Language:              i18n.EN,
		Timezone:              mustZone(t, "Europe/Oslo"),
		ShutdownGrace:         25 * time.Second,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

func TestLoadConfigParsesEverySetting(t *testing.T) {
	vars := map[string]string{
		"SLACK_API_URL":                  "http://127.0.0.1:9/api",
		"FRONTPAYMENT_BASE_URL":          "https://api.frontpayment.no/",
		"FRONTPAYMENT_TIMEOUT":           "3s",
		"RESEND_ALLOWED_CHANNELS":        "C1, C2,",
		"RESEND_ALLOWED_USERS":           "U1",
		"RESEND_RATE_PER_USER":           "2/30s",
		"RESEND_RATE_GLOBAL":             "100/1h",
		"RESEND_COOLDOWN":                "0",
		"RESEND_DEFAULT_REGION":          "se",
		"RESEND_MASK_CONTACTS":           "false",
		"RESEND_CONFIRM_NEW_DESTINATION": "false",
		"RESEND_MAX_INFLIGHT":            "4",
		"HTTP_ADDR":                      ":8080",
		"REDIS_URL":                      "redis://:pw-secret-123@localhost:6379/1",
		"RESEND_REDIS_PREFIX":            "rb:",
		"LOG_LEVEL":                      "debug",
		"LOG_FORMAT":                     "text",
		"RESEND_SHUTDOWN_GRACE":          "10s",
	}
	for k, v := range minimalEnv {
		vars[k] = v
	}
	cfg, err := LoadConfig(env(vars), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"SlackAPIURL", cfg.SlackAPIURL, "http://127.0.0.1:9/api/"},
		{"FrontPaymentBaseURL", cfg.FrontPaymentBaseURL, "https://api.frontpayment.no"},
		{"FrontPaymentTimeout", cfg.FrontPaymentTimeout, 3 * time.Second},
		{"AllowedChannels", cfg.AllowedChannels, []string{"C1", "C2"}},
		{"AllowedUsers", cfg.AllowedUsers, []string{"U1"}},
		{"RatePerUser", cfg.RatePerUser, Rate{2, 30 * time.Second}},
		{"RateGlobal", cfg.RateGlobal, Rate{100, time.Hour}},
		{"Cooldown", cfg.Cooldown, time.Duration(0)},
		{"DefaultRegion", cfg.DefaultRegion, "SE"},
		{"MaskContacts", cfg.MaskContacts, false},
		{"ConfirmNewDestination", cfg.ConfirmNewDestination, false},
		{"MaxInflight", cfg.MaxInflight, 4},
		{"HTTPAddr", cfg.HTTPAddr, ":8080"},
		{"RedisPrefix", cfg.RedisPrefix, "rb:"},
		{"LogLevel", cfg.LogLevel, slog.LevelDebug},
		{"LogFormat", cfg.LogFormat, "text"},
		{"ShutdownGrace", cfg.ShutdownGrace, 10 * time.Second},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !strings.Contains(strings.Join(cfg.Secrets(), " "), "pw-secret-123") {
		t.Error("the Redis password is not among the secrets to redact")
	}
}

func TestLoadConfigReportsEveryProblemWithoutSecrets(t *testing.T) {
	vars := map[string]string{
		"SLACK_APP_TOKEN":                "xoxb-wrong-kind-secret",
		"FRONTPAYMENT_BASE_URL":          "ftp://x",
		"FRONTPAYMENT_TIMEOUT":           "soon",
		"RESEND_RATE_PER_USER":           "5 per minute",
		"RESEND_RATE_GLOBAL":             "0/1m",
		"RESEND_COOLDOWN":                "-1s",
		"RESEND_DEFAULT_REGION":          "XX",
		"RESEND_MASK_CONTACTS":           "maybe",
		"RESEND_CONFIRM_NEW_DESTINATION": "ask",
		"RESEND_MAX_INFLIGHT":            "0",
		"HTTP_ADDR":                      "8080",
		"REDIS_URL":                      "http://:hunter2-secret@x",
		"LOG_LEVEL":                      "loud",
		"LOG_FORMAT":                     "xml",
		"RESEND_SHUTDOWN_GRACE":          "0s",
		"SLACK_API_URL":                  "not a url",
	}
	_, err := LoadConfig(env(vars), ModeBot)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *ConfigError", err)
	}
	for _, name := range []string{
		"SLACK_APP_TOKEN must start with", "SLACK_BOT_TOKEN is required", "FRONTPAYMENT_TOKEN is required",
		"FRONTPAYMENT_BASE_URL", "FRONTPAYMENT_TIMEOUT", "RESEND_RATE_PER_USER", "RESEND_RATE_GLOBAL",
		"RESEND_COOLDOWN", "RESEND_DEFAULT_REGION", "RESEND_MASK_CONTACTS", "RESEND_CONFIRM_NEW_DESTINATION", "RESEND_MAX_INFLIGHT",
		"HTTP_ADDR", "REDIS_URL", "LOG_LEVEL", "LOG_FORMAT", "RESEND_SHUTDOWN_GRACE", "SLACK_API_URL",
	} {
		if !containsLine(ce.Problems, name) {
			t.Errorf("no problem line starting with %q in:\n%s", name, err)
		}
	}
	if len(ce.Problems) != 18 {
		t.Errorf("%d problems, want 18 (one per bad variable):\n%s", len(ce.Problems), err)
	}
	for _, secret := range []string{"wrong-kind-secret", "hunter2"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("config error prints a secret: %s", err)
		}
	}
}

func TestConsoleNeedsNoTokens(t *testing.T) {
	if _, err := LoadConfig(env(nil), ModeConsole); err != nil {
		t.Errorf("console with an empty environment: %v", err)
	}
	_, err := LoadConfig(env(nil), ModeConsoleLive)
	if err == nil || !strings.Contains(err.Error(), "FRONTPAYMENT_TOKEN is required") || strings.Contains(err.Error(), "SLACK") {
		t.Errorf("console --live: %v; want only FRONTPAYMENT_TOKEN required", err)
	}
}

// A bad URL is quoted without its user and password.
func TestConfigErrorsNeverQuoteAPassword(t *testing.T) {
	for _, raw := range []string{"ftp://u:pw-s3cret@h.example", "https://u:pw-s3cret@", "http://u:pw-s3cret@%zz"} {
		vars := maps.Clone(minimalEnv)
		vars["FRONTPAYMENT_BASE_URL"] = raw
		_, err := LoadConfig(env(vars), ModeBot)
		if err == nil {
			t.Fatalf("%q was accepted", raw)
		}
		if strings.Contains(err.Error(), "pw-s3cret") {
			t.Errorf("config error quotes the password: %v", err)
		}
		if !strings.Contains(err.Error(), "FRONTPAYMENT_BASE_URL") {
			t.Errorf("config error does not name the variable: %v", err)
		}
	}
}

func TestLanguageSetting(t *testing.T) {
	for in, want := range map[string]i18n.Lang{"": i18n.EN, "en": i18n.EN, "nb": i18n.NB, "no": i18n.NB, "nb-NO": i18n.NB} {
		vars := maps.Clone(minimalEnv)
		vars["RESEND_LANGUAGE"] = in
		cfg, err := LoadConfig(env(vars), ModeBot)
		if err != nil || cfg.Language != want {
			t.Errorf("RESEND_LANGUAGE=%q: %v, %v; want %s", in, cfg, err, want)
		}
	}
	vars := maps.Clone(minimalEnv)
	vars["RESEND_LANGUAGE"] = "de"
	_, err := LoadConfig(env(vars), ModeBot)
	var ce *ConfigError
	if !errors.As(err, &ce) || !containsLine(ce.Problems, "RESEND_LANGUAGE ") {
		t.Errorf("RESEND_LANGUAGE=de: %v; want a problem naming the variable", err)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// RESEND_TIMEZONE is an IANA zone; anything else stops the bot with one
// line naming the variable.
func TestTimezoneSetting(t *testing.T) {
	for in, want := range map[string]string{"": "Europe/Oslo", "UTC": "UTC", "America/New_York": "America/New_York", " 'Europe/Stockholm' ": "Europe/Stockholm"} {
		vars := maps.Clone(minimalEnv)
		vars["RESEND_TIMEZONE"] = in
		cfg, err := LoadConfig(env(vars), ModeBot)
		if err != nil || cfg.Timezone.String() != want {
			t.Errorf("RESEND_TIMEZONE=%q: %v, %v; want %s", in, cfg, err, want)
		}
	}
	for _, in := range []string{"Oslo", "Mars/Olympus", "Local", "../../etc/passwd", "+01:00"} {
		vars := maps.Clone(minimalEnv)
		vars["RESEND_TIMEZONE"] = in
		_, err := LoadConfig(env(vars), ModeBot)
		var ce *ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || !containsLine(ce.Problems, "RESEND_TIMEZONE must be an IANA time zone") {
			t.Errorf("RESEND_TIMEZONE=%q: %v; want one problem naming the variable", in, err)
		}
	}
}

// The Slack Web API carries the bot token: never over plain http, but to
// this machine (a local fake or proxy).
func TestSlackAPIURLMustBeHTTPS(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://slack.com/api/": true, "http://127.0.0.1:8080/api/": true, "http://localhost/api/": true,
		"http://slack-proxy.internal/api/": false, "http://u:pw-s3cret@10.0.0.1/api/": false,
	} {
		vars := maps.Clone(minimalEnv)
		vars["SLACK_API_URL"] = raw
		_, err := LoadConfig(env(vars), ModeBot)
		if ok != (err == nil) {
			t.Errorf("SLACK_API_URL=%s: %v", raw, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "SLACK_API_URL must ") || strings.Contains(err.Error(), "pw-s3cret")) {
			t.Errorf("SLACK_API_URL=%s: %v; want a problem naming it, without the password", raw, err)
		}
	}
}

// Every form of REDIS_URL an operator writes: the good ones are read as
// meant, the bad ones refused at start with a line naming REDIS_URL and
// never the password.
func TestRedisURLForms(t *testing.T) {
	const pw = "pw-s3cret"
	for _, tc := range []struct {
		raw  string
		want RedisTarget
	}{
		{"redis://:" + pw + "@localhost:6379/1", RedisTarget{Mode: RedisSingle, Addrs: []string{"localhost:6379"}, Password: pw}},
		{"rediss://u:" + pw + "@redis.example:6380", RedisTarget{Mode: RedisSingle, TLS: true, Addrs: []string{"redis.example:6380"}, Username: "u", Password: pw}},
		{"redis+sentinel://:" + pw + "@s1:26379,s2:26380,10.0.0.3/mymaster", RedisTarget{
			Mode: RedisSentinel, Addrs: []string{"s1:26379", "s2:26380", "10.0.0.3:26379"}, Master: "mymaster", Password: pw}},
		{"rediss+sentinel://app:" + pw + "@[::1]:26379,[fe80::1]/mymaster/3/", RedisTarget{
			Mode: RedisSentinel, TLS: true, Addrs: []string{"[::1]:26379", "[fe80::1]:26379"}, Master: "mymaster", DB: 3, Username: "app", Password: pw}},
		{"redis+sentinel://s1:26379/cache-1.primary", RedisTarget{Mode: RedisSentinel, Addrs: []string{"s1:26379"}, Master: "cache-1.primary"}},
		{"redis+cluster://:" + pw + "@c1:7000,c2:7001", RedisTarget{Mode: RedisCluster, Addrs: []string{"c1:7000", "c2:7001"}, Password: pw}},
		{"rediss+cluster://:p%40ss%2Fw%3Frd@c1,c2:7001/0", RedisTarget{Mode: RedisCluster, TLS: true, Addrs: []string{"c1:6379", "c2:7001"}, Password: "p@ss/w?rd"}},
		{"REDIS+CLUSTER://c1:7000/", RedisTarget{Mode: RedisCluster, Addrs: []string{"c1:7000"}}},
	} {
		vars := maps.Clone(minimalEnv)
		vars["REDIS_URL"] = tc.raw
		cfg, err := LoadConfig(env(vars), ModeBot)
		if err != nil {
			t.Errorf("REDIS_URL=%s refused: %v", tc.raw, err)
			continue
		}
		got, err := ParseRedisURL(cfg.RedisURL)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseRedisURL(%s) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
		if got.Password != "" && !strings.Contains(strings.Join(cfg.Secrets(), " "), got.Password) {
			t.Errorf("REDIS_URL=%s: the password is not among the secrets to redact", tc.raw)
		}
		for _, s := range []string{got.String(), fmt.Sprintf("%v %+v %#v %s", got, got, got, got)} {
			if strings.Contains(s, pw) || strings.Contains(s, "p@ss") {
				t.Errorf("RedisTarget prints its password: %s", s)
			}
		}
	}

	for raw, want := range map[string]string{
		"redis+sentinel://:" + pw + "@s1:26379,s2:26379":           "must name the primary",
		"redis+sentinel://:" + pw + "@s1:26379,s2:26379/":          "must name the primary",
		"redis+sentinel://:" + pw + "@s1:26379/mymaster/zero":      "database number",
		"redis+sentinel://:" + pw + "@s1:26379/mymaster/-1":        "database number",
		"redis+sentinel://:" + pw + "@s1:26379/mymaster/0/x":       "more in its path",
		"redis+sentinel://:" + pw + "@/mymaster":                   "lists no hosts",
		"redis+sentinel://:" + pw + "@s1:26379,,s2:26379/mymaster": "empty host",
		"redis+sentinel://:" + pw + "@s1:26379,s2:26379,/mymaster": "empty host",
		"redis+sentinel://:" + pw + "@s1:2637x,s2:26379/mymaster":  "bad port",
		"redis+sentinel://:" + pw + "@s1:99999/mymaster":           "bad port",
		"redis+sentinel://:" + pw + "@s1:0/mymaster":               "bad port",
		"redis+sentinel://:" + pw + "@:26379/mymaster":             "not host:port",
		"redis+sentinel://:" + pw + "@s1:26379/mymaster?db=1":      "takes no options",
		"redis+cluster://:" + pw + "@c1:7000,c2:70001":             "bad port",
		"redis+cluster://:" + pw + "@c1:7000,c2:":                  "bad port",
		"redis+cluster://:" + pw + "@":                             "lists no hosts",
		"redis+cluster://:" + pw + "@c1:7000/1":                    "only database 0",
		"rediss+cluster://:" + pw + "@c1:7000#frag":                "takes no options",
		"redis+cluster://:" + pw + "%zz@c1:7000":                   "not percent-encoded",
		"redis+sharded://:" + pw + "@c1:7000":                      "must be a URL like",
		"redis:/:" + pw + "@c1:7000":                               "must be a URL like",
		":" + pw + "@c1:7000":                                      "must be a URL like",
		"redis://:" + pw + "@":                                     "must be a URL like",
		"redis://:" + pw + "@h1:6379,h2:6379/0":                    "for sentinels write redis+sentinel://",
		"rediss://:" + pw + "@h1:6379,h2:6379":                     "for a cluster rediss+cluster://",
	} {
		vars := maps.Clone(minimalEnv)
		vars["REDIS_URL"] = raw
		_, err := LoadConfig(env(vars), ModeBot)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("REDIS_URL=%s accepted (%v)", raw, err)
			continue
		}
		if len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "REDIS_URL ") || !strings.Contains(ce.Problems[0], want) {
			t.Errorf("REDIS_URL=%s: %q; want one line naming REDIS_URL and saying %q", raw, ce.Problems, want)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("REDIS_URL=%s: the problem shows the password: %v", raw, err)
		}
	}
}

// RedisPassword finds the password to scrub in every form, even in a URL
// that is otherwise wrong.
func TestRedisPassword(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://:pw1@h:6379/0":                            "pw1",
		"rediss://user:pw2@h:6380":                         "pw2",
		"redis+sentinel://:pw3@s1:26379,s2:26379/mymaster": "pw3",
		"rediss+sentinel://u:pw4@[::1]:26379/m/2":          "pw4",
		"redis+cluster://:pw5@c1:7000,c2:7001":             "pw5",
		"rediss+cluster://:p%40w6@c1:7000":                 "p@w6",
		"redis+cluster://:pw7@c1:notaport":                 "pw7",
		"redis://:pw8@127.0.0.1:notaport/0":                "pw8",
		"redis+cluster://:pw%zz9@c1:7000":                  "pw%zz9",
		"redis+cluster://:a@b@c1:7000":                     "a@b",
		"redis://h:6379/0":                                 "",
		"redis://user@h:6379/0":                            "",
		"redis+sentinel://s1:26379/x@y":                    "",
		"not a url":                                        "",
	} {
		if got := RedisPassword(raw); got != want {
			t.Errorf("RedisPassword(%s) = %q, want %q", raw, got, want)
		}
	}
}

// A Front Payment call and the post of its outcome must fit in the
// shutdown grace, or a SIGTERM cuts a resend off without its outcome.
func TestFrontPaymentTimeoutMustFitInTheShutdownGrace(t *testing.T) {
	for _, tc := range []struct {
		timeout, grace string
		ok             bool
	}{
		{"", "", true},         // 15s + 3s within 25s
		{"22s", "", true},      // 25s exactly
		{"23s", "", false},     // 26s
		{"", "17s", false},     // 18s
		{"10s", "13s", true},   // 13s exactly
		{"30s", "1m", true},    // both raised
		{"soon", "10s", false}, // the timeout's own problem, not this one
		{"2s", "1s", false},
	} {
		vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t",
			"FRONTPAYMENT_TIMEOUT": tc.timeout, "RESEND_SHUTDOWN_GRACE": tc.grace}
		_, err := LoadConfig(env(vars), ModeBot)
		if tc.ok != (err == nil) {
			t.Errorf("FRONTPAYMENT_TIMEOUT=%q RESEND_SHUTDOWN_GRACE=%q: err = %v, want ok %v", tc.timeout, tc.grace, err, tc.ok)
			continue
		}
		if err == nil || tc.timeout == "soon" {
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "FRONTPAYMENT_TIMEOUT (") ||
			!strings.Contains(ce.Problems[0], "RESEND_SHUTDOWN_GRACE") {
			t.Errorf("%s/%s: problems = %v, want one line naming both variables", tc.timeout, tc.grace, err)
		}
	}
}

// A zero timeout or grace is its own problem, never also one of fitting
// the one in the other.
func TestAZeroTimeoutOrGraceIsOneProblem(t *testing.T) {
	for _, tc := range []struct{ timeout, grace, want string }{
		{"0s", "2s", "FRONTPAYMENT_TIMEOUT must be greater than zero"},
		{"", "0s", "RESEND_SHUTDOWN_GRACE must be greater than zero"},
	} {
		vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t",
			"FRONTPAYMENT_TIMEOUT": tc.timeout, "RESEND_SHUTDOWN_GRACE": tc.grace}
		_, err := LoadConfig(env(vars), ModeBot)
		var ce *ConfigError
		if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], tc.want) {
			t.Errorf("FRONTPAYMENT_TIMEOUT=%q RESEND_SHUTDOWN_GRACE=%q: problems = %v, want only %q", tc.timeout, tc.grace, err, tc.want)
		}
	}
}

// One pair of matching quotes around a value is dropped, as a .env file
// read by the bot itself would drop them; anything else is kept.
func TestValuesLoseOnePairOfQuotes(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{`"rb:"`, "rb:"},
		{`'Rb9:'`, "Rb9:"},
		{`" rb0 "`, "rb0"},
		{`""`, "resendbot:"}, // empty: the default
		{`''`, "resendbot:"},
		{`"`, `"`},
		{`'rb:"`, `'rb:"`},
		{`"rb:`, `"rb:`},
		{`x"`, `x"`},
		{`""rb""`, `"rb"`},
	} {
		vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t",
			"RESEND_REDIS_PREFIX": tc.set}
		cfg, err := LoadConfig(env(vars), ModeBot)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.RedisPrefix != tc.want {
			t.Errorf("RESEND_REDIS_PREFIX=%s: %q, want %q", tc.set, cfg.RedisPrefix, tc.want)
		}
	}
}

// The edges of each number a setting holds: the last value in, the first
// out.
func TestSettingsAtTheirEdges(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"RESEND_RATE_PER_USER", "5/1ns", true},
		{"RESEND_RATE_PER_USER", "5/0s", false},
		{"RESEND_RATE_GLOBAL", "1/1m", true},
		{"RESEND_RATE_GLOBAL", "0/1m", false},
		{"RESEND_MAX_INFLIGHT", "1024", true},
		{"RESEND_MAX_INFLIGHT", "1025", false},
		{"RESEND_MAX_INFLIGHT", "1", true},
		{"RESEND_MAX_INFLIGHT", "0", false},
		{"HTTP_ADDR", ":0", true},
		{"HTTP_ADDR", ":65535", true},
		{"HTTP_ADDR", ":65536", false},
		{"HTTP_ADDR", ":-1", false},
		{"FRONTPAYMENT_BASE_URL", "https://api.frontpayment.no/", true},
		{"FRONTPAYMENT_BASE_URL", "https://api.frontpayment.no?env=prod", false},
		{"FRONTPAYMENT_BASE_URL", "https://api.frontpayment.no/?", false},
		{"FRONTPAYMENT_BASE_URL", "https://api.frontpayment.no#prod", false},
		{"SLACK_API_URL", "https://slack.example/api/", true},
		{"SLACK_API_URL", "https://slack.example/api/?team=T1", false},
	} {
		vars := maps.Clone(minimalEnv)
		vars[tc.name] = tc.value
		_, err := LoadConfig(env(vars), ModeBot)
		if tc.ok != (err == nil) {
			t.Errorf("%s=%s: err %v, want ok %v", tc.name, tc.value, err, tc.ok)
		}
	}
}

// The allowlists take Slack's IDs: a channel's or a person's name in
// their place would match nobody, so that every request were refused with
// nothing saying why; it stops the bot at start, saying where the ID is.
func TestAllowlistsTakeIDsNotNames(t *testing.T) {
	for _, tc := range []struct {
		name, value, problem string // problem: "" when it is taken
	}{
		{"RESEND_ALLOWED_CHANNELS", "C0123ABCD, G0PRIVATE,D0DIRECT", ""},
		{"RESEND_ALLOWED_CHANNELS", "support", `got "support"`},
		{"RESEND_ALLOWED_CHANNELS", "C0123ABCD,#support", `got "#support"`},
		{"RESEND_ALLOWED_CHANNELS", "c0123abcd", `got "c0123abcd"`},
		{"RESEND_ALLOWED_CHANNELS", "U0AGENT", `got "U0AGENT"`},
		{"RESEND_ALLOWED_USERS", "U0123ABCD,W0GRID", ""},
		{"RESEND_ALLOWED_USERS", "kari.nordmann", `got "kari.nordmann"`},
		{"RESEND_ALLOWED_USERS", "@kari", `got "@kari"`},
		{"RESEND_ALLOWED_USERS", "C0123ABCD", `got "C0123ABCD"`},
	} {
		vars := maps.Clone(minimalEnv)
		vars[tc.name] = tc.value
		_, err := LoadConfig(env(vars), ModeBot)
		switch {
		case tc.problem == "" && err != nil:
			t.Errorf("%s=%s: %v", tc.name, tc.value, err)
		case tc.problem != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.name+" must be a comma-separated list of") || !strings.Contains(err.Error(), tc.problem)):
			t.Errorf("%s=%s: err %v, want one naming %s and saying %s", tc.name, tc.value, err, tc.name, tc.problem)
		}
	}
}

// A URL that is refused is quoted as it was written, or described when it
// does not parse.
func TestARefusedURLIsQuotedOrDescribed(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"SLACK_API_URL", "http://slack-proxy.internal/api/", `SLACK_API_URL must be https:// (the bot token would travel in clear over http://; only a loopback address may use http), got "http://slack-proxy.internal/api/"`},
		{"FRONTPAYMENT_BASE_URL", "ftp://Files9.example.com", `FRONTPAYMENT_BASE_URL must be an http(s) URL like "` + DemoFrontPaymentURL + `", got "ftp://Files9.example.com"`},
		{"SLACK_API_URL", "http://[::1", `SLACK_API_URL must be an http(s) URL like "https://slack.com/api/", got a value that is not a URL`},
	} {
		vars := maps.Clone(minimalEnv)
		vars[tc.name] = tc.value
		_, err := LoadConfig(env(vars), ModeBot)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%s:\n got %v\nwant %s", tc.name, tc.value, err, tc.want)
		}
	}
}

// REDIS_URL at the edges of its forms: the first and last port, database
// 0, an empty user part, an @ right after ://.
func TestRedisURLEdges(t *testing.T) {
	for raw, want := range map[string]RedisTarget{
		"redis+cluster://c1:1,C2:65535":        {Mode: RedisCluster, Addrs: []string{"c1:1", "C2:65535"}},
		"redis+sentinel://s1/mymaster/0":       {Mode: RedisSentinel, Addrs: []string{"s1:26379"}, Master: "mymaster"},
		"redis+cluster://@c9:7000":             {Mode: RedisCluster, Addrs: []string{"c9:7000"}},
		"redis+sentinel://@[::1]:26380/Main90": {Mode: RedisSentinel, Addrs: []string{"[::1]:26380"}, Master: "Main90"},
	} {
		got, err := ParseRedisURL(raw)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseRedisURL(%s) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for raw, want := range map[string]string{
		"redis+cluster:///p@ss":       "has an @ after the hosts",
		"redis+cluster://c1:0":        "bad port",
		"redis+cluster://c1:65536":    "bad port",
		"redis+sentinel://s1/m/-1":    "database number",
		"redis+sentinel://s1/m/00009": "", // read as 9
	} {
		_, err := ParseRedisURL(raw)
		if want == "" {
			if err != nil {
				t.Errorf("ParseRedisURL(%s): %v", raw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRedisURL(%s) = %v, want %q", raw, err, want)
		}
	}
}
