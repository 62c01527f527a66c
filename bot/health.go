package bot

import (
	"context"
	"net/http"
	"time"
)

// Health answers /healthz (the process is alive and its event loop turns),
// /readyz (connected to Slack, the bot token accepted, and the shared
// state answers) and /metrics.
type Health struct {
	Alive   func() error // nil: alive while the process answers
	Ready   func(context.Context) error
	Metrics *Metrics
}

// ReadyTimeout bounds one /readyz check; a readiness probe must wait longer.
const ReadyTimeout = 2 * time.Second

// Handler is the health and metrics route table.
func (h Health) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if h.Alive != nil {
			if err := h.Alive(); err != nil {
				http.Error(w, "not alive: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
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
