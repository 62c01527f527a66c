package console

import (
	"strings"
	"testing"

	"resendbot/bot/console/demofp"
	"resendbot/bot/i18n/i18ntest"
)

// TestEveryMessageKindReadsNorwegian runs every kind of message the
// console can show in nb: the banner, help and the demo's list, every
// outcome, a Retry with its dialog, every status, the offer and its
// choice, the confirmation of a new address and of a new number, a
// cancel, the cooldown, and the refusals of bad input. None may hold an
// English word, a snake_case label or a stable value outside quotes.
func TestEveryMessageKindReadsNorwegian(t *testing.T) {
	t.Parallel()
	onFile := " email=kari.nordmann@example.com"
	lines := []string{"hjelp", "/resend"}
	for _, id := range []string{demofp.UUIDAccepted, demofp.UUIDNotFound, demofp.UUIDCompleted, demofp.UUIDCancelled,
		demofp.UUIDInvalid, demofp.UUIDUnauthorized, demofp.UUIDRateLimited, demofp.UUIDBadGateway,
		demofp.UUIDGarbage, demofp.UUIDTimeout} {
		lines = append(lines, id+onFile)
	}
	lines = append(lines, demofp.UUIDServerError+onFile, "1", "nei", "1", "ja") // Retry: its dialog, no, then yes
	for _, id := range []string{demofp.UUIDAccepted, demofp.UUIDPaid, demofp.UUIDDetailsCancelled, demofp.UUIDNoContact,
		demofp.UUIDEmailOnly, demofp.UUIDNotFound} {
		lines = append(lines, "status "+id)
	}
	lines = append(lines,
		demofp.UUIDAccepted+onFile,                      // the cooldown
		demofp.UUIDPaid, demofp.UUIDEmailOnly, "1", "1", // the offer, its choice, a second press
		demofp.UUIDInvalid+" email=kari@exmaple.com", "3", // a new address, cancelled
		demofp.UUIDInvalid+" phone=99887766", "2", // a new number, the one on file chosen
		"9",
		// Orders: sent, cancelled by Front Payment's answer, paid in the
		// record, a status with its refund, and a kind word with no such
		// order (for the resend and for status).
		demofp.OrderAccepted+onFile, demofp.OrderAlreadyCancelled+onFile, demofp.OrderPaid+onFile,
		"status "+demofp.OrderRefunded, "status "+demofp.OrderInvoiced,
		"ordre "+demofp.UUIDAccepted+" phone=41234567", "status ordre "+demofp.UUIDAccepted,
		"abc email=kari@example.com", demofp.UUIDAccepted+" email=kari", demofp.UUIDAccepted+" email=kari nordmann@example.com",
		demofp.UUIDAccepted+" phone=12", demofp.UUIDAccepted+" phone=22123456", demofp.UUIDAccepted+" phone=+999 1234",
		demofp.UUIDAccepted+" phone=12345678 tlf=87654321", demofp.UUIDAccepted+" email=a@b.no epost=c@d.no",
		demofp.UUIDAccepted+" farge=blå", demofp.UUIDAccepted+" kari@example.com", demofp.UUIDAccepted+" email=",
		demofp.UUIDAccepted+" country=+47", demofp.UUIDAccepted+" msisdn=41234567", demofp.UUIDAccepted+" country=+999 msisdn=1",
		demofp.UUIDAccepted+" email=ka\u200bri@example.com", "status", "status "+demofp.UUIDAccepted+" nå",
		"email=kari@example.com", strings.Repeat("x", 5000),
	)
	out, _, err := runConsoleMain(t, []string{"console"},
		map[string]string{"RESEND_LANGUAGE": "nb", "RESEND_CONFIRM_NEW_DESTINATION": "true"}, strings.Join(lines, "\n")+"\n")
	if err != nil {
		t.Fatal(err)
	}
	banner, secs := transcript(out)
	if len(secs) != len(lines) {
		t.Fatalf("%d sections for %d lines:\n%s", len(secs), len(lines), out)
	}
	nb := i18ntest.New(t)
	nb.Check(t, "the banner", banner)
	for _, s := range secs {
		nb.Check(t, "the answer to "+s.cmd, s.out)
	}
	// The kinds of answer this test means to have seen.
	for _, want := range []string{"Front Payment: sendt (HTTP 202)", "Front Payment: ingen svar", "«Prøv igjen»",
		"Betalingsfrist:", "Status i Front Payment: venter på betaling («pending»)", "Vil du sende betalingslenken",
		"stemmer ikke med kontaktopplysningene", "kan lenken sendes dit igjen om", "Avbrutt:", "+47 998 87 766", "verken en reservasjon eller en ordre",
		"betalingslenken for ordre", "Denne ordren er kansellert", "Ifølge Front Payment er denne ordren allerede betalt",
		"Refundert: 250,00\u00a0kr", "Bestilt:", "Ikke sendt: fant ikke ordren", "Front Payment har ingen ordre med ID-en"} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, out)
		}
	}
}
