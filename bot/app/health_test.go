package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"resendbot/bot/internal/syncbuf"
)

// What the HTTP server reports itself (here a handler's panic; in
// production an accept error such as too many open files) is a line of the
// JSON log, which a pipeline reads, not a plain-text line on stderr.
func TestHTTPServerErrorsGoToTheJSONLog(t *testing.T) {
	out := &syncbuf.Buffer{}
	log := slog.New(slog.NewJSONHandler(out, nil))
	ctx, cancel := context.WithCancel(t.Context())
	addr := freePort(t)
	stopped, err := serveHTTP(ctx, addr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("handler failed")
	}), log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := stopped(); err != nil {
			t.Error(err)
		}
	}()
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close() // the server closes the connection instead of answering
	}
	var line string
	for deadline := time.Now().Add(wait); line == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for l := range strings.Lines(out.String()) {
			if strings.Contains(l, "http: panic serving") {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatalf("the server's report of the panic is not in the log: %q", out.String())
	}
	var rec struct{ Level, Msg string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level != "WARN" || !strings.Contains(rec.Msg, "handler failed") {
		t.Errorf("the server's report is not a WARN line of the JSON log (%v): %s", err, line)
	}
}
