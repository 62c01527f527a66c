package app

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/redistest"
	"resendbot/bot/internal/syncbuf"
	"resendbot/bot/redisstate"
	"resendbot/bot/slackbot"
	"resendbot/frontpay/frontpaytest"
	"strings"
	"testing"
	"time"
)

func TestWarnsWhenNobodyIsRestricted(t *testing.T) {
	slack := fakeslack.New(t)
	m := runMain(t, map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"FRONTPAYMENT_TOKEN": "fp-token", "SLACK_API_URL": slack.APIURL()})
	if err := slack.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	if err := m.stop(); err != nil {
		t.Errorf("Main after cancel: %v", err)
	}
	out := m.out
	if !strings.Contains(out.String(), `"level":"WARN"`) || !strings.Contains(out.String(), "RESEND_ALLOWED_CHANNELS, RESEND_ALLOWED_USERS and RESEND_ALLOWED_USERGROUPS are all empty") {
		t.Errorf("no start-up warning about open access:\n%s", out.String())
	}
}

func TestInvalidAuthEndsWithAClearMessage(t *testing.T) {
	slack := fakeslack.New(t)
	slack.SetOpenError("invalid_auth", -1)
	m := runMain(t, map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"FRONTPAYMENT_TOKEN": "fp-token", "SLACK_API_URL": slack.APIURL()})
	defer m.cancel()
	select {
	case err := <-m.done:
		if !errors.Is(err, slackbot.ErrSlackAuth) || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Errorf("Run = %v; want slackbot.ErrSlackAuth naming SLACK_APP_TOKEN", err)
		}
	case <-time.After(wait):
		t.Fatal("invalid_auth did not end the bot (a hot loop?)")
	}
	if n := len(slack.Calls("apps.connections.open")); n != 1 {
		t.Errorf("apps.connections.open called %d times; a permanent error must not be retried", n)
	}
}

// A wrong bot token stops the bot at start, naming the variable and not
// the token; it never connects, so /readyz never says ready.
func TestAWrongBotTokenStopsTheBotAtStart(t *testing.T) {
	slack := fakeslack.New(t)
	const wrong = "xoxb-999-not-this-apps-token"
	m := runMain(t, map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": wrong,
		"FRONTPAYMENT_TOKEN": "fp-token", "SLACK_API_URL": slack.APIURL()})
	defer m.cancel()
	select {
	case err := <-m.done:
		if !errors.Is(err, slackbot.ErrSlackAuth) || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") {
			t.Errorf("Run = %v; want slackbot.ErrSlackAuth naming SLACK_BOT_TOKEN", err)
		}
		if err != nil && strings.Contains(err.Error(), wrong) {
			t.Errorf("the error quotes the token: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("a wrong bot token did not stop the bot")
	}
	if n := len(slack.Calls("apps.connections.open")); n != 0 {
		t.Errorf("the bot connected %d times with a wrong bot token", n)
	}
}

// A start-up error that ends the bot is in the JSON log, not only on stderr.
func TestFatalStartErrorIsLogged(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	slack := fakeslack.New(t)
	vars := map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"SLACK_API_URL": slack.APIURL(), "FRONTPAYMENT_TOKEN": "fp-token", "HTTP_ADDR": busy.Addr().String()}
	var stdout, stderr syncbuf.Buffer
	err = Main(t.Context(), Program{Getenv: env(vars), Stdout: &stdout, Stderr: &stderr, Version: "test", DotEnv: t.TempDir() + "/none"})
	if err == nil || !strings.Contains(err.Error(), "HTTP_ADDR") {
		t.Fatalf("Main = %v; want an error naming HTTP_ADDR", err)
	}
	stoppedLine(t, jsonLines(t, stdout.String()), "HTTP_ADDR "+busy.Addr().String())
}

// go-redis's own lines about an unreachable Redis at start are JSON lines of
// our log, as is the error that stops the bot. redis.SetLogger is
// process-wide: this test must not run in parallel.
func TestUnreachableRedisAtStartLogsOnlyJSON(t *testing.T) {
	addr := closedAddr(t)
	slack := fakeslack.New(t)
	vars := map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"SLACK_API_URL": slack.APIURL(), "FRONTPAYMENT_TOKEN": "fp-token", "REDIS_URL": "redis://" + addr + "/0"}
	var stdout, stderr syncbuf.Buffer
	err := Main(t.Context(), Program{Getenv: env(vars), Stdout: &stdout, Stderr: &stderr, Version: "test", DotEnv: t.TempDir() + "/none"})
	if err == nil {
		t.Fatal("Main started with an unreachable Redis")
	}
	lines := jsonLines(t, stdout.String())
	stoppedLine(t, lines, "REDIS_URL")
	dial := false
	for _, l := range lines {
		msg, _ := l["msg"].(string)
		dial = dial || strings.HasPrefix(msg, "redis: ") && strings.Contains(msg, addr)
		if strings.HasPrefix(msg, "redis: redis: ") {
			t.Errorf("doubled prefix: %q", msg)
		}
	}
	if !dial {
		t.Errorf("go-redis's dial failure is not a line of the JSON log:\n%s", stdout.String())
	}
}

// TestMainUsesRedisWhenConfigured runs the whole program with REDIS_URL
// of each form: the state it keeps lands in Redis under RESEND_REDIS_PREFIX.
func TestMainUsesRedisWhenConfigured(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		url, _ := redistest.Start(t)
		testMainUsesRedis(t, url, func(ctx context.Context) ([]string, error) {
			return redistest.Client(t, url).Keys(ctx, "main-test:*").Result()
		})
	})
	t.Run("sentinel", func(t *testing.T) {
		s := redistest.StartSentinel(t, "")
		testMainUsesRedis(t, s.URL(), func(ctx context.Context) ([]string, error) {
			return redistest.Client(t, s.Primary.URL()).Keys(ctx, "main-test:*").Result()
		})
	})
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t)
		testMainUsesRedis(t, c.URL(), func(ctx context.Context) ([]string, error) {
			var keys []string
			for _, p := range c.Primaries {
				k, err := redistest.Client(t, p.URL()).Keys(ctx, "main-test:*").Result()
				if err != nil {
					return nil, err
				}
				keys = append(keys, k...)
			}
			return keys, nil
		})
	})
}

func testMainUsesRedis(t *testing.T, url string, keys func(context.Context) ([]string, error)) {
	slack, fp := fakeslack.New(t), frontpaytest.NewServer(t)
	vars := map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"SLACK_API_URL": slack.APIURL(), "FRONTPAYMENT_TOKEN": fp.Token, "FRONTPAYMENT_BASE_URL": fp.URL,
		"REDIS_URL": url, "RESEND_REDIS_PREFIX": "main-test:"}
	m := runMain(t, vars)
	if err := slack.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	id := slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: uuidA + " email=kari.nordmann@example.com"})
	if _, err := slack.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	if _, err := slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Messages) >= 2 && len(s.Messages[0].Updates) > 0 }, wait); err != nil {
		t.Fatalf("no outcome: %v", err)
	}
	if err := m.stop(); err != nil {
		t.Errorf("Main: %v", err)
	}
	if k, err := keys(t.Context()); err != nil || len(k) == 0 {
		t.Errorf("no state in Redis under the prefix (%v); log:\n%s", err, m.out.String())
	}
	if resends := len(fp.Resends()); resends != 1 {
		t.Errorf("front payment resends = %d, want 1", resends)
	}
	if strings.Contains(m.out.String(), redistest.Password) {
		t.Errorf("the Redis password is in the log:\n%s", m.out.String())
	}
}

// Every form of REDIS_URL: an unreachable Redis stops the bot at start,
// naming REDIS_URL and the address, never the password.
func TestMainFailsClearlyWhenRedisIsUnreachable(t *testing.T) {
	const secret = "hunter2-redis-pw"
	addr := closedAddr(t)
	for _, url := range []string{
		"redis://:" + secret + "@" + addr + "/0",
		"redis+sentinel://:" + secret + "@" + addr + "/mymaster",
		"redis+cluster://:" + secret + "@" + addr,
	} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			slack := fakeslack.New(t)
			vars := map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
				"SLACK_API_URL": slack.APIURL(), "FRONTPAYMENT_TOKEN": "fp-token", "REDIS_URL": url}
			var out syncbuf.Buffer
			start := time.Now()
			err := Main(t.Context(), Program{Getenv: env(vars), Stdout: &out, Stderr: &out, Version: "test", DotEnv: t.TempDir() + "/none"})
			if err == nil {
				t.Fatal("Main started with an unreachable Redis")
			}
			if d := time.Since(start); d > redisstate.StartTimeout+time.Second {
				t.Errorf("Main took %v to give up", d)
			}
			if !strings.Contains(err.Error(), "REDIS_URL") || !strings.Contains(err.Error(), addr) {
				t.Errorf("error %q should name REDIS_URL and the address", err)
			}
			if strings.Contains(err.Error()+out.String(), secret) {
				t.Errorf("the Redis password escaped: %v\n%s", err, out.String())
			}
			if slack.OpenSockets() != 0 {
				t.Error("connected to Slack although the shared state is unusable")
			}
		})
	}
}

// jsonLines parses every non-empty line of out as JSON, failing the test
// for any that is not.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("stdout line is not JSON: %q", line)
			continue
		}
		lines = append(lines, m)
	}
	return lines
}

// stoppedLine returns the "resendbot stopped" line, failing the test
// unless there is exactly one, at ERROR, whose err contains want.
func stoppedLine(t *testing.T, lines []map[string]any, want string) {
	t.Helper()
	var found []map[string]any
	for _, l := range lines {
		if l["msg"] == "resendbot stopped" {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d \"resendbot stopped\" lines, want 1: %v", len(found), lines)
	}
	if err, _ := found[0]["err"].(string); found[0]["level"] != "ERROR" || !strings.Contains(err, want) {
		t.Errorf("stop line = %v; want level ERROR and an err naming %q", found[0], want)
	}
}
