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
		{time.Minute, true, "a minute", "ett minutt"}, // not "60 seconds"
		{2 * time.Minute, false, "2 minutes", "2 minutter"},
		{150 * time.Second, true, "3 minutes", "3 minutter"},
		{time.Minute + 59*time.Second, false, "a minute", "ett minutt"},
		{time.Hour, true, "an hour", "én time"}, // not "60 minutes"
		{90 * time.Minute, true, "an hour and 30 minutes", "én time og 30 minutter"},
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
	if got := nb.Duration(time.Minute*100, false); got != "én time" {
		t.Errorf("nb 100 minutes = %q, want én time", got)
	}
}

// A rate's period reads "5 per minutt", never "5 per 1 minutt".
func TestEvery(t *testing.T) {
	en, nb := words(t, EN), words(t, NB)
	for d, want := range map[time.Duration][2]string{
		time.Minute:      {"minute", "minutt"},
		2 * time.Minute:  {"2 minutes", "2 minutter"},
		time.Hour:        {"hour", "time"},
		90 * time.Second: {"90 seconds", "90 sekunder"},
	} {
		if got := en.Every(d); got != want[0] {
			t.Errorf("en Every(%v) = %q, want %q", d, got, want[0])
		}
		if got := nb.Every(d); got != want[1] {
			t.Errorf("nb Every(%v) = %q, want %q", d, got, want[1])
		}
	}
}

// Times people read are in the zone Words is In (Europe/Oslo unless told),
// in the language's format, with no zone after them; summer time too.
func TestTimesAreLocal(t *testing.T) {
	winter := time.Date(2026, 12, 2, 13, 5, 7, 0, time.UTC)
	summer := time.Date(2026, 6, 2, 12, 5, 0, 0, time.UTC)
	for _, c := range []struct {
		w    *Words
		at   time.Time
		want string
	}{
		{words(t, NB), winter, "2. desember 2026 kl. 14:05"},
		{words(t, NB), summer, "2. juni 2026 kl. 14:05"},
		{words(t, EN), winter, "2 December 2026 at 14:05"},
		{words(t, NB).In(time.UTC), winter, "2. desember 2026 kl. 13:05"},
		{words(t, EN).In(zone(t, "America/New_York")), winter, "2 December 2026 at 08:05"},
		{words(t, NB).In(nil), winter, "2. desember 2026 kl. 14:05"},
	} {
		if got := c.w.Time(c.at); got != c.want {
			t.Errorf("%s in %s: Time(%v) = %q, want %q", c.w.Lang(), c.w.zone, c.at, got, c.want)
		}
	}
	// A wall clock written without a zone is not converted.
	if got := words(t, NB).AsWritten(winter, true); got != "2. desember 2026 kl. 13:05" {
		t.Errorf("AsWritten = %q", got)
	}
	if got := words(t, NB).AsWritten(winter, false); got != "2. desember 2026" {
		t.Errorf("AsWritten without a time = %q", got)
	}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// Amounts keep to one line: no-break spaces between digit groups and
// before the currency; a minus sign, not a hyphen.
func TestAmounts(t *testing.T) {
	for v, want := range map[float64]string{
		1234.5:      "1\u00a0234,50\u00a0kr",
		12:          "12,00\u00a0kr",
		1234567.891: "1\u00a0234\u00a0567,89\u00a0kr",
		-50:         "\u221250,00\u00a0kr",
		-0.001:      "0,00\u00a0kr",
	} {
		if got := words(t, NB).Amount(v); got != want {
			t.Errorf("nb %v = %q, want %q", v, got, want)
		}
	}
	if got := words(t, EN).Amount(1234.5); got != "NOK\u00a01,234.50" {
		t.Errorf("en 1234.5 = %q", got)
	}
}

func TestOr(t *testing.T) {
	nb, en := words(t, NB), words(t, EN)
	for _, c := range []struct {
		in     []string
		nb, en string
	}{
		{nil, "", ""},
		{[]string{"@a"}, "@a", "@a"},
		{[]string{"@a", "@b"}, "@a eller @b", "@a or @b"},
		{[]string{"@a", "@b", "@c"}, "@a, @b eller @c", "@a, @b or @c"},
	} {
		if got := nb.Or(c.in); got != c.nb {
			t.Errorf("nb Or(%q) = %q, want %q", c.in, got, c.nb)
		}
		if got := en.Or(c.in); got != c.en {
			t.Errorf("en Or(%q) = %q, want %q", c.in, got, c.en)
		}
	}
}

func TestAMissingMessageShowsItsID(t *testing.T) {
	if got := words(t, NB).T("no.such.message"); got != "no.such.message" {
		t.Errorf("missing message = %q", got)
	}
}
