package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// idleTimeout closes a keep-alive connection to HTTP_ADDR left idle this
// long; Prometheus scrapes every 15 s or more and reconnects as needed.
const idleTimeout = 5 * time.Second

// serveHTTP serves h on addr until ctx is done. The listener is opened
// before it returns, so a bad HTTP_ADDR fails start-up. What the server
// itself reports (an accept error such as too many open files, a handler's
// panic) goes to log at WARN, not as a plain-text line in the server's
// local time on stderr.
func serveHTTP(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (wait func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// Probes and scrapes are quick: a connection idle for idleTimeout is
	// closed, so that clients that keep theirs open (each costs a
	// goroutine and its buffers) cannot pile them up.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: idleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	return func() error {
		<-stopped
		return <-done
	}, nil
}
