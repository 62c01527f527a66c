// Package testkit holds what the tests of several packages share: an
// environment to configure from, a free loopback address, the deadline of
// every wait.
package testkit

import (
	"fmt"
	"maps"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Wait is the generous deadline of every wait in the tests: it bounds a
// broken test, it does not measure speed.
const Wait = 10 * time.Second

// Env is vars as a getenv.
func Env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// MinimalEnv is the least a bot's configuration needs (with fake tokens),
// a copy for the caller to add to.
func MinimalEnv() map[string]string {
	return maps.Clone(map[string]string{
		"SLACK_APP_TOKEN":    "xapp-1-A1-secret-app",
		"SLACK_BOT_TOKEN":    "xoxb-1-secret-bot",
		"FRONTPAYMENT_TOKEN": "fp-secret-token",
	})
}

// FreeAddr is a loopback address nothing listens on (until someone does).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// ContainsLine reports whether a line starts with prefix.
func ContainsLine(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// Leaked is goleak's verdict on the goroutines still running once a
// package's tests are done: nil when none outlived them. A go-redis pool
// that failed to dial (a Redis killed by a test) redials from a goroutine
// of its own, which sees the pool closed only after its 1 s back-off, and
// a loaded machine can stall a process for seconds, so Leaked gives them
// the generous Wait to end, not goleak's own half second: a goroutine that
// never ends still fails the package.
func Leaked() error {
	err := goleak.Find()
	for deadline := time.Now().Add(Wait); err != nil && time.Now().Before(deadline); err = goleak.Find() {
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// RunWithoutLeaks runs a package's tests (m.Run) and returns their exit
// code, 1 if they passed but a goroutine outlived them (Leaked): every
// bot, fake and server a test starts must be stopped by it.
func RunWithoutLeaks(m *testing.M) int {
	code := m.Run()
	if code == 0 {
		if err := Leaked(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines outlived the tests:", err)
			code = 1
		}
	}
	return code
}
