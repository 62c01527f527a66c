package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// /healthz and /readyz say what Alive and Ready say; a readiness check
// gets ReadyTimeout.
func TestHealthRoutes(t *testing.T) {
	var deadlineIn time.Duration
	alive := errors.New("event loop stalled")
	ready := errors.New("state down")
	for _, tc := range []struct {
		name string
		h    Health
		path string
		code int
		body string
	}{
		{"alive by default", Health{}, "/healthz", 200, "ok\n"},
		{"alive", Health{Alive: func() error { return nil }}, "/healthz", 200, "ok\n"},
		{"not alive", Health{Alive: func() error { return alive }}, "/healthz", 503, "not alive: event loop stalled\n"},
		{"ready", Health{Ready: func(ctx context.Context) error {
			d, _ := ctx.Deadline()
			deadlineIn = time.Until(d)
			return nil
		}}, "/readyz", 200, "ready\n"},
		{"not ready", Health{Ready: func(context.Context) error { return ready }}, "/readyz", 503, "not ready: state down\n"},
	} {
		tc.h.Metrics = NewMetrics()
		rr := httptest.NewRecorder()
		tc.h.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, tc.path, nil))
		body, _ := io.ReadAll(rr.Body)
		if rr.Code != tc.code || string(body) != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.name, rr.Code, body, tc.code, tc.body)
		}
	}
	if deadlineIn <= time.Second || deadlineIn > ReadyTimeout {
		t.Errorf("a readiness check has %v, want about %v", deadlineIn, ReadyTimeout)
	}
}
