package frontpay

import (
	"log/slog"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":            0,
		"30":          30 * time.Second,
		" 7 ":         7 * time.Second,
		"-5":          0,
		"1.5":         0,
		"soon":        0,
		"99999999999": 24 * time.Hour,
		now.Add(2 * time.Minute).Format(http.TimeFormat): 2 * time.Minute,
		now.Add(-time.Minute).Format(http.TimeFormat):    0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func FuzzDecodeErrors(f *testing.F) {
	for _, s := range []string{
		`{"email":["The email must be a valid email address."]}`,
		`{"msisdn":"bad"}`, `["a","b"]`, `[{"field":"email","message":"bad"},{"x":1}]`,
		`"Array"`, `null`, `{"a":{"b":{"c":{"d":{"e":[1,true,null]}}}}}`, `[[[[[["deep"]]]]]]`, `{"":""}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		lines, err := decodeErrors(raw)
		if err != nil && lines != nil {
			t.Fatalf("lines %q with error %v", lines, err)
		}
		if len(lines) > maxErrorLines {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			if l == "" || utf8.RuneCountInString(l) > maxLineRunes || !utf8.ValidString(l) {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}

func TestKindLogLevel(t *testing.T) {
	want := map[Kind]slog.Level{
		KindSent:         slog.LevelInfo,
		KindNotFound:     slog.LevelInfo,
		KindCompleted:    slog.LevelInfo,
		KindCancelled:    slog.LevelInfo,
		KindInvalid:      slog.LevelInfo,
		KindRateLimited:  slog.LevelWarn,
		KindServerError:  slog.LevelWarn,
		KindUnreachable:  slog.LevelWarn,
		KindUnauthorized: slog.LevelError,
		KindUnexpected:   slog.LevelError,
		Kind(99):         slog.LevelError,
	}
	if len(want) != len(kindNames)+1 {
		t.Fatalf("test covers %d kinds, there are %d: add the new one", len(want)-1, len(kindNames))
	}
	for k, w := range want {
		if got := k.LogLevel(); got != w {
			t.Errorf("%s.LogLevel() = %v, want %v", k, got, w)
		}
	}
}
