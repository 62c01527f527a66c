package command

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"resendbot/bot/i18n"
	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

const (
	parseID      = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"
	parseIDUpper = "3F1C2A9E-8B7D-4C6E-9F01-23456789ABCD"
)

// en words the messages the tests read; nb is the Norwegian one.
var en, nb = newWords(i18n.EN), newWords(i18n.NB)

func newWords(l i18n.Lang) *i18n.Words {
	w, err := i18n.New(l)
	if err != nil {
		panic(err)
	}
	return w
}

// parsers are the tests' Parsers, one per language and region, shared as
// a bot shares its one; testNums is the number rules' memo of the tests
// of phone.go.
var (
	parsers  sync.Map // parserKey → *Parser
	testNums = &numbers{}
)

type parserKey struct {
	w      *i18n.Words
	region string
}

// parserFor returns the tests' Parser for w and region.
func parserFor(w *i18n.Words, region string) *Parser {
	k := parserKey{w, region}
	if p, ok := parsers.Load(k); ok {
		return p.(*Parser)
	}
	p, _ := parsers.LoadOrStore(k, NewParser(w, region))
	return p.(*Parser)
}

// parse is what Parse answers text with, for w and region.
// parse is Parse with the generous deadline every wait in the tests has:
// a parse that never returns (a scan that stops advancing) fails the
// package at once, naming its input, instead of hanging it until go
// test's own timeout.
func parse(w *i18n.Words, text, region string) (Command, error) {
	type parsed struct {
		cmd Command
		err error
	}
	done := make(chan parsed, 1)
	go func() {
		cmd, err := parserFor(w, region).Parse(text)
		done <- parsed{cmd, err}
	}()
	select {
	case p := <-done:
		return p.cmd, p.err
	case <-time.After(testkit.Wait):
		panic(fmt.Sprintf("Parse(%q) did not return within %s", text, testkit.Wait))
	}
}

var (
	mobileNO = &Phone{CountryCode: "+47", National: "41234567", E164: "+4741234567"}
	mobileSE = &Phone{CountryCode: "+46", National: "701234567", E164: "+46701234567"}
)

func TestParseAcceptsEveryForm(t *testing.T) {
	resend := func(email string, phone *Phone) Command {
		return Command{Kind: KindResend, Reservation: parseID, Email: email, Phone: phone}
	}
	tests := []struct {
		name, text string
		want       Command
	}{
		{"empty", "", Command{Kind: KindUsage}},
		{"only spaces and NBSP", "  \u00a0\t ", Command{Kind: KindUsage}},
		{"help", "help", Command{Kind: KindHelp}},
		{"help upper case", "HELP", Command{Kind: KindHelp}},
		{"question mark", " ? ", Command{Kind: KindHelp}},
		{"status", "status " + parseID, Command{Kind: KindStatus, Reservation: parseID}},
		{"status upper case", "Status " + parseIDUpper, Command{Kind: KindStatus, Reservation: parseID}},
		{"uuid alone offers the contact on file", parseID, Command{Kind: KindOffer, Reservation: parseID}},
		{"order word", "order " + parseID + " email=kari@example.com", Command{Kind: KindResend, Link: frontpay.LinkOrder, Reservation: parseID, Email: "kari@example.com"}},
		{"ordre word, any case", "ORDRE " + parseIDUpper, Command{Kind: KindOffer, Link: frontpay.LinkOrder, Reservation: parseID}},
		{"reservation word", "Reservation " + parseID, Command{Kind: KindOffer, Link: frontpay.LinkReservation, Reservation: parseID}},
		{"reservasjon word", "reservasjon " + parseID + " email=kari@example.com", Command{Kind: KindResend, Link: frontpay.LinkReservation, Reservation: parseID, Email: "kari@example.com"}},
		{"status of an order", "status ordre " + parseID, Command{Kind: KindStatus, Link: frontpay.LinkOrder, Reservation: parseID}},
		{"upper-case uuid is lower-cased", parseIDUpper, Command{Kind: KindOffer, Reservation: parseID}},

		{"email", parseID + " email=kari@example.com", resend("kari@example.com", nil)},
		{"email sent as typed", parseIDUpper + " email=Kari.Nordmann@Example.COM", resend("Kari.Nordmann@Example.COM", nil)},
		{"email plus tag", parseID + " email=kari+test@mail.example.no", resend("kari+test@mail.example.no", nil)},
		{"email in a Slack mailto link", parseID + " email=<mailto:kari@example.com|kari@example.com>", resend("kari@example.com", nil)},
		{"email in a Slack mailto link without label", parseID + " email=<mailto:kari@example.com>", resend("kari@example.com", nil)},
		{"upper-case key", parseID + " EMAIL=kari@example.com", resend("kari@example.com", nil)},
		{"space before the value", parseID + " email= kari@example.com", resend("kari@example.com", nil)},
		{"spaces around =", parseID + " email = kari@example.com", resend("kari@example.com", nil)},
		{"NBSP between words", parseID + "\u00a0email=kari@example.com\u00a0", resend("kari@example.com", nil)},

		{"phone E.164", parseID + " phone=+4741234567", resend("", mobileNO)},
		{"phone with spaces", parseID + " phone=+47 412 34 567", resend("", mobileNO)},
		{"phone with 00", parseID + " phone=004741234567", resend("", mobileNO)},
		{"phone in the default region", parseID + " phone=41234567", resend("", mobileNO)},
		{"phone with dashes", parseID + " phone=+47-412-34-567", resend("", mobileNO)},
		{"phone other country", parseID + " phone=+46 70 123 45 67", resend("", mobileSE)},
		{"phone other country with trunk 0", parseID + " phone=+46 (0)70 123 45 67", resend("", mobileSE)},
		{"sms alias", parseID + " sms=+47 412 34 567", resend("", mobileNO)},
		{"SMS alias upper case", parseID + " SMS=41234567", resend("", mobileNO)},
		{"phone in a Slack tel link", parseID + " phone=<tel:+4741234567|+47 41234567>", resend("", mobileNO)},
		{"phone in a Slack tel link without label", parseID + " phone=<tel:+4741234567>", resend("", mobileNO)},
		{"phone fixed-line-or-mobile (US)", parseID + " phone=+1 202 555 0123",
			resend("", &Phone{CountryCode: "+1", National: "2025550123", E164: "+12025550123"})},
		{"phone whose national number keeps its leading 0 (Côte d'Ivoire)", parseID + " phone=+225 07 12 34 56 78",
			resend("", &Phone{CountryCode: "+225", National: "0712345678", E164: "+2250712345678"})},

		{"country and msisdn", parseID + " country=+47 msisdn=41234567", resend("", mobileNO)},
		{"country without plus", parseID + " country=47 msisdn=412 34 567", resend("", mobileNO)},
		{"country with 00", parseID + " country=0047 msisdn=41234567", resend("", mobileNO)},
		{"msisdn before country, upper case", parseID + " MSISDN=41234567 Country=+47", resend("", mobileNO)},
		{"msisdn with trunk 0", parseID + " country=+46 msisdn=070 123 45 67", resend("", mobileSE)},
		{"msisdn in international form that agrees", parseID + " country=+47 msisdn=+47 41234567", resend("", mobileNO)},
		{"msisdn starting like the code is still national", parseID + " country=+47 msisdn=47123456",
			resend("", &Phone{CountryCode: "+47", National: "47123456", E164: "+4747123456"})},

		{"both channels", parseID + " email=kari@example.com phone=+47 412 34 567", resend("kari@example.com", mobileNO)},
		{"both channels, phone first", parseID + " phone=+47 412 34 567 email=kari@example.com", resend("kari@example.com", mobileNO)},
		{"both channels, country and msisdn", parseID + " msisdn=41234567 email=kari@example.com country=+47", resend("kari@example.com", mobileNO)},
		{"both channels wrapped by Slack", parseID + " sms=<tel:+4741234567|+47 412 34 567> Email=<mailto:kari@example.com|kari@example.com>",
			resend("kari@example.com", mobileNO)},
		{"zero-width space", parseID + "\u200bemail=kari@example.com", resend("kari@example.com", nil)},

		// A Slack link is unwrapped when its label is the destination it leads to.
		{"mailto label in other ASCII case", parseID + " email=<mailto:Kari@Example.com|kari@example.com>", resend("Kari@Example.com", nil)},
		{"mailto with an empty label", parseID + " email=<mailto:kari@example.com|>", resend("kari@example.com", nil)},
		{"mailto with entities", parseID + " email=<mailto:tom&amp;jerry@example.com|tom&amp;jerry@example.com>", resend("tom&jerry@example.com", nil)},
		{"tel label written otherwise", parseID + " phone=<tel:004741234567|+47 412 34 567>", resend("", mobileNO)},
		{"tel target national, label international", parseID + " phone=<tel:41234567|+47 41234567>", resend("", mobileNO)},
		{"tel links in country and msisdn", parseID + " country=+47 msisdn=<tel:41234567|412 34 567>", resend("", mobileNO)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(en, tt.text, "NO")
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.text, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.text, showCommand(got), showCommand(tt.want))
			}
		})
	}
}

// refusals are commands Parse refuses: the Field it names, and a phrase
// of the English message.
var refusals = []struct {
	name, text, region string
	field, phrase      string
}{
	{"not a uuid", "12345", "NO", "reservation", `"12345" isn't a reservation or order ID`},
	{"uuid too short", "3f1c2a9e-8b7d-4c6e-9f01-23456789abc", "NO", "reservation", "8-4-4-4-12"},
	{"uuid not hex", "3f1c2a9e-8b7d-4c6e-9f01-23456789abcg", "NO", "reservation", "isn't a reservation or order ID"},
	{"uuid without dashes", "3f1c2a9e8b7d4c6e9f0123456789abcd", "NO", "reservation", parseID},
	{"uuid in braces", "{" + parseID + "}", "NO", "reservation", "isn't a reservation or order ID"},
	{"long garbage is trimmed", strings.Repeat("x", 500), "NO", "reservation", `xxx…" isn't`},
	{"destination without uuid", "email=kari@example.com", "NO", "reservation", "Start with the reservation's or order's ID"},
	{"status without uuid", "status", "NO", "reservation", "status needs the reservation's or order's ID"},
	{"status with bad uuid", "status 1234", "NO", "reservation", `"1234" isn't a reservation or order ID`},
	{"status with more", "status " + parseID + " email=kari@example.com", "NO", "syntax", "status takes only the ID"},
	{"status after uuid", parseID + " status", "NO", "syntax", "put status first"},

	{"missing value", parseID + " email=", "NO", "email", "email= has nothing after it"},
	{"missing value before next key", parseID + " phone= email=kari@example.com", "NO", "phone", "phone= has nothing after it"},
	{"missing sms value", parseID + " SMS=", "NO", "phone", "sms= has nothing after it"},
	{"unknown key", parseID + " mail=kari@example.com", "NO", "syntax", `I don't know "mail="`},
	{"unknown key after a value", parseID + " phone=+47 412 34 567 to=me", "NO", "syntax", `I don't know "to="`},
	{"duplicate key", parseID + " email=a@example.com EMAIL=b@example.com", "NO", "email", "email= is there twice"},
	{"phone and sms", parseID + " phone=41234567 sms=41234567", "NO", "phone", "phone= and sms= are the same thing"},
	{"epost and e-post", parseID + " epost=a@b.no e-post=c@d.no", "NO", "email", "epost= and e-post= are the same thing. Give it once."},
	{"stray email", parseID + " kari@example.com", "NO", "syntax", "write email=kari@example.com"},
	{"stray phone", parseID + " +4741234567", "NO", "syntax", "write phone=+4741234567"},
	{"stray word", parseID + " please", "NO", "syntax", `I don't know what "please" is for`},
	{"stray number with spaces", parseID + " 412 34 567 email=kari@example.com", "NO", "syntax", "write phone=412 34 567"},
	{"key without =", parseID + " email kari@example.com", "NO", "syntax", "Put = between email and its value"},
	{"stray word before a key", parseID + " to email=kari@example.com", "NO", "syntax", `"to"`},

	{"landline", parseID + " phone=+47 22 12 34 56", "NO", "phone", "that looks like a landline"},
	{"landline via sms", parseID + " sms=22123456", "NO", "phone", "that looks like a landline"},
	{"landline via msisdn", parseID + " country=+47 msisdn=22123456", "NO", "msisdn", "that looks like a landline"},
	{"invalid Norwegian number", parseID + " phone=+47 12345678", "NO", "phone", `"+47 12345678" isn't a valid Norwegian number`},
	{"invalid number of an unnamed region", parseID + " phone=+263 1234567890", "NO", "phone", "isn't a valid number for country code +263"},
	{"too short", parseID + " phone=123", "NO", "phone", "isn't a valid"},
	{"letters in phone", parseID + " phone=1-800-FLOWERS", "NO", "phone", "doesn't look like a phone number"},
	{"extension in phone", parseID + " phone=+47 41234567 ext 12", "NO", "phone", "doesn't look like a phone number"},
	{"unknown country code in phone", parseID + " phone=+999 1234567", "NO", "phone", "country code I know"},
	{"no default region", parseID + " phone=41234567", "", "phone", "Write it with the country code"},
	{"email in phone", parseID + " phone=<mailto:kari@example.com|kari@example.com>", "NO", "phone", "doesn't look like a phone number"},

	// A Slack link whose label is another destination than its target:
	// the caller read the label, Front Payment would get the target.
	{"mailto label differs", parseID + " email=<mailto:attacker@evil.example|kari.nordmann@example.com>", "NO", "email",
		`email= is a link that shows "kari.nordmann@example.com" but leads to "attacker@evil.example"`},
	{"tel label differs", parseID + " phone=<tel:+4799999999|+47 412 34 567>", "NO", "phone",
		`phone= is a link that shows "+47 412 34 567" but leads to "+4799999999"`},
	{"sms tel label differs", parseID + " sms=<tel:+4799999999|41234567>", "NO", "phone", "sms= is a link that shows"},
	{"tel label is no number", parseID + " phone=<tel:+4741234567|Kari>", "NO", "phone", `shows "Kari"`},
	{"mailto label with a Kelvin sign", parseID + " email=<mailto:kari@example.com|\u212aari@example.com>", "NO", "email", "is a link that shows"},
	{"mailto label with a long s", parseID + " email=<mailto:kari@example.com|kari@exam\u017fple.com>", "NO", "email", "is a link that shows"},
	{"mailto nested bars", parseID + " email=<mailto:a@x.no|b@y.no|a@x.no>", "NO", "email", `shows "b@y.no|a@x.no"`},
	{"mailto without target", parseID + " email=<mailto:|kari@example.com>", "NO", "email", `leads to ""`},
	{"msisdn tel label differs", parseID + " country=+47 msisdn=<tel:99999999|41234567>", "NO", "msisdn", "msisdn= is a link that shows"},
	{"country tel label differs", parseID + " country=<tel:+46|+47> msisdn=41234567", "NO", "country", "country= is a link that shows"},

	{"country without msisdn", parseID + " country=+47", "NO", "msisdn", "country= needs msisdn="},
	{"msisdn without country", parseID + " msisdn=41234567", "NO", "country", "msisdn= needs country="},
	{"phone plus msisdn", parseID + " phone=+4741234567 msisdn=41234567", "NO", "phone", "not both"},
	{"sms plus country", parseID + " country=+47 sms=+4741234567", "NO", "phone", "either sms=…"},
	{"bad country", parseID + " country=Norway msisdn=41234567", "NO", "country", `"Norway" isn't a country calling code`},
	{"unknown country", parseID + " country=+999 msisdn=41234567", "NO", "country", "country calling code I know"},
	{"country code twice", parseID + " country=+47 msisdn=4741234567", "NO", "msisdn", "msisdn=41234567"},
	{"msisdn with another country code", parseID + " country=+47 msisdn=+46701234567", "NO", "msisdn", "different country code"},
	{"invalid msisdn", parseID + " country=+47 msisdn=12345678", "NO", "msisdn", "isn't a valid Norwegian number"},
	{"letters in msisdn", parseID + " country=+47 msisdn=abc", "NO", "msisdn", `"abc" isn't a phone number`},

	{"email without domain dot", parseID + " email=kari@example", "NO", "email", `"kari@example" doesn't look like an email address`},
	{"email without at", parseID + " email=kari.example.com", "NO", "email", "doesn't look like an email address"},
	{"email without local part", parseID + " email=@example.com", "NO", "email", "doesn't look like an email address"},
	{"email with empty label", parseID + " email=kari@example..com", "NO", "email", "doesn't look like an email address"},
	{"email with trailing dot", parseID + " email=kari@example.com.", "NO", "email", "doesn't look like an email address"},
	{"email with display name", parseID + " email=Kari <kari@example.com>", "NO", "email", "has a space in it"},
	{"email in angle brackets", parseID + " email=<kari@example.com>", "NO", "email", "doesn't look like an email address"},
	{"email with a space", parseID + " email=kari @example.com", "NO", "email", "has a space in it"},
	{"email with a comma", parseID + " email=kari@example.com, phone=41234567", "NO", "email", `"kari@example.com,"`},
	{"email domain literal", parseID + " email=kari@[10.0.0.1]", "NO", "email", "doesn't look like an email address"},
	{"email quoted local part", parseID + ` email="kari"@example.com`, "NO", "email", "doesn't look like an email address"},
	{"two emails", parseID + " email=a@example.com b@example.com", "NO", "email", "has a space in it"},
	{"web link as email", parseID + " email=<http://example.com|example.com>", "NO", "email", "doesn't look like an email address"},
}

func TestParseRefusesGarbage(t *testing.T) {
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(en, tt.text, tt.region)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Parse(%q) = %s, %v; want an *InputError", tt.text, showCommand(got), err)
			}
			if !reflect.DeepEqual(got, Command{}) {
				t.Errorf("Parse(%q) returned %s with its error; want the zero Command", tt.text, showCommand(got))
			}
			if ie.Field != tt.field {
				t.Errorf("Field = %q, want %q (message %q)", ie.Field, tt.field, ie.Message)
			}
			if !strings.Contains(ie.Message, tt.phrase) {
				t.Errorf("Message = %q, want it to contain %q", ie.Message, tt.phrase)
			}
			if ie.Error() != ie.Message {
				t.Errorf("Error() = %q, want the Message", ie.Error())
			}
			if n := len([]rune(ie.Message)); n > 300 {
				t.Errorf("Message is %d characters long, too long to read at a glance: %q", n, ie.Message)
			}
		})
	}
}

// TestParseMessagesSayWhatToDo keeps every refusal an instruction:
// it names an example or the way to fix it, never a Go error.
func TestParseMessagesSayWhatToDo(t *testing.T) {
	for _, text := range []string{
		"x", parseID + " email=kari@example", parseID + " phone=+47 12345678", parseID + " phone=abc",
		parseID + " country=+47", parseID + " foo=bar", parseID + " email=",
		parseID + " country=+47 msisdn=4741234567", parseID + " phone=+47 22 12 34 56",
	} {
		_, err := parse(en, text, "NO")
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("Parse(%q) error = %v, want *InputError", text, err)
		}
		for _, goism := range []string{"mail: ", "strconv", "invalid country code", "the string supplied"} {
			if strings.Contains(ie.Message, goism) {
				t.Errorf("Parse(%q) message %q leaks a Go error", text, ie.Message)
			}
		}
		if !strings.Contains(ie.Message, "e.g.") && !strings.Contains(ie.Message, "Use ") && !strings.Contains(ie.Message, "Write") && !strings.Contains(ie.Message, "Copy") {
			t.Errorf("Parse(%q) message %q doesn't say what to do", text, ie.Message)
		}
	}
}

func TestParseDefaultRegion(t *testing.T) {
	got, err := parse(en, parseID+" phone=070 123 45 67", "se")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Phone, mobileSE) {
		t.Errorf("Phone = %+v, want %+v", got.Phone, mobileSE)
	}
}

// A kind word stands before the UUID, once; anywhere else it is not one.
func TestKindWordsOutOfPlace(t *testing.T) {
	for _, text := range []string{"order", "ordre  ", "order order " + parseID, parseID + " order", "status order",
		"order status " + parseID, "order " + parseID + " ordre"} {
		if cmd, err := parse(en, text, "NO"); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", text, cmd)
		}
	}
	if got := TypedReservation("ordre " + parseIDUpper + " email=x"); got != parseID {
		t.Errorf("TypedReservation after a kind word = %q", got)
	}
	if got := TypedReservation("status reservation " + parseID); got != parseID {
		t.Errorf("TypedReservation after status and a kind word = %q", got)
	}
	pr := parserFor(en, "NO")
	if cmd, err := pr.Resend(" Order "+parseID, "kari@example.com", ""); err != nil || cmd.Link != frontpay.LinkOrder || cmd.Reservation != parseID {
		t.Errorf("the form's field with a kind word: %+v, %v", cmd, err)
	}
	if _, err := pr.Resend("order", "kari@example.com", ""); err == nil {
		t.Errorf("the form's field with only a kind word was accepted")
	}
}

func TestUsageShowsEveryForm(t *testing.T) {
	u := Usage(en)
	for _, form := range []string{
		"/resend " + parseID + " email=",
		"/resend " + parseID + " phone=",
		"sms=",
		"country=+47 msisdn=",
		"email=kari@example.com phone=",
		"/resend " + parseID + "`",
		"/resend status " + parseID,
		"/resend order " + parseID + " email=",
		"/resend help",
		"@resendbot resend " + parseID,
	} {
		if !strings.Contains(u, form) {
			t.Errorf("Usage() lacks %q:\n%s", form, u)
		}
	}
	if strings.ContainsAny(u, "<>") {
		t.Errorf("Usage() has < or >, which Slack reads as markup:\n%s", u)
	}
	// Every example in the usage must itself parse.
	for _, line := range strings.Split(u, "\n") {
		for _, code := range strings.Split(line, "`")[1:] {
			after, ok := strings.CutPrefix(code, "/resend ")
			if !ok {
				after, ok = strings.CutPrefix(code, "@resendbot resend ")
			}
			if !ok || strings.ContainsRune(line, '`') && strings.Count(line, "`")%2 != 0 {
				continue
			}
			if _, err := parse(en, after, "NO"); err != nil {
				t.Errorf("the usage example %q does not parse: %v", code, err)
			}
		}
	}
}

func showCommand(c Command) string {
	p := "nil"
	if c.Phone != nil {
		p = "&" + strings.Join([]string{c.Phone.CountryCode, c.Phone.National, c.Phone.E164}, "|")
	}
	return "{Kind:" + []string{"Usage", "Help", "Resend", "Offer", "Status"}[c.Kind] +
		" Reservation:" + c.Reservation + " Email:" + c.Email + " Phone:" + p + "}"
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, text string }{
		{"email", parseID + " email=kari@example.com"},
		{"phone", parseID + " phone=+47 412 34 567"},
		{"both wrapped", parseID + " sms=<tel:+4741234567|+47 412 34 567> email=<mailto:kari@example.com|kari@example.com>"},
		{"garbage", "hello there " + strings.Repeat("x ", 50)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			pr := parserFor(en, "NO")
			for b.Loop() {
				_, _ = pr.Parse(bm.text)
			}
		})
	}
}

// Norwegian keys mean the same as the English ones, in any case.
func TestNorwegianKeyAliases(t *testing.T) {
	for _, c := range []struct{ text, email, phone string }{
		{parseID + " epost=kari@example.com", "kari@example.com", ""},
		{parseID + " E-post=kari@example.com", "kari@example.com", ""},
		{parseID + " telefon=+47 412 34 567", "", "+4741234567"},
		{parseID + " tlf=41234567", "", "+4741234567"},
		{parseID + " mobil=412 34 567 epost=kari@example.com", "kari@example.com", "+4741234567"},
	} {
		cmd, err := parse(en, c.text, "NO")
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		got := ""
		if cmd.Phone != nil {
			got = cmd.Phone.E164
		}
		if cmd.Kind != KindResend || cmd.Email != c.email || got != c.phone {
			t.Errorf("%q = %+v (phone %q), want email %q phone %q", c.text, cmd, got, c.email, c.phone)
		}
	}
	if cmd, err := parse(en, "hjelp", "NO"); err != nil || cmd.Kind != KindHelp {
		t.Errorf("hjelp = %+v, %v; want help", cmd, err)
	}
	if _, err := parse(en, parseID+" epost=kari@example.com e-post=ola@example.com", "NO"); err == nil {
		t.Error("two email keys (epost and e-post) were accepted")
	}
}

// A hint that repeats what was typed repeats it escaped: a mention or a
// link typed by mistake pings no one.
func TestHintsEscapeWhatWasTyped(t *testing.T) {
	for _, text := range []string{parseID + " <!channel> @here", parseID + " <@U123> hi@x", parseID + " +47 <!here>"} {
		_, err := parse(en, text, "NO")
		if err == nil {
			t.Fatalf("%q accepted", text)
		}
		if msg := err.Error(); strings.Contains(msg, "<!") || strings.Contains(msg, "<@") {
			t.Errorf("%q: the answer repeats markup raw: %s", text, msg)
		}
	}
}

// TestOnFileContactIsReadAsHeld: the contact Front Payment holds is
// checked like typed input, field by field, so that nothing in it can
// pass for another key (read back as command text, "a@b.no phone=+47…"
// would have offered a@b.no, an address that is not on file), and as
// held: Front Payment sends to what it holds, not to a Slack link's target
// nor to an address without its invisible characters.
func TestOnFileContactIsReadAsHeld(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want string // "" when refused
	}{
		{"kari@example.com", "kari@example.com"},
		{"  kari@example.com ", "kari@example.com"},
		{"kari@example.com\u200b", ""},
		{"kari@exa\u200dmple.com", ""},
		{"<mailto:kari@example.com|kari@example.com>", ""},
		{"tom&amp;jerry@example.com", ""},
		{"Kari Nordmann <kari@example.com>", ""},
		{"a@x.no; b@y.no", ""},
		{"kari@example.com.", ""},
		{`["kari@example.com"]`, ""},
		{"kari@example.com phone=+4741234567", ""},
		{"kari@example.com email=ola@example.com", ""},
		{"not an address", ""},
		{"", ""},
	} {
		got, err := parserFor(en, "NO").OnFileEmail(tc.addr)
		if tc.want == "" {
			if err == nil {
				t.Errorf("OnFileEmail(%q) = %q, want it refused", tc.addr, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("OnFileEmail(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	// Equivalent mutant: command.go's OnFilePhone, `r > unicode.MaxASCII`
	// → `>=`, changes nothing: U+007F (DEL), the one rune it adds, is no
	// digit, so unicode.IsDigit refuses it in both.
	for _, tc := range []struct {
		country, msisdn string
		want            *Phone // nil when refused
		landline        bool
	}{
		{"+47", "41234567", mobileNO, false},
		{"47", "412 34 567", mobileNO, false},
		{"+47", "+47 412 34 567", mobileNO, false},
		{"+46", "701234567", mobileSE, false},
		{"+47", "4741234567", nil, false}, // the code twice: not what Front Payment would dial
		{"+47", "41234567 email=ola@example.com", nil, false},
		{"+47 msisdn=41234567", "41234567", nil, false},
		{"+47", "<tel:41234567|41234567>", nil, false},
		{"+47", "41234567\u200b", nil, false},
		{"+47", "\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667", nil, false}, // Arabic-Indic digits
		{"+\u0664\u0667", "41234567", nil, false},
		{"NO", "41234567", nil, false},
		{"+47", "22123456", nil, true}, // a landline gets no SMS
		{"+47", "", nil, false},
		{"", "41234567", nil, false},
		{"", "+4741234567", nil, false},
	} {
		got, err := parserFor(en, "NO").OnFilePhone(tc.country, tc.msisdn)
		if IsLandline(err) != tc.landline {
			t.Errorf("OnFilePhone(%q, %q): IsLandline(%v) = %v", tc.country, tc.msisdn, err, !tc.landline)
		}
		if tc.want == nil {
			if err == nil {
				t.Errorf("OnFilePhone(%q, %q) = %+v, want it refused", tc.country, tc.msisdn, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OnFilePhone(%q, %q) = %+v, %v; want %+v", tc.country, tc.msisdn, got, err, tc.want)
		}
	}
}

// TestSameEmail: addresses are the same but for the case of ASCII letters
// only; a letter that folds to an ASCII one in Unicode is another address.
func TestSameEmail(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"kari@example.com", "kari@example.com", true},
		{"KARI.Nordmann@Example.COM", "kari.nordmann@example.com", true},
		{"\u212aari@example.com", "kari@example.com", false},  // KELVIN SIGN folds to k
		{"kari@example.com", "kari@exampl\u0435.com", false},  // Cyrillic e
		{"kari@example.\u017fe", "kari@example.se", false},    // LONG S folds to s
		{"\u00c5se@example.no", "\u00e5se@example.no", false}, // non-ASCII case is not folded either
		{"kari@example.com", "kari@example.com.", false},
		{"kari@example.com", "kari@example.com\u200b", false},
		{"", "", true},
		{"AZaz09@EXAMPLE.NO", "azAZ09@example.no", true}, // both ends of A-Z
		{"@k@example.no", "`k@example.no", false},        // '@' and '`' are 32 apart, but no letters
		{"k[@example.no", "k{@example.no", false},        // '[' and '{' likewise
	} {
		if got := SameEmail(tc.a, tc.b); got != tc.same {
			t.Errorf("SameEmail(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
		if got := SameEmail(tc.b, tc.a); got != tc.same {
			t.Errorf("SameEmail(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.same)
		}
	}
}
