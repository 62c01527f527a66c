package i18n

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// terminology is one word per concept in nb (the nb review's §2), and the
// wordings that it replaced, which must not come back. Orders add «ordre»
// beside «reservasjon»; never «bestilling».
var terminology = []struct {
	concept, word string
	not           []string
}{
	{"payment link", "betalingslenke", nil},
	{"reservation", "reservasjon", nil},
	{"order", "ordre", []string{"bestilling"}},
	{"how it is sent", "som {{.Dests}}", []string{"med SMS til", "med e-post til", "sendt med", "med {{.Dest"}},
	{"the contact on file", "registrerte kontaktopplysning", []string{"kontakten som er registrert", "den registrerte kontakten",
		"Registrert kontakt", "Send til den registrerte", "kontaktinfo", "kontakt registrert", "registrert er"}},
	{"requested", "Forespørsel", []string{"Forespurt", "Bedt om"}},
	{"the Retry button", "«Prøv igjen»", []string{"trykket Prøv igjen", "knapp for å prøve igjen"}},
	{"rate limits", "sendegrense", []string{"grensene sine"}},
	{"support channel", "supportkanalen", []string{"betalingsstøtte"}},
	{"access token", "tilgangsnøkkel", []string{"token"}}, // FRONTPAYMENT_TOKEN is upper case
	{"the log", "resendbots logg", []string{"loggen til resendbot"}},
	{"paid", "allerede betalt", []string{"fullført (betalt)", "allerede fullført"}},
	{"busy", "opptatt", []string{"har mye å gjøre"}},
	{"no answer", "ingen svar", []string{"ikke noe svar"}},
	{"unauthorized", "avviste tilgangsnøkkelen", []string{"avviste tilgangen"}},
	{"fram", "fram", []string{" frem ", " frem."}},
	{"keeps failing", "hvis problemet vedvarer", []string{"hvis det fortsetter"}},
	{"failed (IT slang)", "kunne ikke opprettes", []string{"feilet"}},
	{"read (a record)", "hentes", []string{"kan ikke leses", "kunne ikke leses"}},
	{"dash", " – ", []string{"—"}},
	{"SMS's number", "mobilnummer", []string{"telefon og e-post", "telefonnummer eller e-post"}},
	{"a number on file", "mobil {{.", []string{"\"SMS {{.Held"}},
	{"no such ID", "ingen {{.Noun}} med ID-en", []string{"ingen {{.Link}}", "fra portalen"}},
	{"where a link goes", "adresse eller nummer", []string{"samme mottaker", "mottakeren som", "ny mottaker"}},
	{"looked up", "ble ikke slått opp", []string{"ingenting ble slått opp"}},
	{"a status's meaning", "fakturert – kunden", []string{"fakturert (kunden"}},
}

func TestNorwegianTerminology(t *testing.T) {
	raw, err := locales.ReadFile("locales/nb.toml")
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for line := range strings.SplitSeq(string(raw), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			text.WriteString(line + "\n")
		}
	}
	nb := text.String()
	// The nb manifest words the command, the shortcuts and the workflow
	// step for Slack: none of the replaced words in what Slack shows.
	manifest, err := os.ReadFile(filepath.Join("..", "..", "slack-app-manifest.nb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range terminology {
		for _, not := range c.not {
			for i, line := range strings.Split(string(manifest), "\n") {
				key, text, _ := strings.Cut(strings.TrimLeft(strings.TrimSpace(line), "- "), ":")
				if shown := slices.Contains([]string{"name", "description", "title", "hint", "usage_hint"}, key); shown && strings.Contains(text, not) {
					t.Errorf("slack-app-manifest.nb.yaml:%d: %s is %q, not %q", i+1, c.concept, c.word, not)
				}
			}
		}
	}
	for _, c := range terminology {
		if !strings.Contains(nb, c.word) {
			t.Errorf("%s: nb.toml never says %q", c.concept, c.word)
		}
		for _, not := range c.not {
			if strings.Contains(nb, not) {
				t.Errorf("%s is %q, not %q", c.concept, c.word, not)
			}
		}
	}
}
