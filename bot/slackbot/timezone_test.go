package slackbot

import (
	"strings"
	"testing"
	"time"

	"resendbot/frontpay/frontpaytest"
)

// TestStatusDatesInTheTeamsZone: /resend status writes Front Payment's
// dates from the parsed values, in the language's format: an instant in
// RESEND_TIMEZONE, a time written without a zone on its own clock, a bare
// date without a time; a value that cannot be parsed as it was sent,
// quoted and escaped. No "UTC" after any of them.
func TestStatusDatesInTheTeamsZone(t *testing.T) {
	for _, c := range []struct {
		env            map[string]string
		reserved, due  string
		wantR, wantDue string
	}{
		{map[string]string{"RESEND_LANGUAGE": "nb"}, "2026-12-02T13:05:00Z", "2026-12-16 23:59:59",
			"• Opprettet: 2. desember 2026 kl. 14:05", "• Betalingsfrist: 16. desember 2026 kl. 23:59"},
		{map[string]string{"RESEND_LANGUAGE": "nb", "RESEND_TIMEZONE": "America/New_York"}, "2026-06-02T13:05:00+02:00", "16.12.2026",
			"• Opprettet: 2. juni 2026 kl. 07:05", "• Betalingsfrist: 16. desember 2026\n"},
		{map[string]string{"RESEND_TIMEZONE": "UTC"}, "2026-12-02T13:05:00Z", "next <!channel> Friday",
			"• Created: 2 December 2026 at 13:05", "• Payment due: “next &lt;!channel&gt; Friday” (as Front Payment wrote it)"},
	} {
		h := start(t, c.env)
		d := frontpaytest.SampleDetails(uuidA)
		d.Status, d.GrandTotal, d.ReservationDate, d.PaymentLinkDueDate = "pending", 12345.5, c.reserved, c.due
		h.fp.SetDetails(uuidA, d)
		p := h.answered(h.slash(agent, "status "+uuidA))
		for _, want := range []string{c.wantR, c.wantDue} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("%v: status lacks %q:\n%s", c.env, want, p.Text)
			}
		}
		if strings.Contains(p.Text, "UTC") || strings.Contains(p.Text, c.reserved) {
			t.Errorf("%v: a zone or a raw date in:\n%s", c.env, p.Text)
		}
		want := "NOK\u00a012,345.50"
		if c.env["RESEND_LANGUAGE"] == "nb" {
			want = "12\u00a0345,50\u00a0kr"
		}
		if !strings.Contains(p.Text, want) {
			t.Errorf("%v: the amount is not %q:\n%s", c.env, want, p.Text)
		}
	}
}

// TestResendTimesInTheTeamsZone: the audit message's time, the reply's
// and the edited audit message's are written in RESEND_TIMEZONE, in the
// language's format, with no "UTC" after them.
func TestResendTimesInTheTeamsZone(t *testing.T) {
	h := start(t, map[string]string{"RESEND_LANGUAGE": "nb", "RESEND_TIMEZONE": "America/New_York"})
	before := time.Now()
	h.slash(agent, uuidA+" email=kari@example.com")
	root, reply := h.thread()
	after := time.Now()
	ny, oslo := h.words().In(h.cfg.Timezone), h.words() // h.words() writes Oslo's time
	if h.cfg.Timezone.String() != "America/New_York" {
		t.Fatalf("RESEND_TIMEZONE read as %s", h.cfg.Timezone)
	}
	// Any minute between before and after: no assertion on how fast it ran.
	var inNY, inOslo []string
	for m := before.Truncate(time.Minute); !m.After(after); m = m.Add(time.Minute) {
		inNY, inOslo = append(inNY, ny.Time(m)), append(inOslo, oslo.Time(m))
	}
	for name, text := range map[string]string{
		"audit message": string(root.Blocks), "edited audit message": string(root.Updates[len(root.Updates)-1].Blocks),
		"reply": string(reply.Blocks),
	} {
		if !containsAny(text, inNY) || containsAny(text, inOslo) || strings.Contains(text, "UTC") {
			t.Errorf("%s is not in New York's time (%q), or names a zone:\n%s", name, inNY, text)
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
