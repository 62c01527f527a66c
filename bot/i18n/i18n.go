// Package i18n words what people read in their team's language. Every
// sentence lives in a catalogue, one TOML file per language under
// locales/, embedded in the binary: a translator edits a file, not Go
// code. go-i18n reads them and picks plural forms by CLDR's rules.
package i18n

import (
	"embed"
	"fmt"
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

// Words words messages in one language.
type Words struct {
	lang Lang
	loc  *goi18n.Localizer
}

// New loads lang's catalogue, and only that one, and speaks lang. There is
// no fallback to English: TestCataloguesAreComplete keeps every catalogue
// complete, and a message missing from all of them shows its ID either way
// (TestAMissingMessageShowsItsID). A second catalogue in the bundle would
// only hold about 200 KB of heap for nothing.
func New(lang Lang) (*Words, error) {
	b := goi18n.NewBundle(language.Make(string(lang)))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	if _, err := b.LoadMessageFileFS(locales, "locales/"+string(lang)+".toml"); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", lang, err)
	}
	return &Words{lang: lang, loc: goi18n.NewLocalizer(b, string(lang))}, nil
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

// Duration words d for people, in whole seconds, minutes or hours ("45
// seconds", "2 minutes"), rounded up when up is true and down otherwise;
// never less than 1.
func (w *Words) Duration(d time.Duration, up bool) string {
	unit, id := time.Second, "unit.seconds"
	switch {
	case d >= 100*time.Minute:
		unit, id = time.Hour, "unit.hours"
	case d >= 100*time.Second:
		unit, id = time.Minute, "unit.minutes"
	}
	n := int64(d / unit)
	if up && d%unit != 0 {
		n++
	}
	return w.N(id, int(max(n, 1)))
}

// Time words a moment as the language writes it, in UTC: "2026-12-02
// 14:05:07 UTC", "2. desember 2026 kl. 14:05 UTC".
func (w *Words) Time(t time.Time) string {
	t = t.UTC()
	if w.lang == NB {
		return fmt.Sprintf("%d. %s %d kl. %s UTC", t.Day(), w.T(fmt.Sprintf("month.%d", t.Month())), t.Year(), t.Format("15:04"))
	}
	return t.Format("2006-01-02 15:04:05 UTC")
}

// Minute is Time to the minute: "2026-12-02 14:05 UTC" (both languages
// agree there but for the date).
func (w *Words) Minute(t time.Time) string {
	t = t.UTC()
	if w.lang == NB {
		return w.Time(t)
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// Amount words a sum of money as the language writes it: "1234.50",
// "1 234,50 kr".
func (w *Words) Amount(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	if w.lang != NB {
		return s
	}
	whole, cents, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(" ")
		}
		b.WriteRune(c)
	}
	return b.String() + "," + cents + " kr"
}
