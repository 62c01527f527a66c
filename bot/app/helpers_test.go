package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"resendbot/bot/internal/syncbuf"
	"resendbot/bot/internal/testkit"
)

var (
	env          = testkit.Env
	minimalEnv   = testkit.MinimalEnv()
	containsLine = testkit.ContainsLine
	freePort     = testkit.FreeAddr
	closedAddr   = testkit.ClosedAddr
)

const (
	wait      = testkit.Wait
	uuidA     = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"
	agent     = "U0AGENT"
	room      = "C0SUPPORT"
	demoLabel = "DEMO Front Payment — nothing reaches a real customer"
)

// mainRun is Main running in the background, as the process would run it.
type mainRun struct {
	out    *syncbuf.Buffer // stdout and stderr
	done   chan error
	cancel context.CancelFunc // SIGTERM
}

// runMain starts Main with vars as the whole environment (no .env).
func runMain(t *testing.T, vars map[string]string) *mainRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	m := &mainRun{out: &syncbuf.Buffer{}, done: make(chan error, 1), cancel: cancel}
	p := Program{Getenv: func(k string) string { return vars[k] }, Stdout: m.out, Stderr: m.out,
		Version: "test", DotEnv: t.TempDir() + "/none"}
	go func() { m.done <- Main(ctx, p) }()
	return m
}

// stop cancels Main and returns what it returned.
func (m *mainRun) stop() error {
	m.cancel()
	return <-m.done
}

// TestMain fails the package if any goroutine outlives the tests, and
// removes the binary the tests built.
func TestMain(m *testing.M) {
	code := testkit.RunWithoutLeaks(m)
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}
