package command

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaskEmail hides all of an address's local part but its first character,
// so a channel can tell two destinations apart without learning them:
// "kari@example.com" -> "k***@example.com". Anything that is not
// local@domain becomes "***".
func MaskEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || !utf8.ValidString(addr) {
		return "***"
	}
	// The first character is shown only when it is a letter or a digit:
	// a mark such as ` or * would read as formatting.
	first, _ := utf8.DecodeRuneInString(addr)
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) {
		first = '*'
	}
	return string(first) + "***" + addr[at:]
}

// MaskPhone shows the country code and the last four digits: "+47 ****4567".
// A short number shows at most half of its digits.
func MaskPhone(p Phone) string {
	digits := onlyDigits(p.National)
	if digits == "" {
		digits = onlyDigits(strings.TrimPrefix(p.E164, p.CountryCode))
	}
	visible := min(4, len(digits)/2)
	masked := strings.Repeat("*", len(digits)-visible) + digits[len(digits)-visible:]
	if masked == "" {
		masked = "***"
	}
	if p.CountryCode == "" {
		return masked
	}
	return p.CountryCode + " " + masked
}

// FormatPhone is a number for the caller's own eyes, unmasked: "+46
// 701234567", and a Norwegian mobile grouped as Norwegians write it, "+47
// 412 34 567".
func FormatPhone(p Phone) string {
	switch {
	case p.CountryCode == "+47" && len(p.National) == 8 && strings.ContainsRune("49", rune(p.National[0])):
		n := p.National
		return "+47 " + n[:3] + " " + n[3:5] + " " + n[5:]
	case p.CountryCode != "" && p.National != "":
		return p.CountryCode + " " + p.National
	case p.E164 != "":
		return p.E164
	}
	return p.CountryCode + p.National
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}
