// Package redistest runs a real redis-server for tests: on a free loopback
// port, in a temporary directory, with no persistence, stopped when the
// test ends. A test starts what it needs; nobody starts Redis by hand.
//
// Without redis-server on PATH the test is skipped with a message saying
// how to install it, except under CI (CI=true), where it fails instead: CI
// installs it (.ci/run), so a missing binary there is a broken CI.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"resendbot/bot/internal/syncbuf"

	"github.com/redis/go-redis/v9"
)

// startWait bounds how long a redis-server may take to answer PING.
const startWait = 10 * time.Second

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil when stopped
	done chan struct{} // closed when cmd has exited
}

// Start runs a redis-server on a free port of 127.0.0.1 and returns its URL
// (redis://127.0.0.1:port/0) and the server. t.Cleanup stops it.
func Start(t testing.TB) (url string, srv *Server) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server is not installed, so the tests against a real Redis cannot run; " +
			"install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping; .ci/run should have installed it)")
		}
		t.Skip(msg)
	}
	srv = &Server{t: t, bin: bin, dir: t.TempDir()}
	var lastErr error
	for range 5 { // a free port can be taken between probing and binding it
		srv.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		if lastErr = srv.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("redistest: %v", lastErr)
	}
	t.Cleanup(srv.Stop)
	return srv.URL(), srv
}

// URL is the server's redis:// URL, database 0.
func (s *Server) URL() string { return fmt.Sprintf("redis://%s/0", s.Addr()) }

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Stop kills the server and waits for it to exit. Stopping a stopped
// server does nothing. Everything it held is lost (no persistence).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port, empty, and waits until
// it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &syncbuf.Buffer{}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--protected-mode", "yes", "--loglevel", "warning")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	deadline := time.Now().Add(startWait)
	for {
		err := ping(s.Addr())
		if err == nil {
			s.cmd, s.done = cmd, done
			return nil
		}
		select {
		case <-done: // e.g. the port was taken after all
			return fmt.Errorf("redis-server on port %d exited at start-up; its output:\n%s", s.port, out)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer PING within %s (%v); its output:\n%s", s.port, startWait, err, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends PING the way redis-cli does and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Client is a plain client of the server at url, to look at what was
// written; it is closed when the test ends.
func Client(t testing.TB, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
