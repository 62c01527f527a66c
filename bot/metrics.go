package bot

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"resendbot/frontpay"
)

// Metrics are the bot's Prometheus series, on a registry of their own (no
// package-level default registry).
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	refusals  *prometheus.CounterVec
	fpLatency *prometheus.HistogramVec
	fpAnswers *prometheus.CounterVec
	inFlight  prometheus.Gauge
	buildInfo *prometheus.GaugeVec
	// outcomesUnposted counts resends whose outcome Slack did not take
	// even after retries: the root may still say "Sending…".
	outcomesUnposted prometheus.Counter
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
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_frontpayment_in_flight",
			Help: "Front Payment calls under way.",
		}),
		outcomesUnposted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_outcomes_unposted_total",
			Help: "Resends whose outcome could not be posted in Slack even after retries (the audit log has it; the audit message may still say sending).",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "resendbot_build_info",
			Help: "Always 1; the version label is the running build's.",
		}, []string{"version"}),
	}
	m.reg.MustRegister(m.requests, m.refusals, m.fpLatency, m.fpAnswers, m.inFlight, m.buildInfo, m.outcomesUnposted,
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
		ReasonRateGlobal, ReasonQueueFull, ReasonStateDown, ReasonShuttingDown, ReasonAuditPostError, ReasonAuditUncertain, ReasonAlreadyPressed, ReasonGroupsUnknown} {
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

// MustRegister adds an adapter's own series to the registry /metrics serves.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the series for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
