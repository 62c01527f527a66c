package app

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// A 429 from Slack at start is no configuration problem: the binary waits
// it out (Retry-After) and connects; stopped while it waits, it exits 0,
// not 2.
func TestBinaryWaitsOutRateLimitsAtStart(t *testing.T) {
	slack := fakeslack.New(t)
	slack.AddUserGroup(fakeslack.UserGroup{ID: "S0SUPPORT", Handle: "support-agents", Users: []string{agent}})
	slack.FailNext("auth.test", 1, fakeslack.Fault{RetryAfter: 1})
	slack.FailNext(fakeslack.MethodUserGroupsList, 1, fakeslack.Fault{RetryAfter: 1})
	env := append(botEnv(slack, frontpaytest.NewServer(t)), "RESEND_ALLOWED_USERGROUPS=@support-agents")
	cmd, logs, exited := startBinary(t, env)
	if err := slack.WaitConnected(1, wait); err != nil {
		t.Fatalf("binary never connected after 429s at start: %v\n%s", err, logs.String())
	}
	stopBinary(t, cmd, logs, exited)

	// Limited for minutes: SIGTERM while it waits.
	slack = fakeslack.New(t)
	slack.AddUserGroup(fakeslack.UserGroup{ID: "S0SUPPORT", Handle: "support-agents", Users: []string{agent}})
	slack.FailNext(fakeslack.MethodUserGroupsList, -1, fakeslack.Fault{RetryAfter: 90})
	env = append(botEnv(slack, frontpaytest.NewServer(t)), "RESEND_ALLOWED_USERGROUPS=@support-agents")
	cmd, logs, exited = startBinary(t, env)
	if _, err := slack.WaitCalls(fakeslack.MethodUserGroupsList, 1, wait); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Errorf("exit while waiting out a 429 = %v, want 0\n%s", err, logs.String())
		}
		if strings.Contains(logs.String(), "configuration") {
			t.Errorf("a 429 was called a configuration problem:\n%s", logs.String())
		}
		exited <- err
	case <-time.After(wait):
		t.Fatal("binary did not exit after SIGTERM while waiting out a 429")
	}
}
