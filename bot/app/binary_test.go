package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/redistest"
	"resendbot/bot/internal/syncbuf"
	"resendbot/frontpay/frontpaytest"
)

// These tests meet resendbot the way an operator and Slack do: the built
// binary, its environment, its exit code, its output, real sockets.

var built struct {
	once sync.Once
	path string
	err  error
}

// binary builds resendbot once for the package's tests.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "resendbot-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "resendbot")
		out, err := exec.Command("go", "build", "-o", built.path, "resendbot").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// baseEnv is what a clean machine has: no resendbot variables at all.
func baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

func TestBinaryWithoutConfigurationListsWhatIsMissing(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Dir = t.TempDir() // no .env there
	cmd.Env = append(baseEnv(), "FRONTPAYMENT_TIMEOUT=soon")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit = %v, want code 2\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"SLACK_APP_TOKEN is required", "SLACK_BOT_TOKEN is required", "FRONTPAYMENT_TOKEN is required",
		`FRONTPAYMENT_TIMEOUT must be a duration like 90s, 2m or 1h, got "soon"`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestBinaryNeverPrintsASecretInConfigErrors(t *testing.T) {
	cmd := exec.Command(binary(t))
	cmd.Dir = t.TempDir()
	cmd.Env = append(baseEnv(), "SLACK_APP_TOKEN=xoxb-not-the-app-token-secret", "SLACK_BOT_TOKEN=bot-secret-123",
		"FRONTPAYMENT_TOKEN=fp", "REDIS_URL=http://:redis-secret@x")
	out, _ := cmd.CombinedOutput()
	for _, secret := range []string{"not-the-app-token-secret", "bot-secret-123", "redis-secret"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("output contains %q:\n%s", secret, out)
		}
	}
	if !bytes.Contains(out, []byte("SLACK_BOT_TOKEN must start with")) {
		t.Errorf("output:\n%s", out)
	}
}

func TestBinaryReadsDotEnvButTheEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	dotenv := "SLACK_APP_TOKEN=xapp-from-file\nSLACK_BOT_TOKEN=xoxb-from-file\nFRONTPAYMENT_TOKEN=from-file\nRESEND_COOLDOWN=bad-from-file\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t))
	cmd.Dir = dir
	cmd.Env = append(baseEnv(), "RESEND_MAX_INFLIGHT=zero-from-env")
	out, _ := cmd.CombinedOutput()
	got := string(out)
	if strings.Contains(got, "is required") {
		t.Errorf(".env tokens were not read:\n%s", got)
	}
	if !strings.Contains(got, `RESEND_COOLDOWN must be a duration`) || !strings.Contains(got, `RESEND_MAX_INFLIGHT must be a whole number`) {
		t.Errorf("want both the .env and the environment problem:\n%s", got)
	}
}

// connectedBinary starts the built binary on fresh fakes, serving
// HTTP_ADDR on addr, and waits until it is connected to Slack.
func connectedBinary(t *testing.T) (slack *fakeslack.Server, fp *frontpaytest.Server, addr string, cmd *exec.Cmd, logs *syncbuf.Buffer, exited chan error) {
	t.Helper()
	slack, fp, addr = fakeslack.New(t), frontpaytest.NewServer(t), freePort(t)
	cmd, logs, exited = startBinary(t, append(botEnv(slack, fp), "HTTP_ADDR="+addr))
	if err := slack.WaitConnected(1, wait); err != nil {
		t.Fatalf("binary never connected: %v\n%s", err, logs.String())
	}
	return slack, fp, addr, cmd, logs, exited
}

func TestBinaryEndToEndAndSIGTERM(t *testing.T) {
	slack, fp, addr, cmd, logs, exited := connectedBinary(t)

	id := slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: uuidA + " phone=+47 412 34 567"})
	if _, err := slack.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	snap, err := slack.WaitFor(func(s fakeslack.Snapshot) bool {
		return len(s.Messages) == 2 && len(s.Messages[0].Updates) > 0
	}, wait)
	if err != nil {
		t.Fatalf("no outcome from the binary: %v", err)
	}
	if !strings.Contains(snap.Messages[1].Text, "Sent") || snap.Messages[1].ThreadTS != snap.Messages[0].TS {
		t.Errorf("reply = %+v", snap.Messages[1])
	}
	// The reservation is read first (its contact on file, compared with
	// the number typed), then one resend.
	reqs := fp.Requests()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "POST" {
		t.Errorf("front payment requests = %+v, want a read and one resend", reqs)
	}
	for _, r := range reqs {
		if r.Header.Get("User-Agent") != "resendbot/dev" {
			t.Errorf("front payment request %s %s has User-Agent %q", r.Method, r.Path, r.Header.Get("User-Agent"))
		}
	}

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": `resendbot_requests_total{kind="reservation",outcome="sent"} 1`} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want %q", path, resp.StatusCode, firstLine(body), want)
		}
	}

	// The incident series are wired in the process as it runs.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`resendbot_queue_capacity 256`, `resendbot_build_info{goversion="go`, `resendbot_slack_token_rejected 0`,
		`resendbot_shared_state_up 1`, `resendbot_slack_api_latency_seconds_count{method="auth.test"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics of the binary lacks %q", want)
		}
	}

	stopBinary(t, cmd, logs, exited)

	// Every log line is JSON, the audit line is there, and no secret is.
	audits := 0
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		if m["log"] == "audit" {
			audits++
		}
	}
	if audits != 1 {
		t.Errorf("audit lines = %d, want 1", audits)
	}
	for _, s := range []string{fakeslack.AppToken, fakeslack.BotToken, fp.Token, "41234567"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

// botEnv is a clean machine's environment with the bot's required
// settings, pointed at the fakes.
func botEnv(slack *fakeslack.Server, fp *frontpaytest.Server) []string {
	return append(baseEnv(),
		"SLACK_APP_TOKEN="+fakeslack.AppToken, "SLACK_BOT_TOKEN="+fakeslack.BotToken, "SLACK_API_URL="+slack.APIURL(),
		"FRONTPAYMENT_TOKEN="+fp.Token, "FRONTPAYMENT_BASE_URL="+fp.URL)
}

// startBinary starts the built binary with env in an empty directory; its
// output goes to logs, and exited receives its end. The test's cleanup
// kills it if it is still running.
func startBinary(t *testing.T, env []string) (cmd *exec.Cmd, logs *syncbuf.Buffer, exited chan error) {
	t.Helper()
	cmd = exec.Command(binary(t))
	cmd.Dir = t.TempDir()
	cmd.Env = env
	logs = &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	return cmd, logs, exited
}

// stopBinary sends SIGTERM and fails t unless the binary exits 0 in time.
func stopBinary(t *testing.T, cmd *exec.Cmd, logs *syncbuf.Buffer, exited chan error) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM = %v, want 0\n%s", err, logs.String())
		}
		exited <- err // for the cleanup
	case <-time.After(wait):
		t.Fatal("binary did not exit after SIGTERM")
	}
}

// TestBinaryReachesRedisOverTLS: REDIS_URL=rediss://… to a Redis that
// speaks only TLS, with a certificate from a private CA. Trusted the way
// an operator trusts one (SSL_CERT_FILE), the binary keeps its state
// there; not trusted, it stops at start with a line naming REDIS_URL and
// why, and never falls back to memory or to plain TCP.
func TestBinaryReachesRedisOverTLS(t *testing.T) {
	redis, caFile := redistest.StartTLS(t)
	slack, fp := fakeslack.New(t), frontpaytest.NewServer(t)
	env := append(botEnv(slack, fp), "REDIS_URL="+redis.URL(), "RESEND_REDIS_PREFIX=tls-test:")

	t.Run("untrusted", func(t *testing.T) {
		_, logs, exited := startBinary(t, env)
		select {
		case err := <-exited:
			exited <- err
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 0 {
				t.Fatalf("exit = %v, want non-zero\n%s", err, logs.String())
			}
		case <-time.After(wait):
			t.Fatalf("the binary did not stop on an untrusted Redis certificate\n%s", logs.String())
		}
		if out := logs.String(); !strings.Contains(out, "REDIS_URL") || !strings.Contains(out, "certificate") ||
			!strings.Contains(out, "set SSL_CERT_FILE") {
			t.Errorf("output does not name REDIS_URL and the certificate, and say what to do:\n%s", out)
		}
		if n := len(slack.Calls(fakeslack.MethodConnectionsOpen)); n != 0 {
			t.Errorf("it opened %d Socket Mode connections without its state", n)
		}
	})

	t.Run("trusted", func(t *testing.T) {
		cmd, logs, exited := startBinary(t, append(env, "SSL_CERT_FILE="+caFile))
		if err := slack.WaitConnected(1, wait); err != nil {
			t.Fatalf("never connected: %v\n%s", err, logs.String())
		}
		id := slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: uuidA + " email=kari.nordmann@example.com"})
		if _, err := slack.WaitAck(id, wait); err != nil {
			t.Fatal(err)
		}
		if _, err := slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Messages) >= 2 && len(s.Messages[0].Updates) > 0 }, wait); err != nil {
			t.Fatalf("no outcome: %v\n%s", err, logs.String())
		}
		stopBinary(t, cmd, logs, exited)
		keys, err := redis.Client(t).Keys(t.Context(), "tls-test:*").Result()
		if err != nil || len(keys) == 0 {
			t.Errorf("no state in Redis under the prefix: %v %v\n%s", keys, err, logs.String())
		}
		if n := len(fp.Resends()); n != 1 {
			t.Errorf("front payment resends = %d, want 1", n)
		}
	})
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// TestConsoleBinary runs the README's first command as a fresh clone
// would: the built binary, no environment beyond PATH and HOME, no .env.
func TestConsoleBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := binary(t)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	run := exec.CommandContext(ctx, bin, "console")
	run.Dir = t.TempDir()
	run.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	// Not the address on file: the console asks, and 2 sends to the one on file.
	run.Stdin = strings.NewReader(frontpaytest.UUIDAccepted + " email=kari@example.com\n2\n")
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("resendbot console: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if got := stdout.String(); !strings.Contains(got, demoLabel) || !strings.Contains(got, "[2: Send to the one on file (k***@example.com)]") || !strings.Contains(got, "↳ ✅ Sent") {
		t.Errorf("resendbot console printed:\n%s", got)
	}
	if stderr.Len() != 0 {
		t.Errorf("resendbot console wrote to stderr with no configuration:\n%s", &stderr)
	}
}
