package frontpay

import (
	"testing"
	"time"
)

// A date Front Payment wrote with a zone is an instant; one without keeps
// its wall clock, and Unzoned says so, so that nobody converts it.
func TestUnzonedDates(t *testing.T) {
	for _, c := range []struct {
		in     string
		unzone bool
		utc    time.Time
	}{
		{"2025-06-02T10:15:00+02:00", false, time.Date(2025, 6, 2, 8, 15, 0, 0, time.UTC)},
		{"2025-06-02T08:15:00Z", false, time.Date(2025, 6, 2, 8, 15, 0, 0, time.UTC)},
		{"2025-06-02T08:15:00+00:00", false, time.Date(2025, 6, 2, 8, 15, 0, 0, time.UTC)},
		{"2025-06-02 10:15:00", true, time.Date(2025, 6, 2, 10, 15, 0, 0, time.UTC)},
		{"16.06.2025", true, time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC)},
	} {
		got := parseTime(c.in)
		if !got.Equal(c.utc) || Unzoned(got) != c.unzone {
			t.Errorf("parseTime(%q) = %v (unzoned %v), want %v (unzoned %v)", c.in, got, Unzoned(got), c.utc, c.unzone)
		}
	}
	if Unzoned(time.Time{}) || Unzoned(time.Now()) {
		t.Error("a time not parsed from Front Payment is unzoned")
	}
}

func TestKindNamed(t *testing.T) {
	for k := KindUnexpected; k <= KindUnreachable; k++ {
		if got, ok := KindNamed(k.String()); !ok || got != k {
			t.Errorf("KindNamed(%q) = %v, %v", k.String(), got, ok)
		}
	}
	if _, ok := KindNamed("kind(99)"); ok {
		t.Error("KindNamed knows kind(99)")
	}
}
