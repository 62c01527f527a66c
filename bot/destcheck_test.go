package bot

import (
	"context"
	"resendbot/bot/i18n/i18ntest"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"resendbot/bot/command"
	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// checker is a core with nothing but what reading and comparing the
// contact on file needs: English words, region NO, contacts masked.
func checker() *Core {
	w := English()
	return &Core{cfg: &Config{MaskContacts: true}, d: Deps{Words: w}, parser: command.NewParser(w, "NO")}
}

// The shapes of a contact on file the bot cannot read, with what an agent
// types against each: every one is asked about, none is "nothing on file".
func TestAContactOnFileThatCannotBeReadIsAskedAbout(t *testing.T) {
	const typedPhone, typedEmail = "+4741234567", "kari@example.com"
	for _, c := range []struct {
		name     string
		customer frontpay.Customer
		landline bool
	}{
		{"the code repeated in msisdn", frontpay.Customer{CountryCode: "+47", MSISDN: "4741234567"}, false},
		{"E.164 msisdn without a calling code", frontpay.Customer{MSISDN: "+4741234567"}, false},
		{"a country code that is a country", frontpay.Customer{CountryCode: "NO", MSISDN: "41234567"}, false},
		{"a landline", frontpay.Customer{CountryCode: "+47", MSISDN: "22123456"}, true},
		{"msisdn with a zero-width space", frontpay.Customer{CountryCode: "+47", MSISDN: "41234567\u200b"}, false},
		{"msisdn as an object", frontpay.Customer{CountryCode: "+47", MSISDN: `{"number":"41234567"}`}, false},
		{"msisdn as a bool", frontpay.Customer{CountryCode: "+47", MSISDN: "true"}, false},
		{"msisdn in Arabic-Indic digits", frontpay.Customer{CountryCode: "+47", MSISDN: "\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667"}, false},
		{"a display name around the address", frontpay.Customer{Email: "Kari Nordmann <kari@example.com>"}, false},
		{"two addresses", frontpay.Customer{Email: "kari@example.com; ola@example.com"}, false},
		{"a trailing dot", frontpay.Customer{Email: "kari@example.com."}, false},
		{"a zero-width space", frontpay.Customer{Email: "kari@example.com\u200b"}, false},
		{"a zero-width joiner inside", frontpay.Customer{Email: "ka\u200dri@example.com"}, false},
		{"an array", frontpay.Customer{Email: `["kari@example.com"]`}, false},
		{"a number", frontpay.Customer{Email: "41234567"}, false},
		{"customerDetails not an object", frontpay.Customer{Held: `["kari@example.com","+4741234567"]`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := checker()
			f := e.readContact(c.customer)
			r := &request{Reservation: coreUUID, Email: typedEmail}
			channel, fc := "email", f.email
			if c.customer.MSISDN != "" || c.customer.Held != "" {
				p, err := e.parser.OnFilePhone("+47", strings.TrimPrefix(typedPhone, "+47"))
				if err != nil {
					t.Fatal(err)
				}
				r = &request{Reservation: coreUUID, Phone: p}
				channel, fc = "sms", f.sms
			}
			if fc.state != fileUnusable || fc.landline != c.landline {
				t.Fatalf("%s on file read as %+v, want unusable (landline %v)", channel, fc, c.landline)
			}
			if check, ask := checkAgainstFile(r, f).verdict(); check != checkUnreadable || !ask {
				t.Errorf("verdict = %q, ask %v; want %q, asked", check, ask, checkUnreadable)
			}
			if file := onFileInstead(r, f); file != nil {
				t.Errorf("onFileInstead = %+v, want nil: nothing on file to send to instead", file)
			}
			desc := e.describeOnFile(f)
			if desc == e.d.Words.T("lookup.on_file_none") || !strings.Contains(desc, "`") {
				t.Errorf("status says the contact on file is %q", desc)
			}
		})
	}
}

// Only the exact E.164 number and the address equal but for ASCII case
// are the one on file; nothing held is nothing on file.
func TestSameDiffersOrNothingOnFile(t *testing.T) {
	kari := frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}
	for _, c := range []struct {
		name, email, phone string
		customer           frontpay.Customer
		check              string
	}{
		{"the same address, other ASCII case", "KARI@Example.com", "", kari, checkMatched},
		{"the same number, written otherwise", "", "0047 412 34 567", kari, checkMatched},
		{"the number on file with its code", "", "+4741234567", frontpay.Customer{CountryCode: "+47", MSISDN: "+47 412 34 567"}, checkMatched},
		{"a KELVIN SIGN", "\u212aari@example.com", "", kari, checkAsked},
		{"a LONG S", "kari@example.\u017fe", "", frontpay.Customer{Email: "kari@example.se"}, checkAsked},
		{"a Cyrillic e", "kari@exampl\u0435.com", "", kari, checkAsked},
		{"another number", "", "+4799887766", kari, checkAsked},
		{"one same, one other", "kari@example.com", "+4799887766", kari, checkAsked},
		{"one same, one unreadable", "kari@example.com", "+4741234567", frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "4741234567"}, checkUnreadable},
		{"nothing on file", "ola@example.com", "+4799887766", frontpay.Customer{Name: "Kari"}, checkNoContact},
		{"a calling code alone", "", "+4799887766", frontpay.Customer{CountryCode: "+47"}, checkNoContact},
		{"one same, nothing for the other", "kari@example.com", "+4799887766", frontpay.Customer{Email: "kari@example.com"}, checkMatched},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := checker()
			cmd, err := e.parser.Resend(coreUUID, c.email, c.phone)
			if err != nil {
				t.Fatal(err)
			}
			check, ask := checkAgainstFile(newRequest(agentOrigin, cmd), e.readContact(c.customer)).verdict()
			if check != c.check || ask != (c.check == checkAsked || c.check == checkUnreadable) {
				t.Errorf("verdict = %q, ask %v; want %q", check, ask, c.check)
			}
		})
	}
}

// The zero fileContact, which nobody filled in, is never "nothing on
// file".
func TestAnUnfilledContactOnFileCannotBeCompared(t *testing.T) {
	r := &request{Email: "kari@example.com", Phone: &command.Phone{CountryCode: "+47", National: "41234567", E164: "+4741234567"}}
	c := checkAgainstFile(r, onFile{})
	if c.sms != matchCannotCompare || c.email != matchCannotCompare {
		t.Errorf("checkAgainstFile(zero onFile) = %+v, want cannot compare for both", c)
	}
}

// FuzzDestCheck compares a typed email and number with a contact on file
// of any text: the resend goes on unasked only when each typed
// destination is exactly the one on file (the same E.164 number, the same
// address but for ASCII case) or nothing at all is held for its channel.
func FuzzDestCheck(f *testing.F) {
	for _, s := range [][5]string{
		{"kari@example.com", "+4741234567", "kari@example.com", "+47", "41234567"},
		{"KARI@example.com", "41234567", "kari@example.com", "47", "412 34 567"},
		{"\u212aari@example.com", "", "kari@example.com", "", ""},
		{"kari@example.\u017fe", "", "kari@example.se", "", ""},
		{"kari@example.com", "+4741234567", "Kari Nordmann <kari@example.com>", "+47", "4741234567"},
		{"kari@example.com", "+4741234567", "a@x.no; b@y.no", "", "+4741234567"},
		{"kari@example.com", "+4741234567", "kari@example.com.", "NO", "41234567"},
		{"kari@example.com", "+4741234567", "kari@example.com\u200b", "+47", "22123456"},
		{"kari@example.com", "+4741234567", `["kari@example.com"]`, "+47", `{"n":1}`},
		{"kari@example.com", "+4741234567", "true", "+47", "+46701234567"},
		{"kari@example.com", "+4741234567", "<mailto:kari@example.com|kari@example.com>", "+47", "<tel:41234567>"},
		{"ola@example.com", "+4799887766", "", "+47", ""},
		{"kari@example.com", "+4741234567", "kari@example.com", "+47", "\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667"},
		{"kari@example.com", "+46701234567", "kari@example.com", "+46", "070-123 45 67"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	e := checker()
	f.Fuzz(func(t *testing.T, typedEmail, typedPhone, email, countryCode, msisdn string) {
		cmd, err := e.parser.Resend(coreUUID, typedEmail, typedPhone)
		if err != nil {
			return
		}
		r := newRequest(agentOrigin, cmd)
		customer := frontpay.Customer{Email: email, CountryCode: countryCode, MSISDN: msisdn}
		file := e.readContact(customer)
		if _, ask := checkAgainstFile(r, file).verdict(); ask {
			return
		}
		if r.Email != "" && email != "" && !asciiSame(strings.TrimSpace(email), r.Email) {
			t.Fatalf("email %q sent unasked; %q is on file", r.Email, email)
		}
		if r.Phone != nil && msisdn != "" && e164OnFile(countryCode, msisdn) != r.Phone.E164 {
			t.Fatalf("SMS to %s sent unasked; %q %q is on file", r.Phone.E164, countryCode, msisdn)
		}
	})
}

// asciiSame is a and b equal with only ASCII A-Z lower-cased.
func asciiSame(a, b string) bool {
	lower := func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return strings.Map(lower, a) == strings.Map(lower, b)
}

// e164OnFile is the number Front Payment's calling code and msisdn make,
// read by libphonenumber, or "" when they make none: ASCII digits and
// separators only, the msisdn national, or international with the same
// calling code.
func e164OnFile(countryCode, msisdn string) string {
	cc := strings.Join(strings.Fields(countryCode), "")
	if c, ok := strings.CutPrefix(cc, "+"); ok {
		cc = c
	} else {
		cc = strings.TrimPrefix(cc, "00")
	}
	code, err := strconv.Atoi(cc)
	if err != nil || cc == "" || cc[0] < '1' || cc[0] > '9' {
		return ""
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case r == '+' || '0' <= r && r <= '9':
			return r
		case strings.ContainsRune(" -().\u00a0", r):
			return -1
		}
		return 'x'
	}, strings.TrimSpace(msisdn))
	if d, ok := strings.CutPrefix(digits, "00"); ok {
		digits = "+" + d
	}
	if !strings.HasPrefix(digits, "+") {
		digits = "+" + cc + digits
	}
	n, err := phonenumbers.Parse(digits, "")
	if err != nil || !phonenumbers.IsValidNumber(n) || int(n.GetCountryCode()) != code {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// Through the core: an address on file the bot cannot read is asked
// about, with no "send to the one on file" button, and nothing is posted
// or sent until the caller chooses.
func TestCoreAsksWhenTheContactOnFileCannotBeRead(t *testing.T) {
	rec := newRecorder()
	c := startReading(t, Deps{Resender: heldReader{rec, frontpay.Customer{Email: "Kari <@U0BOSS> Nordmann <kari@example.com>"}}}, rec)
	c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
	rec.waitFor(t, "tell", 1)
	rec.mu.Lock()
	events, asked := strings.Join(rec.events, ","), rec.tells[0]
	rec.mu.Unlock()
	if want := "read " + coreUUID + ",tell U0AGENT"; events != want {
		t.Fatalf("events = %s, want %s", events, want)
	}
	if len(asked.Buttons) != 2 || asked.Buttons[0].Value[len(asked.Buttons[0].Value)-len(choiceTyped):] != choiceTyped ||
		!strings.HasSuffix(asked.Buttons[1].Value, choiceCancel) {
		t.Fatalf("buttons %+v, want send-typed and cancel", asked.Buttons)
	}
	for _, want := range []string{"can't compare", "`Kari &lt;@U0BOSS&gt; Nordmann &lt;kari@example.com&gt;`", "not an email address resendbot can read"} {
		if !strings.Contains(asked.Text, want) {
			t.Errorf("asked %q, want %q in it", asked.Text, want)
		}
	}
	// A forged "send to the one on file" press sends nothing.
	key, _, _ := strings.Cut(asked.Buttons[0].Value, ":")
	if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, key+":"+choiceFile); reply.Queued || !strings.Contains(reply.Answer, "expired") {
		t.Errorf("press of a button never shown: %+v", reply)
	}
	if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, asked.Buttons[0].Value); !reply.Queued {
		t.Fatalf("press: %+v", reply)
	}
	rec.waitFor(t, "update", 1)
	if n := rec.count("resend"); n != 1 {
		t.Errorf("front payment resends = %d, want 1", n)
	}
}

// startReading runs a core with the minimal configuration (the comparison
// with the contact on file on) on d, reporting to rec.
func startReading(t *testing.T, d Deps, rec *recorder) *Core {
	t.Helper()
	cfg, err := LoadConfig(testkit.Env(testkit.MinimalEnv()), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCore(cfg, d, rec)
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() { stopCore(t, c, ctx, cancel) })
	return c
}

// heldReader reads every reservation as open, with customer on file.
type heldReader struct {
	*recorder
	customer frontpay.Customer
}

func (r heldReader) Details(_ context.Context, kind frontpay.LinkKind, reservation string) (*frontpay.Record, error) {
	r.note("read " + reservation)
	return &frontpay.Record{Kind: kind, UUID: reservation, Status: "sent", Customer: r.customer}, nil
}

// The confirmation names a typed address's characters that are not ASCII,
// each once and at most maxNotASCII of them.
func TestNotASCIINote(t *testing.T) {
	w := English()
	for typed, want := range map[string]string{
		"kari@example.com":                    "",
		"\u212aari@example.com":               "(careful: it has characters that are not plain ASCII, U+212A, so",
		"\u212a\u212a\u017f\u0430\u0435@x.no": "ASCII, U+212A, U+017F, U+0430, so",
	} {
		got := notASCIINote(w, typed)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("notASCIINote(%q) = %q, want %q in it", typed, got, want)
		}
	}
}

// In Norwegian, the question about a contact on file that cannot be read,
// and status and the offer about it, read Norwegian.
func TestAContactOnFileThatCannotBeReadInNorwegian(t *testing.T) {
	nb, check := norwegian(t), i18ntest.New(t)
	assertNorwegian := check.Check
	e := checker()
	e.d.Words, e.parser = nb, command.NewParser(nb, "NO")
	f := e.readContact(frontpay.Customer{CountryCode: "+47", MSISDN: "22123456", Email: "Kari <kari@example.com>"})
	assertNorwegian(t, "status", e.describeOnFile(f))
	offer := e.offerMessage(t.Context(), agentOrigin, &frontpay.Record{Status: "sent", Customer: frontpay.Customer{CountryCode: "+47", MSISDN: "22123456", Email: "Kari <kari@example.com>"}}, coreUUID)
	assertNorwegian(t, "offer", offer.Text)
	for _, want := range []string{"Ingen SMS-knapp", "er et fasttelefonnummer", "Ingen e-postknapp", "`Kari &lt;kari@example.com&gt;`"} {
		if !strings.Contains(offer.Text, want) {
			t.Errorf("offer lacks %q:\n%s", want, offer.Text)
		}
	}
	assertNorwegian(t, "note", notASCIINote(nb, "\u212aari@example.com"))

	rec := newRecorder()
	c := startReading(t, Deps{Resender: heldReader{rec, frontpay.Customer{CountryCode: "+47", MSISDN: "4741234567"}}, Words: nb}, rec)
	c.Command(t.Context(), agentOrigin, coreUUID+" phone=+4741234567")
	rec.waitFor(t, "tell", 1)
	rec.mu.Lock()
	asked := rec.tells[0]
	rec.mu.Unlock()
	assertNorwegian(t, "confirmation", asked.Text+"\n"+asked.Note)
	if !strings.Contains(asked.Text, "klarer ikke å sammenligne") || !strings.Contains(asked.Text, "`+47 4741234567`: ikke et mobilnummer resendbot kan lese") {
		t.Errorf("confirmation %q", asked.Text)
	}
}

// DEL is ASCII: only what lies beyond it is named.
func TestNotASCIINoteStartsAfterDEL(t *testing.T) {
	if got := notASCIINote(English(), "kari\x7f@example.com"); got != "" {
		t.Errorf("DEL named: %q", got)
	}
	if got := notASCIINote(English(), "kari\u0080@example.com"); !strings.Contains(got, "U+0080") {
		t.Errorf("U+0080 not named: %q", got)
	}
}
