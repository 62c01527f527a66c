package bot

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// This file is the one place that decides, for each channel, whether a
// typed destination is the contact on file, another one, or cannot be
// compared with it, and whether anything is on file at all. Whatever
// Front Payment holds that the bot cannot read is never "nothing on
// file": it is asked about (CONTRACT §3).

// fileState is what Front Payment holds for one channel of the contact on
// file. The zero fileState is fileUnusable, so a fileContact nobody filled
// in is asked about, never taken for nothing on file.
type fileState int

const (
	fileUnusable fileState = iota // something is held that fails the checks typed input gets
	fileNone                      // nothing is held: absent, null or empty
	fileUsable                    // a destination that passes them
)

// fileContact is the contact on file for one channel.
type fileContact struct {
	channel  string // "sms" or "email"
	state    fileState
	phone    *command.Phone // usable, SMS
	email    string         // usable, email
	held     string         // unusable: as Front Payment holds it; show it through heldText
	landline bool           // unusable, SMS: a valid number that cannot get SMS
}

// onFile is the contact on file, per channel, checked like typed input.
type onFile struct {
	sms, email fileContact
}

// contactOnFile reads res's contact on file.
func (e *Core) contactOnFile(res *frontpay.Record) onFile {
	return e.readContact(res.Customer)
}

// readContact checks what c holds for each channel as typed input is
// checked, as held (command.Parser.OnFilePhone and OnFileEmail).
func (e *Core) readContact(c frontpay.Customer) onFile {
	f := onFile{sms: fileContact{channel: "sms", state: fileNone}, email: fileContact{channel: "email", state: fileNone}}
	if c.Held != "" {
		// customerDetails was no object: whatever it is, it is not nothing.
		f.sms.state, f.sms.held = fileUnusable, c.Held
		f.email.state, f.email.held = fileUnusable, c.Held
		return f
	}
	if c.MSISDN != "" { // a calling code alone is no number
		if p, err := e.parser.OnFilePhone(c.CountryCode, c.MSISDN); err != nil {
			f.sms.state, f.sms.held, f.sms.landline = fileUnusable, strings.TrimSpace(c.CountryCode+" "+c.MSISDN), command.IsLandline(err)
		} else {
			f.sms.state, f.sms.phone = fileUsable, p
		}
	}
	if c.Email != "" {
		if addr, err := e.parser.OnFileEmail(c.Email); err != nil {
			f.email.state, f.email.held = fileUnusable, c.Email
		} else {
			f.email.state, f.email.email = fileUsable, addr
		}
	}
	return f
}

// match is what a typed destination is against the contact on file for
// its channel.
type match int

const (
	matchNotAsked      match = iota // the request has no destination for the channel
	matchNothingOnFile              // nothing is on file for it
	matchSame                       // the one on file
	matchDiffers                    // not the one on file
	matchCannotCompare              // something is on file that cannot be read
)

// against is what a typed destination is against f, same telling whether
// it is f's usable destination.
func (f fileContact) against(same func() bool) match {
	switch f.state {
	case fileNone:
		return matchNothingOnFile
	case fileUsable:
		if same() {
			return matchSame
		}
		return matchDiffers
	}
	return matchCannotCompare
}

// destCheck is a request's typed destinations against the contact on file.
type destCheck struct {
	sms, email match
}

// checkAgainstFile compares r's destinations with f: numbers as E.164,
// emails by command.SameEmail (ASCII case only).
func checkAgainstFile(r *request, f onFile) destCheck {
	var c destCheck
	if typed := r.Phone; typed != nil {
		c.sms = f.sms.against(func() bool { return f.sms.phone != nil && f.sms.phone.E164 == typed.E164 })
	}
	if typed := r.Email; typed != "" {
		c.email = f.email.against(func() bool { return f.email.email != "" && command.SameEmail(f.email.email, typed) })
	}
	return c
}

// verdict is c's destination_check, and whether the caller is asked
// before anything is sent: when any channel cannot be compared or
// differs. Nothing on file for every channel asked for is the one case
// where a destination not on file goes on at once.
func (c destCheck) verdict() (check string, ask bool) {
	ms := []match{c.sms, c.email}
	switch {
	case slices.Contains(ms, matchCannotCompare):
		return checkUnreadable, true
	case slices.Contains(ms, matchDiffers):
		return checkAsked, true
	case slices.Contains(ms, matchSame):
		return checkMatched, false
	}
	return checkNoContact, false
}

// onFileInstead is r with each destination that differs from the contact
// on file replaced by it: what "send to the one on file" sends. It is nil
// when a destination cannot be compared, for then there is nothing on
// file to send to instead.
func onFileInstead(r *request, f onFile) *request {
	c := checkAgainstFile(r, f)
	if c.sms == matchCannotCompare || c.email == matchCannotCompare {
		return nil
	}
	file := *r
	if c.sms == matchDiffers {
		file.Phone = f.sms.phone
	}
	if c.email == matchDiffers {
		file.Email = f.email.email
	}
	return &file
}

// shownOnFile is a usable contact on file for a message: masked when
// contacts are (RESEND_MASK_CONTACTS).
func (e *Core) shownOnFile(f fileContact) string {
	if f.phone != nil {
		return e.show(command.FormatPhone(*f.phone), command.MaskPhone(*f.phone))
	}
	return e.show(f.email, command.MaskEmail(f.email))
}

// why words what is wrong with an unusable contact on file.
func (f fileContact) why(w *i18n.Words) string {
	switch {
	case f.landline:
		return w.T("onfile.landline")
	case f.channel == "sms":
		return w.T("onfile.unreadable_sms")
	}
	return w.T("onfile.unreadable_email")
}

// maxHeldRunes bounds a held value quoted in a message.
const maxHeldRunes = 80

// heldText is a value as Front Payment holds it, for a message: invisible
// and control characters shown by their code (U+200B), shortened, and
// escaped in backticks, so that it mentions no one, links nowhere, and
// looks no more like a good address or number than it is.
func heldText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) {
			fmt.Fprintf(&b, "[U+%04X]", r)
			continue
		}
		b.WriteRune(r)
	}
	return literal(Shorten(b.String(), maxHeldRunes))
}

// maxNotASCII bounds the characters notASCIINote names.
const maxNotASCII = 3

// notASCIINote names the characters of a typed address that are not
// ASCII (" … (U+212A)"), or is "": such an address can look exactly like
// the one on file (a KELVIN SIGN K, a Cyrillic а) and be another.
func notASCIINote(w *i18n.Words, typed string) string {
	var codes []string
	for _, r := range typed {
		code := fmt.Sprintf("U+%04X", r)
		if r > unicode.MaxASCII && !slices.Contains(codes, code) && len(codes) < maxNotASCII {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return ""
	}
	return w.T("confirm.not_ascii", "Codes", strings.Join(codes, ", "))
}
