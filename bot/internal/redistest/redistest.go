// Package redistest runs real Redis processes for tests: one redis-server
// (Start; StartTLS for one that speaks only TLS), a primary and a replica
// watched by three sentinels (StartSentinel), or a Redis Cluster of three
// primaries with a replica each (StartCluster). Each runs on free loopback
// ports, in a temporary directory, with no persistence, stopped when the
// test ends. A test starts what it needs; nobody starts Redis by hand.
//
// Without redis-server (or redis-sentinel) on PATH the test is skipped with
// a message saying how to install it, except under CI (CI=true), where it
// fails instead: CI installs them (.ci/run), so a missing binary there is a
// broken CI.
package redistest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"resendbot/bot/internal/syncbuf"

	"github.com/redis/go-redis/v9"
)

// startWait bounds how long a redis-server may take to answer PING.
const startWait = 10 * time.Second

// Server is one redis-server (or redis-sentinel) process owned by a test.
type Server struct {
	t        testing.TB
	bin      string
	dir      string
	port     int
	password string      // requirepass, and what ping authenticates with
	conf     string      // a config file to start from (redis-sentinel needs one), or ""
	extra    []string    // more command-line options
	tls      *tls.Config // set: it speaks only TLS, and this client config trusts it

	mu   sync.Mutex
	cmd  *exec.Cmd     // nil when stopped
	done chan struct{} // closed when cmd has exited
}

// Start runs a redis-server on a free port of 127.0.0.1 and returns its URL
// (redis://127.0.0.1:port/0) and the server. t.Cleanup stops it.
func Start(t testing.TB) (url string, srv *Server) {
	t.Helper()
	srv = startServer(t, lookBin(t, "redis-server", "redis-server", "redis"), "", "")
	return srv.URL(), srv
}

// lookBin finds a binary the tests need, or skips the test (fails it under
// CI=true) saying which package brings it.
func lookBin(t testing.TB, name, debPackage, brewPackage string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		msg := name + " is not installed, so the tests against a real Redis cannot run; " +
			"install it with `apt-get install " + debPackage + "` (Debian/Ubuntu) or `brew install " + brewPackage + "`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping; .ci/run should have installed it)")
		}
		t.Skip(msg)
	}
	return bin
}

// startServer starts bin on a free port, with password as requirepass
// (none when ""), conf as its config file and extra options; t.Cleanup
// stops it.
func startServer(t testing.TB, bin, password, conf string, extra ...string) *Server {
	t.Helper()
	return launch(t, &Server{t: t, bin: bin, dir: t.TempDir(), password: password, extra: extra}, conf)
}

// launch starts srv on a free port, from the config file text conf if
// not "".
func launch(t testing.TB, srv *Server, conf string) *Server {
	t.Helper()
	if conf != "" {
		srv.conf = filepath.Join(srv.dir, "redis.conf")
		if err := os.WriteFile(srv.conf, []byte(conf), 0o600); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	var lastErr error
	for range 5 { // a free port can be taken between probing and binding it
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		srv.port = port
		if lastErr = srv.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("redistest: %v", lastErr)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// URL is the server's redis:// URL (rediss:// when it speaks TLS),
// database 0, with its password if any.
func (s *Server) URL() string {
	scheme := "redis"
	if s.tls != nil {
		scheme = "rediss"
	}
	if s.password != "" {
		return fmt.Sprintf("%s://:%s@%s/0", scheme, s.password, s.Addr())
	}
	return fmt.Sprintf("%s://%s/0", scheme, s.Addr())
}

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
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	port := []string{"--port", strconv.Itoa(s.port)}
	if s.tls != nil {
		port = []string{"--port", "0", "--tls-port", strconv.Itoa(s.port)}
	}
	args = append(args, port...)
	args = append(args, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--protected-mode", "yes", "--loglevel", "warning")
	if s.password != "" {
		// masterauth: what a replica tells its primary (a sentinel ignores it).
		args = append(args, "--requirepass", s.password, "--masterauth", s.password)
	}
	cmd := exec.Command(s.bin, append(args, s.extra...)...)
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
		err := ping(s.Addr(), s.password, s.tls, cmd.Process.Pid)
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

// ping sends PING the way redis-cli does (after AUTH when password is
// set), expects +PONG, and asks INFO whether the server that answered is
// the process pid: the free port may have been taken between probing and
// binding it, by the Redis of another test running meanwhile.
func ping(addr, password string, tlsConf *tls.Config, pid int) error {
	var c net.Conn
	var err error
	if tlsConf != nil {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, tlsConf)
	} else {
		c, err = net.DialTimeout("tcp", addr, time.Second)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if password != "" {
		if _, err := fmt.Fprintf(c, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(password), password); err != nil {
			return err
		}
		if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
			return fmt.Errorf("AUTH answered %q (%v)", line, err)
		}
	}
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	if _, err := c.Write([]byte("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")); err != nil {
		return err
	}
	if line, err = r.ReadString('\n'); err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
	if !strings.HasPrefix(line, "$") || err != nil {
		return fmt.Errorf("INFO answered %q", line)
	}
	info := make([]byte, n+2)
	if _, err := io.ReadFull(r, info); err != nil {
		return err
	}
	if want := "process_id:" + strconv.Itoa(pid) + "\r\n"; !strings.Contains(string(info), want) {
		return fmt.Errorf("another process answers on %s, not redis-server pid %d", addr, pid)
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
	return client(t, url, nil)
}

// client is Client, trusting tlsConf's roots when it is not nil.
func client(t testing.TB, url string, tlsConf *tls.Config) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if tlsConf != nil {
		opt.TLSConfig = tlsConf.Clone()
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
