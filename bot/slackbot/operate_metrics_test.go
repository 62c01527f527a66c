package slackbot

import (
	"context"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

const uuidOther = "8c2d4e6f-1a3b-4c5d-9e7f-0123456789ab"

// scrape returns what /metrics serves for m.
func scrape(t *testing.T, m *bot.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func wantSeries(t *testing.T, body string, series ...string) {
	t.Helper()
	for _, s := range series {
		if !strings.Contains(body, s+"\n") {
			t.Errorf("/metrics lacks %q", s)
		}
	}
}

func TestMetricsWithKnownLabelsStartAtZero(t *testing.T) {
	m := bot.NewMetrics()
	m.SetBuild("1.2.3", "abc123")
	newSlackMetrics(m) // the Slack side's series, as New registers them
	wantSeries(t, scrape(t, m),
		`resendbot_requests_total{kind="reservation",outcome="sent"} 0`,
		`resendbot_requests_total{kind="order",outcome="sent"} 0`,
		`resendbot_requests_total{kind="reservation",outcome="unauthorized"} 0`,
		`resendbot_requests_total{kind="order",outcome="server_error"} 0`,
		`resendbot_refusals_total{reason="cooldown"} 0`,
		`resendbot_refusals_total{reason="state_unavailable"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="unauthorized",record="reservation"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="unauthorized",record="order"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="resend",kind="unreachable",record="order"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="status",kind="server_error",record="order"} 0`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="details",record="reservation"} 0`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="resend",record="reservation"} 0`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="status",record="order"} 0`,
		`resendbot_ack_latency_seconds_bucket{le="1"} 0`,
		`resendbot_ack_latency_seconds_bucket{le="2"} 0`,
		`resendbot_ack_latency_seconds_bucket{le="2.5"} 0`,
		`resendbot_ack_latency_seconds_bucket{le="3"} 0`,
		`resendbot_ack_latency_seconds_bucket{le="5"} 0`,
		`resendbot_slack_connect_failures_total 0`,
		`resendbot_slack_connected 0`,
		`resendbot_unshared_state 0`,
		`resendbot_build_info{goversion="`+runtime.Version()+`",revision="abc123",version="1.2.3"} 1`,
		`resendbot_slack_api_failures_total{error="token_revoked",method="chat.postMessage"} 0`,
		`resendbot_slack_api_failures_total{error="ratelimited",method="response_url"} 0`,
		`resendbot_slack_api_failures_total{error="not_in_channel",method="chat.update"} 0`,
		`resendbot_slack_api_failures_total{error="timeout",method="conversations.info"} 0`, // the global shortcut's channel check
		`resendbot_slack_api_latency_seconds_count{method="chat.postMessage"} 0`,
		`resendbot_slack_token_rejected 0`,
		`resendbot_shared_state_up 1`,
		`resendbot_queue_length 0`,
		`resendbot_queue_capacity 0`,
		`resendbot_outcomes_unposted_total 0`,
	)
}

// The series an on-call reads for what the bot could not do — Slack
// failures by method and error, outcomes never posted, users.info and
// user-group re-reads that failed, envelopes that did not decode — exist
// at 0 once New has made the bot, before it talks to Slack: main serves
// /metrics from then on, so the first scrape has them.
func TestTheOnCallSeriesExistBeforeTheBotRuns(t *testing.T) {
	s := fakeslack.New(t)
	cfg, err := bot.LoadConfig(func(k string) string {
		return map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
			"SLACK_API_URL": s.APIURL(), "FRONTPAYMENT_TOKEN": "fp-token", "RESEND_ALLOWED_USERGROUPS": "@support-agents"}[k]
	}, bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	fps := frontpaytest.NewServer(t)
	fp, err := frontpay.NewClient(frontpay.Config{BaseURL: fps.URL, Token: fps.Token})
	if err != nil {
		t.Fatal(err)
	}
	log, audit := bot.NewLoggers(cfg, io.Discard)
	m := bot.NewMetrics()
	New(cfg, bot.Deps{Resender: fp, Log: log, Audit: audit, Metrics: m})
	wantSeries(t, scrape(t, m),
		`resendbot_slack_api_failures_total{error="ratelimited",method="chat.update"} 0`,
		`resendbot_slack_api_failures_total{error="not_in_channel",method="chat.postMessage"} 0`,
		`resendbot_slack_api_failures_total{error="timeout",method="conversations.info"} 0`,
		`resendbot_slack_api_failures_total{error="network",method="usergroups.users.list"} 0`,
		`resendbot_slack_api_failures_total{error="other",method="users.info"} 0`,
		`resendbot_outcomes_unposted_total 0`,
		`resendbot_users_info_failures_total 0`,
		`resendbot_usergroups_read_failures_total 0`,
		`resendbot_usergroups_stale 0`,
		`resendbot_slack_undecodable_envelopes_total 0`,
	)
	if n := len(s.Calls("auth.test")); n != 0 {
		t.Errorf("New called Slack (%d auth.test)", n)
	}
}

func TestLookupsAreMeasuredByEndpoint(t *testing.T) {
	h := start(t, nil)
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	h.answered(h.slash(agent, "status "+uuidA))
	h.sent(agent, uuidOther+" email=kari@example.com") // its kind is found by a read
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_frontpayment_latency_seconds_count{endpoint="details",record="reservation"} 2`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="resend",record="reservation"} 1`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="ok",record="reservation"} 2`,
		`resendbot_frontpayment_answers_total{endpoint="resend",kind="sent",record="reservation"} 1`,
		`resendbot_slack_connected 1`,
	)
	// A details read sends nothing: it is "ok", never "sent".
	if body := scrape(t, h.metrics); strings.Contains(body, `endpoint="details",kind="sent"`) {
		t.Error(`/metrics counts a details read as kind="sent"`)
	}
}

func TestSlackWebAPIRetriesAndFailuresAreCounted(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext("chat.postMessage", 2, fakeslack.Fault{HTTPStatus: 429, RetryAfter: 0})
	h.sent(agent, uuidA+" email=kari@example.com")
	h.slack.FailNext("chat.postMessage", 1, fakeslack.Fault{SlackError: "not_in_channel"})
	h.command(agent, uuidOther+" email=kari@example.com")
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.ResponseURLPosts) > 0 }, wait); err != nil {
		t.Fatal(err)
	}
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_slack_api_retries_total{error="ratelimited",method="chat.postMessage"} 2`,
		`resendbot_slack_api_failures_total{error="not_in_channel",method="chat.postMessage"} 1`,
	)
}

func TestFailedReconnectsAreCounted(t *testing.T) {
	h := start(t, nil)
	h.slack.SetOpenError("internal_error", 2)
	h.slack.DropConnections()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return s.SocketsOpened >= 2 && s.OpenSockets == 1 }, wait); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	deadline := time.Now().Add(wait)
	// The fake sees the new socket before the bot has read its hello:
	// wait for the bot's own count of both.
	for time.Now().Before(deadline) {
		m := scrape(t, h.metrics)
		if strings.Contains(m, "resendbot_slack_connect_failures_total 2\n") && strings.Contains(m, "resendbot_slack_reconnects_total 1\n") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantSeries(t, scrape(t, h.metrics), `resendbot_slack_connect_failures_total 2`, `resendbot_slack_reconnects_total 1`)
}

func TestSeveralConnectionsWithoutRedisWarn(t *testing.T) {
	slack, fp := fakeslack.New(t), frontpaytest.NewServer(t)
	first := startOn(t, nil, slack, fp, bot.State{})
	second := startOn(t, nil, slack, fp, bot.State{})
	deadline := time.Now().Add(wait)
	for !strings.Contains(second.logs.String(), "REDIS_URL is not set") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(second.logs.String(), `"level":"WARN","msg":"Slack holds several connections for this app but REDIS_URL is not set`) ||
		!strings.Contains(second.logs.String(), `"num_connections":2`) {
		t.Errorf("the second replica did not warn:\n%s", second.logs.String())
	}
	if strings.Contains(first.logs.String(), "REDIS_URL is not set") {
		t.Errorf("the first replica, alone when it connected, warned:\n%s", first.logs.String())
	}
	wantSeries(t, scrape(t, second.metrics), `resendbot_unshared_state 1`, `resendbot_slack_app_connections 2`)

	// With a shared state, several connections are what it is for.
	shared := bot.MemoryState(time.Now)
	shared.Health = func(context.Context) error { return nil }
	third := startOn(t, nil, slack, fp, shared)
	deadline = time.Now().Add(wait)
	for !strings.Contains(scrape(t, third.metrics), "resendbot_slack_app_connections 3\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	wantSeries(t, scrape(t, third.metrics), `resendbot_unshared_state 0`, `resendbot_slack_app_connections 3`)
	if strings.Contains(third.logs.String(), "REDIS_URL is not set") {
		t.Errorf("a replica with shared state warned:\n%s", third.logs.String())
	}
}

// The form and App Home count their Slack failures too; App Home is
// retried after a 429.
func TestViewsCountTheirSlackFailures(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext("views.open", 1, fakeslack.Fault{SlackError: "expired_trigger_id"})
	h.command(agent, "")
	h.responseURLSays("email=")
	h.slack.FailNext("views.publish", 1, fakeslack.Fault{HTTPStatus: 429, RetryAfter: 0})
	h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": agent, "channel": "D1", "tab": "home"}, fakeslack.EventOpts{})
	if _, err := h.slack.WaitCalls("views.publish", 2, wait); err != nil {
		t.Fatalf("App Home not retried after a 429: %v", err)
	}
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_slack_api_failures_total{error="expired_trigger_id",method="views.open"} 1`,
		`resendbot_slack_api_retries_total{error="ratelimited",method="views.publish"} 1`,
	)
}
