// Package i18n words what people read in their team's language. Every
// sentence lives in a catalogue, one TOML file per language under
// locales/, embedded in the binary: a translator edits a file, not Go
// code. go-i18n reads them and picks plural forms by CLDR's rules.
package i18n

import (
	"embed"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var locales embed.FS

// Lang is a language people read: EN or NB.
type Lang string

const (
	EN Lang = "en" // English, the default
	NB Lang = "nb" // Norwegian bokmål
)

// Langs are the languages the catalogues speak, the default first.
var Langs = []Lang{EN, NB}

// ParseLang reads RESEND_LANGUAGE: "" or "en" is English; "nb", "no" and
// "nb-NO" (any case) are bokmål.
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "en":
		return EN, true
	case "nb", "no", "nb-no":
		return NB, true
	}
	return "", false
}

// Words words messages in one language, and writes dates and times in
// one zone.
type Words struct {
	lang Lang
	loc  *goi18n.Localizer
	zone *time.Location
}

// DefaultZone is RESEND_TIMEZONE's default, the zone New writes times in.
const DefaultZone = "Europe/Oslo"

// New loads lang's catalogue, and only that one, and speaks lang; it
// writes times in DefaultZone until In says otherwise. There is no
// fallback to English: TestCataloguesAreComplete keeps every catalogue
// complete, and a message missing from all of them shows its ID either way
// (TestAMissingMessageShowsItsID). A second catalogue in the bundle would
// only hold about 200 KB of heap for nothing.
func New(lang Lang) (*Words, error) {
	b := goi18n.NewBundle(language.Make(string(lang)))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	if _, err := b.LoadMessageFileFS(locales, "locales/"+string(lang)+".toml"); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", lang, err)
	}
	zone, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %s: %w", DefaultZone, err)
	}
	return &Words{lang: lang, loc: goi18n.NewLocalizer(b, string(lang)), zone: zone}, nil
}

// In is w writing times in zone (RESEND_TIMEZONE); w itself is unchanged.
// A nil zone changes nothing.
func (w *Words) In(zone *time.Location) *Words {
	if zone == nil {
		return w
	}
	c := *w
	c.zone = zone
	return &c
}

// Lang is the language w speaks.
func (w *Words) Lang() Lang { return w.lang }

// T words message id; args are its template's fields, as name, value
// pairs: T("refusal.cooldown", "Dest", shown, "By", user).
func (w *Words) T(id string, args ...any) string { return w.localize(id, nil, args) }

// N words message id in the plural form count calls for; the template
// sees count as .Count.
func (w *Words) N(id string, count int, args ...any) string {
	return w.localize(id, count, append(args, "Count", count))
}

func (w *Words) localize(id string, count any, args []any) string {
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			data[k] = args[i+1]
		}
	}
	s, err := w.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		// Never a Go error in front of a person: the ID shows what is
		// missing, and TestCataloguesAreComplete keeps this from happening.
		return id
	}
	return s
}

// Duration words d for people in one unit ("45 seconds", "2 minutes",
// "an hour"), or in hours and minutes when it is that exactly ("1 hour
// and 30 minutes"), rounded up when up is true and down otherwise; never
// less than 1.
func (w *Words) Duration(d time.Duration, up bool) string {
	if d > time.Hour && d < 100*time.Minute && d%time.Minute == 0 && d%time.Hour != 0 {
		return w.T("unit.and", "Hours", w.N("unit.hours", int(d/time.Hour)),
			"Minutes", w.N("unit.minutes", int(d%time.Hour/time.Minute)))
	}
	n, unit := count(d, up)
	return w.N([...]string{"unit.seconds", "unit.minutes", "unit.hours"}[unit], n)
}

// Every words d as the length of a period, the way "5 every minute" or "5
// per 2 minutes" has it: without a 1.
func (w *Words) Every(d time.Duration) string {
	n, unit := count(d, true)
	return w.N([...]string{"unit.every_seconds", "unit.every_minutes", "unit.every_hours"}[unit], n)
}

// count is d in whole seconds (unit 0), minutes (1) or hours (2): the
// largest unit d is a whole number of, else minutes from 100 seconds and
// hours from 100 minutes; never less than 1.
func count(d time.Duration, up bool) (n, unit int) {
	units := [...]time.Duration{time.Second, time.Minute, time.Hour}
	switch {
	case d >= 100*time.Minute, d >= time.Hour && d%time.Hour == 0:
		unit = 2
	case d >= 100*time.Second, d >= time.Minute && d%time.Minute == 0:
		unit = 1
	}
	n = int(d / units[unit])
	if up && d%units[unit] != 0 {
		n++
	}
	return max(n, 1), unit
}

// Time words a moment as the language writes it, in w's zone and without
// naming it: "2 December 2026 at 14:05", "2. desember 2026 kl. 14:05".
func (w *Words) Time(t time.Time) string { return w.date(t.In(w.zone), true) }

// AsWritten words a date someone else wrote without a zone (Front
// Payment's), on its own wall clock, with its time of day or without.
func (w *Words) AsWritten(t time.Time, clock bool) string { return w.date(t, clock) }

func (w *Words) date(t time.Time, clock bool) string {
	day := w.T("date.day", "Day", t.Day(), "Month", w.T(fmt.Sprintf("month.%d", t.Month())), "Year", t.Year())
	if !clock {
		return day
	}
	return w.T("date.at", "Date", day, "Clock", t.Format("15:04"))
}

// Or joins choices as the language lists them: "@a, @b or @c", "@a, @b
// eller @c".
func (w *Words) Or(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	last := len(choices) - 1
	return strings.Join(choices[:last], ", ") + w.T("list.or") + choices[last]
}

// nbsp keeps an amount on one line: between its digit groups and before
// its currency.
const nbsp = "\u00a0"

// Amount words a sum of money in Norwegian kroner as the language writes
// it: "NOK 1,234.50", "1 234,50 kr" (no-break spaces, a minus sign for a
// negative sum).
func (w *Words) Amount(v float64) string {
	group, decimal := ",", "."
	if w.lang == NB {
		group, decimal = nbsp, ","
	}
	digits := fmt.Sprintf("%.2f", math.Abs(v))
	whole, cents, _ := strings.Cut(digits, ".")
	var b strings.Builder
	if v < 0 && digits != "0.00" { // what rounds to nothing has no sign
		b.WriteString("\u2212")
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	return w.T("amount.kroner", "Number", b.String()+decimal+cents)
}
