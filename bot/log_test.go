package bot

import (
	"bytes"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"
)

// Logs stay UTC whatever the zone of the machine or of RESEND_TIMEZONE.
func TestLogsAreInUTC(t *testing.T) {
	vars := maps.Clone(minimalEnv)
	vars["RESEND_TIMEZONE"] = "Asia/Tokyo"
	cfg, err := LoadConfig(env(vars), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log, audit := NewLoggers(cfg, &buf)
	at := time.Date(2026, 12, 2, 23, 5, 0, 0, mustZone(t, "Asia/Tokyo"))
	for _, l := range []*slog.Logger{log, audit} {
		l.Handler().Handle(t.Context(), slog.NewRecord(at, slog.LevelInfo, "x", 0))
	}
	if got := strings.Count(buf.String(), `"time":"2026-12-02T14:05:00Z"`); got != 2 {
		t.Errorf("log times are not in UTC:\n%s", buf.String())
	}
}
