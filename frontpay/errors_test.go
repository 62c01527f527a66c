package frontpay

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
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

func TestKindStringOutOfRange(t *testing.T) {
	for k, want := range map[Kind]string{
		KindUnreachable:          "unreachable",
		Kind(len(kindNames)):     "kind(10)",
		Kind(len(kindNames) + 1): "kind(11)",
		Kind(-1):                 "kind(-1)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// A 417's errors are Front Payment's to shape; each of these decides how a
// line an agent reads comes out.
func TestDecodeErrorsShapes(t *testing.T) {
	long := strings.Repeat("é", 400)
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("%q:%q", fmt.Sprintf("f%02d", i), long)
	}
	for _, tc := range []struct {
		name, raw string
		want      []string
	}{
		{"a field with null names the field", `{"email":null}`, []string{"email"}},
		{"message wins over error", `{"message":"a","error":"b"}`, []string{"a"}},
		{"error when there is no message", `{"error":"b","detail":"c"}`, []string{"b"}},
		{"nested four deep is still spelled out", `{"a":{"b":{"c":{"d":"x"}}}}`, []string{"a.b.c.d: x"}},
		{"nested five deep is compacted", `{"a":{"b":{"c":{"d":{"e":"x","f":1}}}}}`, []string{"a.b.c.d: e=x f=1"}},
		{"arrays five deep are compacted", `[[[[["deep"]]]]]`, []string{`["deep"]`}},
		{"objects in arrays are one line each", `{"email":[{"x":1,"y":"z"}]}`, []string{"email: x=1 y=z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeErrors([]byte(tc.raw))
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("decodeErrors(%s) = %q, %v; want %q", tc.raw, got, err, tc.want)
			}
		})
	}
	t.Run("at most 20 lines of at most 300 runes", func(t *testing.T) {
		got, err := decodeErrors([]byte("{" + strings.Join(many, ",") + "}"))
		if err != nil || len(got) != maxErrorLines {
			t.Fatalf("got %d lines, %v; want %d", len(got), err, maxErrorLines)
		}
		for _, l := range got {
			if n := utf8.RuneCountInString(l); n != maxLineRunes || !strings.HasSuffix(l, "…") {
				t.Fatalf("line of %d runes ending %q, want %d ending in …", n, l[len(l)-8:], maxLineRunes)
			}
		}
		if !strings.HasPrefix(got[0], "f00: éé") || !strings.HasPrefix(got[19], "f19: ") {
			t.Errorf("lines %q … %q, want f00 to f19 in order", got[0][:8], got[19][:8])
		}
	})
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ææææ", 4, "ææææ"},
		{"æææææ", 4, "æææ…"},
	} {
		if got := clip(tc.s, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestErrorMessageIsClippedAt200Runes(t *testing.T) {
	e := &Error{Op: OpResend, Kind: KindUnexpected, StatusCode: 418, Message: strings.Repeat("x", 250)}
	want := fmt.Sprintf("frontpay: resend: unexpected (HTTP 418, message %q)", strings.Repeat("x", 199)+"…")
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
