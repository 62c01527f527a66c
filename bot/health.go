package bot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Health answers /healthz (the process is alive), /readyz (connected to
// Slack, and the shared state answers) and /metrics.
type Health struct {
	Ready   func(context.Context) error
	Metrics *Metrics
}

// Handler is the health and metrics route table.
func (h Health) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := h.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", h.Metrics.Handler())
	return mux
}

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

// errNotConnected is /readyz's answer while Socket Mode is down.
var errNotConnected = errors.New("not connected to Slack")
