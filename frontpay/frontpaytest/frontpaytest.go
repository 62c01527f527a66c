// Package frontpaytest is a fake Front Payment for tests: the demo Front
// Payment (resendbot/bot/console/demofp) on an httptest server, closed
// when the test ends, with WaitForCalls. Its answers, reservations, UUID
// constants and details are demofp's, under the same names here; see
// demofp's documentation for how to provoke each answer.
//
// The production binary must not import this package (it imports testing
// and net/http/httptest); the console uses demofp directly.
package frontpaytest

import (
	"crypto/rand"
	"net/http/httptest"
	"testing"
	"time"

	"resendbot/bot/console/demofp"
)

// The endpoints' path prefixes; the UUID follows.
const (
	ResendPath       = demofp.ResendPath       // POST
	DetailsPath      = demofp.DetailsPath      // GET
	OrderResendPath  = demofp.OrderResendPath  // POST
	OrderDetailsPath = demofp.OrderDetailsPath // GET
	OrderStatusPath  = demofp.OrderStatusPath  // GET
)

// Reservations whose answers NewHandler preloads: see demofp's constants
// for each one's resend answer and details.
const (
	UUIDAccepted     = demofp.UUIDAccepted
	UUIDNotFound     = demofp.UUIDNotFound
	UUIDCompleted    = demofp.UUIDCompleted
	UUIDCancelled    = demofp.UUIDCancelled
	UUIDInvalid      = demofp.UUIDInvalid
	UUIDUnauthorized = demofp.UUIDUnauthorized
	UUIDRateLimited  = demofp.UUIDRateLimited
	UUIDServerError  = demofp.UUIDServerError
	UUIDBadGateway   = demofp.UUIDBadGateway
	UUIDGarbage      = demofp.UUIDGarbage
	UUIDTimeout      = demofp.UUIDTimeout

	UUIDPaid             = demofp.UUIDPaid
	UUIDDetailsCancelled = demofp.UUIDDetailsCancelled
	UUIDNoContact        = demofp.UUIDNoContact
	UUIDEmailOnly        = demofp.UUIDEmailOnly
)

// Orders whose answers NewHandler preloads: see demofp's constants.
const (
	OrderAccepted         = demofp.OrderAccepted
	OrderInvoiced         = demofp.OrderInvoiced
	OrderPaid             = demofp.OrderPaid
	OrderCancelled        = demofp.OrderCancelled
	OrderRefunded         = demofp.OrderRefunded
	OrderAlreadyPaid      = demofp.OrderAlreadyPaid
	OrderAlreadyCancelled = demofp.OrderAlreadyCancelled
	OrderInvalid          = demofp.OrderInvalid
	OrderServerError      = demofp.OrderServerError
	OrderTimeout          = demofp.OrderTimeout
)

// The demo Front Payment's types, under their names here.
type (
	Answer          = demofp.Answer
	Details         = demofp.Details
	SendOrderBy     = demofp.SendOrderBy
	CustomerDetails = demofp.CustomerDetails
	OrderDetails    = demofp.OrderDetails
	OrderSummary    = demofp.OrderSummary
	Address         = demofp.Address
	Request         = demofp.Request
	Handler         = demofp.Handler
)

// Accepted is demofp.Accepted: the documented 202 resentOrderSuccessfully.
func Accepted() Answer { return demofp.Accepted() }

// NotFound is demofp.NotFound: the documented 404 orderNotFound.
func NotFound() Answer { return demofp.NotFound() }

// Completed is demofp.Completed: the documented 400 orderStatusAlreadyCompleted.
func Completed() Answer { return demofp.Completed() }

// Cancelled is demofp.Cancelled: the documented 400 orderStatusAlreadyCancelled.
func Cancelled() Answer { return demofp.Cancelled() }

// Invalid is demofp.Invalid: the documented 417 payloadValidationErrors
// with errorsJSON, written raw, as its "errors".
func Invalid(errorsJSON string) Answer { return demofp.Invalid(errorsJSON) }

// ServerFailure is demofp.ServerFailure: the documented 510 "Something Went Wrong".
func ServerFailure() Answer { return demofp.ServerFailure() }

// BadGateway is demofp.BadGateway: a proxy's 502 HTML page.
func BadGateway() Answer { return demofp.BadGateway() }

// RateLimited is demofp.RateLimited: a 429 with Retry-After in seconds.
func RateLimited(retryAfterSeconds int) Answer { return demofp.RateLimited(retryAfterSeconds) }

// Unauthorized is demofp.Unauthorized: a 401.
func Unauthorized() Answer { return demofp.Unauthorized() }

// Garbage is demofp.Garbage: status with a body that is not JSON.
func Garbage(status int) Answer { return demofp.Garbage(status) }

// SampleDetails is demofp.SampleDetails: an open reservation uuid, sent by
// SMS and email to Kari Nordmann.
func SampleDetails(uuid string) Details { return demofp.SampleDetails(uuid) }

// DetailsEnvelope is demofp.DetailsEnvelope: the documented 200
// reservationRetrievedSuccessfully body with dataJSON, written raw, as its
// "data".
func DetailsEnvelope(dataJSON string) string { return demofp.DetailsEnvelope(dataJSON) }

// DetailsJSON is demofp.DetailsJSON: the documented 200 body with d as its
// "data".
func DetailsJSON(d Details) string { return demofp.DetailsJSON(d) }

// Retrieved is demofp.Retrieved: a 200 details answer with d.
func Retrieved(d Details) Answer { return demofp.Retrieved(d) }

// SampleOrder is demofp.SampleOrder: an open order uuid ("SENT") to Kari
// Nordmann.
func SampleOrder(uuid string) OrderDetails { return demofp.SampleOrder(uuid) }

// OrderEnvelope is demofp.OrderEnvelope: the documented 200
// orderRetrievedSuccessfully body with dataJSON, written raw, as its "data".
func OrderEnvelope(dataJSON string) string { return demofp.OrderEnvelope(dataJSON) }

// NewHandler is demofp.NewHandler: a fake Front Payment that accepts the
// bearer token token, with the UUID constants preloaded.
func NewHandler(token string) *Handler { return demofp.NewHandler(token) }

// Server is the fake on an httptest server, closed when the test ends. Its
// Handler's methods (SetAnswer, Requests, Calls…) are promoted.
type Server struct {
	*Handler
	URL   string // origin, for frontpay.Config.BaseURL
	Token string // the bearer token it accepts

	t testing.TB
}

// NewServer starts a fake Front Payment with a fresh random token.
func NewServer(t testing.TB) *Server {
	t.Helper()
	token := "fp-test-token-" + rand.Text()
	h := NewHandler(token)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Stop) // runs first: held answers must not block Close
	return &Server{Handler: h, URL: srv.URL, Token: token, t: t}
}

// WaitForCalls waits until at least n requests arrived and returns them.
// After timeout it reports a test error (safe from any goroutine) and
// returns what arrived.
func (s *Server) WaitForCalls(n int, timeout time.Duration) []Request {
	s.t.Helper()
	return s.waitFor(n, timeout, "calls", s.Requests)
}

// WaitForResends is WaitForCalls counting only resends (POSTs), the reads
// of reservations and orders left out.
func (s *Server) WaitForResends(n int, timeout time.Duration) []Request {
	s.t.Helper()
	return s.waitFor(n, timeout, "resends", s.Resends)
}

func (s *Server) waitFor(n int, timeout time.Duration, what string, list func() []Request) []Request {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		_, changed := s.Watch()
		if got := list(); len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline.C:
			got := list()
			s.t.Errorf("frontpaytest: got %d Front Payment %s after %v, want %d", len(got), what, timeout, n)
			return got
		}
	}
}
