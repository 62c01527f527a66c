package frontpaytest_test

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"resendbot/frontpay/frontpaytest"
)

func post(t *testing.T, s *frontpaytest.Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandler(t *testing.T) {
	const good = `{"countryCode":"+47","msisdn":"41234567","email":null}`
	s := frontpaytest.NewServer(t)
	s.SetAnswer(strings.ToUpper("3f2504e0-4f89-41d3-9a0c-0305e82c3301"), frontpaytest.Cancelled())
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		contains                        string
	}{
		{"accepted", "POST", frontpaytest.ResendPath + "abc", s.Token, good, 202, "resentOrderSuccessfully"},
		{"per uuid, any case", "POST", frontpaytest.ResendPath + "3f2504e0-4f89-41d3-9a0c-0305e82c3301", s.Token, good, 400, "orderStatusAlreadyCancelled"},
		{"preloaded", "POST", frontpaytest.ResendPath + frontpaytest.UUIDNotFound, s.Token, good, 404, "orderNotFound"},
		{"wrong path", "POST", "/api/v1/reservations/resend/abc", s.Token, good, 404, "routeNotFound"},
		{"wrong method", "GET", frontpaytest.ResendPath + "abc", s.Token, "", 404, "routeNotFound"},
		{"no token", "POST", frontpaytest.ResendPath + "abc", "", good, 401, "unauthenticated"},
		{"wrong token", "POST", frontpaytest.ResendPath + "abc", "nope", good, 401, "unauthenticated"},
		{"not json", "POST", frontpaytest.ResendPath + "abc", s.Token, "countryCode=+47", 417, "payload"},
		{"missing key", "POST", frontpaytest.ResendPath + "abc", s.Token, `{"email":"kari@example.com"}`, 417, "countryCode"},
		{"no channel", "POST", frontpaytest.ResendPath + "abc", s.Token, `{"countryCode":null,"msisdn":null,"email":null}`, 417, "required"},
		{"half sms", "POST", frontpaytest.ResendPath + "abc", s.Token, `{"countryCode":"+47","msisdn":null,"email":null}`, 417, "together"},
		{"bad email", "POST", frontpaytest.ResendPath + "abc", s.Token, `{"countryCode":null,"msisdn":null,"email":"kari"}`, 417, "valid email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s, tc.method, tc.path, tc.token, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) || !json.Valid([]byte(body)) {
				t.Errorf("got %d %s, want %d with %q", status, body, tc.status, tc.contains)
			}
		})
	}
	if got, want := s.Calls(), 12; got != want {
		t.Errorf("recorded %d requests, want %d (rejected ones too)", got, want)
	}
	if r := s.Requests()[3]; r.Path != "/api/v1/reservations/resend/abc" || r.UUID != "" {
		t.Errorf("wrong path recorded as %q, uuid %q", r.Path, r.UUID)
	}
}

func TestHoldAndWaitForCalls(t *testing.T) {
	s := frontpaytest.NewServer(t)
	hold := make(chan struct{})
	s.SetDefault(frontpaytest.Answer{Status: 202, Hold: hold})
	done := make(chan int)
	go func() {
		req, _ := http.NewRequest("POST", s.URL+frontpaytest.ResendPath+"x", strings.NewReader(`{"countryCode":null,"msisdn":null,"email":"a@b.no"}`))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	if reqs := s.WaitForCalls(1, 5*time.Second); len(reqs) != 1 || reqs[0].UUID != "x" {
		t.Fatalf("WaitForCalls: %+v", reqs)
	}
	select {
	case <-done:
		t.Fatal("answered while held")
	case <-time.After(50 * time.Millisecond):
	}
	close(hold)
	if status := <-done; status != 202 {
		t.Errorf("status %d", status)
	}
}

// TestHeldAtEnd checks that a test ending with an answer still held does
// not hang in cleanup.
func TestHeldAtEnd(t *testing.T) {
	t.Run("inner", func(t *testing.T) {
		s := frontpaytest.NewServer(t)
		s.SetDefault(frontpaytest.Answer{Status: 202, Hold: make(chan struct{})})
		go func() {
			req, _ := http.NewRequest("POST", s.URL+frontpaytest.ResendPath+"x", strings.NewReader(`{"countryCode":null,"msisdn":null,"email":"a@b.no"}`))
			req.Header.Set("Authorization", "Bearer "+s.Token)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		s.WaitForCalls(1, 5*time.Second)
	})
}

func TestDetailsRoutes(t *testing.T) {
	const good = `{"countryCode":"+47","msisdn":"41234567","email":null}`
	s := frontpaytest.NewServer(t)
	d := frontpaytest.SampleDetails("3f2504e0-4f89-41d3-9a0c-0305e82c3301")
	d.Status = "captured"
	s.SetDetails(strings.ToUpper(d.ReservationUUID), d)
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		contains                        string
	}{
		{"preloaded open", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDAccepted, s.Token, "", 200, `"name":"Kari Nordmann"`},
		{"preloaded paid", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDPaid, s.Token, "", 200, `"status":"captured","isPaid":true`},
		{"preloaded cancelled", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDDetailsCancelled, s.Token, "", 200, `"status":"cancelled"`},
		{"preloaded no contact", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDNoContact, s.Token, "", 200, `"msisdn":"","email":""`},
		{"preloaded email only", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDEmailOnly, s.Token, "", 200, `"countryCode":"","msisdn":"","email":"kari.nordmann@example.com"`},
		{"preloaded not found", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDNotFound, s.Token, "", 404, "orderNotFound"},
		{"per uuid, any case", "GET", frontpaytest.DetailsPath + d.ReservationUUID, s.Token, "", 200, `"status":"captured"`},
		{"unknown is an open reservation", "GET", frontpaytest.DetailsPath + "abc", s.Token, "", 200, `"status":"pending"`},
		{"order details", "GET", frontpaytest.OrderDetailsPath + frontpaytest.OrderInvoiced, s.Token, "", 200, `"status":"INVOICED"`},
		{"an order is no reservation", "GET", frontpaytest.DetailsPath + frontpaytest.OrderAccepted, s.Token, "", 404, "orderNotFound"},
		{"an order's reservation resend", "POST", frontpaytest.ResendPath + frontpaytest.OrderAccepted, s.Token, good, 404, "orderNotFound"},
		{"a reservation is no order", "GET", frontpaytest.OrderDetailsPath + frontpaytest.UUIDAccepted, s.Token, "", 404, "orderNotFound"},
		{"unknown order resend", "POST", frontpaytest.OrderResendPath + "abc", s.Token, good, 404, "orderNotFound"},
		{"order resend", "POST", frontpaytest.OrderResendPath + frontpaytest.OrderAccepted, s.Token, good, 202, "resentOrderSuccessfully"},
		{"paid order resend", "POST", frontpaytest.OrderResendPath + frontpaytest.OrderAlreadyPaid, s.Token, good, 400, "orderStatusAlreadyPaid"},
		{"order status", "GET", frontpaytest.OrderStatusPath + frontpaytest.OrderRefunded, s.Token, "", 200, `"refundedAmount":250`},
		{"order status wrong method", "POST", frontpaytest.OrderStatusPath + frontpaytest.OrderRefunded, s.Token, good, 404, "routeNotFound"},
		{"unknown resend still accepted", "POST", frontpaytest.ResendPath + "abc", s.Token, good, 202, "resentOrderSuccessfully"},
		{"paid resend", "POST", frontpaytest.ResendPath + frontpaytest.UUIDPaid, s.Token, good, 400, "orderStatusAlreadyCompleted"},
		{"cancelled resend", "POST", frontpaytest.ResendPath + frontpaytest.UUIDDetailsCancelled, s.Token, good, 400, "orderStatusAlreadyCancelled"},
		{"no contact resend", "POST", frontpaytest.ResendPath + frontpaytest.UUIDNoContact, s.Token, good, 202, "resentOrderSuccessfully"},
		{"wrong method", "POST", frontpaytest.DetailsPath + frontpaytest.UUIDAccepted, s.Token, good, 404, "routeNotFound"},
		{"no uuid", "GET", frontpaytest.DetailsPath, s.Token, "", 404, "routeNotFound"},
		{"no token", "GET", frontpaytest.DetailsPath + frontpaytest.UUIDAccepted, "", "", 401, "unauthenticated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s, tc.method, tc.path, tc.token, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) || !json.Valid([]byte(body)) {
				t.Errorf("got %d %s, want %d with %q", status, body, tc.status, tc.contains)
			}
		})
	}
	reqs := s.Requests()
	if got, want := len(reqs), 24; got != want {
		t.Fatalf("recorded %d requests, want %d", got, want)
	}
	if r := reqs[0]; r.Method != "GET" || r.UUID != frontpaytest.UUIDAccepted {
		t.Errorf("recorded %s uuid %q", r.Method, r.UUID)
	}
}

func TestSetDetailsAnswerInTurn(t *testing.T) {
	const u = "abc"
	s := frontpaytest.NewServer(t)
	s.SetDetailsAnswer(u, frontpaytest.ServerFailure(), frontpaytest.Retrieved(frontpaytest.SampleDetails(u)))
	var got []int
	for range 3 {
		status, _ := post(t, s, "GET", frontpaytest.DetailsPath+u, s.Token, "")
		got = append(got, status)
	}
	if want := []int{510, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	s.SetDetailsAnswer(frontpaytest.UUIDAccepted)
	if status, _ := post(t, s, "GET", frontpaytest.DetailsPath+frontpaytest.UUIDAccepted, s.Token, ""); status != 404 {
		t.Errorf("after SetDetailsAnswer with no answers: %d, want 404", status)
	}
}

func TestDetailsJSON(t *testing.T) {
	d := frontpaytest.SampleDetails("u")
	var env struct {
		StatusCode    int            `json:"status_code"`
		StatusMessage string         `json:"status_message"`
		Message       string         `json:"message"`
		IsData        bool           `json:"is_data"`
		Data          map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(frontpaytest.DetailsJSON(d)), &env); err != nil {
		t.Fatal(err)
	}
	if env.StatusCode != 200 || env.StatusMessage != "OK" || env.Message != "reservationRetrievedSuccessfully" || !env.IsData {
		t.Errorf("envelope %+v", env)
	}
	for _, k := range []string{"reservationUuid", "status", "isPaid", "grandTotal", "reservationDate", "paymentLinkDueDate", "sendOrderBy", "customerDetails"} {
		if _, ok := env.Data[k]; !ok {
			t.Errorf("data has no %q: %v", k, env.Data)
		}
	}
	d.GrandTotal = math.NaN()
	if b := frontpaytest.DetailsJSON(d); !json.Valid([]byte(b)) || !strings.Contains(b, `"grandTotal":null`) {
		t.Errorf("NaN total: %s", b)
	}
}
