package frontpay

import (
	"regexp"
	"strings"
	"sync"
)

// redactor replaces the token and the customer's contact with placeholders
// in whatever Front Payment might echo back: the token and the email in
// any letter case, the phone number however its digits are spaced
// ("41234567", "412 34 567", "41-23-45-67"). Its patterns are built on
// first use: most calls succeed and never need them.
type redactor struct {
	token string
	to    Contact

	once     sync.Once
	patterns []redaction
}

type redaction struct {
	re   *regexp.Regexp
	with string
}

func newRedactor(token string, to Contact) *redactor {
	return &redactor{token: token, to: to}
}

// phoneSeparators may stand between the digits of an echoed number.
const phoneSeparators = `[\s.\-()/]*`

func (r *redactor) build() {
	text := func(secret, with string, minLen int) {
		if s := strings.TrimSpace(secret); len(s) >= minLen {
			r.patterns = append(r.patterns, redaction{regexp.MustCompile(`(?i)` + regexp.QuoteMeta(s)), with})
		}
	}
	text(r.token, "[token]", 8)
	text(r.to.Email, "[email]", 3)
	var digits []string
	for _, c := range r.to.MSISDN {
		if c >= '0' && c <= '9' {
			digits = append(digits, string(c))
		}
	}
	if len(digits) >= 4 {
		r.patterns = append(r.patterns, redaction{regexp.MustCompile(strings.Join(digits, phoneSeparators)), "[phone]"})
	}
}

// Replace returns s with every secret replaced; a nil redactor returns s.
func (r *redactor) Replace(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.once.Do(r.build)
	for _, p := range r.patterns {
		s = p.re.ReplaceAllLiteralString(s, p.with)
	}
	return s
}
