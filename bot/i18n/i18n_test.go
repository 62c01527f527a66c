package i18n

import (
	"testing"
	"time"
)

func words(t *testing.T, l Lang) *Words {
	t.Helper()
	w, err := New(l)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"": EN, "en": EN, "EN": EN, "nb": NB, "no": NB, "nb-NO": NB, " NB-no ": NB} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"de", "nn", "english", "nb_NO"} {
		if _, ok := ParseLang(in); ok {
			t.Errorf("ParseLang(%q) accepted", in)
		}
	}
}

func TestPluralsAndDurations(t *testing.T) {
	en, nb := words(t, EN), words(t, NB)
	for _, c := range []struct {
		d      time.Duration
		up     bool
		en, nb string
	}{
		{time.Second, true, "1 second", "1 sekund"},
		{30 * time.Second, true, "30 seconds", "30 sekunder"},
		{61 * time.Second, true, "61 seconds", "61 sekunder"},
		{2 * time.Minute, false, "2 minutes", "2 minutter"},
		{150 * time.Second, true, "3 minutes", "3 minutter"},
		{time.Minute + 59*time.Second, false, "1 minute", "1 minutt"},
		{100 * time.Minute, true, "2 hours", "2 timer"},
		{0, true, "1 second", "1 sekund"},
	} {
		if got := en.Duration(c.d, c.up); got != c.en {
			t.Errorf("en %v = %q, want %q", c.d, got, c.en)
		}
		if got := nb.Duration(c.d, c.up); got != c.nb {
			t.Errorf("nb %v = %q, want %q", c.d, got, c.nb)
		}
	}
	if got := nb.Duration(time.Minute*100, false); got != "1 time" {
		t.Errorf("nb 100 minutes = %q, want 1 time", got)
	}
}

func TestTimesAndAmounts(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 5, 7, 0, time.UTC)
	if got := words(t, NB).Time(at); got != "2. desember 2026 kl. 14:05 UTC" {
		t.Errorf("nb time = %q", got)
	}
	if got := words(t, EN).Time(at); got != "2026-12-02 14:05:07 UTC" {
		t.Errorf("en time = %q", got)
	}
	for v, want := range map[float64]string{1234.5: "1 234,50 kr", 12: "12,00 kr", 1234567.891: "1 234 567,89 kr", -50: "-50,00 kr"} {
		if got := words(t, NB).Amount(v); got != want {
			t.Errorf("nb %v = %q, want %q", v, got, want)
		}
	}
	if got := words(t, EN).Amount(1234.5); got != "1234.50" {
		t.Errorf("en 1234.5 = %q", got)
	}
}

func TestAMissingMessageShowsItsID(t *testing.T) {
	if got := words(t, NB).T("no.such.message"); got != "no.such.message" {
		t.Errorf("missing message = %q", got)
	}
}
