package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFrontPaymentDate: whatever Front Payment writes in a date field, the
// status shows it on one line, escaped, bounded, in quotes, when it is no
// date the bot can read. (An escaped & is five characters.)
func FuzzFrontPaymentDate(f *testing.F) {
	for _, s := range []string{"neste fredag", "<!channel>", "2025-06-16 23:59:59", "a\nb", strings.Repeat("å", 500), "&lt;"} {
		f.Add(s)
	}
	nb := norwegian(f)
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.TrimSpace(raw) == "" {
			return
		}
		got := frontPaymentDate(nb, raw, time.Time{})
		if strings.ContainsAny(got, "<>\n") || utf8.RuneCountInString(got) > 5*maxFieldRunes+40 {
			t.Errorf("frontPaymentDate(%q) = %q", raw, got)
		}
		if !strings.HasPrefix(got, "«") {
			t.Errorf("frontPaymentDate(%q) = %q, not quoted", raw, got)
		}
	})
}
