// Package demofp is the demo Front Payment: an http.Handler that serves
// the endpoints of both kinds of payment link under their real paths
// (reservations: resend and details; orders: resend, details and status),
// records every request and answers with canned envelopes. The
// console's demo mode calls it in process through Transport; tests run it
// on a server with frontpay/frontpaytest. It imports no test packages, so
// the production binary can carry it.
//
// How to provoke each resend answer: SetAnswer(uuid, NotFound()) (and its
// siblings) for one reservation, SetDefault for all others, or use one of
// the UUID constants below, which NewHandler preloads. Without either, a
// resend is Accepted.
//
// Details: SetDetails(uuid, d) for a reservation, SetDetailsAnswer for any
// other answer (a 404, a 5xx, garbage, a slow or held answer, or several in
// turn). The UUID constants have plausible details preloaded. Without
// either, any UUID is an open reservation (SampleDetails): a newcomer can
// paste any ID into the console and see a resend go through.
//
// Orders: SetOrder(uuid, d) makes uuid an order (its reservation details
// then answer 404, as Front Payment's do for an order's UUID),
// SetOrderAnswer sets its resend answer (Accepted by default),
// SetOrderDetailsAnswer and SetOrderStatusAnswer its other answers. The
// Order* constants are preloaded, one per outcome. A UUID that is no order
// gets 404 orderNotFound from every order endpoint.
//
// A wrong bearer token gets 401, a resend body that is not the documented
// JSON gets 417, any other method or path gets 404 routeNotFound.
package demofp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The endpoints' path prefixes; the UUID follows.
const (
	ResendPath       = "/api/v1/connect/reservations/resend/"  // POST
	DetailsPath      = "/api/v1/connect/reservations/details/" // GET
	OrderResendPath  = "/api/v1/connect/orders/resend/"        // POST
	OrderDetailsPath = "/api/v1/connect/orders/details/"       // GET
	OrderStatusPath  = "/api/v1/connect/orders/status/"        // GET
)

// routes are the endpoints and their methods.
var routes = map[string]string{
	ResendPath: http.MethodPost, DetailsPath: http.MethodGet,
	OrderResendPath: http.MethodPost, OrderDetailsPath: http.MethodGet, OrderStatusPath: http.MethodGet,
}

// Reservations whose answers NewHandler preloads, for the demo and tests.
// The comment names the resend answer. Details are SampleDetails (an open
// reservation with Kari Nordmann's mobile and email on file) except for
// UUIDNotFound (404, and no order either) and the UUID*2xxx ones below, so
// that a resend reaches Front Payment and gets the constant's answer
// (UUIDCompleted and UUIDCancelled: paid or cancelled after the bot read
// them), while UUIDPaid and UUIDDetailsCancelled are answered from their
// records.
const (
	UUIDAccepted     = "00000000-0000-4000-8000-000000000202" // Accepted
	UUIDNotFound     = "00000000-0000-4000-8000-000000000404" // NotFound
	UUIDCompleted    = "00000000-0000-4000-8000-000000004001" // Completed
	UUIDCancelled    = "00000000-0000-4000-8000-000000004002" // Cancelled
	UUIDInvalid      = "00000000-0000-4000-8000-000000000417" // Invalid, an email error
	UUIDUnauthorized = "00000000-0000-4000-8000-000000000401" // Unauthorized
	UUIDRateLimited  = "00000000-0000-4000-8000-000000000429" // RateLimited(30)
	UUIDServerError  = "00000000-0000-4000-8000-000000000510" // ServerFailure
	UUIDBadGateway   = "00000000-0000-4000-8000-000000000502" // BadGateway
	UUIDGarbage      = "00000000-0000-4000-8000-000000000200" // Garbage(200)
	UUIDTimeout      = "00000000-0000-4000-8000-000000000408" // Accepted after a minute: the client gives up first

	UUIDPaid             = "00000000-0000-4000-8000-000000002001" // Completed; details paid, status "captured"
	UUIDDetailsCancelled = "00000000-0000-4000-8000-000000002002" // Cancelled; details status "cancelled"
	UUIDNoContact        = "00000000-0000-4000-8000-000000002003" // Accepted; details open, no phone number or email on file
	UUIDEmailOnly        = "00000000-0000-4000-8000-000000002004" // Accepted; details open, only an email on file
)

// Orders that NewHandler preloads. The comment names the resend answer
// and the status in the order's details (Kari Nordmann's contact on file).
// UUIDNotFound is neither a reservation nor an order.
const (
	OrderAccepted         = "00000000-0000-4000-9000-000000000202" // Accepted; "SENT"
	OrderInvoiced         = "00000000-0000-4000-9000-000000000203" // Accepted; "INVOICED": open, the customer chose an invoice
	OrderPaid             = "00000000-0000-4000-9000-000000002001" // AlreadyPaid; "PAID"
	OrderCancelled        = "00000000-0000-4000-9000-000000002002" // Cancelled; "CANCELLED"
	OrderRefunded         = "00000000-0000-4000-9000-000000002005" // AlreadyPaid; "PARTIALLY_REFUNDED", 250 of 1250.50 refunded
	OrderAlreadyPaid      = "00000000-0000-4000-9000-000000004001" // AlreadyPaid; "SENT": paid after it was read
	OrderAlreadyCancelled = "00000000-0000-4000-9000-000000004002" // Cancelled; "SENT": cancelled after it was read
	OrderInvalid          = "00000000-0000-4000-9000-000000000417" // Invalid, an email error; "SENT"
	OrderServerError      = "00000000-0000-4000-9000-000000000510" // ServerFailure; "SENT"
	OrderTimeout          = "00000000-0000-4000-9000-000000000408" // Accepted after a minute; "SENT"
)

// Answer is what the fake writes for a request.
type Answer struct {
	Status int
	Body   string            // written as-is
	Header map[string]string // Content-Type defaults to application/json
	Delay  time.Duration     // wait before answering; stops early if the client goes away
	Hold   <-chan struct{}   // if non-nil, answer only once it is closed (or the client goes away)
}

func envelope(status int, statusMessage, message string, isError bool, errors string) string {
	return fmt.Sprintf(`{"status_code":%d,"status_message":%q,"message":%q,"is_error":%t,"errors":%s}`,
		status, statusMessage, message, isError, errors)
}

// Accepted is the documented 202 resentOrderSuccessfully.
func Accepted() Answer {
	return Answer{Status: 202, Body: `{"status_code":202,"status_message":"OK","message":"resentOrderSuccessfully","is_data":true,"data":null}`}
}

// NotFound is the documented 404 orderNotFound.
func NotFound() Answer {
	return Answer{Status: 404, Body: envelope(404, "Not Found", "orderNotFound", false, "null")}
}

// Completed is the documented 400 orderStatusAlreadyCompleted.
func Completed() Answer {
	return Answer{Status: 400, Body: envelope(400, "Conflict of Business Logic", "orderStatusAlreadyCompleted", false, "null")}
}

// AlreadyPaid is the order resend's documented 400 orderStatusAlreadyPaid.
func AlreadyPaid() Answer {
	return Answer{Status: 400, Body: envelope(400, "Conflict of Business Logic", "orderStatusAlreadyPaid", false, "null")}
}

// Cancelled is the documented 400 orderStatusAlreadyCancelled.
func Cancelled() Answer {
	return Answer{Status: 400, Body: envelope(400, "Conflict of Business Logic", "orderStatusAlreadyCancelled", false, "null")}
}

// Invalid is the documented 417 payloadValidationErrors with errorsJSON,
// written raw, as its "errors" (whose shape Front Payment does not document).
func Invalid(errorsJSON string) Answer {
	return Answer{Status: 417, Body: envelope(417, "Client Error", "payloadValidationErrors", true, errorsJSON)}
}

// ServerFailure is the documented 510 "Something Went Wrong".
func ServerFailure() Answer {
	return Answer{Status: 510, Body: envelope(510, "Execution Exception Occurred", "Something Went Wrong", true, `"Array"`)}
}

// BadGateway is a proxy's 502 HTML page.
func BadGateway() Answer {
	return Answer{Status: 502, Header: map[string]string{"Content-Type": "text/html; charset=utf-8"},
		Body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"}
}

// RateLimited is a 429 with Retry-After in seconds. Front Payment does not
// document its shape; this is the common one.
func RateLimited(retryAfterSeconds int) Answer {
	return Answer{Status: 429, Header: map[string]string{"Retry-After": fmt.Sprint(retryAfterSeconds)},
		Body: envelope(429, "Too Many Requests", "tooManyAttempts", true, "null")}
}

// Unauthorized is a 401 (assumed shape: undocumented).
func Unauthorized() Answer {
	return Answer{Status: 401, Body: envelope(401, "Unauthorized", "unauthenticated", true, "null")}
}

// Garbage is status with a body that is not JSON.
func Garbage(status int) Answer {
	return Answer{Status: status, Header: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
		Body: "this is not json {"}
}

// Details is a reservation's "data" in a details answer, with Front
// Payment's field names. Front Payment sends more (product list, payment
// details and history, organisation); the client ignores them. For fields
// that are missing, null or of another type, write the JSON yourself with
// DetailsEnvelope.
type Details struct {
	ReservationUUID    string          `json:"reservationUuid"`
	Status             string          `json:"status"`
	IsPaid             bool            `json:"isPaid"`
	GrandTotal         float64         `json:"grandTotal"`
	ReservationDate    string          `json:"reservationDate"`
	PaymentLinkDueDate string          `json:"paymentLinkDueDate"`
	SendOrderBy        SendOrderBy     `json:"sendOrderBy"`
	CustomerDetails    CustomerDetails `json:"customerDetails"`
}

// SendOrderBy is how the payment link was sent originally.
type SendOrderBy struct {
	SMS   bool `json:"sms"`
	Email bool `json:"email"`
}

// CustomerDetails is the contact on file.
type CustomerDetails struct {
	CountryCode string   `json:"countryCode"` // e.g. "+47"
	MSISDN      string   `json:"msisdn"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Address     *Address `json:"address"`
}

// Address is the customer's postal address.
type Address struct {
	Street  string `json:"street"`
	Zip     string `json:"zip"`
	City    string `json:"city"`
	Country string `json:"country"`
}

// SampleDetails is an open reservation uuid, sent by SMS and email to Kari
// Nordmann, +47 41234567, kari.nordmann@example.com.
func SampleDetails(uuid string) Details {
	return Details{
		ReservationUUID:    uuid,
		Status:             "pending",
		GrandTotal:         1250.5,
		ReservationDate:    "2025-06-02 10:15:00",
		PaymentLinkDueDate: "2025-06-16 23:59:59",
		SendOrderBy:        SendOrderBy{SMS: true, Email: true},
		CustomerDetails: CustomerDetails{
			CountryCode: "+47",
			MSISDN:      "41234567",
			Email:       "kari.nordmann@example.com",
			Name:        "Kari Nordmann",
			Address:     &Address{Street: "Eksempelgata 1", Zip: "0150", City: "Oslo", Country: "Norway"},
		},
	}
}

// DetailsEnvelope is the documented 200 reservationRetrievedSuccessfully
// body with dataJSON, written raw, as its "data".
func DetailsEnvelope(dataJSON string) string {
	return `{"status_code":200,"status_message":"OK","message":"reservationRetrievedSuccessfully","is_data":true,"data":` +
		dataJSON + `}`
}

// DetailsJSON is the documented 200 body with d as its "data". A
// GrandTotal that JSON cannot hold (NaN, ±Inf) is sent as null.
func DetailsJSON(d Details) string {
	b, err := json.Marshal(d)
	if err != nil {
		// Only the float can fail: send it as null.
		d.GrandTotal = 0
		var m map[string]any
		b, _ = json.Marshal(d)
		_ = json.Unmarshal(b, &m)
		m["grandTotal"] = nil
		b, _ = json.Marshal(m)
	}
	return DetailsEnvelope(string(b))
}

// Retrieved is a 200 details answer with d.
func Retrieved(d Details) Answer {
	return Answer{Status: 200, Body: DetailsJSON(d)}
}

// OrderDetails is an order's "data" in an order details answer, with
// Front Payment's field names (it sends more: product list, address…).
type OrderDetails struct {
	Type               string          `json:"type"`
	OrderUUID          string          `json:"orderUuid"`
	InvoiceNumber      string          `json:"invoiceNumber"`
	Status             string          `json:"status"`
	OrderDate          string          `json:"orderDate"`
	PaymentLinkDueDate string          `json:"paymentLinkDueDate"`
	OrderSummary       OrderSummary    `json:"orderSummary"`
	CustomerDetails    CustomerDetails `json:"customerDetails"`
}

// OrderSummary is an order's amounts.
type OrderSummary struct {
	SubTotal   float64 `json:"subTotal"`
	Tax        float64 `json:"tax"`
	Discount   float64 `json:"discount"`
	GrandTotal float64 `json:"grandTotal"`
}

// SampleOrder is an open order uuid ("SENT") to Kari Nordmann, +47
// 41234567, kari.nordmann@example.com, invoice 10042.
func SampleOrder(uuid string) OrderDetails {
	kari := SampleDetails(uuid).CustomerDetails
	return OrderDetails{
		Type:               "PAYMENT_LINK",
		OrderUUID:          uuid,
		InvoiceNumber:      "10042",
		Status:             "SENT",
		OrderDate:          "2025-06-02 10:15:00",
		PaymentLinkDueDate: "2025-06-16 23:59:59",
		OrderSummary:       OrderSummary{SubTotal: 1000.4, Tax: 250.1, GrandTotal: 1250.5},
		CustomerDetails:    kari,
	}
}

// OrderEnvelope is the documented 200 orderRetrievedSuccessfully body
// with dataJSON, written raw, as its "data".
func OrderEnvelope(dataJSON string) string {
	return `{"status_code":200,"status_message":"OK","message":"orderRetrievedSuccessfully","is_data":true,"data":` +
		dataJSON + `}`
}

// RetrievedOrder is a 200 order details answer with d.
func RetrievedOrder(d OrderDetails) Answer {
	b, _ := json.Marshal(d) // plain strings and finite numbers
	return Answer{Status: 200, Body: OrderEnvelope(string(b))}
}

// OrderStatusAnswer is a 200 order status answer: its status word, the
// amount ordered and the amount refunded.
func OrderStatusAnswer(uuid, status string, orderAmount, refundedAmount float64) Answer {
	b, _ := json.Marshal(map[string]any{"uuid": uuid, "status": status, "orderAmount": orderAmount, "refundedAmount": refundedAmount})
	return Answer{Status: 200, Body: OrderEnvelope(string(b))}
}

// Request is one request the fake received, as received.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	UUID   string // the path's last segment, as sent; "" off the resend and details paths
	At     time.Time
}

// Handler is the fake as an http.Handler. It is safe for concurrent use.
type Handler struct {
	token    string
	stop     chan struct{} // closed by Stop: waiting answers abort
	stopOnce sync.Once

	mu      sync.Mutex
	answers map[string]Answer   // resend answers by path: ResendPath or OrderResendPath, then the UUID
	def     Answer              // a reservation's resend answer when it has none of its own
	reads   map[string][]Answer // read answers by path, given in turn, the last repeating
	reqs    []Request
	changed chan struct{} // closed and replaced on every request
}

// NewHandler returns a fake Front Payment that accepts the bearer token
// token, with the UUID constants preloaded.
func NewHandler(token string) *Handler {
	h := &Handler{
		token:   token,
		stop:    make(chan struct{}),
		def:     Accepted(),
		answers: map[string]Answer{},
		reads:   map[string][]Answer{},
		changed: make(chan struct{}),
	}
	for u, a := range map[string]Answer{
		UUIDAccepted:     Accepted(),
		UUIDNotFound:     NotFound(),
		UUIDCompleted:    Completed(),
		UUIDCancelled:    Cancelled(),
		UUIDInvalid:      Invalid(`{"email":["The email must be a valid email address."]}`),
		UUIDUnauthorized: Unauthorized(),
		UUIDRateLimited:  RateLimited(30),
		UUIDServerError:  ServerFailure(),
		UUIDBadGateway:   BadGateway(),
		UUIDGarbage:      Garbage(200),
		UUIDTimeout:      {Status: 202, Body: Accepted().Body, Delay: time.Minute},

		UUIDPaid:             Completed(),
		UUIDDetailsCancelled: Cancelled(),
		UUIDNoContact:        Accepted(),
		UUIDEmailOnly:        Accepted(),
	} {
		h.answers[ResendPath+u] = a
	}
	h.reads[DetailsPath+UUIDNotFound] = []Answer{NotFound()}
	paid := SampleDetails(UUIDPaid)
	paid.Status, paid.IsPaid = "captured", true
	cancelled := SampleDetails(UUIDDetailsCancelled)
	cancelled.Status = "cancelled"
	noContact := SampleDetails(UUIDNoContact)
	noContact.CustomerDetails.MSISDN, noContact.CustomerDetails.Email = "", ""
	noContact.SendOrderBy = SendOrderBy{}
	emailOnly := SampleDetails(UUIDEmailOnly)
	emailOnly.CustomerDetails.CountryCode, emailOnly.CustomerDetails.MSISDN = "", ""
	emailOnly.SendOrderBy = SendOrderBy{Email: true}
	for _, d := range []Details{paid, cancelled, noContact, emailOnly} {
		h.reads[DetailsPath+d.ReservationUUID] = []Answer{Retrieved(d)}
	}
	for u, o := range map[string]struct {
		status string
		resend Answer
	}{
		OrderAccepted:         {"SENT", Accepted()},
		OrderInvoiced:         {"INVOICED", Accepted()},
		OrderPaid:             {"PAID", AlreadyPaid()},
		OrderCancelled:        {"CANCELLED", Cancelled()},
		OrderRefunded:         {"PARTIALLY_REFUNDED", AlreadyPaid()},
		OrderAlreadyPaid:      {"SENT", AlreadyPaid()},
		OrderAlreadyCancelled: {"SENT", Cancelled()},
		OrderInvalid:          {"SENT", Invalid(`{"email":["The email must be a valid email address."]}`)},
		OrderServerError:      {"SENT", ServerFailure()},
		OrderTimeout:          {"SENT", Answer{Status: 202, Body: Accepted().Body, Delay: time.Minute}},
	} {
		d := SampleOrder(u)
		d.Status = o.status
		h.setOrder(d)
		h.answers[OrderResendPath+u] = o.resend
	}
	h.reads[OrderStatusPath+OrderRefunded] = []Answer{OrderStatusAnswer(OrderRefunded, "PARTIALLY_REFUNDED", 1250.5, 250)}
	return h
}

// SetAnswer sets the resend answer for reservation uuid (matched
// case-insensitively).
func (h *Handler) SetAnswer(uuid string, a Answer) { h.setAnswer(ResendPath, uuid, a) }

// SetOrderAnswer sets the resend answer for order uuid (matched
// case-insensitively).
func (h *Handler) SetOrderAnswer(uuid string, a Answer) { h.setAnswer(OrderResendPath, uuid, a) }

func (h *Handler) setAnswer(path, uuid string, a Answer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answers[path+strings.ToLower(uuid)] = a
}

// SetDefault sets the resend answer for reservations without their own.
func (h *Handler) SetDefault(a Answer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.def = a
}

// SetDetails makes reservation uuid's details d: a 200 with DetailsJSON(d).
func (h *Handler) SetDetails(uuid string, d Details) {
	h.SetDetailsAnswer(uuid, Retrieved(d))
}

// SetDetailsAnswer sets the details answers for reservation uuid (matched
// case-insensitively): the first request gets answers[0], the next
// answers[1], and so on, every later one the last. With no answers, uuid
// is no reservation: 404 orderNotFound.
func (h *Handler) SetDetailsAnswer(uuid string, answers ...Answer) {
	h.setReads(DetailsPath, uuid, answers...)
}

// SetOrder makes uuid an order with details d (its resend Accepted unless
// SetOrderAnswer says otherwise) and no reservation.
func (h *Handler) SetOrder(d OrderDetails) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setOrder(d)
}

func (h *Handler) setOrder(d OrderDetails) {
	u := strings.ToLower(d.OrderUUID)
	h.reads[OrderDetailsPath+u] = []Answer{RetrievedOrder(d)}
	h.reads[DetailsPath+u] = []Answer{NotFound()}
	if _, ok := h.answers[OrderResendPath+u]; !ok {
		h.answers[OrderResendPath+u] = Accepted()
	}
	h.answers[ResendPath+u] = NotFound()
}

// SetOrderDetailsAnswer sets the order details answers for uuid, in turn
// as SetDetailsAnswer does. With no answers, uuid is no order: 404.
func (h *Handler) SetOrderDetailsAnswer(uuid string, answers ...Answer) {
	h.setReads(OrderDetailsPath, uuid, answers...)
}

// SetOrderStatusAnswer sets the order status answers for uuid, in turn as
// SetDetailsAnswer does. Without any, an order's status is 404.
func (h *Handler) SetOrderStatusAnswer(uuid string, answers ...Answer) {
	h.setReads(OrderStatusPath, uuid, answers...)
}

func (h *Handler) setReads(path, uuid string, answers ...Answer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(answers) == 0 {
		answers = []Answer{NotFound()}
	}
	h.reads[path+strings.ToLower(uuid)] = append([]Answer(nil), answers...)
}

// nextRead returns the answer to a GET of path (prefix and lower-case
// UUID) and moves on to the next. h.mu must be held. A reservation with
// no answers set is an open one; anything else without answers is 404.
func (h *Handler) nextRead(prefix, uuid string) Answer {
	path := prefix + uuid
	as := h.reads[path]
	switch {
	case len(as) == 0 && prefix == DetailsPath:
		return Retrieved(SampleDetails(uuid))
	case len(as) == 0:
		return NotFound()
	case len(as) == 1:
		return as[0]
	}
	h.reads[path] = as[1:]
	return as[0]
}

// Requests returns copies of the requests received so far, in arrival order.
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, len(h.reqs))
	for i, r := range h.reqs {
		r.Header = r.Header.Clone()
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// Resends returns the requests of Requests that were resends (POSTs), the
// reads of a reservation or order left out.
func (h *Handler) Resends() []Request {
	var out []Request
	for _, r := range h.Requests() {
		if r.Method == http.MethodPost {
			out = append(out, r)
		}
	}
	return out
}

// Calls returns how many requests were received, rejected ones included.
func (h *Handler) Calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

// Watch returns how many requests were received so far and a channel
// that is closed when the next one arrives, for waiting on calls without
// polling.
func (h *Handler) Watch() (calls int, next <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs), h.changed
}

// Stop makes every answer still waiting (a Delay or a Hold), and every
// later one that would wait, abort with http.ErrAbortHandler instead, so
// that closing a server never waits on an answer nobody will release.
// Answers that do not wait are unaffected. It is safe to call more than
// once.
func (h *Handler) Stop() {
	h.stopOnce.Do(func() { close(h.stop) })
}

// ServeHTTP records the request, then answers it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var uuid, route string
	for prefix := range routes {
		if u, ok := strings.CutPrefix(r.URL.Path, prefix); ok && u != "" && !strings.Contains(u, "/") {
			uuid, route = u, prefix
		}
	}
	h.mu.Lock()
	h.reqs = append(h.reqs, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
		Body: body, UUID: uuid, At: time.Now()})
	close(h.changed)
	h.changed = make(chan struct{})
	var a Answer
	switch {
	case route == "" || r.Method != routes[route]:
		a = Answer{Status: 404, Body: envelope(404, "Not Found", "routeNotFound", true, "null")}
	// Front Payment does not document its answer to a bad token; we assume
	// a 401 like its framework's default.
	case r.Header.Get("Authorization") != "Bearer "+h.token:
		a = Unauthorized()
	case r.Method == http.MethodGet:
		a = h.nextRead(route, strings.ToLower(uuid))
	default:
		var ok bool
		switch a, ok = h.answers[route+strings.ToLower(uuid)]; {
		case ok:
		case route == ResendPath:
			a = h.def
		default:
			a = NotFound() // no such order
		}
		if errs := validate(body); errs != nil {
			b, _ := json.Marshal(errs)
			a = Invalid(string(b))
		}
	}
	h.mu.Unlock()
	h.write(w, r, a)
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, a Answer) {
	if a.Delay > 0 {
		t := time.NewTimer(a.Delay)
		defer t.Stop()
		if !wait(h.stop, r, t.C) {
			return
		}
	}
	if a.Hold != nil && !wait(h.stop, r, a.Hold) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	_, _ = io.WriteString(w, a.Body)
}

// wait reports whether ch fired before the client went away. When the
// handler is stopped first, it aborts the answer (see Stop).
func wait[T any](stop <-chan struct{}, r *http.Request, ch <-chan T) bool {
	select {
	case <-ch:
		return true
	case <-r.Context().Done():
		return false
	case <-stop:
		panic(http.ErrAbortHandler)
	}
}

var (
	countryCodeRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2}$`)
	msisdnRE      = regexp.MustCompile(`^[0-9]{4,15}$`)
	emailRE       = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// validate checks the body like Front Payment's rules on its page: all
// three keys, strings or null, SMS needing both phone fields, at least one
// channel. It returns field → messages, or nil when the body is fine.
func validate(body []byte) map[string][]string {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return map[string][]string{"payload": {"The payload must be a JSON object."}}
	}
	errs := map[string][]string{}
	fields := map[string]*string{}
	for _, k := range []string{"countryCode", "msisdn", "email"} {
		v, ok := raw[k]
		if !ok {
			errs[k] = append(errs[k], fmt.Sprintf("The %s field must be present.", k))
			continue
		}
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			errs[k] = append(errs[k], fmt.Sprintf("The %s must be a string.", k))
			continue
		}
		fields[k] = s
	}
	for k := range raw {
		if _, ok := fields[k]; !ok && errs[k] == nil {
			errs[k] = []string{fmt.Sprintf("The %s field is not allowed.", k)}
		}
	}
	cc, msisdn, email := fields["countryCode"], fields["msisdn"], fields["email"]
	switch {
	case len(errs) > 0:
	case cc == nil && msisdn == nil && email == nil:
		errs["email"] = []string{"The email field is required when msisdn is not present."}
		errs["msisdn"] = []string{"The msisdn field is required when email is not present."}
	case (cc == nil) != (msisdn == nil):
		errs["countryCode"] = []string{"The country code and msisdn fields are required together."}
	}
	if cc != nil && !countryCodeRE.MatchString(*cc) {
		errs["countryCode"] = append(errs["countryCode"], "The country code format is invalid.")
	}
	if msisdn != nil && !msisdnRE.MatchString(*msisdn) {
		errs["msisdn"] = append(errs["msisdn"], "The msisdn format is invalid.")
	}
	if email != nil && !emailRE.MatchString(*email) {
		errs["email"] = append(errs["email"], "The email must be a valid email address.")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
