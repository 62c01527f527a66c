package bot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the bot's Prometheus series, on a registry of their own (no
// package-level default registry).
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	refusals   *prometheus.CounterVec
	fpLatency  prometheus.Histogram
	ackLatency prometheus.Histogram
	inFlight   prometheus.Gauge
	reconnects prometheus.Counter
}

// NewMetrics registers every series, plus the Go runtime and process ones.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_requests_total",
			Help: "Resends that reached Front Payment, by outcome kind.",
		}, []string{"outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_refusals_total",
			Help: "Requests not sent, by reason.",
		}, []string{"reason"}),
		fpLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "resendbot_frontpayment_latency_seconds",
			Help:    "Time Front Payment took to answer a resend.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "resendbot_ack_latency_seconds",
			Help:    "Time from receiving a Socket Mode envelope to queueing its acknowledgement.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .05, .1, .5},
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_frontpayment_in_flight",
			Help: "Front Payment calls under way.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_slack_reconnects_total",
			Help: "Socket Mode connections opened after the first.",
		}),
	}
	m.reg.MustRegister(m.requests, m.refusals, m.fpLatency, m.ackLatency, m.inFlight, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the series for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

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
