// Package i18ntest checks, for the tests of every package that words
// messages, that a Norwegian text holds no English and no stable value.
package i18ntest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"resendbot/frontpay"
)

// Norwegian tells English and stable values from Norwegian.
type Norwegian struct {
	english map[string]bool // words en.toml uses and nb.toml does not
	stable  map[string]bool // outcome kinds and Front Payment's status words
}

// New reads both catalogues: every word the English one uses and the
// Norwegian one does not is English.
func New(t testing.TB) *Norwegian {
	t.Helper()
	en, nb := catalogueWords(t, "en"), catalogueWords(t, "nb")
	n := &Norwegian{english: map[string]bool{}, stable: map[string]bool{}}
	for w := range en {
		if !nb[w] {
			n.english[w] = true
		}
	}
	for k := frontpay.Kind(0); ; k++ {
		name := k.String()
		if strings.HasPrefix(name, "kind(") {
			break
		}
		n.stable[name] = true
	}
	// Front Payment's status words (frontpayment-reservation-details.md,
	// frontpayment-orders.md): shown only in quotes, after their meaning.
	for _, s := range []string{"pending", "reserved", "captured", "charged", "completed", "paid", "cancelled",
		"canceled", "refunded", "expired", "unpaid", "sent", "accepted", "open", "found"} {
		n.stable[s] = true
	}
	// The kinds of payment link, as logs and metrics label them.
	n.stable["reservation"], n.stable["order"] = true, true
	return n
}

var (
	// What a Norwegian text may quote as it is: «Front Payment's words»,
	// “an English quote”, `commands`, <@mentions|and links>, @handles,
	// :emoji:, addresses, and the detail line the console copies from the
	// log.
	quotedRE = regexp.MustCompile("«[^»]*»|“[^”]*”|`[^`]*`|<[^<>]*>|(?:^|\\s)@[\\w.\\-]+|:[a-z0-9_+\\-]+:|[^\\s()<>«»]+@[^\\s()<>«»]+|https?://\\S+|Detaljer \\(fra resendbots logg\\):[^\\n]*")
	wordRE   = regexp.MustCompile(`\pL[\pL'’]*`)
	snakeRE  = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b`)
)

// Check fails t for every English word, snake_case label or stable value
// in text outside what may be quoted as it is; what names the message.
func (n *Norwegian) Check(t testing.TB, what, text string) {
	t.Helper()
	for _, leak := range n.Leaks(text) {
		t.Errorf("%s has %s:\n%s", what, leak, text)
	}
}

// Leaks says what in text is not Norwegian, outside what may be quoted.
func (n *Norwegian) Leaks(text string) []string {
	var out []string
	bare := quotedRE.ReplaceAllString(text, " ")
	for _, label := range snakeRE.FindAllString(bare, -1) {
		out = append(out, fmt.Sprintf("the label %q", label))
	}
	for _, w := range wordRE.FindAllString(bare, -1) {
		lw := strings.ToLower(w)
		switch {
		case n.stable[lw]:
			out = append(out, fmt.Sprintf("the stable value %q outside quotes", w))
		case n.english[lw] && len([]rune(lw)) > 1:
			out = append(out, fmt.Sprintf("the English word %q", w))
		}
	}
	return out
}

// catalogueWords are the words of a catalogue's texts, lower-cased,
// without its templates' fields and what they may quote.
func catalogueWords(t testing.TB, lang string) map[string]bool {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "locales", lang+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := toml.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, sub := range v {
				walk(sub)
			}
		case string:
			v = regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(v, " ")
			v = quotedRE.ReplaceAllString(v, " ")
			for _, w := range wordRE.FindAllString(v, -1) {
				words[strings.ToLower(w)] = true
			}
		}
	}
	walk(tree)
	return words
}
