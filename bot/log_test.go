package bot

import (
	"bytes"
	"errors"
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

// Every secret of 8 characters or more is replaced wherever it appears in
// what is written; shorter ones would match ordinary words and are left.
func TestRedactWriter(t *testing.T) {
	var buf bytes.Buffer
	w := RedactWriter(&buf, []string{"xoxb-90123456789", "Ab3D5f7H", "short12"})
	line := "tokens xoxb-90123456789 and Ab3D5f7H, again Ab3D5f7H; short12 stays\n"
	n, err := w.Write([]byte(line))
	if err != nil || n != len(line) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(line))
	}
	if want := "tokens [REDACTED] and [REDACTED], again [REDACTED]; short12 stays\n"; buf.String() != want {
		t.Errorf("wrote %q, want %q", buf.String(), want)
	}
	if _, err := RedactWriter(failingWriter{}, nil).Write([]byte("x")); err == nil {
		t.Error("a failed write was not reported")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
