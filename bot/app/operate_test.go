package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"resendbot/bot"
	"resendbot/bot/internal/testkit"
	"strings"
	"testing"
	"time"
)

func TestHelpPrintsUsageAndExitsZero(t *testing.T) {
	for _, arg := range []string{"help", "--help", "-h"} {
		var out bytes.Buffer
		err := Main(context.Background(), Program{Args: []string{arg}, Getenv: env(nil), Stdout: &out, Stderr: &out, DotEnv: filepath.Join(t.TempDir(), "none")})
		if err != nil {
			t.Errorf("%s: err = %v, want nil", arg, err)
		}
		for _, want := range []string{"console", "--live", "healthcheck", "version", "README.md", ".env"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: usage lacks %q:\n%s", arg, want, out.String())
			}
		}
	}
}

func TestLoadConfigAcceptsQuotedValues(t *testing.T) {
	cfg, err := bot.LoadConfig(env(map[string]string{
		"SLACK_APP_TOKEN":    `"xapp-1-A1-secret-app"`,
		"SLACK_BOT_TOKEN":    `'xoxb-1-secret-bot'`,
		"FRONTPAYMENT_TOKEN": `"fp-secret-token"`,
		"RESEND_COOLDOWN":    `"90s"`,
	}), bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SlackAppToken != "xapp-1-A1-secret-app" || cfg.SlackBotToken != "xoxb-1-secret-bot" || cfg.FrontPaymentToken != "fp-secret-token" || cfg.Cooldown != 90*time.Second {
		t.Errorf("quotes kept: %+v", cfg)
	}
	// Only one matching pair is removed.
	if _, err := bot.LoadConfig(env(map[string]string{"SLACK_APP_TOKEN": `"xapp-1'`, "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "x"}), bot.ModeBot); err == nil {
		t.Error(`mismatched quotes "xapp-1' accepted`)
	}
}

func TestFrontPaymentOverPlainHTTPIsRefused(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://api.frontpayment.no":  false,
		"http://10.0.0.5:8080":        false,
		"https://api.frontpayment.no": true,
		"http://127.0.0.1:9999":       true,
		"http://localhost:9999":       true,
		"http://[::1]:9999":           true,
	} {
		vars := map[string]string{"FRONTPAYMENT_BASE_URL": url}
		for k, v := range minimalEnv {
			vars[k] = v
		}
		_, err := bot.LoadConfig(env(vars), bot.ModeBot)
		var ce *bot.ConfigError
		if ok && err != nil {
			t.Errorf("%s refused: %v", url, err)
		}
		if !ok && (!errors.As(err, &ce) || !containsLine(ce.Problems, "FRONTPAYMENT_BASE_URL must be https://")) {
			t.Errorf("%s: err = %v, want FRONTPAYMENT_BASE_URL must be https://", url, err)
		}
	}
}

func TestNegativeCooldownSaysNotNegative(t *testing.T) {
	vars := map[string]string{"RESEND_COOLDOWN": "-1s"}
	for k, v := range minimalEnv {
		vars[k] = v
	}
	_, err := bot.LoadConfig(env(vars), bot.ModeBot)
	var ce *bot.ConfigError
	if !errors.As(err, &ce) || !containsLine(ce.Problems, `RESEND_COOLDOWN must not be negative (0 turns it off), got "-1s"`) {
		t.Errorf("err = %v", err)
	}
}

// A .env that is there but cannot be read (a directory, as a bind mount
// of a missing file makes one) is told as such, not as a file whose lines
// are wrong.
func TestUnreadableDotEnvSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Main(context.Background(), Program{Getenv: env(nil), Stdout: &out, Stderr: &out, DotEnv: path})
	var ce *bot.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), path+" cannot be read (is a directory)") {
		t.Fatalf("err = %v, want a *ConfigError saying the .env cannot be read", err)
	}
}

func TestInvalidDotEnvIsAConfigError(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("SLACK_BOT_TOKEN='xoxb-secret-unterminated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Main(context.Background(), Program{Getenv: env(nil), Stdout: &out, Stderr: &out, DotEnv: path})
	var ce *bot.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "is not a valid .env file") {
		t.Fatalf("err = %v, want a *ConfigError about the .env file", err)
	}
	if strings.Contains(err.Error(), "xoxb-secret") {
		t.Errorf("the error quotes the file: %v", err)
	}
}

func TestStartLogNamesFrontPaymentAndWarnsAboutTheDemo(t *testing.T) {
	for _, tc := range []struct {
		url  string
		demo bool
	}{{bot.DemoFrontPaymentURL, true}, {"https://api.frontpayment.no", false}} {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		logStart(log, &bot.Config{FrontPaymentBaseURL: tc.url, AllowedUsers: []string{"U1"}}, "1.0", "abc123")
		if !strings.Contains(buf.String(), `"front_payment":"`+tc.url+`"`) {
			t.Errorf("%s: start log does not name it:\n%s", tc.url, buf.String())
		}
		warned := strings.Contains(buf.String(), `"level":"WARN","msg":"FRONTPAYMENT_BASE_URL is Front Payment's demo API`)
		if warned != tc.demo {
			t.Errorf("%s: demo warning = %v, want %v:\n%s", tc.url, warned, tc.demo, buf.String())
		}
	}
}

// The start line says every setting an on-call needs to know what this
// replica runs with, and never a secret: the line is checked before the
// log's redaction, which would otherwise hide a leak.
func TestStartLogHasTheSettingsAndNoSecret(t *testing.T) {
	vars := testkit.MinimalEnv()
	vars["FRONTPAYMENT_BASE_URL"] = "https://api.frontpayment.no"
	vars["RESEND_ALLOWED_CHANNELS"] = "C0SUPPORT,C0BILLING"
	vars["RESEND_ALLOWED_USERS"] = "U0LEAD"
	vars["RESEND_ALLOWED_USERGROUPS"] = "@support"
	vars["RESEND_RATE_PER_USER"] = "3/1m"
	vars["RESEND_LANGUAGE"] = "nb"
	vars["REDIS_URL"] = "rediss+sentinel://:redis-secret-pw@s1.example:26379,s2.example:26379/mymaster"
	cfg, err := bot.LoadConfig(env(vars), bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	logStart(slog.New(slog.NewJSONHandler(&buf, nil)), cfg, "1.0", "abc123")
	var start map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if m["msg"] == "starting" {
			if start != nil {
				t.Fatalf("two start lines:\n%s", buf.String())
			}
			start = m
		}
	}
	for k, want := range map[string]any{
		"version": "1.0", "revision": "abc123",
		"allowed_channels": "C0SUPPORT,C0BILLING", "allowed_users": "U0LEAD", "allowed_usergroups": "@support",
		"rate_per_user": "3/1m0s", "rate_global": "60/1m0s", "cooldown_ms": float64(120000), "max_inflight": float64(16),
		"language": "nb", "front_payment": "https://api.frontpayment.no", "front_payment_timeout_ms": float64(15000),
		"shutdown_grace_ms": float64(25000), "redis_mode": "sentinel+tls", "default_region": "NO",
	} {
		if start[k] != want {
			t.Errorf("start line %s = %v, want %v", k, start[k], want)
		}
	}
	if hosts, _ := start["redis_hosts"].(string); !strings.Contains(hosts, "s1.example:26379") || !strings.Contains(hosts, "mymaster") {
		t.Errorf("start line redis_hosts = %q, want the sentinels and the primary's name", hosts)
	}
	for _, secret := range cfg.Secrets() {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the start log holds a secret (%d chars):\n%s", len(secret), buf.String())
		}
	}
}

func TestHealthcheckProbesItsOwnHealthz(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	probe := func(addr string) error {
		var out bytes.Buffer
		return Main(context.Background(), Program{Args: []string{"healthcheck"}, Getenv: env(map[string]string{"HTTP_ADDR": addr}),
			Stdout: &out, Stderr: &out, DotEnv: filepath.Join(t.TempDir(), "none")})
	}
	if err := probe(":" + port); err != nil { // ":8080" means this machine
		t.Errorf("healthy: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := probe("127.0.0.1:" + port); !errors.Is(err, ErrUnhealthy) {
		t.Errorf("503: err = %v, want ErrUnhealthy", err)
	}
	if err := probe(closedAddr(t)); !errors.Is(err, ErrUnhealthy) {
		t.Errorf("nobody listening: err = %v, want ErrUnhealthy", err)
	}
	var ce *bot.ConfigError
	if err := probe(""); !errors.As(err, &ce) || !strings.Contains(err.Error(), "HTTP_ADDR") {
		t.Errorf("no HTTP_ADDR: err = %v, want a *ConfigError naming HTTP_ADDR", err)
	}
}
