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

// FuzzSlackLink wraps a target and a label in a Slack link, as email=
// and phone= values: whenever the link is accepted, what would be sent
// is what its label shows (the same address but for ASCII case, the same
// number), so an agent never sends somewhere other than what they read.
func FuzzSlackLink(f *testing.F) {
	for _, s := range [][3]string{
		{"mailto:", "kari@example.com", "kari@example.com"},
		{"mailto:", "attacker@evil.example", "kari.nordmann@example.com"},
		{"mailto:", "Kari@Example.com", "kari@example.com"},
		{"mailto:", "kari@example.com", "\u212aari@example.com"},
		{"mailto:", "a@x.no", "b@y.no|a@x.no"},
		{"MAILTO:", "tom&amp;jerry@example.com", "tom&jerry@example.com"},
		{"mailto:", "", "kari@example.com"},
		{"mailto:", "kari@example.com", ""},
		{"tel:", "+4741234567", "+47 412 34 567"},
		{"tel:", "+4799999999", "+47 412 34 567"},
		{"tel:", "41234567", "+47 41234567"},
		{"tel:", "004741234567", "41234567"},
		{"tel:", "+4741234567", "Kari"},
		{"tel:", "+4741234567", "\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	pr := parserFor(en, "NO")
	f.Fuzz(func(t *testing.T, scheme, target, label string) {
		link := "<" + scheme + target + "|" + label + ">"
		_, shown, isLink := linkParts(link)
		if !isLink || shown == "" {
			return // not a link with a label: nothing is hidden behind one
		}
		if email, err := pr.parseEmail(cmdPair{"email", link}); err == nil && !SameEmail(email, shown) {
			t.Fatalf("email=%s sends to %q, but its label shows %q", link, email, shown)
		}
		if p, err := pr.parsePhone(cmdPair{"phone", link}); err == nil && !labelIsNumber(shown, p) {
			t.Fatalf("phone=%s sends to %s, but its label shows %q", link, p.E164, shown)
		}
	})
}

// labelIsNumber reports whether label, read as libphonenumber reads a
// Norwegian agent's number, is p.
func labelIsNumber(label string, p *Phone) bool {
	digits, ok := compactNumber(label)
	if !ok {
		return false
	}
	if digits == p.E164 {
		return true
	}
	n, err := phonenumbers.Parse(digits, "NO")
	return err == nil && phonenumbers.Format(n, phonenumbers.E164) == p.E164
}
