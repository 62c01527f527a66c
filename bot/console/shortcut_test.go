package console

import (
	"strings"
	"testing"

	"resendbot/bot/console/demofp"
)

// "shortcut <pasted message>" shows the form the message shortcut opens,
// filled in from the message, and "send" sends it through the normal
// flow; anything else closes it, and is read as usual. In both languages.
func TestConsoleSimulatesTheMessageShortcut(t *testing.T) {
	id := demofp.UUIDAccepted
	for _, c := range []struct {
		lang                                string
		filled, also, sent, closed, nothing string
	}{
		{"en", "Filled in from the message", "also found: +47 987 65 432", "Sent", "Form closed: nothing was sent.", "No reservation or order ID"},
		{"nb", "Fylt ut fra meldingen", "fant også: +47 987 65 432", "Sendt", "Skjemaet ble lukket, og ingenting ble sendt.", "Fant ingen reservasjons- eller ordre-ID"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			stdin := "shortcut Kari never got her link (order " + id + "), new email kari@firma.no, mobil 412 34 567 or 987 65 432\n" +
				"send\n" +
				"shortcut Can someone call the customer back?\n" +
				"status " + id + "\n"
			out, _, err := runConsoleMain(t, []string{"resendbot", "console"}, map[string]string{"RESEND_LANGUAGE": c.lang}, stdin)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{c.filled, id, "kari@firma.no", "+47 412 34 567", c.also, c.sent, "k***@firma.no", c.nothing, c.closed} {
				if !strings.Contains(out, want) {
					t.Errorf("console output lacks %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "****4567"); n == 0 {
				t.Errorf("the form's first number was not sent:\n%s", out)
			}
			if strings.Contains(out, "****5432") {
				t.Errorf("a number only listed as also found was sent:\n%s", out)
			}
		})
	}
}
