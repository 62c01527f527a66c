package frontpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// retryPause is the wait before Details tries again, cut short by the
// deadline: long enough for a restarting server, short against the Timeout.
const retryPause = 100 * time.Millisecond

// Reservation is what Front Payment says about a reservation, as far as a
// support agent needs it. A field Front Payment left out, sent as null or
// sent with a type it should not have is empty.
type Reservation struct {
	UUID   string // "reservationUuid" as sent
	Status string // as sent, e.g. "captured"; show this word to people
	IsPaid bool

	GrandTotal float64
	HasTotal   bool // GrandTotal was sent as a number or a numeric string

	ReservationDate    string    // as sent; the format is not documented
	ReservedAt         time.Time // ReservationDate parsed; zero if it is in no format we know
	PaymentLinkDueDate string    // as sent
	PaymentLinkDueAt   time.Time // PaymentLinkDueDate parsed; zero if it is in no format we know

	SentBySMS   bool // how the link was sent originally ("sendOrderBy")
	SentByEmail bool

	Customer Customer
}

// Customer is the contact on file for a reservation ("customerDetails").
type Customer struct {
	Name        string
	Email       string // as sent, trimmed
	CountryCode string // "+47" when it looks like a calling code ("47", 47 and "0047" become "+47"), else as sent
	MSISDN      string // as sent, trimmed; a JSON number becomes its digits
}

// ReservationState is what a reservation's state means for a resend.
type ReservationState int

// The states State returns. The zero ReservationState is none of them.
const (
	StateOpen      ReservationState = iota + 1 // not paid, not cancelled: a link can be resent
	StatePaid                                  // the customer has paid (or the funds are held): no link needed
	StateCancelled                             // cancelled: a link would be of no use
)

// String returns "open", "paid" or "cancelled".
func (s ReservationState) String() string {
	switch s {
	case StateOpen:
		return "open"
	case StatePaid:
		return "paid"
	case StateCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// State tells whether r is paid, cancelled or open. IsPaid decides first;
// then the status, case-insensitively: reserved, captured, charged,
// completed and paid are StatePaid (Front Payment holds or has the money),
// cancelled and canceled are StateCancelled, anything else is StateOpen.
func (r *Reservation) State() ReservationState {
	if r.IsPaid {
		return StatePaid
	}
	switch strings.ToLower(strings.TrimSpace(r.Status)) {
	case "reserved", "captured", "charged", "completed", "paid":
		return StatePaid
	case "cancelled", "canceled":
		return StateCancelled
	}
	return StateOpen
}

var (
	callingCodeRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2}$`)
	nationalRE    = regexp.MustCompile(`^[0-9]{4,15}$`)
)

// Contact returns the contact on file as Contacts ready for Resend: sms
// when the customer has both a calling code and a number (the number's
// spaces, dashes and a leading copy of the calling code removed), email
// when the address has a local part and a domain. How the link was sent
// originally does not matter.
func (r *Reservation) Contact() (sms, email Contact, hasSMS, hasEmail bool) {
	cc := r.Customer.CountryCode
	if n := nationalNumber(cc, r.Customer.MSISDN); callingCodeRE.MatchString(cc) && n != "" {
		sms, hasSMS = Contact{CountryCode: cc, MSISDN: n}, true
	}
	if e := strings.TrimSpace(r.Customer.Email); looksLikeEmail(e) {
		email, hasEmail = Contact{Email: e}, true
	}
	return sms, email, hasSMS, hasEmail
}

// nationalNumber returns msisdn as national digits for calling code cc,
// or "" when it is not a plausible number.
func nationalNumber(cc, msisdn string) string {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '/', '\u00a0':
			return -1
		}
		return r
	}, msisdn)
	digits := strings.TrimPrefix(cc, "+")
	switch {
	case strings.HasPrefix(n, "+"):
		var ok bool
		if n, ok = strings.CutPrefix(n, cc); !ok {
			return "" // a number of another country than the calling code says
		}
	case strings.HasPrefix(n, "00"+digits):
		n = strings.TrimPrefix(n, "00"+digits)
	}
	if !nationalRE.MatchString(n) {
		return ""
	}
	return n
}

func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;") && !strings.Contains(domain, "@")
}

// Details reads reservation reservationUUID from Front Payment.
//
// A GET changes nothing, so after a connection error or a 5xx Details tries
// once more, within the same Timeout; never after a 4xx, and not once the
// context is done. When both tries fail it reports the second failure.
//
// It returns the reservation when Front Payment answers 200 with a "data"
// object; the fields are read leniently (see Reservation). Otherwise it
// returns an *Error with Op OpDetails whose Kind is KindNotFound (404),
// KindUnauthorized (401, 403), KindRateLimited (429, with RetryAfter),
// KindServerError (5xx), KindUnreachable (no answer within the Timeout, or
// no connection; Err holds the cause) or KindUnexpected (any other status,
// or a body that is not the documented JSON, a 200 without a "data" object
// included; StatusCode says which). An empty UUID is KindInvalid with
// StatusCode 0, and nothing is sent.
func (c *Client) Details(ctx context.Context, reservationUUID string) (*Reservation, error) {
	red := newRedactor(c.token, Contact{})
	if strings.TrimSpace(reservationUUID) == "" {
		return nil, &Error{Op: OpDetails, Kind: KindInvalid, Errors: []string{"reservation UUID is empty"}, redact: red}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	path := detailsPath + url.PathEscape(reservationUUID)
	for try := 1; ; try++ {
		r, e := c.details(ctx, path, red)
		if e == nil {
			return r, nil
		}
		retry := e.Kind == KindServerError || e.Kind == KindUnreachable
		if try == 2 || !retry || ctx.Err() != nil {
			return nil, e
		}
		t := time.NewTimer(retryPause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, e
		}
	}
}

// details makes one GET.
func (c *Client) details(ctx context.Context, path string, red *redactor) (*Reservation, *Error) {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, &Error{Op: OpDetails, Kind: KindUnexpected, Err: err, redact: red}
	}
	a, err := c.do(req, maxDetailsBody)
	if err != nil {
		return nil, &Error{Op: OpDetails, Kind: KindUnreachable, Err: err, redact: red}
	}
	if a.status != http.StatusOK || a.err != nil {
		return nil, errorFor(OpDetails, a, red)
	}
	r, message, err := decodeReservation(a.body)
	if err != nil {
		return nil, &Error{Op: OpDetails, Kind: KindUnexpected, StatusCode: a.status,
			Message: red.Replace(message), Err: err, redact: red}
	}
	return r, nil
}

// decodeReservation reads a details envelope. It fails only when body is
// not a JSON object or has no "data" object; message is the envelope's
// "message" if it has one.
func decodeReservation(body []byte) (r *Reservation, message string, err error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, "", err
	}
	if len(env) == 0 {
		// JSON null, or {}; neither is an envelope.
		return nil, "", errors.New("no data object in the answer")
	}
	_ = json.Unmarshal(env["message"], &message) // a message that is no string is no message
	var data map[string]any
	dec := json.NewDecoder(bytes.NewReader(env["data"]))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil || data == nil {
		return nil, message, errors.New("no data object in the answer")
	}
	r = &Reservation{
		UUID:               text(data["reservationUuid"]),
		Status:             text(data["status"]),
		IsPaid:             boolean(data["isPaid"]),
		ReservationDate:    text(data["reservationDate"]),
		PaymentLinkDueDate: text(data["paymentLinkDueDate"]),
	}
	r.GrandTotal, r.HasTotal = number(data["grandTotal"])
	r.ReservedAt = parseTime(r.ReservationDate)
	r.PaymentLinkDueAt = parseTime(r.PaymentLinkDueDate)
	by, _ := data["sendOrderBy"].(map[string]any) // reading a nil map is fine
	r.SentBySMS, r.SentByEmail = boolean(by["sms"]), boolean(by["email"])
	cd, _ := data["customerDetails"].(map[string]any)
	r.Customer = Customer{
		Name:        text(cd["name"]),
		Email:       text(cd["email"]),
		CountryCode: callingCode(text(cd["countryCode"])),
		MSISDN:      text(cd["msisdn"]),
	}
	return r, message, nil
}

// text returns a string trimmed, a number as its digits, anything else "".
func text(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		s := v.String()
		if strings.ContainsAny(s, ".eE") {
			// 4.1234567e7 is 41234567; a fraction stays as sent.
			if f, err := v.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 {
				return strconv.FormatFloat(f, 'f', 0, 64)
			}
		}
		return s
	}
	return ""
}

// boolean reads true, "true", "yes", and any non-zero number or numeric
// string as true; anything else is false.
func boolean(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case json.Number:
		f, err := v.Float64()
		return err == nil && f != 0
	case string:
		s := strings.ToLower(strings.TrimSpace(v))
		if s == "true" || s == "yes" {
			return true
		}
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && f != 0 && !math.IsNaN(f)
	}
	return false
}

// number reads a JSON number or a numeric string ("1250.50", "1250,50").
func number(v any) (float64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.Replace(s, ",", ".", 1) // a Norwegian decimal comma
		}
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false // ParseFloat takes "NaN" and "Inf"; no total is either
	}
	return f, true
}

// callingCode turns "47", "0047" and "+47" into "+47"; anything else is
// returned as it is.
func callingCode(s string) string {
	d := strings.TrimPrefix(strings.ReplaceAll(s, " ", ""), "+")
	if strings.HasPrefix(s, "00") {
		d = strings.TrimPrefix(d, "00")
	}
	if callingCodeRE.MatchString("+" + d) {
		return "+" + d
	}
	return s
}

// timeLayouts are the formats tried on the undocumented date fields after
// RFC 3339 (fractional seconds too). A time without a zone keeps its wall
// clock, in a zone that Unzoned recognises: Front Payment does not say its
// zone, so show it without converting.
var timeLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
	"02.01.2006",
}

// unzoned names the zone of a time Front Payment wrote without one.
const unzoned = "as written by Front Payment"

func parseTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.FixedZone(unzoned, 0)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Unzoned reports whether t, parsed from Front Payment, was written
// without a zone: its wall clock is Front Payment's, not an instant to
// convert.
func Unzoned(t time.Time) bool { return t.Location().String() == unzoned }
