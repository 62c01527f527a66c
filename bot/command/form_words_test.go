package command

import (
	"errors"
	"strings"
	"testing"
)

// The form has fields, not keys: its hints never quote email=, phone= or
// (email=…), in either language (nb review, L7), while a command's do.
func TestFormHintsHaveNoKeys(t *testing.T) {
	for _, w := range []struct {
		name string
		pr   *Parser
	}{{"en", parserFor(en, "NO")}, {"nb", parserFor(nb, "NO")}} {
		for _, c := range []struct{ email, phone string }{
			{"kari", ""}, {"kari nordmann@example.com", ""}, {strings.Repeat("k", 70) + "@example.com", ""},
			{"ka\u200bri@example.com", ""}, {"", "12"}, {"", "22123456"}, {"", "+999 1234"}, {"", "abc"}, {"", "+47 12345678"},
		} {
			_, err := w.pr.Resend(parseID, c.email, c.phone)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("%s: Resend(%q, %q) = %v, want an *InputError", w.name, c.email, c.phone, err)
			}
			for _, key := range []string{"email=", "phone=", "sms="} {
				if strings.Contains(ie.Message, key) {
					t.Errorf("%s: the form's hint for %q/%q quotes %s: %s", w.name, c.email, c.phone, key, ie.Message)
				}
			}
		}
		if _, err := w.pr.Parse(parseID + " phone=22123456"); err == nil || !strings.Contains(err.Error(), "(email=…)") {
			t.Errorf("%s: a command's landline refusal lost its email= hint: %v", w.name, err)
		}
	}
}
