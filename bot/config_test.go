package bot

import (
	"errors"
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
