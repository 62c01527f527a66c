package slackbot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"resendbot/bot"
	"strconv"
	"strings"
	"time"

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
	// undecodable counts envelopes slack-go could not decode.
	undecodable  prometheus.Counter
	slackLatency *prometheus.HistogramVec
	// tokenRejected is 1 while Slack refuses SLACK_BOT_TOKEN (botToken).
	tokenRejected prometheus.Gauge
}

// webAPIMethods are the Slack calls the bot makes after start-up (and
// response_url, its answers to callers): their failure series exist at 0
// from the first scrape, so an alert's increase() sees the first one.
var webAPIMethods = []string{"chat.postMessage", "chat.update", "chat.postEphemeral", methodResponseURL,
	"views.open", "views.publish", "usergroups.list", "usergroups.users.list", "auth.test", "users.info",
	"functions.completeSuccess", "functions.completeError", "chat.getPermalink", "conversations.info"}

// knownSlackErrors are the error labels created at 0 for every method:
// slackErrorLabel's own, and Slack's codes an on-call acts on.
var knownSlackErrors = []string{"ratelimited", "timeout", "network", "other",
	"invalid_auth", "token_revoked", "account_inactive", "not_in_channel", "channel_not_found"}

// retriedSlackErrors are the error labels of retries created at 0.
var retriedSlackErrors = []string{"ratelimited", "timeout", "network"}

// methodResponseURL labels the posts to a command's response_url.
const methodResponseURL = "response_url"

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
		undecodable: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_slack_undecodable_envelopes_total",
			Help: "Socket Mode envelopes the Slack library could not decode: acknowledged and not acted on (user groups are read again).",
		}),
		slackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "resendbot_slack_api_latency_seconds",
			Help:    "Time Slack took to answer one Web API call (each attempt), by method; response_url for answers to a command.",
			Buckets: []float64{.025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method"}),
		tokenRejected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_slack_token_rejected",
			Help: "1 while Slack refuses SLACK_BOT_TOKEN (invalid_auth, token_revoked, account_inactive): nothing can be posted, so nothing is sent.",
		}),
	}
	m.MustRegister(s.ackLatency, s.reconnects, s.connectFailures, s.connected, s.slackConnections, s.unsharedState,
		s.slackFailures, s.slackRetries, s.slackLatency, s.tokenRejected, s.undecodable)
	for _, method := range webAPIMethods {
		s.slackLatency.WithLabelValues(method)
		for _, code := range knownSlackErrors {
			s.slackFailures.WithLabelValues(method, code)
		}
		for _, code := range retriedSlackErrors {
			s.slackRetries.WithLabelValues(method, code)
		}
	}
	return s
}

// timedTransport measures each Web API call and response_url post.
type timedTransport struct {
	next    http.RoundTripper
	latency *prometheus.HistogramVec
}

func (t timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.latency.WithLabelValues(apiMethod(r.URL)).Observe(time.Since(start).Seconds())
	return resp, err
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on.
func (t timedTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// apiMethod is the Web API method a request calls (the path after /api/),
// or response_url for anything else the bot posts to.
func apiMethod(u *url.URL) string {
	if _, method, ok := strings.Cut(u.Path, "/api/"); ok && method != "" {
		return method
	}
	return methodResponseURL
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
// ratelimited for Slack's limit however it says so (a 429 with or without
// Retry-After, a ratelimited or rate_limited body: verdictOf), Slack's own
// code (not_in_channel), http_<status>, timeout, cancelled, network, or
// other.
func slackErrorLabel(err error) string {
	var sc slack.StatusCodeError
	var ne net.Error
	switch v, _ := verdictOf(err); {
	case v == limited:
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
