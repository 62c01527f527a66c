package frontpay

// These tests sit inside the package for FuzzDecodeRecord; everything
// else goes through Details against frontpaytest, as bot does.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"resendbot/frontpay/frontpaytest"
)

const detailsUUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

func detailsClient(t testing.TB, fp *frontpaytest.Server, timeout time.Duration) *Client {
	t.Helper()
	c, err := NewClient(Config{BaseURL: fp.URL + "/", Token: fp.Token, Timeout: timeout, UserAgent: "resendbot/test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDetailsWire(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	fp.SetDetails(detailsUUID, frontpaytest.Details{
		ReservationUUID:    detailsUUID,
		Status:             "Reserved",
		IsPaid:             false,
		GrandTotal:         1250.5,
		ReservationDate:    "2025-06-02T10:15:00.000000Z",
		PaymentLinkDueDate: "16.06.2025",
		SendOrderBy:        frontpaytest.SendOrderBy{SMS: true},
		CustomerDetails: frontpaytest.CustomerDetails{
			CountryCode: "+47", MSISDN: "41234567", Email: "kari.nordmann@example.com", Name: "Kari Nordmann",
			Address: &frontpaytest.Address{Street: "Eksempelgata 1", Zip: "0150", City: "Oslo", Country: "Norway"},
		},
	})
	got, err := detailsClient(t, fp, 0).Details(context.Background(), LinkReservation, detailsUUID)
	if err != nil {
		t.Fatalf("Details: %v", err)
	}
	want := &Record{
		UUID:               detailsUUID,
		Status:             "Reserved",
		GrandTotal:         1250.5,
		HasTotal:           true,
		ReservationDate:    "2025-06-02T10:15:00.000000Z",
		ReservedAt:         time.Date(2025, 6, 2, 10, 15, 0, 0, time.UTC),
		PaymentLinkDueDate: "16.06.2025",
		PaymentLinkDueAt:   time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC),
		SentBySMS:          true,
		Customer:           Customer{Name: "Kari Nordmann", Email: "kari.nordmann@example.com", CountryCode: "+47", MSISDN: "41234567"},
	}
	assertReservation(t, got, want)
	if s := got.State(); s != StatePaid {
		t.Errorf("State() = %v, want paid (status Reserved)", s)
	}

	reqs := fp.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.Path != "/api/v1/connect/reservations/details/"+detailsUUID || r.UUID != detailsUUID {
		t.Errorf("got %s %s (uuid %q)", r.Method, r.Path, r.UUID)
	}
	for h, want := range map[string]string{
		"Authorization": "Bearer " + fp.Token,
		"Accept":        "application/json",
		"User-Agent":    "resendbot/test",
		"Content-Type":  "",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if len(r.Body) != 0 {
		t.Errorf("GET with body %q", r.Body)
	}
}

// assertReservation compares field by field, times with Equal.
func assertReservation(t *testing.T, got, want *Record) {
	t.Helper()
	if !got.ReservedAt.Equal(want.ReservedAt) {
		t.Errorf("ReservedAt = %v, want %v", got.ReservedAt, want.ReservedAt)
	}
	if !got.PaymentLinkDueAt.Equal(want.PaymentLinkDueAt) {
		t.Errorf("PaymentLinkDueAt = %v, want %v", got.PaymentLinkDueAt, want.PaymentLinkDueAt)
	}
	g, w := *got, *want
	if w.Kind == LinkUnknown {
		w.Kind = LinkReservation // the tables here read reservations
	}
	g.ReservedAt, g.PaymentLinkDueAt, w.ReservedAt, w.PaymentLinkDueAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("Reservation\n got %+v\nwant %+v", g, w)
	}
}

func TestDetailsLenient(t *testing.T) {
	kari := Customer{Name: "Kari Nordmann", Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}
	for _, tc := range []struct {
		name string
		data string
		want Record
	}{
		{"documented types",
			`{"reservationUuid":"` + strings.ToUpper(detailsUUID) + `","status":"pending","isPaid":false,"grandTotal":99,"reservationDate":"2025-06-02 10:15:00","paymentLinkDueDate":"2025-06-16",
			  "sendOrderBy":{"sms":true,"email":true},"customerDetails":{"countryCode":"+47","msisdn":"41234567","email":"kari@example.com","name":"Kari Nordmann","address":{"city":"Oslo"}},
			  "productList":[{"id":1}],"paymentDetails":null}`,
			Record{UUID: strings.ToUpper(detailsUUID), Status: "pending", GrandTotal: 99, HasTotal: true,
				ReservationDate: "2025-06-02 10:15:00", ReservedAt: time.Date(2025, 6, 2, 10, 15, 0, 0, time.UTC),
				PaymentLinkDueDate: "2025-06-16", PaymentLinkDueAt: time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC),
				SentBySMS: true, SentByEmail: true, Customer: kari}},
		{"odd types",
			`{"isPaid":"true","grandTotal":"1250.50","sendOrderBy":null,
			  "customerDetails":{"countryCode":47,"msisdn":41234567,"email":" kari@example.com ","name":"Kari Nordmann"}}`,
			Record{IsPaid: true, GrandTotal: 1250.5, HasTotal: true, Customer: kari}},
		{"more odd types",
			`{"reservationUuid":42,"status":7,"isPaid":1,"grandTotal":"1250,50","reservationDate":true,
			  "sendOrderBy":{"sms":"1","email":0},"customerDetails":{"countryCode":"47","msisdn":4.1234567e7}}`,
			Record{UUID: "42", Status: "7", IsPaid: true, GrandTotal: 1250.5, HasTotal: true, SentBySMS: true,
				Customer: Customer{CountryCode: "+47", MSISDN: "41234567"}}},
		{"isPaid one as string", `{"isPaid":"1","customerDetails":{"countryCode":"0047"}}`,
			Record{IsPaid: true, Customer: Customer{CountryCode: "+47"}}},
		{"isPaid false shapes", `{"isPaid":"false","grandTotal":0}`, Record{GrandTotal: 0, HasTotal: true}},
		{"isPaid zero", `{"isPaid":0}`, Record{}},
		{"isPaid an object", `{"isPaid":{"value":true}}`, Record{}},
		{"nulls", `{"reservationUuid":null,"status":null,"isPaid":null,"grandTotal":null,"reservationDate":null,
			"paymentLinkDueDate":null,"sendOrderBy":null,"customerDetails":null}`, Record{}},
		{"empty data", `{}`, Record{}},
		// A contact on file of the wrong type is kept as held, never "".
		{"customerDetails a string", `{"status":"pending","customerDetails":"Kari Nordmann, +47 41234567"}`,
			Record{Status: "pending", Customer: Customer{Held: "Kari Nordmann, +47 41234567"}}},
		{"customerDetails an array", `{"customerDetails":[{"name":"Kari"}],"sendOrderBy":"sms"}`, Record{Customer: Customer{Held: `[{"name":"Kari"}]`}}},
		{"customer fields of wrong types", `{"customerDetails":{"countryCode":["+47"],"msisdn":{"n":1},"email":false,"name":null}}`,
			Record{Customer: Customer{CountryCode: `["+47"]`, MSISDN: `{"n":1}`, Email: "false"}}},
		{"grandTotal not a number", `{"grandTotal":"about 100"}`, Record{}},
		{"grandTotal NaN", `{"grandTotal":"NaN"}`, Record{}},
		{"grandTotal infinite", `{"grandTotal":"Inf"}`, Record{}},
		{"grandTotal a bool", `{"grandTotal":true}`, Record{}},
		{"countryCode not a code", `{"customerDetails":{"countryCode":"NO"}}`, Record{Customer: Customer{CountryCode: "NO"}}},
		{"dates with zones",
			`{"reservationDate":"2025-06-02T10:15:00+02:00","paymentLinkDueDate":"16.06.2025 23:59"}`,
			Record{ReservationDate: "2025-06-02T10:15:00+02:00", ReservedAt: time.Date(2025, 6, 2, 8, 15, 0, 0, time.UTC),
				PaymentLinkDueDate: "16.06.2025 23:59", PaymentLinkDueAt: time.Date(2025, 6, 16, 23, 59, 0, 0, time.UTC)}},
		{"dates in no known format", `{"reservationDate":"June 2nd","paymentLinkDueDate":"1749030000"}`,
			Record{ReservationDate: "June 2nd", PaymentLinkDueDate: "1749030000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			fp.SetDetailsAnswer(detailsUUID, frontpaytest.Answer{Status: 200, Body: frontpaytest.DetailsEnvelope(tc.data)})
			got, err := detailsClient(t, fp, 0).Details(context.Background(), LinkReservation, detailsUUID)
			if err != nil {
				t.Fatalf("Details: %v", err)
			}
			assertReservation(t, got, &tc.want)
		})
	}
}

func TestDetailsOutcomes(t *testing.T) {
	serverFailure := frontpaytest.ServerFailure()
	found := frontpaytest.Retrieved(frontpaytest.SampleDetails(detailsUUID))
	for _, tc := range []struct {
		name    string
		answers []frontpaytest.Answer
		kind    Kind // KindSent for a reservation
		status  int
		message string
		retry   time.Duration
		cause   bool // Err is set
		calls   int
	}{
		{name: "200", answers: []frontpaytest.Answer{found}, kind: KindSent, calls: 1},
		{name: "404 orderNotFound", answers: []frontpaytest.Answer{frontpaytest.NotFound()}, kind: KindNotFound, status: 404, message: "orderNotFound", calls: 1},
		{name: "404 other message", answers: []frontpaytest.Answer{{Status: 404, Body: `{"status_code":404,"message":"reservationNotFound"}`}},
			kind: KindNotFound, status: 404, message: "reservationNotFound", calls: 1},
		{name: "404 routeNotFound", answers: []frontpaytest.Answer{{Status: 404, Body: `{"message":"routeNotFound"}`}},
			kind: KindUnexpected, status: 404, message: "routeNotFound", calls: 1},
		{name: "404 html", answers: []frontpaytest.Answer{frontpaytest.Garbage(404)}, kind: KindUnexpected, status: 404, cause: true, calls: 1},
		{name: "401", answers: []frontpaytest.Answer{frontpaytest.Unauthorized()}, kind: KindUnauthorized, status: 401, message: "unauthenticated", calls: 1},
		{name: "403 garbage", answers: []frontpaytest.Answer{frontpaytest.Garbage(403)}, kind: KindUnauthorized, status: 403, calls: 1},
		{name: "429", answers: []frontpaytest.Answer{frontpaytest.RateLimited(30), found}, kind: KindRateLimited, status: 429, message: "tooManyAttempts", retry: 30 * time.Second, calls: 1},
		{name: "400 not retried", answers: []frontpaytest.Answer{frontpaytest.Completed(), found}, kind: KindUnexpected, status: 400, message: "orderStatusAlreadyCompleted", calls: 1},
		{name: "417 not retried", answers: []frontpaytest.Answer{frontpaytest.Invalid(`{"x":"y"}`), found}, kind: KindUnexpected, status: 417, message: "payloadValidationErrors", calls: 1},
		{name: "5xx twice", answers: []frontpaytest.Answer{serverFailure, frontpaytest.BadGateway(), found}, kind: KindServerError, status: 502, calls: 2},
		{name: "510 then 200", answers: []frontpaytest.Answer{serverFailure, found}, kind: KindSent, calls: 2},
		{name: "500 then 404", answers: []frontpaytest.Answer{{Status: 500}, frontpaytest.NotFound()}, kind: KindNotFound, status: 404, message: "orderNotFound", calls: 2},
		{name: "200 garbage", answers: []frontpaytest.Answer{frontpaytest.Garbage(200), found}, kind: KindUnexpected, status: 200, cause: true, calls: 1},
		{name: "200 empty", answers: []frontpaytest.Answer{{Status: 200}}, kind: KindUnexpected, status: 200, cause: true, calls: 1},
		{name: "200 null", answers: []frontpaytest.Answer{{Status: 200, Body: `null`}}, kind: KindUnexpected, status: 200, cause: true, calls: 1},
		{name: "200 array", answers: []frontpaytest.Answer{{Status: 200, Body: `[{"data":{}}]`}}, kind: KindUnexpected, status: 200, cause: true, calls: 1},
		{name: "200 data null", answers: []frontpaytest.Answer{{Status: 200, Body: `{"status_code":200,"message":"reservationRetrievedSuccessfully","is_data":false,"data":null}`}},
			kind: KindUnexpected, status: 200, message: "reservationRetrievedSuccessfully", cause: true, calls: 1},
		{name: "200 data a string", answers: []frontpaytest.Answer{{Status: 200, Body: frontpaytest.DetailsEnvelope(`"Array"`)}},
			kind: KindUnexpected, status: 200, message: "reservationRetrievedSuccessfully", cause: true, calls: 1},
		{name: "200 no data", answers: []frontpaytest.Answer{{Status: 200, Body: `{"message":"ok"}`}}, kind: KindUnexpected, status: 200, message: "ok", cause: true, calls: 1},
		{name: "200 too long", answers: []frontpaytest.Answer{{Status: 200, Body: frontpaytest.DetailsEnvelope(`{"status":"` + strings.Repeat("x", 2<<20) + `"}`)}},
			kind: KindUnexpected, status: 200, cause: true, calls: 1},
		{name: "204", answers: []frontpaytest.Answer{{Status: 204}}, kind: KindUnexpected, status: 204, cause: true, calls: 1},
		{name: "202", answers: []frontpaytest.Answer{frontpaytest.Accepted()}, kind: KindUnexpected, status: 202, message: "resentOrderSuccessfully", calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			fp.SetDetailsAnswer(detailsUUID, tc.answers...)
			r, err := detailsClient(t, fp, 0).Details(context.Background(), LinkReservation, detailsUUID)
			if n := fp.Calls(); n != tc.calls {
				t.Errorf("Front Payment got %d calls, want %d", n, tc.calls)
			}
			if got := KindOf(err); got != tc.kind {
				t.Fatalf("KindOf = %v, want %v (err: %v)", got, tc.kind, err)
			}
			if tc.kind == KindSent {
				if err != nil || r == nil || r.UUID != detailsUUID || r.State() != StateOpen {
					t.Fatalf("Details = %+v, %v", r, err)
				}
				return
			}
			if r != nil {
				t.Errorf("a reservation with an error: %+v", r)
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not an *Error", err)
			}
			if !errors.Is(err, sentinel(tc.kind)) {
				t.Errorf("errors.Is(%v, its sentinel) = false", err)
			}
			if fe.Op != OpDetails || fe.StatusCode != tc.status || fe.Message != tc.message || (fe.Err != nil) != tc.cause {
				t.Errorf("got op %q status %d message %q err %v; want %q %d %q, cause %v",
					fe.Op, fe.StatusCode, fe.Message, fe.Err, OpDetails, tc.status, tc.message, tc.cause)
			}
			if d := fe.RetryAfter - tc.retry; d < -2*time.Second || d > 2*time.Second {
				t.Errorf("RetryAfter = %v, want %v", fe.RetryAfter, tc.retry)
			}
			if want := "frontpay: details reservation: " + tc.kind.String() + fmt.Sprintf(" (HTTP %d", tc.status); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err, want)
			}
		})
	}
}

func TestDetailsRetriesWithinTheDeadline(t *testing.T) {
	t.Run("slow answer", func(t *testing.T) {
		fp := frontpaytest.NewServer(t)
		fp.SetDetailsAnswer(detailsUUID, frontpaytest.Answer{Status: 200, Delay: 10 * time.Second})
		start := time.Now()
		_, err := detailsClient(t, fp, 200*time.Millisecond).Details(context.Background(), LinkReservation, detailsUUID)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Details took %v with a 200ms timeout", took)
		}
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "frontpay: details reservation: unreachable") {
			t.Fatalf("got %v, want unreachable wrapping context.DeadlineExceeded", err)
		}
		time.Sleep(200 * time.Millisecond) // a retry, if any, would arrive by now
		if n := fp.Calls(); n != 1 {
			t.Errorf("got %d calls, want 1: no retry once the deadline passed", n)
		}
	})
	t.Run("5xx then slow", func(t *testing.T) {
		fp := frontpaytest.NewServer(t)
		fp.SetDetailsAnswer(detailsUUID,
			frontpaytest.Answer{Status: 503, Delay: 250 * time.Millisecond},
			frontpaytest.Answer{Status: 200, Delay: 10 * time.Second})
		start := time.Now()
		_, err := detailsClient(t, fp, 600*time.Millisecond).Details(context.Background(), LinkReservation, detailsUUID)
		took := time.Since(start)
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the second try's deadline", err)
		}
		if took < 550*time.Millisecond || took > 2*time.Second {
			t.Errorf("took %v, want about the 600ms timeout for both tries together", took)
		}
		if n := fp.Calls(); n != 2 {
			t.Errorf("got %d calls, want 2", n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		fp := frontpaytest.NewServer(t)
		hold := make(chan struct{})
		defer close(hold)
		fp.SetDetailsAnswer(detailsUUID, frontpaytest.Answer{Status: 200, Hold: hold})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { fp.WaitForCalls(1, 5*time.Second); cancel() }()
		_, err := detailsClient(t, fp, 0).Details(ctx, LinkReservation, detailsUUID)
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want unreachable wrapping context.Canceled", err)
		}
		if n := fp.Calls(); n != 1 {
			t.Errorf("got %d calls, want 1: no retry once cancelled", n)
		}
	})
}

func TestDetailsConnectionRefusedIsRetriedOnce(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	defer tr.CloseIdleConnections()
	c, err := NewClient(Config{BaseURL: "http://" + addr, Token: "secret-token-123456", HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Details(context.Background(), LinkReservation, detailsUUID)
	if !errors.Is(err, ErrUnreachable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want unreachable wrapping ECONNREFUSED", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("dialled %d times, want 2", n)
	}
}

func TestDetailsConnectionResetIsRetriedOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			panic(http.ErrAbortHandler) // hang up without an answer
		}
		_, _ = fmt.Fprint(w, frontpaytest.DetailsJSON(frontpaytest.SampleDetails(detailsUUID)))
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, Token: "secret-token-123456"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Details(context.Background(), LinkReservation, detailsUUID)
	if err != nil || r.Customer.Name != "Kari Nordmann" {
		t.Fatalf("Details = %+v, %v", r, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("server saw %d calls, want 2", n)
	}
}

func TestDetailsEmptyUUID(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	_, err := detailsClient(t, fp, 0).Details(context.Background(), LinkReservation, " ")
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindInvalid || fe.Op != OpDetails || fe.StatusCode != 0 {
		t.Fatalf("got %v, want a local invalid error", err)
	}
	if n := fp.Calls(); n != 0 {
		t.Errorf("Front Payment got %d calls, want 0", n)
	}
}

func TestDetailsWrongToken(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c, err := NewClient(Config{BaseURL: fp.URL, Token: "not-the-right-token"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Details(context.Background(), LinkReservation, frontpaytest.UUIDAccepted); !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "not-the-right-token") {
		t.Fatalf("got %v, want unauthorized without the token", err)
	}
	if n := fp.Calls(); n != 1 {
		t.Errorf("got %d calls, want 1", n)
	}
}

// TestDetailsErrorsNeverShowTheToken makes Front Payment echo the token in
// every kind of failed answer.
func TestDetailsErrorsNeverShowTheToken(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	echo := fmt.Sprintf("%q", "token "+fp.Token+" "+strings.ToLower(fp.Token))
	answers := map[string]frontpaytest.Answer{
		"not_found":    {Status: 404, Body: `{"message":` + echo + `}`},
		"unauthorized": {Status: 401, Body: `{"message":` + echo + `}`},
		"rate_limited": {Status: 429, Body: `{"message":` + echo + `}`, Header: map[string]string{"Retry-After": "5"}},
		"server_error": {Status: 510, Body: `{"message":` + echo + `}`},
		"unexpected":   {Status: 418, Body: "token " + fp.Token},
		"200 no data":  {Status: 200, Body: `{"message":` + echo + `,"data":` + echo + `}`},
		"unreachable":  {Status: 200, Delay: 5 * time.Second},
	}
	c := detailsClient(t, fp, 100*time.Millisecond)
	n := 0
	for name, a := range answers {
		n++
		u := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		fp.SetDetailsAnswer(u, a)
		_, err := c.Details(context.Background(), LinkReservation, u)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Fatalf("%s: got %v", name, err)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fe.Message} {
			if strings.Contains(s, fp.Token) || strings.Contains(s, strings.ToLower(fp.Token)) {
				t.Errorf("%s: %q shows the token", name, s)
			}
		}
	}
}

// TestDetailsFixtures checks that frontpaytest's preloaded reservations
// and orders say what their names promise, and that their resend answers
// agree.
func TestDetailsFixtures(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c := detailsClient(t, fp, 0)
	kariEmail := Contact{Email: "kari.nordmann@example.com"}
	kari := Customer{Name: "Kari Nordmann", Email: kariEmail.Email, CountryCode: "+47", MSISDN: "41234567"}
	noContact := Customer{Name: kari.Name, CountryCode: "+47"}
	emailOnly := Customer{Name: kari.Name, Email: kariEmail.Email}
	const (
		res   = LinkReservation
		order = LinkOrder
	)
	for _, tc := range []struct {
		link     LinkKind
		uuid     string
		kind     Kind // of Details
		state    ReservationState
		customer Customer
		resend   Kind
	}{
		{res, frontpaytest.UUIDAccepted, KindSent, StateOpen, kari, KindSent},
		{res, frontpaytest.UUIDInvalid, KindSent, StateOpen, kari, KindInvalid},
		{res, frontpaytest.UUIDServerError, KindSent, StateOpen, kari, KindServerError},
		{res, frontpaytest.UUIDCompleted, KindSent, StateOpen, kari, KindCompleted},
		{res, frontpaytest.UUIDCancelled, KindSent, StateOpen, kari, KindCancelled},
		{res, frontpaytest.UUIDPaid, KindSent, StatePaid, kari, KindCompleted},
		{res, frontpaytest.UUIDDetailsCancelled, KindSent, StateCancelled, kari, KindCancelled},
		{res, frontpaytest.UUIDNoContact, KindSent, StateOpen, noContact, KindSent},
		{res, frontpaytest.UUIDEmailOnly, KindSent, StateOpen, emailOnly, KindSent},
		{res, frontpaytest.UUIDNotFound, KindNotFound, 0, Customer{}, KindNotFound},
		{res, "11111111-2222-4333-8444-555555555555", KindSent, StateOpen, kari, KindSent},
		{res, frontpaytest.OrderAccepted, KindNotFound, 0, Customer{}, KindNotFound},
		{order, frontpaytest.UUIDAccepted, KindNotFound, 0, Customer{}, KindNotFound},
		{order, frontpaytest.UUIDNotFound, KindNotFound, 0, Customer{}, KindNotFound},
		{order, frontpaytest.OrderAccepted, KindSent, StateOpen, kari, KindSent},
		{order, frontpaytest.OrderInvoiced, KindSent, StateOpen, kari, KindSent},
		{order, frontpaytest.OrderPaid, KindSent, StatePaid, kari, KindCompleted},
		{order, frontpaytest.OrderRefunded, KindSent, StatePaid, kari, KindCompleted},
		{order, frontpaytest.OrderCancelled, KindSent, StateCancelled, kari, KindCancelled},
		{order, frontpaytest.OrderAlreadyPaid, KindSent, StateOpen, kari, KindCompleted},
		{order, frontpaytest.OrderAlreadyCancelled, KindSent, StateOpen, kari, KindCancelled},
		{order, frontpaytest.OrderInvalid, KindSent, StateOpen, kari, KindInvalid},
		{order, frontpaytest.OrderServerError, KindSent, StateOpen, kari, KindServerError},
	} {
		t.Run(tc.link.String()+"/"+tc.uuid, func(t *testing.T) {
			r, err := c.Details(context.Background(), tc.link, tc.uuid)
			if KindOf(err) != tc.kind {
				t.Fatalf("Details: %v, want %v", err, tc.kind)
			}
			if err == nil {
				if r.State() != tc.state || r.UUID != tc.uuid || r.Kind != tc.link {
					t.Errorf("state %v uuid %q kind %v, want %v %q %v", r.State(), r.UUID, r.Kind, tc.state, tc.uuid, tc.link)
				}
				if r.Customer != tc.customer {
					t.Errorf("Customer = %+v, want %+v", r.Customer, tc.customer)
				}
			}
			if got := KindOf(c.Resend(context.Background(), tc.link, tc.uuid, kariEmail)); got != tc.resend {
				t.Errorf("Resend: %v, want %v", got, tc.resend)
			}
		})
	}
}

func TestReservationState(t *testing.T) {
	for _, tc := range []struct {
		status string
		isPaid bool
		want   ReservationState
	}{
		{"", false, StateOpen},
		{"pending", false, StateOpen},
		{"SENT", false, StateOpen},
		{"expired", false, StateOpen},
		{"partially_captured", false, StateOpen},
		{"pending", true, StatePaid},
		{"", true, StatePaid},
		{"cancelled", true, StatePaid}, // isPaid decides
		{"reserved", false, StatePaid},
		{"Captured", false, StatePaid},
		{"CHARGED", false, StatePaid},
		{" completed ", false, StatePaid},
		{"paid", false, StatePaid},
		{"cancelled", false, StateCancelled},
		{"Canceled", false, StateCancelled},
		{"CANCELLED", false, StateCancelled},
	} {
		r := &Record{Status: tc.status, IsPaid: tc.isPaid}
		if got := r.State(); got != tc.want {
			t.Errorf("State(status %q, isPaid %v) = %v, want %v", tc.status, tc.isPaid, got, tc.want)
		}
	}
	for s, want := range map[ReservationState]string{StateOpen: "open", StatePaid: "paid", StateCancelled: "cancelled", 0: "state(0)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
}

// TestDecodeCustomer: the contact on file is kept as held, so that what
// Front Payment holds in a shape nobody expected is never taken for
// nothing on file.
func TestDecodeCustomer(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       Customer
	}{
		{"as documented", `{"countryCode":"+47","msisdn":"41234567","email":"kari@example.com","name":"Kari"}`,
			Customer{Name: "Kari", Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}},
		{"trimmed", `{"msisdn":" 412 34 567 ","email":"  kari@example.com "}`, Customer{Email: "kari@example.com", MSISDN: "412 34 567"}},
		{"numbers", `{"countryCode":47,"msisdn":41234567}`, Customer{CountryCode: "+47", MSISDN: "41234567"}},
		{"exponent", `{"msisdn":4.1234567e7}`, Customer{MSISDN: "41234567"}},
		{"calling code spelt otherwise", `{"countryCode":"0047"}`, Customer{CountryCode: "+47"}},
		{"country name kept", `{"countryCode":"NO","msisdn":"4741234567"}`, Customer{CountryCode: "NO", MSISDN: "4741234567"}},
		{"nothing: null, empty, blank", `{"countryCode":null,"msisdn":"","email":"  ","name":null}`, Customer{}},
		{"array", `{"email":["a@x.no","b@y.no"]}`, Customer{Email: `["a@x.no","b@y.no"]`}},
		{"object", `{"msisdn":{"number":"41234567"}}`, Customer{MSISDN: `{"number":"41234567"}`}},
		{"bool", `{"email":true,"msisdn":false}`, Customer{Email: "true", MSISDN: "false"}},
		{"angle brackets kept", `{"email":["Kari <kari@example.com>"]}`, Customer{Email: `["Kari <kari@example.com>"]`}},
		{"zero-width kept", "{\"email\":\"kari@example.com\u200b\"}", Customer{Email: "kari@example.com\u200b"}},
		{"not an object", `["kari@example.com"]`, Customer{Held: `["kari@example.com"]`}},
		{"a string", `"kari@example.com"`, Customer{Held: "kari@example.com"}},
		{"absent", `null`, Customer{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, _, err := decodeData([]byte(frontpaytest.DetailsEnvelope(`{"customerDetails":` + tc.json + `}`)))
			if err != nil {
				t.Fatal(err)
			}
			if r := recordOf(LinkReservation, data); r.Customer != tc.want {
				t.Errorf("Customer = %+v, want %+v", r.Customer, tc.want)
			}
		})
	}
}

func TestErrorWithoutOp(t *testing.T) {
	if got, want := (&Error{Kind: KindCancelled}).Error(), "frontpay: cancelled"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := ErrNotFound.Error(), "frontpay: not_found"; got != want {
		t.Errorf("ErrNotFound.Error() = %q, want %q", got, want)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, s := range []string{
		frontpaytest.DetailsJSON(frontpaytest.SampleDetails(detailsUUID)),
		frontpaytest.DetailsEnvelope(`{"isPaid":"true","grandTotal":"1250.50","sendOrderBy":null,"customerDetails":{"countryCode":47,"msisdn":41234567}}`),
		frontpaytest.DetailsEnvelope(`{"customerDetails":"x","grandTotal":"NaN","reservationDate":"02.01.2006","status":["a"]}`),
		frontpaytest.DetailsEnvelope(`{"customerDetails":{"countryCode":"0047","msisdn":"+47 412 34 567","email":"a@b.no"},"grandTotal":1e400}`),
		frontpaytest.DetailsEnvelope(`{"customerDetails":{"countryCode":["+47"],"msisdn":{},"email":false,"name":[]}}`),
		frontpaytest.DetailsEnvelope(`{"customerDetails":{"email":"\u200b","msisdn":"\t"}}`),
		`{"data":null}`, `{"data":"Array"}`, `{}`, `null`, `[]`, `{"data":{}}`, `{`, ``, `{"data":{"isPaid":1e999}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data, _, err := decodeData(body)
		if (data == nil) == (err == nil) {
			t.Fatalf("data %+v with error %v", data, err)
		}
		if data == nil {
			return
		}
		for _, kind := range []LinkKind{LinkReservation, LinkOrder} {
			r := recordOf(kind, data)
			checkRecord(t, body, &r)
		}
	})
}

// checkRecord fails t when r's state is none of the three, or a contact
// field of body's customerDetails that holds something is "" in r.
func checkRecord(t *testing.T, body []byte, r *Record) {
	t.Helper()
	if s := r.State(); s != StateOpen && s != StatePaid && s != StateCancelled {
		t.Fatalf("State() = %v", s)
	}
	checkHeld(t, body, r.Customer)
}

// A server that failed gets a moment before the second GET: the pause
// between the tries is at least 100 ms, written out rather than read from
// retryPause so that a pause shrunk to nothing fails (a lower bound only,
// so a slow machine cannot fail it).
func TestDetailsPausesBeforeTheRetry(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, Token: "token-for-the-test", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Details(context.Background(), LinkReservation, detailsUUID); !errors.Is(err, ErrServerError) {
		t.Fatalf("got %v, want a server error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 2 {
		t.Fatalf("%d GETs, want 2", len(at))
	}
	if gap, want := at[1].Sub(at[0]), 100*time.Millisecond; gap < want {
		t.Errorf("second GET %v after the first, want at least %v", gap, want)
	}
}

// The default HTTP client's own timeout is a backstop behind the call's
// context deadline, never in front of it: FRONTPAYMENT_TIMEOUT is the
// deadline an operator set.
func TestDefaultHTTPClientTimeoutIsBehindTheDeadline(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Second, 15 * time.Second} {
		c, err := NewClient(Config{BaseURL: "https://demo-api.frontpayment.no", Token: "token-for-the-test", Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		if c.http.Timeout <= c.timeout || c.http.Timeout > c.timeout+time.Minute {
			t.Errorf("Timeout %v: client timeout %v, want a little behind %v", timeout, c.http.Timeout, c.timeout)
		}
	}
	if c, _ := NewClient(Config{BaseURL: "https://demo-api.frontpayment.no", Token: "t"}); c.timeout != defaultTimeout {
		t.Errorf("default timeout %v, want %v", c.timeout, defaultTimeout)
	}
}

// An answer longer than the client reads is not trusted, even when the
// part it read is a complete envelope: what came after it is unknown.
func TestAnswerLongerThanTheLimitIsUnexpected(t *testing.T) {
	envelope := `{"status_code":200,"message":"reservationRetrievedSuccessfully","data":{"status":"open"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(envelope + strings.Repeat(" ", maxDetailsBody)))
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, Token: "token-for-the-test"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Details(context.Background(), LinkReservation, detailsUUID)
	if !errors.Is(err, ErrUnexpected) || res != nil {
		t.Fatalf("Details = %+v, %v; want an unexpected answer", res, err)
	}
}

// A whole number written with an exponent is read as its digits below
// 1e15; from 1e15 on it stays as sent, since float64 no longer holds every
// such integer exactly.
func TestTextOfNumbersWithExponents(t *testing.T) {
	for in, want := range map[string]string{
		"4.1234567e7": "41234567",
		"9.99e14":     "999000000000000",
		"1e15":        "1e15",
		"4.5e0":       "4.5e0",
		"41234567":    "41234567",
	} {
		if got := text(json.Number(in)); got != want {
			t.Errorf("text(%s) = %q, want %q", in, got, want)
		}
	}
}

// checkHeld fails when a contact field of body's customerDetails holds
// something but c has it as "" (nothing on file).
func checkHeld(t *testing.T, body []byte, c Customer) {
	t.Helper()
	// Maps, as decodeData reads it: a struct would match keys in
	// any case.
	var env, data, cd map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil || json.Unmarshal(env["data"], &data) != nil {
		return
	}
	raw := data["customerDetails"]
	if json.Unmarshal(raw, &cd) != nil || cd == nil {
		if c.Held == "" && len(raw) > 0 && !isNothing(raw) {
			t.Fatalf("customerDetails %s held as nothing", raw)
		}
		return
	}
	for key, got := range map[string]string{"email": c.Email, "msisdn": c.MSISDN, "countryCode": c.CountryCode, "name": c.Name} {
		if raw, ok := cd[key]; ok && !isNothing(raw) && got == "" {
			t.Fatalf("%s %s held as nothing", key, raw)
		}
	}
}

// isNothing is JSON null, or a string of nothing but white space.
func isNothing(raw json.RawMessage) bool {
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false
	}
	return s == nil || strings.TrimSpace(*s) == ""
}
