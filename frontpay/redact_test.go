package frontpay

import (
	"strings"
	"testing"
)

// The redactor's data uses every digit and both letter cases: a number
// without a 0 or a 9 cannot show that those digits are matched.
func TestRedactorHidesEveryDigitAndTheShortestSecrets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		token  string
		to     Contact
		echo   string
		secret string // must not survive
		with   string // what stands in its place
	}{
		{"every digit, unspaced", "", Contact{MSISDN: "90123405"}, "no such number 90123405", "90123405", "[phone]"},
		{"every digit, spaced", "", Contact{MSISDN: "90123405"}, "no such number 901 23 405", "901 23 405", "[phone]"},
		{"nines and eights", "", Contact{MSISDN: "98765439"}, "number 98-76-54-39 rejected", "98-76-54-39", "[phone]"},
		{"four digits is the shortest number hidden", "", Contact{MSISDN: "9090"}, "got 9090", "9090", "[phone]"},
		{"a token of exactly eight characters", "AbCd0123", Contact{}, "token abcd0123 unknown", "abcd0123", "[token]"},
		{"an email of exactly three characters", "", Contact{Email: "a@b"}, "A@B is not allowed", "A@B", "[email]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newRedactor(tc.token, tc.to).Replace(tc.echo)
			if strings.Contains(got, tc.secret) || !strings.Contains(got, tc.with) {
				t.Errorf("Replace(%q) = %q: want %q hidden as %s", tc.echo, got, tc.secret, tc.with)
			}
		})
	}
}

// Shorter than the documented minimums, a secret is too common a string to
// hide: "ab" would blank every word that contains it.
func TestRedactorLeavesSecretsBelowTheMinimums(t *testing.T) {
	for _, tc := range []struct {
		token string
		to    Contact
		echo  string
	}{
		{"Ab0123c", Contact{}, "ab0123c stays"},     // 7 characters
		{"", Contact{Email: "ab"}, "ab stays"},      // 2 characters
		{"", Contact{MSISDN: "909"}, "909 stays"},   // 3 digits
		{"", Contact{MSISDN: "9a0b9"}, "909 stays"}, // the digits of it only
	} {
		if got := newRedactor(tc.token, tc.to).Replace(tc.echo); got != tc.echo {
			t.Errorf("Replace(%q) with token %q, contact %+v = %q, want it unchanged", tc.echo, tc.token, tc.to, got)
		}
	}
}

func TestRedactorKeepsOnlyDigitsOfTheNumber(t *testing.T) {
	// Front Payment may hold the number with separators; the pattern is
	// built from its digits, so any spacing of them in an echo is hidden.
	r := newRedactor("", Contact{MSISDN: "(901) 234-059"})
	if got := r.Replace("echo 901234059"); got != "echo [phone]" {
		t.Errorf("Replace = %q, want %q", got, "echo [phone]")
	}
}
