package bot

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
)

// NewLoggers builds the operational log (at LOG_LEVEL) and the audit log
// (always written), both in LOG_FORMAT to w, their times in UTC whatever
// the machine's zone (RESEND_TIMEZONE is for people, not for grep).
func NewLoggers(cfg *Config, w io.Writer) (log, audit *slog.Logger) {
	mk := func(level slog.Level) slog.Handler {
		opts := &slog.HandlerOptions{Level: level, ReplaceAttr: utcTime}
		if cfg.LogFormat == "text" {
			return slog.NewTextHandler(w, opts)
		}
		return slog.NewJSONHandler(w, opts)
	}
	return slog.New(mk(cfg.LogLevel)), slog.New(mk(slog.LevelDebug)).With("log", "audit")
}

func utcTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
		a.Value = slog.TimeValue(a.Value.Time().UTC())
	}
	return a
}

// RedactWriter replaces every secret in what is written with [REDACTED]:
// a last line of defence, since no code path should log one.
func RedactWriter(w io.Writer, secrets []string) io.Writer {
	rw := &redacting{w: w}
	for _, s := range secrets {
		if len(s) >= 8 {
			rw.secrets = append(rw.secrets, []byte(s))
		}
	}
	return rw
}

type redacting struct {
	mu      sync.Mutex
	w       io.Writer
	secrets [][]byte
}

func (r *redacting) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[REDACTED]"))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
