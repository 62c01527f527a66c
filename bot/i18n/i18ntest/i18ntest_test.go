package i18ntest

import "testing"

// The checker itself: what it must catch, and what Norwegian may quote.
func TestLeaks(t *testing.T) {
	nb := New(t)
	for _, leaky := range []string{
		"Front Payment: HTTP 202 (sent) · 2. desember 2026 kl. 14:05", // the line of issue 25
		"Front Payment: HTTP 404 (not_found)",
		"Betalt (status i Front Payment: captured)",
		"Ikke sendt: reservation not found",
		"Forespurt av <@U1> · Requested",
		"Noe gikk galt: frontpay: resend: unexpected (HTTP 200)",
		"kind: rate_limited",
		"ordre (order)",
	} {
		if len(nb.Leaks(leaky)) == 0 {
			t.Errorf("no leak found in %q", leaky)
		}
	}
	for _, fine := range []string{
		"Front Payment: sendt (HTTP 202) · 2. desember 2026 kl. 14:05",
		"• Status i Front Payment: belastet («captured»)",
		"Front Payment svarte (på engelsk):\n• «The email must be a valid email address.»",
		"Bruk `/resend 3f1c2a9e-8b7d-4c6e-9f01-23456789abcd email=kari@example.com` eller phone=+47 412 34 567",
		"<@U0AGENT> ba om at betalingslenken for ordre `x` sendes på nytt som e-post til `k***@example.com`. :hourglass:",
		"Detaljer (fra resendbots logg): frontpay: resend: unexpected (HTTP 200): invalid character",
	} {
		if leaks := nb.Leaks(fine); len(leaks) > 0 {
			t.Errorf("%q is Norwegian, but: %v", fine, leaks)
		}
	}
}
