package command

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// zeroWidthToSpace maps the zero-width characters that come along when IDs
// are copied from web pages to a space. (strings.Map allocates nothing when
// there are none; a Replacer built per call was a quarter of the parse.)
func zeroWidthToSpace(r rune) rune {
	switch r {
	case '\u200b', '\u2060', '\ufeff':
		return ' '
	}
	return r
}

// CommandKind says what the caller asked for.
type Kind int

const (
	KindUsage  Kind = iota // empty text: the caller gets the form/usage
	KindHelp               // "help" (any case, also "?")
	KindResend             // "<uuid> <destinations>"
	KindOffer              // "<uuid>" alone: offer the contact on file
	KindStatus             // "status <uuid>"
)

// Phone is a number that passed libphonenumber's checks, in the parts Front
// Payment wants.
type Phone struct {
	CountryCode string // "+47"
	National    string // digits only, "41234567"
	E164        string // "+4741234567"
}

// Command is one parsed /resend.
type Command struct {
	Kind        Kind
	Link        frontpay.LinkKind // said with a kind word before the UUID; LinkUnknown when not
	Reservation string            // the reservation's or order's UUID, canonical lower-case 8-4-4-4-12
	Email       string            // trimmed as typed, "" if none
	Phone       *Phone            // nil if none
}

// InputError is a problem with what the caller typed. Field names the part
// ("reservation", "email", "phone", "country", "msisdn", "syntax"); Message
// says in plain words what is wrong and what to do, for a support agent to
// read as it is, in the language of the Words it was parsed with. Message may quote what was typed, so it can hold a
// customer's contact unmasked.
type InputError struct {
	Field, Message string
}

// Error returns Message: it is already the sentence a person should read.
func (e *InputError) Error() string { return e.Message }

// Examples used in messages and Usage, so every hint can be copied as is.
const (
	ExampleReservation = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"
	ExampleEmail       = "kari@example.com"
	ExamplePhone       = "+47 412 34 567"
)

// The country code and number apart, as country= and msisdn= take them.
const (
	exampleMSISDN        = "41234567"
	exampleCountryMSISDN = "country=+47 msisdn=" + exampleMSISDN
)

// maxQuoted bounds how much of the caller's text a message repeats.
const maxQuoted = 40

// maxCommandBytes bounds a command's text. The longest valid one (a UUID,
// a 254-character address, a number and Slack's link markup around both)
// is well under it; anything longer is refused before it is parsed.
const maxCommandBytes = 2000

// TypedReservation is the reservation or order a command's text names,
// lower-cased, when its first word (or the word after "status", or after a
// kind word) is a valid UUID; "" otherwise. It reads only those words, so
// it can run before the text is checked: audit lines of refused commands
// still name the reservation.
func TypedReservation(text string) string {
	text = strings.Map(zeroWidthToSpace, text)
	first, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if strings.EqualFold(first, "status") {
		first, rest, _ = strings.Cut(strings.TrimSpace(rest), " ")
	}
	if linkWord(first) != frontpay.LinkUnknown {
		first, _, _ = strings.Cut(strings.TrimSpace(rest), " ")
	}
	if isCanonicalUUID(first) {
		return strings.ToLower(first)
	}
	return ""
}

// Parser reads what people type, and what the form and Front Payment
// give, worded in one language, with one region for phone numbers written
// without a country code. It keeps the number rules it has compiled, so
// make one (NewParser) and share it; it is safe for concurrent use.
type Parser struct {
	w      *i18n.Words
	region string
	nums   *numbers
}

// NewParser returns a Parser that words its errors with w and reads phone
// numbers written without a country code as defaultRegion's ("NO").
func NewParser(w *i18n.Words, defaultRegion string) *Parser {
	return &Parser{w: w, region: strings.ToUpper(strings.TrimSpace(defaultRegion)), nums: &numbers{}}
}

// Parse parses the text after "/resend" (or after "resend" in a
// mention): a reservation ID, then where to send it, or a word such as
// status or help (README, "Using it"). Every error it returns is an
// *InputError.
func (pr *Parser) Parse(text string) (Command, error) {
	w := pr.w
	if len(text) > maxCommandBytes {
		return Command{}, &InputError{"syntax", w.T("command.syntax.too_long",
			"Length", utf8.RuneCountInString(text), "Reservation", ExampleReservation, "Email", ExampleEmail)}
	}
	// Zero-width characters sneak in when IDs are copied from web pages;
	// they separate words no differently from a space. (NBSP and the other
	// Unicode spaces are already spaces to strings.Fields.)
	text = strings.Map(zeroWidthToSpace, text)
	tokens := strings.Fields(text)
	if len(tokens) == 0 {
		return Command{Kind: KindUsage}, nil
	}
	switch strings.ToLower(tokens[0]) {
	case "help", "?", "-h", "--help", "hjelp":
		return Command{Kind: KindHelp}, nil
	case "status":
		return parseStatus(w, tokens[1:])
	}
	link, tokens := cutLinkWord(tokens)
	if len(tokens) == 0 {
		return Command{}, &InputError{"reservation", w.T("command.reservation.after_kind", "Reservation", ExampleReservation)}
	}
	id, err := parseReservation(w, tokens[0])
	if err != nil {
		return Command{}, err
	}
	if len(tokens) == 1 {
		return Command{Kind: KindOffer, Link: link, Reservation: id}, nil
	}
	pairs, err := splitPairs(w, tokens[1:])
	if err != nil {
		return Command{}, err
	}
	cmd := Command{Kind: KindResend, Link: link, Reservation: id}
	if err := pairs.combine(w); err != nil {
		return Command{}, err
	}
	if p, ok := pairs.get("email"); ok {
		if cmd.Email, err = pr.parseEmail(p); err != nil {
			return Command{}, err
		}
	}
	if p, ok := pairs.get("phone"); ok {
		if cmd.Phone, err = pr.parsePhone(p); err != nil {
			return Command{}, err
		}
	}
	if c, ok := pairs.get("country"); ok {
		m, _ := pairs.get("msisdn")
		if cmd.Phone, err = pr.parseCountryMSISDN(c, m); err != nil {
			return Command{}, err
		}
	}
	return cmd, nil
}

// Resend reads a resend given field by field, as the form gives it: the
// same checks and the same errors as Parse, without command text. An
// empty email or phone is not given; at least one must be.
func (pr *Parser) Resend(reservation, email, phone string) (Command, error) {
	w := pr.w
	reservation, email, phone = formField(reservation), formField(email), formField(phone)
	if len(reservation)+len(email)+len(phone) > maxCommandBytes {
		return Command{}, &InputError{"reservation", w.T("command.form.too_long")}
	}
	link, words := cutLinkWord(strings.Fields(reservation))
	if len(words) == 0 {
		return Command{}, &InputError{"reservation", w.T("command.form.no_reservation", "Reservation", ExampleReservation)}
	}
	id, err := parseReservation(w, strings.Join(words, " "))
	if err != nil {
		return Command{}, err
	}
	cmd := Command{Kind: KindResend, Link: link, Reservation: id}
	if email == "" && phone == "" {
		return Command{}, &InputError{"email", w.T("command.form.no_destination")}
	}
	if email != "" {
		// No key: the form's hints show values as its fields take them.
		if cmd.Email, err = pr.parseEmail(cmdPair{"", email}); err != nil {
			return Command{}, err
		}
	}
	if phone != "" {
		if cmd.Phone, err = pr.parsePhone(cmdPair{"", phone}); err != nil {
			return Command{}, err
		}
	}
	return cmd, nil
}

// OnFileEmail checks an email address Front Payment holds for a customer
// with the checks email= gets, as held: it is only trimmed, never
// unwrapped as a Slack link nor cleared of invisible characters, so what
// passes is exactly what Front Payment would send to. What fails is not
// offered, and a typed address is never taken for it.
func (pr *Parser) OnFileEmail(addr string) (string, error) {
	return checkEmail(pr.w, strings.TrimSpace(addr), func() string { return keyed("email", ExampleEmail) })
}

// OnFilePhone checks a number Front Payment holds for a customer, as its
// country code and national number, with the checks country= with msisdn=
// get, as held (see OnFileEmail), in ASCII digits only: libphonenumber
// reads other scripts' digits, an SMS gateway may not. What fails is not
// offered; IsLandline tells a number that cannot get SMS from one that
// cannot be read.
func (pr *Parser) OnFilePhone(countryCode, msisdn string) (*Phone, error) {
	if strings.IndexFunc(countryCode+msisdn, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsDigit(r) }) >= 0 {
		w := pr.w
		return nil, &InputError{"msisdn", w.T("command.msisdn.not_a_number", "Typed", quote(w, msisdn), "Example", exampleCountryMSISDN)}
	}
	return pr.countryMSISDN(cmdPair{"country", strings.TrimSpace(countryCode)}, cmdPair{"msisdn", strings.TrimSpace(msisdn)})
}

// SameEmail reports whether a and b are the same address: equal but for
// the case of ASCII letters. Unicode case folding would make U+212A KELVIN
// SIGN a "k" and U+017F LONG S an "s": an address that only looks like
// another is another.
func SameEmail(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// formField is a value given on its own (a form's field, a contact on
// file) as Parse would see it: zero-width characters and runs of spaces
// are one space, and the ends are trimmed.
func formField(v string) string {
	return strings.Join(strings.Fields(strings.Map(zeroWidthToSpace, v)), " ")
}

// linkWord is the kind a kind word names ("order", "ordre",
// "reservation", "reservasjon", any case, in either language), or
// LinkUnknown for any other word.
func linkWord(word string) frontpay.LinkKind {
	switch strings.ToLower(word) {
	case "order", "ordre":
		return frontpay.LinkOrder
	case "reservation", "reservasjon":
		return frontpay.LinkReservation
	}
	return frontpay.LinkUnknown
}

// cutLinkWord takes a kind word off the front of tokens.
func cutLinkWord(tokens []string) (frontpay.LinkKind, []string) {
	if len(tokens) > 0 {
		if k := linkWord(tokens[0]); k != frontpay.LinkUnknown {
			return k, tokens[1:]
		}
	}
	return frontpay.LinkUnknown, tokens
}

func parseStatus(w *i18n.Words, rest []string) (Command, error) {
	link, rest := cutLinkWord(rest)
	if len(rest) == 0 {
		return Command{}, &InputError{"reservation", w.T("command.status.no_reservation", "Reservation", ExampleReservation)}
	}
	id, err := parseReservation(w, rest[0])
	if err != nil {
		return Command{}, err
	}
	if len(rest) > 1 {
		return Command{}, &InputError{"syntax", w.T("command.status.more",
			"Typed", quote(w, strings.Join(rest[1:], " ")), "Reservation", id)}
	}
	return Command{Kind: KindStatus, Link: link, Reservation: id}, nil
}

// parseReservation returns tok lower-cased if it is a canonical UUID.
func parseReservation(w *i18n.Words, tok string) (string, error) {
	if isCanonicalUUID(tok) {
		return strings.ToLower(tok), nil
	}
	if name, _, ok := cutKey(tok); ok && canonicalKey(name) != "" {
		return "", &InputError{"reservation", w.T("command.reservation.first",
			"Reservation", ExampleReservation, "Email", ExampleEmail)}
	}
	return "", &InputError{"reservation", w.T("command.reservation.invalid",
		"Typed", quote(w, tok), "Reservation", ExampleReservation)}
}

func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// cmdPair is one key=value of a command: key as the caller wrote it
// (lower-cased, so "sms" stays "sms" for messages) and the value with
// whitespace runs collapsed to one space.
type cmdPair struct {
	key, value string
}

// cmdPairs holds the pairs by canonical key: "sms" is filed under "phone".
// Four slots, one per key canonicalKey knows: no map to allocate before
// the Socket Mode ack.
type cmdPairs struct {
	slots [len(pairKeys)]cmdPair // a slot is filled when its typed key is not ""
}

// pairKeys are the canonical keys, in slot order.
var pairKeys = [...]string{"email", "phone", "country", "msisdn"}

func (p *cmdPairs) get(key string) (cmdPair, bool) {
	i := slices.Index(pairKeys[:], key)
	if i < 0 {
		return cmdPair{}, false
	}
	return p.slots[i], p.slots[i].key != ""
}

func (p *cmdPairs) set(key string, v cmdPair) { p.slots[slices.Index(pairKeys[:], key)] = v }

// canonicalKey maps a lower-case key to the part it fills, "" if unknown.
func canonicalKey(name string) string {
	// Norwegian agents type Norwegian keys: epost, e-post, telefon, tlf, mobil.
	switch strings.ToLower(name) {
	case "email", "epost", "e-post":
		return "email"
	case "phone", "sms", "telefon", "tlf", "mobil":
		return "phone"
	case "country":
		return "country"
	case "msisdn":
		return "msisdn"
	}
	return ""
}

// cutKey splits "name=rest" when name looks like a key (a letter, then
// letters, digits, '-' or '_'), known or not, so that a mistyped key is
// reported as one rather than swallowed into the previous value.
func cutKey(tok string) (name, rest string, ok bool) {
	name, rest, found := strings.Cut(tok, "=")
	if !found || name == "" {
		return "", "", false
	}
	for i, r := range name {
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		if !letter && (i == 0 || !('0' <= r && r <= '9' || r == '-' || r == '_')) {
			return "", "", false
		}
	}
	return name, rest, true
}

// keyAt reports whether tokens[i] starts a key: "key=…", or a known key
// written with a space before its "=" ("email =…", "email = …").
func keyAt(tokens []string, i int) (name, rest string, width int, ok bool) {
	if name, rest, ok := cutKey(tokens[i]); ok {
		return name, rest, 1, true
	}
	if canonicalKey(tokens[i]) != "" && i+1 < len(tokens) && strings.HasPrefix(tokens[i+1], "=") {
		return tokens[i], tokens[i+1][1:], 2, true
	}
	return "", "", 0, false
}

// splitPairs reads key=value pairs. A value runs until the next token that
// starts a key, except inside a Slack link (<tel:…|+47 412 34 567>), whose
// label may hold spaces.
func splitPairs(w *i18n.Words, tokens []string) (cmdPairs, error) {
	var pairs cmdPairs
	for i := 0; i < len(tokens); {
		name, rest, width, ok := keyAt(tokens, i)
		if !ok {
			end := i + 1
			for end < len(tokens) {
				if _, _, _, isKey := keyAt(tokens, end); isKey {
					break
				}
				end++
			}
			return cmdPairs{}, strayText(w, strings.Join(tokens[i:end], " "))
		}
		key := canonicalKey(name)
		if key == "" {
			return cmdPairs{}, &InputError{"syntax", w.T("command.key.unknown",
				"Typed", quote(w, name+"="), "Email", ExampleEmail)}
		}
		typed := strings.ToLower(name)
		if prev, dup := pairs.get(key); dup {
			if prev.key != typed {
				return cmdPairs{}, &InputError{key, w.T("command.key.alias_twice", "First", prev.key, "Second", typed)}
			}
			return cmdPairs{}, &InputError{key, w.T("command.key.twice", "Key", typed)}
		}
		// open counts the Slack links ("<tel:…|+47 412 34 567>") the value
		// is inside, kept as it grows: recounting every part at every
		// key-like word made a long unclosed "<" quadratic.
		var parts []string
		open := 0
		if rest != "" {
			parts = append(parts, rest)
			open += linkDepth(rest)
		}
		i += width
		for i < len(tokens) {
			if _, _, _, isKey := keyAt(tokens, i); isKey && open <= 0 {
				break
			}
			parts = append(parts, tokens[i])
			open += linkDepth(tokens[i])
			i++
		}
		if len(parts) == 0 {
			return cmdPairs{}, &InputError{key, w.T("command.key.empty", "Key", typed, "Example", exampleFor(key))}
		}
		pairs.set(key, cmdPair{key: typed, value: strings.Join(parts, " ")})
	}
	return pairs, nil
}

// linkDepth is how many Slack links a word opens (negative: closes).
func linkDepth(word string) int {
	return strings.Count(word, "<") - strings.Count(word, ">")
}

func exampleFor(key string) string {
	switch key {
	case "email":
		return "email=" + ExampleEmail
	case "country", "msisdn":
		return exampleCountryMSISDN
	}
	return "phone=" + ExamplePhone
}

// strayText explains words that belong to no key, guessing the key from
// what they look like.
func strayText(w *i18n.Words, words string) error {
	var hint string
	first, _, _ := strings.Cut(words, " ")
	switch {
	case strings.EqualFold(first, "status"):
		hint = w.T("command.stray.status", "Reservation", ExampleReservation)
	case canonicalKey(first) != "":
		hint = w.T("command.stray.no_equals", "Key", strings.ToLower(first), "Example", exampleFor(canonicalKey(first)))
	case strings.Contains(words, "@"):
		hint = w.T("command.stray.email", "Value", Escape(trimQuoted(unwrapSlack(words))))
	case strings.HasPrefix(words, "+") || strings.HasPrefix(words, "<tel:") ||
		strings.IndexFunc(words, unicode.IsDigit) >= 0 && strings.Trim(words, "0123456789 -()") == "":
		hint = w.T("command.stray.phone", "Value", Escape(trimQuoted(unwrapSlack(words))))
	default:
		hint = w.T("command.stray.key_value", "Email", ExampleEmail, "Phone", ExamplePhone)
	}
	return &InputError{"syntax", w.T("command.stray.text", "Typed", quote(w, words), "Hint", hint)}
}

// combine checks which keys came together.
func (p *cmdPairs) combine(w *i18n.Words) error {
	ph, phone := p.get("phone")
	c, country := p.get("country")
	m, msisdn := p.get("msisdn")
	switch {
	case phone && (country || msisdn):
		return &InputError{"phone", w.T("command.phone.and_msisdn", "Key", ph.key)}
	case country && !msisdn:
		return &InputError{"msisdn", w.T("command.country.alone",
			"Country", trimQuoted(c.value), "MSISDN", exampleMSISDN, "Phone", ExamplePhone)}
	case msisdn && !country:
		return &InputError{"country", w.T("command.msisdn.alone",
			"MSISDN", trimQuoted(m.value), "Phone", ExamplePhone)}
	}
	return nil
}

// unwrapSlack returns the target of a Slack link (<mailto:a@b.no|a@b.no>,
// <tel:+4741234567>) and anything else as it is, with Slack's entities
// (&amp; &lt; &gt;, which message text arrives with) decoded: a literal
// "<" in a value comes as "&lt;" and is never taken for a link. It only
// reads; linkValue is the check before anything is sent.
func unwrapSlack(v string) string {
	if target, _, ok := linkParts(v); ok {
		return target
	}
	return Unescape(v)
}

// linkParts splits a Slack mailto: or tel: link into its target and its
// label ("" when it has none), both trimmed and with entities decoded; ok
// is false when v is no such link.
func linkParts(v string) (target, label string, ok bool) {
	if len(v) < 2 || v[0] != '<' || v[len(v)-1] != '>' {
		return "", "", false
	}
	target, label, _ = strings.Cut(v[1:len(v)-1], "|")
	for _, scheme := range []string{"mailto:", "tel:"} {
		if len(target) >= len(scheme) && strings.EqualFold(target[:len(scheme)], scheme) {
			return Unescape(strings.TrimSpace(target[len(scheme):])), Unescape(strings.TrimSpace(label)), true
		}
	}
	return "", "", false
}

// linkValue is p's value unwrapped (see unwrapSlack). A link whose label
// is not the same destination as its target (same says, for p's kind of
// value) is refused: the caller read the label, and Front Payment would
// get the target.
func (pr *Parser) linkValue(p cmdPair, field string, example func() string, same func(a, b string) bool) (string, error) {
	target, label, ok := linkParts(p.value)
	if !ok {
		return Unescape(p.value), nil
	}
	if hidesTarget(target, label, same) {
		w := pr.w
		return "", &InputError{field, w.T("command.link.differs",
			"Key", p.key, "Label", quote(w, label), "Target", quote(w, target), "Example", example())}
	}
	return target, nil
}

// hidesTarget reports whether a Slack link shows a label that is not the
// destination it leads to (same compares the two as the link's kind of
// value): whoever read the label would send to the target unseen.
func hidesTarget(target, label string, same func(a, b string) bool) bool {
	return label != "" && label != target && !same(label, target)
}

// sameNumber reports whether a and b are one phone number: the same
// digits, or the same E.164 number read with the default region.
func (pr *Parser) sameNumber(a, b string) bool {
	ca, okA := compactNumber(a)
	cb, okB := compactNumber(b)
	if !okA || !okB {
		return false
	}
	if ca == cb {
		return true
	}
	na, errA := pr.nums.parse(ca, pr.region)
	nb, errB := pr.nums.parse(cb, pr.region)
	return errA == nil && errB == nil &&
		phonenumbers.Format(na, phonenumbers.E164) == phonenumbers.Format(nb, phonenumbers.E164)
}

// invisibleIn returns the first invisible or direction-changing character
// in v (zero-width joiners, soft hyphens, right-to-left overrides: Unicode's
// format characters), or -1. Such a character makes two destinations that
// look the same differ, slips past the cooldown and makes the audit message
// show something other than what is sent.
func invisibleIn(v string) rune {
	for _, r := range v {
		if unicode.Is(unicode.Cf, r) {
			return r
		}
	}
	return -1
}

func invisibleError(w *i18n.Words, field, v, example string, r rune) error {
	visible := strings.Map(func(c rune) rune {
		if unicode.Is(unicode.Cf, c) {
			return -1
		}
		return c
	}, v)
	return &InputError{field, w.T("command.typed.invisible",
		"Typed", quote(w, visible), "Code", fmt.Sprintf("U+%04X", r), "Example", example)}
}

// RFC 5321's limits: a longer address cannot be delivered.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxAddress   = 254
	maxLabel     = 63
)

// emailTooLong says which of RFC 5321's limits v breaks, or "".
func emailTooLong(w *i18n.Words, v string) string {
	at := strings.LastIndexByte(v, '@')
	if at < 0 {
		return ""
	}
	local, domain := v[:at], v[at+1:]
	switch {
	case len(local) > maxLocalPart:
		return w.T("command.email.long_local", "Length", len(local), "Max", maxLocalPart)
	case len(domain) > maxDomain:
		return w.T("command.email.long_domain", "Length", len(domain), "Max", maxDomain)
	case len(v) > maxAddress:
		return w.T("command.email.long_address", "Length", len(v), "Max", maxAddress)
	}
	for label := range strings.SplitSeq(domain, ".") {
		if len(label) > maxLabel {
			return w.T("command.email.long_label", "Length", len(label), "Max", maxLabel)
		}
	}
	return ""
}

// parseEmail checks an email value. The address is sent as typed: mail
// providers may treat the local part's case as significant.
// A form's field (key "") gets hints without a key.
func (pr *Parser) parseEmail(p cmdPair) (string, error) {
	// Put together only for a refusal: this runs before the Socket Mode ack.
	example := func() string { return keyed(p.key, ExampleEmail) }
	v, err := pr.linkValue(p, "email", example, SameEmail)
	if err != nil {
		return "", err
	}
	return checkEmail(pr.w, v, example)
}

// checkEmail checks an address as it is; its hints give example().
func checkEmail(w *i18n.Words, v string, example func() string) (string, error) {
	if r := invisibleIn(v); r >= 0 {
		return "", invisibleError(w, "email", v, example(), r)
	}
	if why := emailTooLong(w, v); why != "" {
		return "", &InputError{"email", w.T("command.email.too_long", "Why", why, "Example", example())}
	}
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return "", &InputError{"email", w.T("command.email.space", "Typed", quote(w, v), "Example", example())}
	}
	if !validEmail(v) {
		return "", &InputError{"email", w.T("command.email.invalid", "Typed", quote(w, v), "Example", example())}
	}
	return v, nil
}

// validEmail: a bare address (no display name, no angle brackets, no
// quotes) with a dotted domain that is no [literal], through net/mail,
// whose dot-atoms already refuse an empty local part and an empty label
// (".kari", "kari.", "example..com": TestEmailsWithCharactersOutsideTheirPlace).
// (A hand-written fast path for everyday addresses saved a microsecond
// before the ack that no one could see, and its mutants showed nothing a
// test could tell from this check: it was removed, and so were checks of
// the local part and the labels that net/mail had made before them.)
func validEmail(v string) bool {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return false
	}
	_, domain, _ := strings.Cut(v, "@") // a dot-atom local part holds no "@"
	return strings.Contains(domain, ".") && !strings.ContainsAny(domain, "[]")
}

// phoneChars are what a typed number may hold besides digits: letters
// would let libphonenumber read vanity numbers and extensions.
const phoneChars = "+ -().\u00a0"

// compactNumber drops separators and turns a leading 00 into +. It
// reports false if v holds anything but digits, separators and a leading +.
func compactNumber(v string) (string, bool) {
	var b strings.Builder
	for i, r := range v {
		switch {
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '+' && b.Len() == 0 && !strings.Contains(v[:i], "+"):
			b.WriteRune(r)
		case r != '+' && strings.ContainsRune(phoneChars, r):
		default:
			return "", false
		}
	}
	s := b.String()
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	return s, s != "" && s != "+"
}

// keyed is an example value as the caller would write it: after its key
// in a command, alone in a form's field (key "").
func keyed(key, example string) string {
	if key == "" {
		return example
	}
	return key + "=" + example
}

// parsePhone checks a phone=/sms= value, or a form's field (key "").
func (pr *Parser) parsePhone(p cmdPair) (*Phone, error) {
	w := pr.w
	// The words of a refusal are put together only for a refusal: this
	// runs before the Socket Mode ack.
	example := func() string { return keyed(p.key, ExamplePhone) }
	v, err := pr.linkValue(p, "phone", example, pr.sameNumber)
	if err != nil {
		return nil, err
	}
	if r := invisibleIn(v); r >= 0 {
		return nil, invisibleError(w, "phone", v, example(), r)
	}
	num, ok := compactNumber(v)
	if !ok {
		return nil, &InputError{"phone", w.T("command.phone.not_a_number", "Typed", quote(w, v), "Example", example())}
	}
	n, err := pr.nums.parse(num, pr.region)
	if err != nil {
		if errors.Is(err, phonenumbers.ErrInvalidCountryCode) && strings.HasPrefix(num, "+") {
			return nil, &InputError{"phone", w.T("command.phone.unknown_code", "Typed", quote(w, v), "Example", example())}
		}
		if errors.Is(err, phonenumbers.ErrInvalidCountryCode) {
			return nil, &InputError{"phone", w.T("command.phone.which_country", "Typed", quote(w, v), "Example", example())}
		}
		return nil, &InputError{"phone", w.T("command.phone.invalid", "Typed", quote(w, v), "Example", example())}
	}
	instead := "" // a form has no keys to show
	if p.key != "" {
		instead = " (email=…)"
	}
	return pr.checkMobile(n, "phone", v, example, instead)
}

// parseCountryMSISDN checks country= with msisdn=.
func (pr *Parser) parseCountryMSISDN(country, msisdn cmdPair) (*Phone, error) {
	var err error
	for _, p := range []*cmdPair{&country, &msisdn} {
		if p.value, err = pr.linkValue(*p, p.key, func() string { return exampleCountryMSISDN }, pr.sameNumber); err != nil {
			return nil, err
		}
	}
	return pr.countryMSISDN(country, msisdn)
}

// countryMSISDN checks a country code and a number as they are.
func (pr *Parser) countryMSISDN(country, msisdn cmdPair) (*Phone, error) {
	w := pr.w
	const example = exampleCountryMSISDN
	c := strings.Join(strings.Fields(country.value), "")
	if strings.HasPrefix(c, "+") {
		c = c[1:]
	} else if strings.HasPrefix(c, "00") {
		c = c[2:]
	}
	cc, _ := strconv.Atoi(c)
	if len(c) < 1 || len(c) > 3 || c[0] == '0' || strings.Trim(c, "0123456789") != "" ||
		phonenumbers.GetRegionCodeForCountryCode(cc) == "ZZ" {
		return nil, &InputError{"country", w.T("command.country.unknown", "Typed", quote(w, country.value), "Example", example)}
	}
	code := "+" + strconv.Itoa(cc)

	num, ok := compactNumber(msisdn.value)
	if !ok {
		return nil, &InputError{"msisdn", w.T("command.msisdn.not_a_number", "Typed", quote(w, msisdn.value), "Example", example)}
	}
	typed := code + " " + msisdn.value
	examples := func() string { return example }
	if strings.HasPrefix(num, "+") {
		// An msisdn written in international form is fine if it agrees
		// with country=.
		n, err := pr.nums.parse(num, "")
		if err != nil {
			return nil, &InputError{"msisdn", w.T("command.msisdn.invalid", "Typed", quote(w, msisdn.value), "Example", example)}
		}
		if int(n.GetCountryCode()) != cc {
			return nil, &InputError{"msisdn", w.T("command.msisdn.other_code",
				"MSISDN", trimQuoted(msisdn.value), "Code", code, "Example", example)}
		}
		return pr.checkMobile(n, "msisdn", msisdn.value, examples, " (email=…)")
	}
	n, err := pr.nums.parse(code+num, "")
	if err == nil && phonenumbers.IsValidNumber(n) {
		return pr.checkMobile(n, "msisdn", typed, examples, " (email=…)")
	}
	// "country=+47 msisdn=4741234567": the country code twice.
	if again, err := phonenumbers.Parse("+"+num, ""); err == nil &&
		int(again.GetCountryCode()) == cc && phonenumbers.IsValidNumber(again) {
		return nil, &InputError{"msisdn", w.T("command.msisdn.code_twice",
			"MSISDN", trimQuoted(msisdn.value), "National", phonenumbers.GetNationalSignificantNumber(again))}
	}
	if err != nil {
		return nil, &InputError{"msisdn", w.T("command.phone.invalid", "Typed", quote(w, typed), "Example", example)}
	}
	return pr.checkMobile(n, "msisdn", typed, examples, " (email=…)")
}

// checkMobile refuses what cannot get an SMS: a number libphonenumber
// finds invalid for its region, or one it types as fixed-line only.
//
// The number type alone says both: libphonenumber's IsValidNumber is
// GetNumberType != UNKNOWN (FuzzNumberType checks they agree), and each
// costs a few regular expressions per type, before the Socket Mode ack.
//
// typed is the number as the caller wrote it, example a hint and instead
// how to send by email, all for the words of a refusal.
func (pr *Parser) checkMobile(n *phonenumbers.PhoneNumber, field, typed string, example func() string, instead string) (*Phone, error) {
	w := pr.w
	cc := int(n.GetCountryCode())
	typ := pr.nums.typeOf(n)
	if typ == phonenumbers.UNKNOWN {
		return nil, &InputError{field, w.T("command.phone.invalid_in",
			"Typed", quote(w, typed), "Number", numberOf(w, cc), "Example", example())}
	}
	if typ == phonenumbers.FIXED_LINE {
		return nil, landlineError{&InputError{field, w.T("command.phone.landline", "Typed", quote(w, typed), "Instead", instead)}}
	}
	p := &Phone{CountryCode: "+" + strconv.Itoa(cc), National: nationalNumber(n)}
	p.E164 = p.CountryCode + p.National // E.164 is exactly that, no formatting rules apply
	return p, nil
}

// landlineError is the InputError of a valid number that cannot get SMS.
type landlineError struct{ *InputError }

func (e landlineError) Unwrap() error { return e.InputError }

// IsLandline reports whether err refuses a valid number because
// libphonenumber types it as fixed-line only (it cannot get SMS).
func IsLandline(err error) bool {
	var l landlineError
	return errors.As(err, &l)
}

// nationalNumber is libphonenumber's national significant number: the
// digits, with Italian leading zeros in front where they were typed.
func nationalNumber(n *phonenumbers.PhoneNumber) string {
	if n.GetItalianLeadingZero() {
		return phonenumbers.GetNationalSignificantNumber(n)
	}
	return strconv.FormatUint(n.GetNationalNumber(), 10)
}

// regionNumbers names the numbers of the regions support agents most
// likely meet, by catalogue ID.
var regionNumbers = map[string]string{
	"NO": "command.number.no", "SE": "command.number.se", "DK": "command.number.dk",
	"FI": "command.number.fi", "IS": "command.number.is", "DE": "command.number.de",
	"GB": "command.number.gb", "NL": "command.number.nl", "PL": "command.number.pl",
	"FR": "command.number.fr", "ES": "command.number.es", "IT": "command.number.it",
	"EE": "command.number.ee", "LV": "command.number.lv", "LT": "command.number.lt",
	"US": "command.number.us",
}

// numberOf words "Norwegian number", or "number for country code +999".
func numberOf(w *i18n.Words, cc int) string {
	if id, ok := regionNumbers[phonenumbers.GetRegionCodeForCountryCode(cc)]; ok {
		return w.T(id)
	}
	return w.T("command.number.code", "Code", "+"+strconv.Itoa(cc))
}

// quote repeats the caller's text in a message, between the language's
// quotation marks: valid UTF-8, on one line, and cut to a sane length.
// It is escaped for mrkdwn: what the caller typed can mention no one.
func quote(w *i18n.Words, s string) string {
	return w.T("command.typed.quote", "Text", Escape(trimQuoted(s)))
}

func trimQuoted(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if utf8.RuneCountInString(s) > maxQuoted {
		r := []rune(s)
		s = string(r[:maxQuoted-1]) + "…"
	}
	return s
}

// Usage is the help text for Slack (mrkdwn), worded by w: every form of
// the command, each with an example that works when copied.
func Usage(w *i18n.Words) string {
	ex := []any{"Reservation", ExampleReservation, "Email", ExampleEmail, "Phone", ExamplePhone,
		"CountryMSISDN", exampleCountryMSISDN}
	return strings.Join([]string{
		w.T("command.usage.title"),
		w.T("command.usage.email", ex...),
		w.T("command.usage.sms", ex...),
		w.T("command.usage.country", ex...),
		w.T("command.usage.both", ex...),
		w.T("command.usage.on_file", ex...),
		w.T("command.usage.status", ex...),
		w.T("command.usage.kind", ex...),
		w.T("command.usage.thread", ex...),
		w.T("command.usage.help"),
		w.T("command.usage.notes"),
	}, "\n")
}

// mentionPrefix is the bot's mention, as Slack writes it in message text,
// and the optional word "resend" after it: "<@U123> resend 3f1c… email=…".
var mentionPrefix = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*(?i:resend\b)?`)

// StripMention returns text without a leading mention of the bot (and
// its optional "resend"), and whether there was one.
func StripMention(text string) (string, bool) {
	loc := mentionPrefix.FindStringIndex(text)
	if loc == nil {
		return strings.TrimSpace(text), false
	}
	return strings.TrimSpace(text[loc[1]:]), true
}
