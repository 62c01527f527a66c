package command

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"resendbot/frontpay"
)

// parseSeeds are what FuzzParse starts from, with region NO: the commands
// people type and the mistakes they make.
var parseSeeds = []string{
	"", " ", "\u00a0", "help", "HELP", "?", "status", "status " + parseID, "STATUS " + parseIDUpper + " x",
	parseID, parseIDUpper, parseID + " status", "12345", "{" + parseID + "}",
	parseID + " email=kari@example.com",
	parseID + " email=<mailto:kari@example.com|kari@example.com>",
	parseID + " email=<mailto:kari@example.com>",
	parseID + " EMAIL = Kari@Example.COM",
	parseID + " email=kari@example",
	parseID + " email=Kari <kari@example.com>",
	parseID + ` email="kari"@example.com`,
	parseID + " email=kari@[10.0.0.1]",
	parseID + " email=",
	parseID + " phone=+4741234567",
	parseID + " phone=+47 412 34 567 email=kari@example.com",
	parseID + " sms=004741234567",
	parseID + " phone=41234567",
	parseID + " phone=<tel:+4741234567|+47 41234567>",
	parseID + " phone=<tel:+4741234567>",
	parseID + " phone=+47 22 12 34 56",
	parseID + " phone=+47 12345678",
	parseID + " phone=+46 (0)70 123 45 67",
	parseID + " phone=1-800-FLOWERS",
	parseID + " phone=+1 202 555 0123",
	parseID + " phone=+999 1234",
	parseID + " phone=٤١٢٣٤٥٦٧",
	parseID + " country=+47 msisdn=41234567",
	parseID + " msisdn=412 34 567 country=0047",
	parseID + " country=+47 msisdn=4741234567",
	parseID + " country=+47 msisdn=+46701234567",
	parseID + " country=+47",
	parseID + " phone=41234567 msisdn=41234567",
	parseID + " phone=1 sms=2",
	parseID + " foo=bar",
	parseID + " kari@example.com",
	parseID + " email kari@example.com",
	parseID + " phone=<tel:+47|email=x> email=a@b.no",
	parseID + "\u200bemail=kari@example.com",
	parseID + " email=k\xffari@example.com",
	"order " + parseID + " email=kari@example.com", "ORDRE " + parseIDUpper, "status order " + parseID,
	"reservation " + parseID + " phone=41234567", "Reservasjon", "order order " + parseID, "status ordre",
	parseID + " order", "order status " + parseID, "ordre\u200b" + parseID + " email=kari@example.com",
}

// FuzzParse feeds Parse what a person might type, and what
// nobody would. Whatever comes in, it answers with a well-formed Command or
// an *InputError, and a parsed resend survives being written out in the
// canonical form and read again.
func FuzzParse(f *testing.F) {
	for _, seed := range parseSeeds {
		f.Add(seed, "NO")
	}
	f.Add(parseID+" phone=0701234567", "SE")
	f.Add(parseID+" phone=41234567", "")
	f.Add(parseID+" phone=41234567", "xx")

	f.Fuzz(func(t *testing.T, text, region string) {
		cmd, err := parse(en, text, region)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Parse(%q) error %T %v, want *InputError", text, err, err)
			}
			if ie.Message == "" || !utf8.ValidString(ie.Message) || len(ie.Message) > 600 {
				t.Fatalf("Parse(%q) message %q: empty, not UTF-8 or too long", text, ie.Message)
			}
			switch ie.Field {
			case "reservation", "email", "phone", "country", "msisdn", "syntax":
			default:
				t.Fatalf("Parse(%q) Field %q", text, ie.Field)
			}
			if !reflect.DeepEqual(cmd, Command{}) {
				t.Fatalf("Parse(%q) = %+v with an error", text, cmd)
			}
			return
		}
		checkCommand(t, text, cmd)
		if cmd.Kind != KindResend {
			return
		}
		canonical := cmd.Reservation
		if cmd.Link != frontpay.LinkUnknown {
			canonical = cmd.Link.String() + " " + canonical
		}
		if cmd.Email != "" {
			canonical += " email=" + cmd.Email
		}
		if cmd.Phone != nil {
			canonical += " phone=" + cmd.Phone.E164
		}
		again, err := parse(en, canonical, region)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its canonical form %q fails: %v", text, cmd, canonical, err)
		}
		if !reflect.DeepEqual(again, cmd) {
			t.Fatalf("Parse(%q) = %s, but its canonical form %q gives %s",
				text, showCommand(cmd), canonical, showCommand(again))
		}
	})
}

func checkCommand(t *testing.T, text string, cmd Command) {
	t.Helper()
	switch cmd.Kind {
	case KindUsage, KindHelp:
		if !reflect.DeepEqual(cmd, Command{Kind: cmd.Kind}) {
			t.Fatalf("Parse(%q) = %+v, want only a Kind", text, cmd)
		}
		return
	case KindResend, KindOffer, KindStatus:
	default:
		t.Fatalf("Parse(%q) Kind %d", text, cmd.Kind)
	}
	if cmd.Link != frontpay.LinkUnknown && cmd.Link != frontpay.LinkReservation && cmd.Link != frontpay.LinkOrder {
		t.Fatalf("Parse(%q) Link %v", text, cmd.Link)
	}
	if said := strings.Fields(strings.ToLower(strings.Map(zeroWidthToSpace, text))); cmd.Link != frontpay.LinkUnknown &&
		!slices.Contains(said, "order") && !slices.Contains(said, "ordre") && !slices.Contains(said, "reservation") && !slices.Contains(said, "reservasjon") {
		t.Fatalf("Parse(%q) Link %v without a kind word", text, cmd.Link)
	}
	if !isCanonicalUUID(cmd.Reservation) || cmd.Reservation != strings.ToLower(cmd.Reservation) {
		t.Fatalf("Parse(%q) Reservation %q is not a lower-case canonical UUID", text, cmd.Reservation)
	}
	if cmd.Kind != KindResend {
		if cmd.Email != "" || cmd.Phone != nil {
			t.Fatalf("Parse(%q) = %+v: a destination without a resend", text, cmd)
		}
		return
	}
	if cmd.Email == "" && cmd.Phone == nil {
		t.Fatalf("Parse(%q) = %+v: a resend without a destination", text, cmd)
	}
	if cmd.Email != "" && (!strings.Contains(cmd.Email, "@") || strings.TrimSpace(cmd.Email) != cmd.Email) {
		t.Fatalf("Parse(%q) Email %q", text, cmd.Email)
	}
	if p := cmd.Phone; p != nil {
		if !strings.HasPrefix(p.CountryCode, "+") || len(p.CountryCode) < 2 ||
			strings.Trim(p.CountryCode[1:], "0123456789") != "" ||
			p.National == "" || strings.Trim(p.National, "0123456789") != "" ||
			p.E164 != p.CountryCode+p.National {
			t.Fatalf("Parse(%q) Phone %+v is not well-formed", text, *p)
		}
	}
}

// FuzzPlainEmail holds the email fast path to the full check: whatever
// plainEmail accepts, net/mail and the label rules accept too.
func FuzzPlainEmail(f *testing.F) {
	for _, seed := range []string{
		"kari@example.com", "k.a.r.i+tag@mail.example.no", "a@b.c", "x@-y.z", "o'brien@example.ie",
		"{weird}@ex-ample.com", ".kari@example.com", "kari.@example.com", "ka..ri@example.com",
		"kari@example..com", "kari@example.com.", "kari@example", "@example.com", "kari@", "kari@@example.com",
		"kåri@example.com", "kari@exämple.com", `"kari"@example.com`, "kari@[10.0.0.1]", "Kari <kari@example.com>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if plainEmail(v) && !parsedEmail(v) {
			t.Fatalf("plainEmail(%q) accepts what the full check refuses", v)
		}
	})
}

// FuzzNumberType holds checkMobile to libphonenumber: a number is valid
// exactly when its type is known, and numbers.typeOf types it as
// GetNumberType does.
func FuzzNumberType(f *testing.F) {
	for _, seed := range []string{"+4741234567", "+4722123456", "+4712345678", "+4779123456", "+46701234567",
		"+12025550123", "+80012345678", "+8823456789", "+999123", "+390612345678", "+4480080080", "41234567"} {
		f.Add(seed, "NO")
	}
	f.Fuzz(func(t *testing.T, num, region string) {
		n, err := phonenumbers.Parse(num, region)
		if err != nil {
			return
		}
		valid, typ := phonenumbers.IsValidNumber(n), phonenumbers.GetNumberType(n)
		if valid != (typ != phonenumbers.UNKNOWN) {
			t.Fatalf("%q in %q: IsValidNumber %v but GetNumberType %v", num, region, valid, typ)
		}
		if ours := testNums.typeOf(n); ours != typ {
			t.Fatalf("%q in %q: GetNumberType %v, numbers.typeOf %v", num, region, typ, ours)
		}
	})
}
