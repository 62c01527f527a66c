package slackbot

import (
	"context"
	"errors"
	"net"
	"resendbot/bot"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
)

// slackMetrics are the Slack side's series, on the bot's registry.
type slackMetrics struct {
	ackLatency prometheus.Histogram
	reconnects prometheus.Counter
	// connectFailures counts connection attempts to Socket Mode that failed.
	connectFailures  prometheus.Counter
	connected        prometheus.Gauge
	slackConnections prometheus.Gauge
	unsharedState    prometheus.Gauge
	slackFailures    *prometheus.CounterVec
	slackRetries     *prometheus.CounterVec
}

func newSlackMetrics(m *bot.Metrics) *slackMetrics {
	s := &slackMetrics{
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "resendbot_ack_latency_seconds",
			Help:    "Time from receiving a Socket Mode envelope to queueing its acknowledgement; Slack gives up after 3 s.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .05, .1, .25, .5, 1, 2, 2.5, 3, 5},
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
	}
	m.MustRegister(s.ackLatency, s.reconnects, s.connectFailures, s.connected, s.slackConnections, s.unsharedState,
		s.slackFailures, s.slackRetries)
	return s
}

// slackCall records a Slack Web API failure: retried says whether the call
// will be tried again.
func (m *slackMetrics) slackCall(method string, err error, retried bool) {
	code := slackErrorLabel(err)
	if retried {
		m.slackRetries.WithLabelValues(method, code).Inc()
		return
	}
	m.slackFailures.WithLabelValues(method, code).Inc()
}

// slackErrorLabel is a short, stable label for a Slack call's error:
// Slack's own code (not_in_channel), ratelimited, http_<status>, timeout,
// cancelled, network, or other.
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
	case errors.Is(err, context.Canceled):
		return "cancelled" // cut off by shutdown
	case errors.As(err, &ne):
		if ne.Timeout() {
			return "timeout"
		}
		return "network"
	}
	return "other"
}
