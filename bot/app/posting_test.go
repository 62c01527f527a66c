package app

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"resendbot/bot/internal/fakeslack"
)

// A REDIS_URL whose password holds /, ?, # or @ unencoded ends its
// authority early, so the rest of the password would be read as hosts or
// a path: the binary refuses it without printing any part of it.
func TestBinaryNeverPrintsARedisPasswordWithURLCharacters(t *testing.T) {
	for _, url := range []string{
		"redis://:alpha7/bravo8@127.0.0.1:6379/0",
		"redis://user:alpha7/bravo8@127.0.0.1:6379",
		"rediss://:alpha7?bravo8@127.0.0.1:6380",
		"redis://:alpha7#bravo8@127.0.0.1:6379",
		"redis://alpha7:99/bravo8@127.0.0.1", // the password's start would pass for a port
		"redis+sentinel://:alpha7/bravo8@127.0.0.1:26379/mymaster",
		"redis+sentinel://us:alpha7/bravo8@h1:26379,h2:26379/mymaster/0",
		"redis+cluster://:alpha7/bravo8@127.0.0.1:7000,127.0.0.1:7001",
		"rediss+cluster://:alpha7@bravo8/x@127.0.0.1:7000",
	} {
		cmd := exec.Command(binary(t))
		cmd.Dir = t.TempDir()
		cmd.Env = append(baseEnv(), "SLACK_APP_TOKEN="+fakeslack.AppToken, "SLACK_BOT_TOKEN="+fakeslack.BotToken,
			"FRONTPAYMENT_TOKEN=fp", "REDIS_URL="+url)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%s: exit = %v, want 2 (a configuration problem)\n%s", url, err, out)
		}
		for _, part := range []string{"alpha7", "bravo8"} {
			if strings.Contains(string(out), part) {
				t.Errorf("%s: output shows %q of the password:\n%s", url, part, out)
			}
		}
		if !strings.Contains(string(out), "REDIS_URL") || !strings.Contains(string(out), "percent-encoded") {
			t.Errorf("%s: output does not name REDIS_URL and how to write it:\n%s", url, out)
		}
	}
}

// The HTTP_ADDR server closes a keep-alive connection left idle, so that
// clients keeping theirs open cannot pile up goroutines.
func TestBinaryClosesIdleHTTPConnections(t *testing.T) {
	_, _, addr, cmd, logs, exited := connectedBinary(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: resendbot\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection at once; the test needs it kept alive")
	}
	// Now idle: the server must close it (EOF), not leave it open until
	// this generous deadline.
	_ = conn.SetReadDeadline(time.Now().Add(3 * wait))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle keep-alive connection: read = %v, want EOF (closed by the server)", err)
	}
	stopBinary(t, cmd, logs, exited)
}
