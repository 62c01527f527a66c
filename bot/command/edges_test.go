package command

import (
	"errors"
	"strings"
	"testing"
)

// These cases pin lines whose breakage no other test noticed: test data
// with every digit, a key word at the very end, the limits' boundaries.

func TestMaskPhoneKeepsEveryDigit(t *testing.T) {
	for _, tc := range []struct {
		p    Phone
		want string
	}{
		{Phone{CountryCode: "+47", National: "90123459", E164: "+4790123459"}, "+47 ****3459"},
		{Phone{CountryCode: "+47", National: "901 23 459", E164: "+4790123459"}, "+47 ****3459"},
		{Phone{CountryCode: "+47", National: "(901)-23.459", E164: "+4790123459"}, "+47 ****3459"},
		{Phone{CountryCode: "+358", National: "412345670", E164: "+358412345670"}, "+358 *****5670"},
		{Phone{CountryCode: "+1", E164: "+12015550199"}, "+1 ******0199"},
	} {
		if got := MaskPhone(tc.p); got != tc.want {
			t.Errorf("MaskPhone(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestFormatPhoneShowsEveryDigit(t *testing.T) {
	p, err := parse(en, parseID+" phone=+47 901 23 459", "NO")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatPhone(*p.Phone); got != "+47 901 23 459" {
		t.Errorf("FormatPhone = %q, want %q", got, "+47 901 23 459")
	}
}

// A key word with nothing after it at the end of the text, with or without
// other keys before it, is a refusal, never a read past the last word.
func TestKeyWordLastWithoutEquals(t *testing.T) {
	for _, text := range []string{parseID + " email", parseID + " phone", parseID + " SMS"} {
		_, err := parse(en, text, "NO")
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != "syntax" || !strings.Contains(ie.Message, "Put = between") {
			t.Errorf("Parse(%q) = %v, want the syntax refusal asking for =", text, err)
		}
	}
	// After a key's value, the word is part of that value, and the value
	// is refused for it.
	for text, field := range map[string]string{
		parseID + " phone=+47 412 34 567 email": "phone",
		parseID + " email=kari@example.com SMS": "email",
	} {
		_, err := parse(en, text, "NO")
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("Parse(%q) = %v, want a refusal of %s=", text, err, field)
		}
	}
}

// Stray words before a key are quoted alone in the refusal, and reading
// them ends (parse has a generous deadline instead of hanging the test).
func TestStrayWordsBeforeAKeyAreQuotedAlone(t *testing.T) {
	for text, want := range map[string]string{
		parseID + " kari@example.com phone=+4741234567":       "email=kari@example.com",
		parseID + " 412 34 567 email=kari@example.com":        "phone=412 34 567",
		parseID + " to my mum phone=+4741234567 email=a@b.no": `"to my mum"`,
	} {
		_, err := parse(en, text, "NO")
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, want) {
			t.Errorf("Parse(%q) = %v, want a refusal quoting %s", text, err, want)
			continue
		}
		if strings.Contains(ie.Message, "41234567") && !strings.Contains(want, "412") {
			t.Errorf("Parse(%q) = %q quotes the key's value too", text, ie.Message)
		}
	}
}

func TestTheLengthLimitsBoundaries(t *testing.T) {
	base := parseID + " email=kari@example.com"
	exact := base + strings.Repeat(" ", maxCommandBytes-len(base))
	if _, err := parse(en, exact, "NO"); err != nil {
		t.Errorf("a command of exactly %d bytes: %v", maxCommandBytes, err)
	}
	if _, err := parse(en, exact+" ", "NO"); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("a command of %d bytes: %v, want too long", maxCommandBytes+1, err)
	}
	pr := parserFor(en, "NO")
	tooLong := en.T("command.form.too_long")
	for _, tc := range []struct{ name, email, phone string }{
		{"email", strings.Repeat("a", maxCommandBytes) + "@example.com", ""},
		{"phone", "", strings.Repeat("4", maxCommandBytes)},
		{"both", strings.Repeat("a", maxCommandBytes/2) + "@example.com", strings.Repeat("4", maxCommandBytes/2)},
	} {
		_, err := pr.Resend(parseID, tc.email, tc.phone)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Message != tooLong || ie.Field != "reservation" {
			t.Errorf("form with a long %s: %v, want %q", tc.name, err, tooLong)
		}
	}
	// A form of exactly maxCommandBytes (after its fields are trimmed) is
	// read, and refused for what it holds: an address far too long.
	exactEmail := strings.Repeat("k", maxCommandBytes-len(parseID)-len("@example.com")) + "@example.com"
	_, err := pr.Resend(parseID, exactEmail, "")
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "email" || ie.Message == tooLong {
		t.Errorf("a form of exactly %d bytes: %v, want the email refused, not the form", maxCommandBytes, err)
	}
}

// Calling codes of one and three digits are codes like any other.
func TestCallingCodesOfEveryLength(t *testing.T) {
	for text, e164 := range map[string]string{
		parseID + " country=+358 msisdn=412345678":  "+358412345678",
		parseID + " country=+1 msisdn=2015550123":   "+12015550123",
		parseID + " country=+7 msisdn=9123456789":   "+79123456789",
		parseID + " country=0046 msisdn=701234567":  "+46701234567",
		parseID + " country=+354 msisdn=6111234":    "+3546111234",
		parseID + " country=+47 msisdn=90 12 34 59": "+4790123459",
	} {
		cmd, err := parse(en, text, "NO")
		if err != nil || cmd.Phone == nil || cmd.Phone.E164 != e164 {
			t.Errorf("Parse(%q) = %+v, %v; want %s", text, cmd.Phone, err, e164)
		}
	}
	pr := parserFor(en, "NO")
	for _, tc := range []struct{ cc, msisdn, e164 string }{
		{"+358", "412345678", "+358412345678"},
		{"+1", "2015550123", "+12015550123"},
	} {
		if p, err := pr.OnFilePhone(tc.cc, tc.msisdn); err != nil || p.E164 != tc.e164 {
			t.Errorf("OnFilePhone(%q, %q) = %+v, %v; want %s", tc.cc, tc.msisdn, p, err, tc.e164)
		}
	}
	for _, bad := range []string{"+", "+0", "+4747", "+999"} {
		if _, err := parse(en, parseID+" country="+bad+" msisdn=41234567", "NO"); err == nil {
			t.Errorf("country=%s accepted", bad)
		}
	}
}

func TestCountryCodeTwiceGetsItsOwnHint(t *testing.T) {
	_, err := parse(en, parseID+" country=+47 msisdn=4790123459", "NO")
	want := en.T("command.msisdn.code_twice", "MSISDN", "4790123459", "National", "90123459")
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// The quick check of plain addresses must never let through what the full
// check refuses: each of these is refused.
func TestEmailsWithCharactersOutsideTheirPlace(t *testing.T) {
	for _, addr := range []string{
		"kari;nordmann@example.com", "kari(x)@example.com", "kari,n@example.com",
		"kari[1]@example.com", `kari\n@example.com`, `ka"ri@example.com`, "kari:n@example.com",
		"kari@exa[mple.com", "kari@example.c;om", "kari@exa mple.com", "kari@exa(mple.com",
		".kari@example.com", "kari.@example.com", "kari..n@example.com", "kari@example..com",
		"kari@.example.com", "kari@example.com.", "@example.com", `""@example.com`, `"kari"@example.com`,
		`"k@ri"@example.com`, "kari@[192.0.2.1]", "kari@localhost", "Kari <kari@example.com>", "<kari@example.com>",
	} {
		if validEmail(addr) {
			t.Errorf("validEmail(%q) = true", addr)
		}
		if _, err := parse(en, parseID+" email="+addr, "NO"); err == nil {
			t.Errorf("Parse(email=%q) accepted it", addr)
		}
	}
	for _, addr := range []string{"Kari.Nordmann+tag@Example.COM", "k@e.no", "kari_n-o@sub.example-domain.no", "0123456789@9.io"} {
		if !validEmail(addr) {
			t.Errorf("validEmail(%q) = false", addr)
		}
	}
}

// cutKey takes a word for a key when it is a letter then letters, digits,
// '-' or '_'. The cases sit on both sides of each range's ends ('@' and
// '[' around A-Z, '`' and '{' around a-z, '/' and ':' around 0-9), so a
// key written with an A, a Z, a 0 or a 9 is still reported as a key.
func TestCutKeyCharacterRanges(t *testing.T) {
	for _, name := range []string{"a", "z", "A", "Z", "a0", "z9", "Ab-c", "Zy_x", "Zip_09-az", "q1234567890"} {
		if got, rest, ok := cutKey(name + "=v 1"); !ok || got != name || rest != "v 1" {
			t.Errorf("cutKey(%q) = %q, %q, %v; want %q, %q, true", name+"=v 1", got, rest, ok, name, "v 1")
		}
	}
	for _, name := range []string{"", "0a", "9a", "-a", "_a", "@a", "[a", "`a", "{a", "a@", "a[", "a`", "a{", "a/", "a:", "a.b", "é", "aé"} {
		if got, _, ok := cutKey(name + "=v"); ok {
			t.Errorf("cutKey(%q) = %q, true; want no key", name+"=v", got)
		}
	}
	if _, _, ok := cutKey("email"); ok {
		t.Error(`cutKey("email") is a key without "="`)
	}
	// Through Parse: an unknown key is named as one.
	for _, key := range []string{"Address", "zip_09", "A-1"} {
		_, err := parse(en, parseID+" email=kari@example.com "+key+"=x", "NO")
		want := en.T("command.key.unknown", "Typed", quote(en, key+"="), "Email", ExampleEmail)
		if err == nil || err.Error() != want {
			t.Errorf("%s=x: %v, want %q", key, err, want)
		}
	}
}

// linkParts reads no link from a value too short to hold one, and never
// indexes past it.
//
// Equivalent mutant: command.go's linkParts, `len(v) < 2` → `<= 2`, only
// changes which line refuses "<>": with the original it passes the first
// check and is refused because "" starts with neither scheme.
func TestLinkPartsOfShortValues(t *testing.T) {
	for _, v := range []string{"", "<", ">", "<>", "<|>", "<a>", "<tel:>x", "x<tel:1>"} {
		if target, label, ok := linkParts(v); ok {
			t.Errorf("linkParts(%q) = %q, %q, true; want no link", v, target, label)
		}
	}
	if target, label, ok := linkParts("<tel:>"); !ok || target != "" || label != "" {
		t.Errorf(`linkParts("<tel:>") = %q, %q, %v; want an empty tel: link`, target, label, ok)
	}
}

// The invisible-character refusal quotes what was typed without the
// invisible characters, nothing put in their place.
//
// Equivalent mutants: `r >= 0` → `r > 0` after invisibleIn in checkEmail
// and parsePhone: invisibleIn returns -1 or a format character (category
// Cf), and U+0000 is not one. Likewise checkEmail's space check,
// `IndexFunc(v, unicode.IsSpace) >= 0` → `> 0`: every way to it (a
// command's value, a Slack link's target, a form's field, an address on
// file) trims the value with the same unicode.IsSpace, so no space is at
// index 0.
func TestInvisibleCharactersAreDroppedFromTheQuote(t *testing.T) {
	for _, tc := range []struct{ text, visible, code, example string }{
		{parseID + " email=ka\u200dri.N0rdmann9@example.com", "kari.N0rdmann9@example.com", "U+200D", "email=" + ExampleEmail},
		{parseID + " phone=+47 901\u00ad23 459", "+47 90123 459", "U+00AD", "phone=" + ExamplePhone},
		{parseID + " email=\u202ek@e.no\u2066", "k@e.no", "U+202E", "email=" + ExampleEmail},
	} {
		_, err := parse(en, tc.text, "NO")
		want := en.T("command.typed.invisible", "Typed", quote(en, tc.visible), "Code", tc.code, "Example", tc.example)
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %q", tc.text, err, want)
		}
	}
}

// RFC 5321's limits are checked at their exact lengths, and for an
// address with nothing before its "@" too.
func TestEmailLimitsAtTheirExactLengths(t *testing.T) {
	label63 := strings.Repeat("a", 30) + "0123456789" + strings.Repeat("Z", 23) // 63 characters
	if _, err := parse(en, parseID+" email=kari@"+label63+".no", "NO"); err != nil {
		t.Errorf("a domain label of exactly %d characters was refused: %v", maxLabel, err)
	}
	for _, addr := range []string{"kari@" + label63 + "9.no", "@" + label63 + "9.no"} {
		_, err := parse(en, parseID+" email="+addr, "NO")
		why := en.T("command.email.long_label", "Length", maxLabel+1, "Max", maxLabel)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("email=%s: %v, want %q", addr, err, why)
		}
	}
}

// A number that is valid as typed after country= is read as typed, even
// when its first digits are the country code again: the hint about a code
// typed twice is for numbers that are valid only without it.
func TestANumberValidAsTypedIsNotTheCodeTwice(t *testing.T) {
	cmd, err := parse(en, parseID+" country=+1 msisdn=1 201 555 0123", "NO")
	if err != nil || cmd.Phone == nil || cmd.Phone.E164 != "+12015550123" {
		t.Errorf("country=+1 msisdn=1 201 555 0123: %+v, %v; want +12015550123", cmd.Phone, err)
	}
	// +49 4915123456789 is a German landline; +49 15123456789 a mobile.
	_, err = parse(en, parseID+" country=+49 msisdn=4915123456789", "NO")
	if !IsLandline(err) {
		t.Errorf("country=+49 msisdn=4915123456789: %v, want the landline refusal", err)
	}
}

// A quote of the caller's text keeps up to maxQuoted runes, and cuts a
// longer one to maxQuoted with its last rune an ellipsis.
func TestQuotesAreCutAtMaxQuoted(t *testing.T) {
	exact := strings.Repeat("Zz9", 13) + "ø" // 40 runes, the last not ASCII
	if got := trimQuoted(exact); got != exact {
		t.Errorf("trimQuoted(%d runes) = %q, want it whole", len([]rune(exact)), got)
	}
	long := exact + "x"
	if got, want := trimQuoted(long), strings.Repeat("Zz9", 13)+"…"; got != want {
		t.Errorf("trimQuoted(%d runes) = %q, want %q", len([]rune(long)), got, want)
	}
}

// Each of RFC 5321's limits, checked in order (the part before @, the
// domain, the whole address), refuses one character over it and takes
// exactly it.
func TestEmailLengthLimitsInOrder(t *testing.T) {
	domainOf := func(n int) string { // n characters, labels of at most 63
		var labels []string
		for n > 64 {
			labels = append(labels, strings.Repeat("d", 62)+"9")
			n -= 64
		}
		return strings.Join(append(labels, strings.Repeat("Z", n-3)+".no"), ".")
	}
	local := func(n int) string { return strings.Repeat("k0", n/2) + strings.Repeat("9", n%2) }
	long := func(key string, length, max int) string {
		return en.T("command.email."+key, "Length", length, "Max", max)
	}
	for _, tc := range []struct {
		addr string
		why  string // "" when the address is taken
	}{
		{local(64) + "@" + domainOf(189), ""}, // 254 characters
		{local(64) + "@" + domainOf(190), long("long_address", 255, maxAddress)},
		{local(1) + "@" + domainOf(252), ""},
		{local(1) + "@" + domainOf(253), long("long_address", 255, maxAddress)},
		{local(1) + "@" + domainOf(255), long("long_address", 257, maxAddress)},
		{local(1) + "@" + domainOf(256), long("long_domain", 256, maxDomain)},
		{local(65) + "@" + domainOf(256), long("long_local", 65, maxLocalPart)},
	} {
		_, err := parse(en, parseID+" email="+tc.addr, "NO")
		switch {
		case tc.why == "" && err != nil:
			t.Errorf("an address of %d characters: %v, want it taken", len(tc.addr), err)
		case tc.why != "" && (err == nil || !strings.Contains(err.Error(), tc.why)):
			t.Errorf("an address of %d characters: %v, want %q", len(tc.addr), err, tc.why)
		}
	}
}

func TestStripMention(t *testing.T) {
	for _, tc := range []struct {
		text, rest string
		ok         bool
	}{
		{"<@U0123ABC9> resend " + parseID, parseID, true},
		{"  <@U0123ABC9|resendbot>, RESEND  " + parseID + " ", parseID, true},
		{"<@U0123ABC9>: status " + parseID, "status " + parseID, true},
		{"<@U0123ABC9> resending", "resending", true},
		{" resend " + parseID + " ", "resend " + parseID, false},
		{"hi <@U0123ABC9> resend", "hi <@U0123ABC9> resend", false},
		{"<@u0123abc9> resend", "<@u0123abc9> resend", false},
	} {
		if rest, ok := StripMention(tc.text); rest != tc.rest || ok != tc.ok {
			t.Errorf("StripMention(%q) = %q, %v; want %q, %v", tc.text, rest, ok, tc.rest, tc.ok)
		}
	}
}

func TestFoundEmpty(t *testing.T) {
	for f, want := range map[*Found]bool{
		{}:                                   true,
		{Reservations: []string{parseID}}:    false,
		{Emails: []string{"k@e.no"}}:         false,
		{Phones: []string{"+47 901 23 459"}}: false,
	} {
		if got := f.Empty(); got != want {
			t.Errorf("%+v.Empty() = %v, want %v", *f, got, want)
		}
	}
}
