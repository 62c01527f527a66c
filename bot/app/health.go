package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// serveHTTP serves h on addr until ctx is done. The listener is opened
// before it returns, so a bad HTTP_ADDR fails start-up.
func serveHTTP(ctx context.Context, addr string, h http.Handler) (wait func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
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
