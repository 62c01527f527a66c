package bot

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"resendbot/frontpay"
)

// unescaped is markup in what people read: a '<' or '>', or an '&' that
// starts no entity Slack writes.
var unescaped = regexp.MustCompile(`[<>]|&(?:amp;|lt;|gt;)?`)

// FuzzStatusText feeds `status` whatever Front Payment's record may hold:
// the answer always fits one section of Slack's, and nothing Front
// Payment wrote becomes markup (a mention, a link) in it.
func FuzzStatusText(f *testing.F) {
	f.Add("PAID", "INV-1", "Kari <!here> & co", "2025-06-02", "16.06.2025 23:59", "kari@example.com", "+47", "41234567", "", 1250.5, 250.0, true)
	f.Add(strings.Repeat("<!channel>", 400), strings.Repeat("&", 3000), strings.Repeat("ø", 5000), strings.Repeat("<x>", 999), "", "<mailto:a@b.no|x>", "47", "<tel:1|2>", "", 1e300, -1e300, false)
	f.Add("", "", "", "", "", "", "", "", `[{"a":"<b>"}]`, 0.0, 0.0, true)
	amps := strings.Repeat("&", 200) // each field is shortened, and then its escapes are five times as long
	f.Add(amps, amps, amps, amps, amps, amps, "+"+amps, amps, amps, 1e300, 1e300, true)
	f.Add("sent", "", "", "", "", strings.Repeat("k", 5000)+"@example.com", "+47", strings.Repeat("4", 3000), "", 1.0, 0.0, false)
	c := newTestCore(f, Deps{}, newRecorder(), map[string]string{"RESEND_MASK_CONTACTS": "false"})
	f.Fuzz(func(t *testing.T, status, invoice, name, date, due, email, cc, msisdn, held string, total, refunded float64, order bool) {
		kind := frontpay.LinkReservation
		if order {
			kind = frontpay.LinkOrder
		}
		finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) } // what frontpay reads as a number
		rec := &frontpay.Record{Kind: kind, Status: status, InvoiceNumber: invoice, ReservationDate: date, PaymentLinkDueDate: due,
			GrandTotal: total, HasTotal: finite(total),
			Customer: frontpay.Customer{Name: name, Email: email, CountryCode: cc, MSISDN: msisdn, Held: held}}
		refunds := &frontpay.OrderStatus{RefundedAmount: refunded, HasRefunded: finite(refunded)}
		text := c.statusText(rec, refunds, coreUUID)
		if n := utf8.RuneCountInString(text); n > 3000 { // Slack's limit on a section's text
			t.Fatalf("status of %d characters, over Slack's 3000", n)
		}
		for _, m := range unescaped.FindAllString(text, -1) {
			if len(m) < 2 {
				t.Fatalf("status holds markup %q:\n%s", m, text)
			}
		}
	})
}
