package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"resendbot/frontpay"
)

// What `status` and an offer say, by the core's own tests.

// records reads the records it holds; an order's status, when set, adds
// its refunds.
type records struct {
	*recorder
	recs     map[string]*frontpay.Record
	refunds  *frontpay.OrderStatus
	readErr  error
	statusOK bool
}

func (r records) Details(_ context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	r.note("read " + kind.String() + " " + uuid)
	if r.readErr != nil {
		return nil, r.readErr
	}
	rec, ok := r.recs[uuid]
	if !ok || rec.Kind != kind {
		return nil, &frontpay.Error{Op: frontpay.OpDetails, Link: kind, Kind: frontpay.KindNotFound, StatusCode: 404}
	}
	return rec, nil
}

func (r records) OrderStatus(_ context.Context, uuid string) (*frontpay.OrderStatus, error) {
	r.note("order status " + uuid)
	if !r.statusOK {
		return nil, &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 500}
	}
	return r.refunds, nil
}

// lookUp runs text (a status or an offer) on a core reading rs and returns
// what the caller was told.
func lookUp(t *testing.T, rs records, vars map[string]string, text string) Message {
	t.Helper()
	c := startCoreOn(t, Deps{Resender: rs}, rs.recorder, vars)
	if reply := c.Command(t.Context(), agentOrigin, text); !reply.Queued {
		t.Fatalf("%s: %+v", text, reply)
	}
	rs.waitFor(t, "tell", 1)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.tells[0]
}

func TestStatusOfAReservation(t *testing.T) {
	rec := &frontpay.Record{Kind: frontpay.LinkReservation, UUID: coreUUID, Status: "sent", HasTotal: true, GrandTotal: 1234.5,
		ReservationDate: "2026-11-30 09:05:00", ReservedAt: time.Date(2026, 11, 30, 9, 5, 0, 0, unzonedAt),
		PaymentLinkDueDate: "someday", SentBySMS: true,
		Customer: frontpay.Customer{Name: "Kari  Nordmann", Email: "kari@example.com", CountryCode: "+47", MSISDN: "90123405"}}
	rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{coreUUID: rec}}
	got := lookUp(t, rs, map[string]string{"RESEND_MASK_CONTACTS": "false"}, "status "+coreUUID).Text
	for _, want := range []string{
		"Reservation `" + coreUUID + "`\n",
		"*Not paid yet*",
		"• Front Payment status: awaiting payment (“sent”)",
		"• Total: ",
		"• Payment due: “someday” (as Front Payment wrote it)",
		"• Created: ",
		"• First sent by: SMS\n",
		"• Customer: Kari Nordmann\n",
		"• Contact on file: SMS `+47 901 23 405`, email `kari@example.com`",
		"To resend to the contact on file: `/resend " + coreUUID + "`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"Refunded", "Invoice", "Ordered", "Shortened", "09:05:00"} {
		if strings.Contains(got, not) {
			t.Errorf("status has %q:\n%s", not, got)
		}
	}
	if n := rs.count("order status"); n != 0 {
		t.Errorf("a reservation's order status was read %d times", n)
	}
}

func TestStatusOfAPaidOrderWithRefunds(t *testing.T) {
	rec := &frontpay.Record{Kind: frontpay.LinkOrder, UUID: orderUUID, Status: "PARTIALLY_REFUNDED", InvoiceNumber: "INV-0987654321",
		ReservationDate: "2026-11-30", ReservedAt: time.Date(2026, 11, 30, 0, 0, 0, 0, unzonedAt),
		Customer: frontpay.Customer{Email: "not an address"}}
	rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{orderUUID: rec},
		refunds: &frontpay.OrderStatus{HasRefunded: true, RefundedAmount: 99}, statusOK: true}
	got := lookUp(t, rs, nil, "status "+orderUUID).Text
	for _, want := range []string{
		"Order `" + orderUUID + "`\n",
		"*Paid*",
		"partly refunded (“PARTIALLY_REFUNDED”)",
		"• Refunded: ",
		"• Invoice number: INV-0987654321",
		"• Ordered: ",
		"• Contact on file: email `not an address` (not an email address resendbot can read)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"First sent by", "To resend", "Total", "00:00"} {
		if strings.Contains(got, not) {
			t.Errorf("status has %q:\n%s", not, got)
		}
	}
	if n := rs.count("order status"); n != 1 {
		t.Errorf("order status read %d times, want 1", n)
	}
}

// Refunds are shown only when the order status says some were made.
func TestStatusShowsRefundsOnlyWhenMade(t *testing.T) {
	for _, tc := range []struct {
		name     string
		refunds  *frontpay.OrderStatus
		statusOK bool
	}{
		{"none refunded", &frontpay.OrderStatus{HasRefunded: true, RefundedAmount: 0}, true},
		{"not said", &frontpay.OrderStatus{RefundedAmount: 5}, true},
		{"not read", nil, false},
	} {
		rec := &frontpay.Record{Kind: frontpay.LinkOrder, UUID: orderUUID, Status: "captured"}
		rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{orderUUID: rec}, refunds: tc.refunds, statusOK: tc.statusOK}
		if got := lookUp(t, rs, nil, "status "+orderUUID).Text; strings.Contains(got, "Refunded") || !strings.Contains(got, "• Contact on file: none") {
			t.Errorf("%s: %s", tc.name, got)
		}
	}
}

// How the link was first sent, each way.
func TestSentBy(t *testing.T) {
	w := English()
	for _, tc := range []struct {
		sms, email bool
		want       string
	}{{true, true, "SMS and email"}, {true, false, "SMS"}, {false, true, "email"}, {false, false, "not recorded"}} {
		if got := sentBy(w, &frontpay.Record{SentBySMS: tc.sms, SentByEmail: tc.email}); got != tc.want {
			t.Errorf("sms %v email %v: %q, want %q", tc.sms, tc.email, got, tc.want)
		}
	}
}

// A date is worded with its time only when it has one.
func TestFrontPaymentDates(t *testing.T) {
	w := English()
	for _, tc := range []struct {
		at       time.Time
		withTime bool
	}{
		{time.Date(2026, 1, 2, 0, 0, 0, 0, unzonedAt), false},
		{time.Date(2026, 1, 2, 7, 0, 0, 0, unzonedAt), true},
		{time.Date(2026, 1, 2, 0, 8, 0, 0, unzonedAt), true},
		{time.Date(2026, 1, 2, 0, 0, 9, 0, unzonedAt), true},
	} {
		got := frontPaymentDate(w, "x", tc.at)
		if want := w.AsWritten(tc.at, tc.withTime); got != want {
			t.Errorf("%v: %q, want %q", tc.at, got, want)
		}
	}
}

// A status that would not fit one Slack section keeps whole lines and
// says it was shortened; one that fits is whole.
func TestFittedKeepsWholeLines(t *testing.T) {
	w := English()
	note := w.T("lookup.shortened")
	fits := strings.Repeat("é", maxSectionRunes)
	if got := fitted(w, fits); got != fits {
		t.Error("a text of exactly maxSectionRunes runes was shortened")
	}
	line := strings.Repeat("ø", 999) + "\n" // 1000 runes
	long := strings.Repeat(line, 4)
	got := fitted(w, long)
	room := maxSectionRunes - utf8.RuneCountInString(note) - 1
	if want := strings.Repeat(line, room/1000); got != strings.TrimRight(want, "\n")+"\n"+note {
		t.Errorf("fitted keeps %d runes, want %d whole lines and the note", utf8.RuneCountInString(got), room/1000)
	}
	kept := "ab\n" + strings.Repeat("c", room-4) + "\n" // exactly the room
	if got := fitted(w, kept+strings.Repeat("d", maxSectionRunes)); got != kept+note {
		t.Errorf("lines that fill the room exactly are not kept whole: %d runes", utf8.RuneCountInString(got))
	}
	one := strings.Repeat("Z", maxSectionRunes+1)
	if got := fitted(w, one); utf8.RuneCountInString(got) > maxSectionRunes || !strings.HasPrefix(got, "ZZZ") || !strings.HasSuffix(got, note) {
		t.Errorf("one long line: %d runes", utf8.RuneCountInString(got))
	}
}

// A failed read is worded by what failed; nothing was sent either way.
func TestALookupThatFails(t *testing.T) {
	for _, tc := range []struct {
		err  error
		text string
		want string
	}{
		{nil, "status " + orderUUID, "Front Payment has no reservation or order `" + orderUUID + "`"},
		{nil, "status order " + orderUUID, "Front Payment has no order `" + orderUUID + "`"},
		{&frontpay.Error{Kind: frontpay.KindUnauthorized, StatusCode: 401}, "status order " + orderUUID, "refused resendbot's access token, so the order could not be read"},
		{&frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429}, "status " + orderUUID, "could not be read right now"},
		{&frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 503}, "status " + orderUUID, "could not be read right now"},
		{&frontpay.Error{Kind: frontpay.KindUnreachable, Err: context.DeadlineExceeded}, "status " + orderUUID, "could not be read right now"},
		{&frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 418}, "status reservation " + orderUUID, "doesn't understand (HTTP 418), so the reservation could not be read"},
		{errors.New("boom"), "status reservation " + orderUUID, "doesn't understand, so the reservation"},
	} {
		rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{}, readErr: tc.err}
		if got := lookUp(t, rs, nil, tc.text).Text; !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q, want %q in it", tc.err, got, tc.want)
		}
	}
}

// An offer has one button per usable way to the contact on file, and
// "Both" only with two; what is held but unusable is said.
func TestOfferButtons(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       frontpay.Customer
		status  string
		buttons []string
		says    []string
	}{
		{"both", frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "90123405"}, "sent",
			[]string{"SMS to +47 ****3405", "Email to k***@example.com", "Both"}, []string{"Send the payment link to the contact on file?"}},
		{"sms only", frontpay.Customer{CountryCode: "+47", MSISDN: "90123405"}, "sent", []string{"SMS to +47 ****3405"}, nil},
		{"email only, the number a landline", frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "22123456"}, "sent",
			[]string{"Email to k***@example.com"}, []string{"No SMS button: the phone number Front Payment has on file, `+47 22123456`, is a landline"}},
		{"email unusable", frontpay.Customer{Email: "kari@", CountryCode: "+47", MSISDN: "90123405"}, "sent",
			[]string{"SMS to +47 ****3405"}, []string{"No email button: the email address Front Payment has on file, `kari@`, is not an email address"}},
		{"nothing", frontpay.Customer{}, "sent", nil, []string{"nothing to offer"}},
		{"paid", frontpay.Customer{Email: "kari@example.com"}, "paid", nil, []string{"Nothing was sent."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &frontpay.Record{Kind: frontpay.LinkReservation, UUID: coreUUID, Status: tc.status, Customer: tc.c}
			rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{coreUUID: rec}}
			m := lookUp(t, rs, nil, coreUUID)
			var labels []string
			for _, b := range m.Buttons {
				labels = append(labels, b.Label)
			}
			if strings.Join(labels, "|") != strings.Join(tc.buttons, "|") {
				t.Errorf("buttons %q, want %q", labels, tc.buttons)
			}
			for _, want := range tc.says {
				if !strings.Contains(m.Text, want) {
					t.Errorf("offer %q lacks %q", m.Text, want)
				}
			}
		})
	}
}

// Every button of an offer sends what its label says, once: the first
// press uses the offer up.
func TestAnOfferSendsWhatItsButtonSays(t *testing.T) {
	rec := &frontpay.Record{Kind: frontpay.LinkOrder, UUID: orderUUID, Status: "unpaid",
		Customer: frontpay.Customer{Email: "Kari@Example.com", CountryCode: "+47", MSISDN: "90123405"}}
	rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{orderUUID: rec}}
	var audit auditLines
	c := startCoreOn(t, Deps{Resender: rs, Audit: audit.logger()}, rs.recorder, nil)
	c.Command(t.Context(), agentOrigin, orderUUID)
	rs.waitFor(t, "tell", 1)
	reads := rs.count("read ")
	rs.mu.Lock()
	buttons := rs.tells[0].Buttons
	rs.mu.Unlock()
	if len(buttons) != 3 {
		t.Fatalf("buttons %+v", buttons)
	}
	for i, b := range buttons {
		var p pendingResend
		v, ok, err := c.d.State.Stash.Get(t.Context(), stashOffer+b.Value)
		if !ok || err != nil || json.Unmarshal(v, &p) != nil {
			t.Fatalf("button %d not kept: %v %v", i, ok, err)
		}
		phone := p.Phone != nil && p.Phone.E164 == "+4790123405"
		email := p.Email == "Kari@Example.com"
		if p.Kind != "order" || p.Reservation != orderUUID || p.Channel != agentOrigin.ChannelID ||
			phone != (i != 1) || email != (i != 0) {
			t.Errorf("button %d keeps %+v", i, p)
		}
	}
	if reply := c.Press(t.Context(), agentOrigin, ActionOffer, buttons[2].Value); !reply.Queued {
		t.Fatalf("press: %+v", reply)
	}
	rs.waitFor(t, "update", 1)
	if reply := c.Press(t.Context(), agentOrigin, ActionOffer, buttons[0].Value); reply.Queued {
		t.Errorf("a second button of the same offer: %+v", reply)
	}
	// The contact offered is the one on file: sent as offered, not read
	// and compared again, and its audit line says it matched.
	if n := rs.count("read ") - reads; n != 0 {
		t.Errorf("the record was read %d more times after the press, want none", n)
	}
	for _, l := range audit.lines(t) {
		if l["outcome"] == "sent" && l["destination_check"] != checkMatched {
			t.Errorf("the send's audit line %v, want destination_check %q", l, checkMatched)
		}
	}
}

// unzonedAt is the zone of a time Front Payment wrote without one, as
// frontpay parses it.
var unzonedAt = time.FixedZone("as written by Front Payment", 0)

// A lookup's audit line says what it found; a lookup that finds its
// record logs nothing.
func TestALookupsAuditLine(t *testing.T) {
	rec := &frontpay.Record{Kind: frontpay.LinkReservation, UUID: coreUUID, Status: "sent"}
	for _, tc := range []struct {
		text, outcome string
		status        float64
	}{
		{"status " + coreUUID, "found", 200},
		{"status order " + coreUUID, "not_found", 404},
	} {
		rs := records{recorder: newRecorder(), recs: map[string]*frontpay.Record{coreUUID: rec}}
		var audit auditLines
		var buf bytes.Buffer
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		c := startCoreOn(t, Deps{Resender: rs, Audit: audit.logger(), Log: log}, rs.recorder, nil)
		c.Command(t.Context(), agentOrigin, tc.text)
		rs.waitFor(t, "tell", 1)
		lines := audit.lines(t)
		if len(lines) != 1 || lines[0]["msg"] != "status" || lines[0]["outcome"] != tc.outcome || lines[0]["http_status"] != tc.status {
			t.Errorf("%s: audit %v, want outcome %s", tc.text, lines, tc.outcome)
		}
		mu.Lock()
		logged := buf.String()
		mu.Unlock()
		if tc.outcome == "found" && logged != "" {
			t.Errorf("%s: logged\n%s", tc.text, logged)
		}
	}
}
