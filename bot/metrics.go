package bot

import (
	"net/http"
	"runtime"
	"sync/atomic"
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
	// stateUp is 1 while the guardrail state answers, as the readiness
	// check last found it; stateErrors counts its failed operations.
	stateUp     prometheus.Gauge
	stateErrors *prometheus.CounterVec
	// outcomesUnposted counts resends whose outcome Slack did not take
	// even after retries: the root may still say "Sending…".
	outcomesUnposted prometheus.Counter
	// queue reports the main queue's length and capacity, once a Core
	// has been built on these metrics.
	queue atomic.Pointer[func() (length, capacity int)]
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
		outcomesUnposted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_outcomes_unposted_total",
			Help: "Resends whose outcome could not be posted in Slack even after retries (the audit log has it; the audit message may still say sending).",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "resendbot_build_info",
			Help: "Always 1; the labels are the running build's version, source revision and Go version.",
		}, []string{"version", "revision", "goversion"}),
		stateUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_shared_state_up",
			Help: "1 while the guardrail state (Redis, with REDIS_URL) answered the latest check (every 15 s, and each /readyz), 0 when it did not. Always 1 without REDIS_URL.",
		}),
		stateErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "resendbot_shared_state_errors_total",
			Help: "Operations on the shared state (Redis) that failed, by operation; each one refused or dropped what needed it.",
		}, []string{"op"}),
	}
	queueGauge := func(name, help string, pick func(length, capacity int) int) prometheus.GaugeFunc {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			if f := m.queue.Load(); f != nil {
				return float64(pick((*f)()))
			}
			return 0
		})
	}
	m.reg.MustRegister(m.requests, m.refusals, m.fpLatency, m.fpAnswers, m.inFlight, m.buildInfo, m.stateUp, m.stateErrors, m.outcomesUnposted,
		queueGauge("resendbot_queue_length", "Tasks waiting in the work queue (resends, lookups, answers); at capacity, requests are refused with queue_full.",
			func(length, _ int) int { return length }),
		queueGauge("resendbot_queue_capacity", "How many tasks the work queue holds (16 per RESEND_MAX_INFLIGHT).",
			func(_, capacity int) int { return capacity }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.stateUp.Set(1)
	for _, link := range []frontpay.LinkKind{frontpay.LinkReservation, frontpay.LinkOrder} {
		eps := []string{endpointResend, endpointDetails}
		if link == frontpay.LinkOrder {
			eps = append(eps, endpointStatus)
		}
		for k := range frontpay.KindUnreachable + 1 { // every kind, KindUnexpected (0) first
			m.requests.WithLabelValues(k.String(), link.String())
			for _, ep := range eps {
				m.fpAnswers.WithLabelValues(ep, answerKind(ep, k), link.String())
			}
		}
		for _, ep := range eps {
			m.fpLatency.WithLabelValues(ep, link.String())
		}
	}
	for _, r := range []string{ReasonInvalidInput, ReasonChannel, ReasonUser, ReasonCooldown, ReasonInFlight, ReasonRateUser,
		ReasonRateGlobal, ReasonQueueFull, ReasonStateDown, ReasonShuttingDown, ReasonAuditPostError, ReasonAuditUncertain, ReasonAlreadyPressed, ReasonGroupsUnknown, ReasonNotOnFile,
		ReasonOutsider, ReasonGuest, ReasonPersonUnknown} {
		m.refusals.WithLabelValues(r)
	}
	return m
}

// SetBuild publishes resendbot_build_info{version,revision,goversion};
// an empty revision is "unknown".
func (m *Metrics) SetBuild(version, revision string) {
	if revision == "" {
		revision = "unknown"
	}
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version, revision, runtime.Version()).Set(1)
}

// answerOK is the kind label of a details read that Front Payment
// answered: it sent nothing, so it is not "sent".
const answerOK = "ok"

// answerKind is the kind label of an answer of endpoint.
func answerKind(endpoint string, k frontpay.Kind) string {
	if k == frontpay.KindSent && endpoint != endpointResend {
		return answerOK
	}
	return k.String()
}

// frontPayment records one Front Payment answer from endpoint about a
// record of kind link.
func (m *Metrics) frontPayment(endpoint string, link frontpay.LinkKind, latency time.Duration, err error) {
	m.fpLatency.WithLabelValues(endpoint, link.String()).Observe(latency.Seconds())
	m.fpAnswers.WithLabelValues(endpoint, answerKind(endpoint, frontpay.KindOf(err)), link.String()).Inc()
}

// observeQueue makes resendbot_queue_length and _capacity report f.
func (m *Metrics) observeQueue(f func() (length, capacity int)) { m.queue.Store(&f) }

// SharedStateUp records what the readiness check found of the shared state.
func (m *Metrics) SharedStateUp(up bool) {
	if up {
		m.stateUp.Set(1)
	} else {
		m.stateUp.Set(0)
	}
}

// SharedStateError counts a failed operation on the shared state; op is
// its name (ping, claim, …), from a short fixed list.
func (m *Metrics) SharedStateError(op string) { m.stateErrors.WithLabelValues(op).Inc() }

// MustRegister adds an adapter's own series to the registry /metrics serves.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the series for Prometheus.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
