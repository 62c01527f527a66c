package frontpaytest_test

import (
	"encoding/json"
	"io"
	"net/http"
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
