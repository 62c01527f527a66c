package bot

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"resendbot/frontpay"
)

// scrape is what /metrics serves from m.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rr := httptest.NewRecorder()
	m.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rr.Body)
	return string(b)
}

// Every series a dashboard plots exists from the start at zero, the status
// endpoint for orders only; answers are counted by what they were.
func TestMetricsSeries(t *testing.T) {
	m := NewMetrics()
	got := scrape(t, m)
	for _, want := range []string{
		"resendbot_queue_length 0\n",
		"resendbot_queue_capacity 0\n",
		"resendbot_shared_state_up 1\n",
		`resendbot_requests_total{kind="reservation",outcome="unexpected"} 0`,
		`resendbot_requests_total{kind="order",outcome="unreachable"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="status",kind="ok",record="order"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="resend",kind="sent",record="order"} 0`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="unreachable",record="reservation"} 0`,
		`resendbot_refusals_total{reason="user_unknown"} 0`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s", want)
		}
	}
	for _, not := range []string{`endpoint="status",kind="ok",record="reservation"`, `outcome="kind(10)"`, `kind="kind(10)"`} {
		if strings.Contains(got, not) {
			t.Errorf("has %s", not)
		}
	}
	m.observeQueue(func() (int, int) { return 3, 48 })
	m.SetBuild("v1.2.3", "")
	m.SharedStateUp(false)
	m.frontPayment(endpointDetails, frontpay.LinkReservation, 30*time.Millisecond, nil)
	m.frontPayment(endpointResend, frontpay.LinkReservation, 30*time.Millisecond, nil)
	m.frontPayment(endpointStatus, frontpay.LinkOrder, 30*time.Millisecond, frontpay.ErrNotFound)
	got = scrape(t, m)
	for _, want := range []string{
		"resendbot_queue_length 3\n",
		"resendbot_queue_capacity 48\n",
		"resendbot_shared_state_up 0\n",
		`resendbot_build_info{goversion="` + runtime.Version() + `",revision="unknown",version="v1.2.3"} 1`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="ok",record="reservation"} 1`,
		`resendbot_frontpayment_answers_total{endpoint="resend",kind="sent",record="reservation"} 1`,
		`resendbot_frontpayment_answers_total{endpoint="status",kind="not_found",record="order"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s", want)
		}
	}
	m.SetBuild("v1.2.4", "abc123")
	m.SharedStateUp(true)
	got = scrape(t, m)
	if !strings.Contains(got, `revision="abc123",version="v1.2.4"} 1`) || strings.Contains(got, "v1.2.3") || !strings.Contains(got, "resendbot_shared_state_up 1\n") {
		t.Errorf("after a second SetBuild and the state back up:\n%s", got)
	}
}
