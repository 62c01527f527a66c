package bot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"

	"resendbot/frontpay"
)

// Metrics are the bot's Prometheus series, on a registry of their own (no
// package-level default registry).
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	refusals   *prometheus.CounterVec
	fpLatency  *prometheus.HistogramVec
	fpAnswers  *prometheus.CounterVec
	ackLatency prometheus.Histogram
	inFlight   prometheus.Gauge
	reconnects prometheus.Counter
	// connectFailures counts connection attempts to Socket Mode that failed.
	connectFailures  prometheus.Counter
	connected        prometheus.Gauge
	slackConnections prometheus.Gauge
	unsharedState    prometheus.Gauge
	slackFailures    *prometheus.CounterVec
	slackRetries     *prometheus.CounterVec
	buildInfo        *prometheus.GaugeVec
}

// Front Payment endpoints, as metric labels.
const (
	endpointResend  = "resend"
	endpointDetails = "details"
)

// NewMetrics registers every series, plus the Go runtime and process ones.
// Series with known label values start at 0, so rate() and alerts work
// from the first scrape.
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
		fpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resendbot_frontpayment_latency_seconds",
			Help:    "Time Front Payment took to answer, by endpoint: resend, or details (status, the contact-on-file offer, any read of a reservation).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"endpoint"}),
		fpAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_frontpayment_answers_total",
			Help: "Front Payment answers by endpoint and outcome kind (unauthorized: the token is refused; server_error, unreachable: Front Payment failing).",
		}, []string{"endpoint", "kind"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "resendbot_ack_latency_seconds",
			Help:    "Time from receiving a Socket Mode envelope to queueing its acknowledgement; Slack gives up after 3 s.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .05, .1, .25, .5, 1, 2, 2.5, 3, 5},
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_frontpayment_in_flight",
			Help: "Front Payment calls under way.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_slack_reconnects_total",
			Help: "Socket Mode connections opened after the first.",
		}),
		connectFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_slack_connect_failures_total",
			Help: "Attempts to open or keep the Socket Mode connection that failed.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_slack_connected",
			Help: "1 while the Socket Mode connection is up, 0 otherwise.",
		}),
		slackConnections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_slack_app_connections",
			Help: "Socket Mode connections Slack holds for the app (num_connections of the latest hello), all replicas together.",
		}),
		unsharedState: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_unshared_state",
			Help: "1 when Slack reports several connections and REDIS_URL is not set: each replica keeps its own limits, cooldowns and once-only buttons.",
		}),
		slackFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_slack_api_failures_total",
			Help: "Slack Web API calls that failed for good (after any retries), by method and error.",
		}, []string{"method", "error"}),
		slackRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_slack_api_retries_total",
			Help: "Slack Web API calls retried, by method and the error that made it retry.",
		}, []string{"method", "error"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "resendbot_build_info",
			Help: "Always 1; the version label is the running build's.",
		}, []string{"version"}),
	}
	m.reg.MustRegister(m.requests, m.refusals, m.fpLatency, m.fpAnswers, m.ackLatency, m.inFlight, m.reconnects,
		m.connectFailures, m.connected, m.slackConnections, m.unsharedState, m.slackFailures, m.slackRetries, m.buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for k := frontpay.KindUnexpected; k <= frontpay.KindUnreachable; k++ {
		m.requests.WithLabelValues(k.String())
		for _, ep := range []string{endpointResend, endpointDetails} {
			m.fpAnswers.WithLabelValues(ep, k.String())
		}
	}
	for _, ep := range []string{endpointResend, endpointDetails} {
		m.fpLatency.WithLabelValues(ep)
	}
	for _, r := range []string{ReasonInvalidInput, ReasonChannel, ReasonUser, ReasonCooldown, ReasonInFlight, ReasonRateUser,
		ReasonRateGlobal, ReasonQueueFull, ReasonStateDown, ReasonShuttingDown, ReasonAuditPostError, ReasonAlreadyPressed} {
		m.refusals.WithLabelValues(r)
	}
	return m
}

// SetVersion publishes resendbot_build_info{version}.
func (m *Metrics) SetVersion(version string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version).Set(1)
}

// frontPayment records one Front Payment answer.
func (m *Metrics) frontPayment(endpoint string, latency time.Duration, err error) {
	m.fpLatency.WithLabelValues(endpoint).Observe(latency.Seconds())
	m.fpAnswers.WithLabelValues(endpoint, frontpay.KindOf(err).String()).Inc()
}

// slackCall records a Slack Web API failure: retried says whether the call
// will be tried again.
func (m *Metrics) slackCall(method string, err error, retried bool) {
	code := slackErrorLabel(err)
	if retried {
		m.slackRetries.WithLabelValues(method, code).Inc()
		return
	}
	m.slackFailures.WithLabelValues(method, code).Inc()
}

// slackErrorLabel is a short, stable label for a Slack call's error:
// Slack's own code (not_in_channel), ratelimited, http_<status>, timeout,
// network, or other.
func slackErrorLabel(err error) string {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		return "ratelimited"
	case slackErrorCode(err) != "":
		return slackErrorCode(err)
	case errors.As(err, &sc):
		return "http_" + strconv.Itoa(sc.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne):
		if ne.Timeout() {
			return "timeout"
		}
		return "network"
	}
	return "other"
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
