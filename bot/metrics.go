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
}

// Front Payment endpoints, as metric labels.
const (
	endpointResend  = "resend"
	endpointDetails = "details"
	endpointStatus  = "status" // orders only
)

// NewMetrics registers every series, plus the Go runtime and process ones.
// Series with known label values start at 0, so rate() and alerts work
// from the first scrape.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_requests_total",
			Help: "Resends that reached Front Payment, by outcome kind and kind of payment link (kind: order or reservation).",
		}, []string{"outcome", "kind"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_refusals_total",
			Help: "Requests not sent, by reason.",
		}, []string{"reason"}),
		fpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resendbot_frontpayment_latency_seconds",
			Help:    "Time Front Payment took to answer, by endpoint (resend; details: any read of a reservation or order; status: an order's status) and record (order or reservation).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"endpoint", "record"}),
		fpAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_frontpayment_answers_total",
			Help: "Front Payment answers by endpoint, outcome kind (unauthorized: the token is refused; server_error, unreachable: Front Payment failing) and record (order or reservation).",
		}, []string{"endpoint", "kind", "record"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_frontpayment_in_flight",
			Help: "Front Payment calls under way.",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "resendbot_build_info",
			Help: "Always 1; the version label is the running build's.",
		}, []string{"version"}),
	}
	m.reg.MustRegister(m.requests, m.refusals, m.fpLatency, m.fpAnswers, m.inFlight, m.buildInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, link := range []frontpay.LinkKind{frontpay.LinkReservation, frontpay.LinkOrder} {
		eps := []string{endpointResend, endpointDetails}
		if link == frontpay.LinkOrder {
			eps = append(eps, endpointStatus)
		}
		for k := frontpay.KindUnexpected; k <= frontpay.KindUnreachable; k++ {
			m.requests.WithLabelValues(k.String(), link.String())
			for _, ep := range eps {
				m.fpAnswers.WithLabelValues(ep, k.String(), link.String())
			}
		}
		for _, ep := range eps {
			m.fpLatency.WithLabelValues(ep, link.String())
		}
	}
	for _, r := range []string{ReasonInvalidInput, ReasonChannel, ReasonUser, ReasonCooldown, ReasonInFlight, ReasonRateUser,
		ReasonRateGlobal, ReasonQueueFull, ReasonStateDown, ReasonShuttingDown, ReasonAuditPostError, ReasonAlreadyPressed, ReasonGroupsUnknown} {
		m.refusals.WithLabelValues(r)
	}
	return m
}

// SetVersion publishes resendbot_build_info{version}.
func (m *Metrics) SetVersion(version string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version).Set(1)
}

// frontPayment records one Front Payment answer from endpoint about a
// record of kind link.
func (m *Metrics) frontPayment(endpoint string, link frontpay.LinkKind, latency time.Duration, err error) {
	m.fpLatency.WithLabelValues(endpoint, link.String()).Observe(latency.Seconds())
	m.fpAnswers.WithLabelValues(endpoint, frontpay.KindOf(err).String(), link.String()).Inc()
}

// MustRegister adds an adapter's own series to the registry /metrics serves.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the series for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
