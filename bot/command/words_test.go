package command

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// englishMarkers are words and phrases of the English messages that no
// Norwegian message has, nor any technical token in one (keys, examples,
// /resend).
var englishMarkers = []string{
	" the ", "The ", "doesn't", "isn't", "can't", "don't", "I know", "Check", "Give", "Write", "Use ", "Start ",
	"Copy", "Put ", "If it", "Nothing was sent", "nothing is sent", "e.g.", "try again", " number", "address",
	"landline", "characters", " is ", " and ", " only", " too", "country code", "by SMS", "by email",
	"thread", "this help", "Resend a", "works", "Keys", "invisible", "space",
}

// quotedText is what a Norwegian message quotes of what was typed.
var quotedText = regexp.MustCompile(`«[^»]*»`)

// checkNorwegian fails when s, outside what it quotes, holds English.
func checkNorwegian(t *testing.T, what, s string) {
	t.Helper()
	bare := quotedText.ReplaceAllString(s, "«»")
	for _, m := range englishMarkers {
		if strings.Contains(bare, m) {
			t.Errorf("%s in nb has English %q: %q", what, m, s)
		}
	}
}

// moreRefusals reach the messages parseSeeds and refusals do not.
var moreRefusals = []string{
	"tlf=1", parseID + " epost=a@example.com e-post=b@example.com", parseID + " country=+47 country=+46",
	parseID + " country +47", parseID + " <@U123> hi", parseID + " a&amp;b@x",
	parseID + " country=+47 msisdn=+4712", parseID + " country=+47 msisdn=1", parseID + " country=+46 msisdn=12",
	parseID + " country=+47 msisdn=+1", parseID + " phone=+46 12345", parseID + " phone=0041",
	parseID + " email=" + strings.Repeat("k", 65) + "@example.com",
	parseID + " email=kari@" + strings.Repeat("a", 64) + ".example.com",
	parseID + " email=k@" + strings.Repeat("abcdefghi.", 26) + "no",
	parseID + " email=" + strings.Repeat("k", 60) + "@" + strings.Repeat("abcdefghi.", 20) + "no",
	parseID + " email=ka\u200dri@example.com", parseID + " phone=+47 412\u200d34567",
	parseID + " email=kari@example.com" + strings.Repeat(" a=1", 600),
}

// Every refusal the tests provoke reads as Norwegian in nb, names the same
// field as in English, and is as short.
func TestNorwegianRefusalsHaveNoEnglish(t *testing.T) {
	type input struct{ text, region string }
	var inputs []input
	for _, s := range append(append([]string{}, parseSeeds...), moreRefusals...) {
		for _, r := range []string{"NO", "", "SE"} {
			inputs = append(inputs, input{s, r})
		}
	}
	for _, tt := range refusals {
		inputs = append(inputs, input{tt.text, tt.region})
	}
	refused := 0
	for _, in := range inputs {
		cmdEN, errEN := parse(en, in.text, in.region)
		cmdNB, errNB := parse(nb, in.text, in.region)
		if !reflect.DeepEqual(cmdEN, cmdNB) || (errEN == nil) != (errNB == nil) {
			t.Errorf("Parse(%q, %q): en %s, %v; nb %s, %v", in.text, in.region, showCommand(cmdEN), errEN, showCommand(cmdNB), errNB)
			continue
		}
		if errNB == nil {
			continue
		}
		refused++
		var ieEN, ieNB *InputError
		if !errors.As(errEN, &ieEN) || !errors.As(errNB, &ieNB) {
			t.Fatalf("Parse(%q): %v / %v, want *InputError", in.text, errEN, errNB)
		}
		if ieNB.Field != ieEN.Field {
			t.Errorf("Parse(%q): Field nb %q, en %q", in.text, ieNB.Field, ieEN.Field)
		}
		if ieNB.Message == ieEN.Message || !utf8.ValidString(ieNB.Message) || len(ieNB.Message) > 600 {
			t.Errorf("Parse(%q): nb message %q: English, not UTF-8 or too long", in.text, ieNB.Message)
		}
		if strings.Contains(ieNB.Message, "command.") {
			t.Errorf("Parse(%q): nb message %q names a catalogue ID", in.text, ieNB.Message)
		}
		checkNorwegian(t, "Parse("+in.text+")", ieNB.Message)
	}
	if refused < 100 {
		t.Errorf("only %d refusals checked", refused)
	}
}

// The form's refusals read as Norwegian too.
func TestNorwegianFormRefusals(t *testing.T) {
	for _, f := range []struct{ reservation, email, phone string }{
		{"", "", ""}, {parseID, "", ""}, {"x", "a@b.no", ""}, {parseID, "bad", ""}, {parseID, "", "123"},
		{strings.Repeat("a", 2001), "", ""}, {parseID, "kari@example.com", "+47 22 12 34 56"},
	} {
		_, err := parserFor(nb, "NO").Resend(f.reservation, f.email, f.phone)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("Resend(%+v) = %v, want *InputError", f, err)
		}
		checkNorwegian(t, "Resend", ie.Message)
	}
}

// Some messages word for word, as a Norwegian support agent reads them.
func TestNorwegianMessages(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{parseID + " email=kari@example",
			"«kari@example» ser ikke ut som en e-postadresse. Sjekk den og prøv igjen, f.eks. email=kari@example.com"},
		{"12345",
			"«12345» er ikke ID-en til en reservasjon eller ordre. En slik ID ser slik ut: " + parseID +
				" (8-4-4-4-12 tegn, bokstavene a–f og sifre). Kopier den på nytt fra Front Payment og prøv igjen."},
		{parseID + " phone=+47 12345678",
			"«+47 12345678» er ikke et gyldig norsk nummer. Sjekk sifrene og prøv igjen, f.eks. phone=+47 412 34 567"},
		{parseID + " sms=22123456",
			"«22123456» ser ut som et fasttelefonnummer, og det kan ikke motta SMS. " +
				"Bruk kundens mobilnummer, eller send på e-post i stedet (email=…)."},
		{parseID + " kari@example.com",
			"Jeg vet ikke hva «kari@example.com» skal brukes til. Hvis det er e-postadressen, skriv email=kari@example.com"},
		{parseID + " tlf=41234567 mobil=41234567", "tlf= og mobil= betyr det samme. Bruk bare én av dem."},
		{parseID + " email=<@U123>", "«&lt;@U123&gt;» ser ikke ut som en e-postadresse. Sjekk den og prøv igjen, f.eks. email=kari@example.com"},
	} {
		_, err := parse(nb, c.text, "NO")
		if err == nil || err.Error() != c.want {
			t.Errorf("Parse(nb, %q)\n got %v\nwant %s", c.text, err, c.want)
		}
	}
	if _, err := parserFor(nb, "NO").Resend(parseID, "", ""); err == nil || err.Error() != "Fyll inn en e-postadresse eller et mobilnummer (eller begge)." {
		t.Errorf("Resend(nb) without a destination: %v", err)
	}
}

// The usage in nb is Norwegian, shows every form, and its examples work.
func TestNorwegianUsage(t *testing.T) {
	u := Usage(nb)
	if u == Usage(en) {
		t.Fatal("Usage(nb) is the English usage")
	}
	checkNorwegian(t, "Usage", u)
	for _, form := range []string{
		"/resend " + parseID + " email=", "/resend " + parseID + " phone=", "sms=", "country=+47 msisdn=",
		"email=kari@example.com phone=", "/resend " + parseID + "`", "/resend status " + parseID,
		"/resend hjelp", "@resendbot resend " + parseID, "epost=",
	} {
		if !strings.Contains(u, form) {
			t.Errorf("Usage(nb) lacks %q:\n%s", form, u)
		}
	}
	if strings.ContainsAny(u, "<>") || strings.Contains(u, "command.") {
		t.Errorf("Usage(nb) has markup or a catalogue ID:\n%s", u)
	}
	examples := 0
	for _, line := range strings.Split(u, "\n") {
		parts := strings.Split(line, "`")
		for i := 1; i < len(parts); i += 2 {
			after, ok := strings.CutPrefix(parts[i], "/resend ")
			if !ok {
				after, ok = strings.CutPrefix(parts[i], "@resendbot resend ")
			}
			if !ok {
				continue
			}
			examples++
			if _, err := parse(nb, after, "NO"); err != nil {
				t.Errorf("the usage example %q does not parse: %v", parts[i], err)
			}
		}
	}
	if examples < 8 {
		t.Errorf("Usage(nb) has %d examples, want every form:\n%s", examples, u)
	}
}
