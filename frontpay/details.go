package frontpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// retryPause is the wait before Details tries again, cut short by the
// deadline: long enough for a restarting server, short against the Timeout.
const retryPause = 100 * time.Millisecond

// Record is what Front Payment says about a reservation or an order, as
// far as a support agent needs it. A field Front Payment left out, sent as
// null or sent with a type it should not have is empty; the contact on
// file is kept as held (see Customer).
type Record struct {
	Kind   LinkKind
	UUID   string // "reservationUuid" or "orderUuid" as sent
	Status string // as sent, e.g. "captured" or "INVOICED"; show this word to people
	IsPaid bool   // a reservation's "isPaid"

	GrandTotal float64 // a reservation's "grandTotal", an order's "orderSummary.grandTotal"
	HasTotal   bool    // GrandTotal was sent as a number or a numeric string

	ReservationDate    string    // as sent ("reservationDate", an order's "orderDate"); the format is not documented
	ReservedAt         time.Time // ReservationDate parsed; zero if it is in no format we know
	PaymentLinkDueDate string    // as sent
	PaymentLinkDueAt   time.Time // PaymentLinkDueDate parsed; zero if it is in no format we know
	InvoiceNumber      string    // an order's "invoiceNumber", as sent

	SentBySMS   bool // how a reservation's link was sent originally ("sendOrderBy")
	SentByEmail bool

	Customer Customer
}

// Customer is the contact on file for a reservation or an order
// ("customerDetails"; both kinds send it in the same shape),
// each value as Front Payment holds it, trimmed: a JSON string as it is, a
// number as its digits, and a value of any other JSON type (an array, an
// object, true) as its JSON text. A field is "" only when Front Payment
// holds nothing there (absent, null or an empty string), so "nothing on
// file" and "something on file that is not usable" are never confused.
// Whether a value is usable is for its reader to check, as typed input is
// checked.
type Customer struct {
	Name        string
	Email       string
	CountryCode string // "+47" when it looks like a calling code ("47", 47 and "0047" become "+47"), else as held
	MSISDN      string
	// Held is customerDetails as sent when it is not an object (a string,
	// an array); then the fields above are "", and nothing in it is usable.
	Held string
}

// ReservationState is what a record's state means for a resend.
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
// then the status, case-insensitively, the same words for both kinds:
// reserved, captured, charged, completed, paid, refunded and
// partially_refunded are StatePaid (Front Payment holds or has had the
// money), cancelled and canceled are StateCancelled, anything else
// (pending, sent, an order's INVOICED…) is StateOpen.
func (r *Record) State() ReservationState {
	if r.IsPaid {
		return StatePaid
	}
	switch strings.ToLower(strings.TrimSpace(r.Status)) {
	case "reserved", "captured", "charged", "completed", "paid", "refunded", "partially_refunded":
		return StatePaid
	case "cancelled", "canceled":
		return StateCancelled
	}
	return StateOpen
}

var callingCodeRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2}$`)

// Details reads the reservation or order (kind) uuid from Front Payment.
//
// A GET changes nothing, so after a connection error or a 5xx Details tries
// once more, within the same Timeout; never after a 4xx, and not once the
// context is done. When both tries fail it reports the second failure.
//
// It returns the record, its Kind set, when Front Payment answers 200 with
// a "data" object; the fields are read leniently (see Record). Otherwise it
// returns an *Error with Op OpDetails whose Kind is KindNotFound (404),
// KindUnauthorized (401, 403), KindRateLimited (429, with RetryAfter),
// KindServerError (5xx), KindUnreachable (no answer within the Timeout, or
// no connection; Err holds the cause) or KindUnexpected (any other status,
// or a body that is not the documented JSON, a 200 without a "data" object
// or one whose record names another UUID as its own included; StatusCode
// says which). An empty UUID or a kind other than
// LinkReservation or LinkOrder is KindInvalid with StatusCode 0, and
// nothing is sent.
func (c *Client) Details(ctx context.Context, kind LinkKind, uuid string) (*Record, error) {
	data, err := c.read(ctx, OpDetails, kind, uuid)
	if err != nil {
		return nil, err
	}
	r := recordOf(kind, data)
	return &r, nil
}

// OrderStatus is what Front Payment's order status endpoint says.
type OrderStatus struct {
	UUID   string
	Status string // as sent, e.g. "REFUNDED"

	OrderAmount    float64
	HasAmount      bool
	RefundedAmount float64
	HasRefunded    bool // RefundedAmount was sent as a number or a numeric string
}

// OrderStatus reads the status of order uuid ("Get Order Status By UUID"):
// its status word and the amounts ordered and refunded. It retries and
// fails as Details does, with Op OpStatus.
func (c *Client) OrderStatus(ctx context.Context, uuid string) (*OrderStatus, error) {
	data, err := c.read(ctx, OpStatus, LinkOrder, uuid)
	if err != nil {
		return nil, err
	}
	s := &OrderStatus{UUID: text(data["uuid"]), Status: text(data["status"])}
	s.OrderAmount, s.HasAmount = number(data["orderAmount"])
	s.RefundedAmount, s.HasRefunded = number(data["refundedAmount"])
	return s, nil
}

// read makes the GET of endpoint op for kind and uuid, once more after a
// connection error or a 5xx, and returns the answer's "data" object.
func (c *Client) read(ctx context.Context, op string, kind LinkKind, uuid string) (map[string]any, error) {
	red := newRedactor(c.token, Contact{})
	path := kind.path(op, uuid)
	switch {
	case strings.TrimSpace(uuid) == "":
		return nil, &Error{Op: op, Link: kind, Kind: KindInvalid, Errors: []string{"UUID is empty"}, redact: red}
	case path == "":
		return nil, &Error{Op: op, Link: kind, Kind: KindInvalid, Errors: []string{"no such endpoint for this kind of payment link"}, redact: red}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for try := 1; ; try++ {
		data, e := c.get(ctx, op, kind, path, red)
		if e == nil {
			return data, aboutAnother(op, kind, uuid, data, red)
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

// aboutAnother is nil unless data, a 200's "data", names as its own a
// UUID other than the one asked for: then it is KindUnexpected, for its
// contact on file and state are another reservation's or order's, and
// reading them as this one's could send a link to another customer. A
// UUID field that is absent, null, or not a string says nothing and is
// read leniently, as any field is.
func aboutAnother(op string, kind LinkKind, uuid string, data map[string]any, red *redactor) error {
	field := "reservationUuid"
	switch {
	case op == OpStatus:
		field = "uuid"
	case kind == LinkOrder:
		field = "orderUuid"
	}
	named, _ := data[field].(string)
	named = strings.TrimSpace(named)
	if named == "" || strings.EqualFold(named, strings.TrimSpace(uuid)) {
		return nil
	}
	return &Error{Op: op, Link: kind, Kind: KindUnexpected, StatusCode: http.StatusOK,
		Err: fmt.Errorf("the answer is about %s %q, not %q", kind, clip(named, 80), uuid), redact: red}
}

// get makes one GET.
func (c *Client) get(ctx context.Context, op string, kind LinkKind, path string, red *redactor) (map[string]any, *Error) {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, &Error{Op: op, Link: kind, Kind: KindUnexpected, Err: err, redact: red}
	}
	a, err := c.do(req, maxDetailsBody)
	if err != nil {
		return nil, &Error{Op: op, Link: kind, Kind: KindUnreachable, Err: err, redact: red}
	}
	if a.status != http.StatusOK || a.err != nil {
		return nil, errorFor(op, kind, a, red)
	}
	data, message, err := decodeData(a.body)
	if err != nil {
		return nil, &Error{Op: op, Link: kind, Kind: KindUnexpected, StatusCode: a.status,
			Message: red.Replace(message), Err: err, redact: red}
	}
	return data, nil
}

// decodeData reads an envelope's "data" object, numbers kept as
// json.Number. It fails only when body is not a JSON object or has no
// "data" object; message is the envelope's "message" if it has one.
func decodeData(body []byte) (data map[string]any, message string, err error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, "", err
	}
	if len(env) == 0 {
		// JSON null, or {}; neither is an envelope.
		return nil, "", errors.New("no data object in the answer")
	}
	_ = json.Unmarshal(env["message"], &message) // a message that is no string is no message
	dec := json.NewDecoder(bytes.NewReader(env["data"]))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil || data == nil {
		return nil, message, errors.New("no data object in the answer")
	}
	return data, message, nil
}

// recordOf reads a details "data" object of kind leniently: each kind
// names its fields its own way, and both send "customerDetails" alike.
func recordOf(kind LinkKind, data map[string]any) Record {
	r := Record{Kind: kind, Status: text(data["status"]), PaymentLinkDueDate: text(data["paymentLinkDueDate"])}
	switch kind {
	case LinkOrder:
		r.UUID = text(data["orderUuid"])
		r.ReservationDate = text(data["orderDate"])
		r.InvoiceNumber = text(data["invoiceNumber"])
		summary, _ := data["orderSummary"].(map[string]any) // reading a nil map is fine
		r.GrandTotal, r.HasTotal = number(summary["grandTotal"])
	default:
		r.UUID = text(data["reservationUuid"])
		r.ReservationDate = text(data["reservationDate"])
		r.IsPaid = boolean(data["isPaid"])
		r.GrandTotal, r.HasTotal = number(data["grandTotal"])
		by, _ := data["sendOrderBy"].(map[string]any)
		r.SentBySMS, r.SentByEmail = boolean(by["sms"]), boolean(by["email"])
	}
	r.ReservedAt = parseTime(r.ReservationDate)
	r.PaymentLinkDueAt = parseTime(r.PaymentLinkDueDate)
	r.Customer = decodeCustomer(data["customerDetails"])
	return r
}

// decodeCustomer reads a record's "customerDetails" (see Customer). It is
// the one reading of a contact on file, for reservations and orders alike.
func decodeCustomer(v any) Customer {
	cd, ok := v.(map[string]any)
	if !ok {
		return Customer{Held: held(v)}
	}
	return Customer{
		Name:        held(cd["name"]),
		Email:       held(cd["email"]),
		CountryCode: callingCode(held(cd["countryCode"])),
		MSISDN:      held(cd["msisdn"]),
	}
}

// held is a value as a person can read it: text(v) for a string or a
// number, "" for null, and any other JSON value as its JSON text.
func held(v any) string {
	switch v.(type) {
	case nil:
		return ""
	case string, json.Number:
		return text(v)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // shown escaped for Slack by its reader; "\u003c" would hide what is held
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v) // cannot happen for decoded JSON; still not ""
	}
	return strings.TrimSpace(b.String())
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
