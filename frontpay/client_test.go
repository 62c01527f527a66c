package frontpay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

const uuid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

var (
	byEmail = frontpay.Contact{Email: "kari@example.com"}
	bySMS   = frontpay.Contact{CountryCode: "+47", MSISDN: "41234567"}
	byBoth  = frontpay.Contact{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}
)

func newClient(t testing.TB, fp *frontpaytest.Server, timeout time.Duration) *frontpay.Client {
	t.Helper()
	c, err := frontpay.NewClient(frontpay.Config{BaseURL: fp.URL + "/", Token: fp.Token, Timeout: timeout, UserAgent: "resendbot/test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResendWire(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   frontpay.Contact
		body string
	}{
		{"email", byEmail, `{"countryCode":null,"msisdn":null,"email":"kari@example.com"}`},
		{"sms", bySMS, `{"countryCode":"+47","msisdn":"41234567","email":null}`},
		{"both", byBoth, `{"countryCode":"+47","msisdn":"41234567","email":"kari@example.com"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			if err := newClient(t, fp, 0).Resend(context.Background(), frontpay.LinkReservation, uuid, tc.to); err != nil {
				t.Fatalf("Resend: %v", err)
			}
			reqs := fp.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/api/v1/connect/reservations/resend/"+uuid || r.UUID != uuid {
				t.Errorf("got %s %s (uuid %q)", r.Method, r.Path, r.UUID)
			}
			for h, want := range map[string]string{
				"Authorization": "Bearer " + fp.Token,
				"Content-Type":  "application/json",
				"Accept":        "application/json",
				"User-Agent":    "resendbot/test",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("header %s = %q, want %q", h, got, want)
				}
			}
			if string(r.Body) != tc.body {
				t.Errorf("body\n got %s\nwant %s", r.Body, tc.body)
			}
		})
	}
}

func TestResendOutcomes(t *testing.T) {
	retryAt := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name    string
		answer  frontpaytest.Answer
		kind    frontpay.Kind
		want    error // sentinel; nil for sent
		status  int
		message string
		errs    []string
		retry   time.Duration // checked within 2s
		cause   bool          // Err is set
	}{
		{name: "202", answer: frontpaytest.Accepted(), kind: frontpay.KindSent},
		{name: "202 garbage", answer: frontpaytest.Garbage(202), kind: frontpay.KindSent},
		{name: "202 empty", answer: frontpaytest.Answer{Status: 202}, kind: frontpay.KindSent},
		{name: "404 orderNotFound", answer: frontpaytest.NotFound(), kind: frontpay.KindNotFound, want: frontpay.ErrNotFound, status: 404, message: "orderNotFound"},
		{name: "400 completed", answer: frontpaytest.Completed(), kind: frontpay.KindCompleted, want: frontpay.ErrCompleted, status: 400, message: "orderStatusAlreadyCompleted"},
		{name: "400 cancelled", answer: frontpaytest.Cancelled(), kind: frontpay.KindCancelled, want: frontpay.ErrCancelled, status: 400, message: "orderStatusAlreadyCancelled"},
		{name: "417 invalid", answer: frontpaytest.Invalid(`{"msisdn":"The msisdn format is invalid.","email":["The email must be a valid email address."]}`),
			kind: frontpay.KindInvalid, want: frontpay.ErrInvalid, status: 417, message: "payloadValidationErrors",
			errs: []string{"email: The email must be a valid email address.", "msisdn: The msisdn format is invalid."}},
		{name: "401", answer: frontpaytest.Unauthorized(), kind: frontpay.KindUnauthorized, want: frontpay.ErrUnauthorized, status: 401, message: "unauthenticated"},
		{name: "403 garbage", answer: frontpaytest.Garbage(403), kind: frontpay.KindUnauthorized, want: frontpay.ErrUnauthorized, status: 403},
		{name: "429 seconds", answer: frontpaytest.RateLimited(30), kind: frontpay.KindRateLimited, want: frontpay.ErrRateLimited, status: 429, message: "tooManyAttempts", retry: 30 * time.Second},
		{name: "429 date", answer: frontpaytest.Answer{Status: 429, Header: map[string]string{"Retry-After": retryAt}},
			kind: frontpay.KindRateLimited, want: frontpay.ErrRateLimited, status: 429, retry: 90 * time.Second},
		{name: "429 no header", answer: frontpaytest.Garbage(429), kind: frontpay.KindRateLimited, want: frontpay.ErrRateLimited, status: 429},
		{name: "510", answer: frontpaytest.ServerFailure(), kind: frontpay.KindServerError, want: frontpay.ErrServerError, status: 510, message: "Something Went Wrong"},
		{name: "500 empty", answer: frontpaytest.Answer{Status: 500}, kind: frontpay.KindServerError, want: frontpay.ErrServerError, status: 500},
		{name: "502 html", answer: frontpaytest.BadGateway(), kind: frontpay.KindServerError, want: frontpay.ErrServerError, status: 502},
		// The ends of the 5xx range: gremlins reports a tagless switch's
		// cases as not covered, so these boundaries are pinned here.
		{name: "599 empty", answer: frontpaytest.Answer{Status: 599}, kind: frontpay.KindServerError, want: frontpay.ErrServerError, status: 599},
		{name: "499 empty", answer: frontpaytest.Answer{Status: 499}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 499, cause: true},
		{name: "600 empty", answer: frontpaytest.Answer{Status: 600}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 600, cause: true},
		{name: "418 garbage", answer: frontpaytest.Garbage(418), kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 418, cause: true},
		{name: "418 json", answer: frontpaytest.Answer{Status: 418, Body: `{"message":"teapot"}`}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 418, message: "teapot"},
		{name: "200", answer: frontpaytest.Answer{Status: 200, Body: frontpaytest.Accepted().Body}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 200, message: "resentOrderSuccessfully"},
		{name: "404 html", answer: frontpaytest.Garbage(404), kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 404, cause: true},
		{name: "404 other message", answer: frontpaytest.Answer{Status: 404, Body: `{"message":"routeNotFound"}`}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 404, message: "routeNotFound"},
		{name: "400 other message", answer: frontpaytest.Answer{Status: 400, Body: `{"message":"orderIsBeingProcessed"}`}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 400, message: "orderIsBeingProcessed"},
		{name: "400 json array", answer: frontpaytest.Answer{Status: 400, Body: `["orderStatusAlreadyCompleted"]`}, kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 400, cause: true},
		{name: "417 garbage", answer: frontpaytest.Garbage(417), kind: frontpay.KindUnexpected, want: frontpay.ErrUnexpected, status: 417, cause: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			fp.SetAnswer(uuid, tc.answer)
			err := newClient(t, fp, 0).Resend(context.Background(), frontpay.LinkReservation, uuid, byBoth)
			if n := fp.Calls(); n != 1 {
				t.Errorf("Front Payment got %d calls, want exactly 1", n)
			}
			if got := frontpay.KindOf(err); got != tc.kind {
				t.Fatalf("KindOf = %v, want %v (err: %v)", got, tc.kind, err)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Resend = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.want)
			}
			if tc.want != frontpay.ErrUnexpected && errors.Is(err, frontpay.ErrUnexpected) {
				t.Errorf("%v also matches ErrUnexpected", err)
			}
			var fe *frontpay.Error
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not a *frontpay.Error", err)
			}
			if fe.StatusCode != tc.status || fe.Message != tc.message || !reflect.DeepEqual(fe.Errors, tc.errs) {
				t.Errorf("got status %d message %q errors %q; want %d %q %q", fe.StatusCode, fe.Message, fe.Errors, tc.status, tc.message, tc.errs)
			}
			if d := fe.RetryAfter - tc.retry; d < -2*time.Second || d > 2*time.Second {
				t.Errorf("RetryAfter = %v, want %v", fe.RetryAfter, tc.retry)
			}
			if (fe.Err != nil) != tc.cause {
				t.Errorf("Err = %v, want set: %v", fe.Err, tc.cause)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", tc.status)) || !strings.HasPrefix(err.Error(), "frontpay: resend reservation: "+tc.kind.String()) {
				t.Errorf("Error() = %q", err)
			}
			if fe.Kind.Transient() != (tc.kind == frontpay.KindRateLimited || tc.kind == frontpay.KindServerError) {
				t.Errorf("%v.Transient() = %v", fe.Kind, fe.Kind.Transient())
			}
		})
	}
}

func TestResendErrorsShapes(t *testing.T) {
	for _, tc := range []struct {
		name, errs string
		want       []string
	}{
		{"object of strings", `{"msisdn":"The msisdn format is invalid.","email":"The email must be a valid email address."}`,
			[]string{"email: The email must be a valid email address.", "msisdn: The msisdn format is invalid."}},
		{"object of lists", `{"email":["The email must be a valid email address.","The email is too long."],"countryCode":["The country code format is invalid."]}`,
			[]string{"countryCode: The country code format is invalid.", "email: The email must be a valid email address.", "email: The email is too long."}},
		{"array of strings", `["The email must be a valid email address.","The msisdn is required."]`,
			[]string{"The email must be a valid email address.", "The msisdn is required."}},
		{"array of objects", `[{"field":"email","message":"The email must be a valid email address."},{"code":17,"reason":"blocked"},{"message":"Something is off."}]`,
			[]string{"email: The email must be a valid email address.", "code=17 reason=blocked", "Something is off."}},
		{"nested object", `{"contact":{"email":["The email must be a valid email address."]}}`,
			[]string{"contact.email: The email must be a valid email address."}},
		{"string", `"The email must be a valid email address."`, []string{"The email must be a valid email address."}},
		{"documented placeholder", `"Array"`, nil},
		{"null", `null`, nil},
		{"empty object", `{}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			fp.SetAnswer(uuid, frontpaytest.Invalid(tc.errs))
			err := newClient(t, fp, 0).Resend(context.Background(), frontpay.LinkReservation, uuid, byEmail)
			var fe *frontpay.Error
			if !errors.As(err, &fe) || fe.Kind != frontpay.KindInvalid {
				t.Fatalf("got %v, want an invalid *Error", err)
			}
			if !reflect.DeepEqual(fe.Errors, tc.want) {
				t.Errorf("Errors\n got %q\nwant %q", fe.Errors, tc.want)
			}
		})
	}
}

func TestResendTimeoutIsNotRetried(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	fp.SetAnswer(uuid, frontpaytest.Answer{Status: 202, Delay: 10 * time.Second})
	start := time.Now()
	err := newClient(t, fp, 100*time.Millisecond).Resend(context.Background(), frontpay.LinkReservation, uuid, bySMS)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Resend took %v with a 100ms timeout", took)
	}
	if !errors.Is(err, frontpay.ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want unreachable wrapping context.DeadlineExceeded", err)
	}
	var fe *frontpay.Error
	if errors.As(err, &fe); fe.StatusCode != 0 || !fe.Kind.Transient() {
		t.Errorf("got status %d, transient %v", fe.StatusCode, fe.Kind.Transient())
	}
	time.Sleep(200 * time.Millisecond) // a retry, if any, would arrive by now
	if n := fp.Calls(); n != 1 {
		t.Errorf("Front Payment got %d calls, want exactly 1", n)
	}
}

func TestResendServerErrorIsNotRetried(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	fp.SetDefault(frontpaytest.BadGateway())
	c := newClient(t, fp, 0)
	for range 3 {
		if err := c.Resend(context.Background(), frontpay.LinkReservation, uuid, bySMS); !errors.Is(err, frontpay.ErrServerError) {
			t.Fatalf("got %v", err)
		}
	}
	if n := fp.Calls(); n != 3 {
		t.Errorf("3 Resends made %d calls", n)
	}
}

func TestResendCancelled(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	hold := make(chan struct{})
	defer close(hold)
	fp.SetAnswer(uuid, frontpaytest.Answer{Status: 202, Hold: hold})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { fp.WaitForCalls(1, 5*time.Second); cancel() }()
	err := newClient(t, fp, 0).Resend(ctx, frontpay.LinkReservation, uuid, bySMS)
	if !errors.Is(err, frontpay.ErrUnreachable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want unreachable wrapping context.Canceled", err)
	}
}

func TestResendConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := frontpay.NewClient(frontpay.Config{BaseURL: srv.URL, Token: "secret-token-123456"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Resend(context.Background(), frontpay.LinkReservation, uuid, bySMS)
	if !errors.Is(err, frontpay.ErrUnreachable) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v, want unreachable wrapping ECONNREFUSED", err)
	}
}

func TestResendConnectionReset(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		calls++
		panic(http.ErrAbortHandler) // hang up without an answer
	}))
	defer srv.Close()
	c, err := frontpay.NewClient(frontpay.Config{BaseURL: srv.URL, Token: "secret-token-123456"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Resend(context.Background(), frontpay.LinkReservation, uuid, bySMS); !errors.Is(err, frontpay.ErrUnreachable) {
		t.Fatalf("got %v, want unreachable", err)
	}
	srv.Close() // waits for the handler, so calls is settled
	if calls != 1 {
		t.Errorf("server saw %d calls, want 1", calls)
	}
}

func TestResendWrongToken(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c, err := frontpay.NewClient(frontpay.Config{BaseURL: fp.URL, Token: "not-the-right-token"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Resend(context.Background(), frontpay.LinkReservation, uuid, byEmail); !errors.Is(err, frontpay.ErrUnauthorized) {
		t.Fatalf("got %v, want unauthorized", err)
	}
	if ua := fp.Requests()[0].Header.Get("User-Agent"); ua != "resendbot" {
		t.Errorf("default User-Agent = %q", ua)
	}
}

func TestResendEscapesUUIDAndKeepsBasePath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	c, err := frontpay.NewClient(frontpay.Config{BaseURL: srv.URL + "/proxy/", Token: "t", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Resend(context.Background(), frontpay.LinkReservation, "a/b?c", byEmail); err != nil {
		t.Fatal(err)
	}
	if want := "/proxy/api/v1/connect/reservations/resend/a%2Fb%3Fc"; got != want {
		t.Errorf("path %q, want %q", got, want)
	}
}

func TestResendRefusesEmptyRequests(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c := newClient(t, fp, 0)
	for _, tc := range []struct {
		uuid string
		to   frontpay.Contact
	}{
		{uuid, frontpay.Contact{}},
		{uuid, frontpay.Contact{MSISDN: "41234567"}},
		{uuid, frontpay.Contact{CountryCode: "+47", Email: "kari@example.com"}},
		{" ", byEmail},
	} {
		err := c.Resend(context.Background(), frontpay.LinkReservation, tc.uuid, tc.to)
		var fe *frontpay.Error
		if !errors.As(err, &fe) || fe.Kind != frontpay.KindInvalid || fe.StatusCode != 0 || len(fe.Errors) != 1 {
			t.Errorf("Resend(%q, %+v) = %v, want a local invalid error", tc.uuid, tc.to, err)
		}
	}
	if n := fp.Calls(); n != 0 {
		t.Errorf("Front Payment got %d calls, want 0", n)
	}
}

// TestErrorNeverLeaks makes Front Payment echo the token and the contact in
// every answer and checks that no Error text, Message or Errors line shows them.
func TestErrorNeverLeaks(t *testing.T) {
	const email, msisdn = "Kari.Nordmann@Example.com", "41234567"
	fp := frontpaytest.NewServer(t)
	to := frontpay.Contact{Email: email, CountryCode: "+47", MSISDN: msisdn}
	echo := fmt.Sprintf("token %s %s email %s %s %s phone +47%s, +47 412 34 567, 41-23-45-67, (412) 34.567",
		fp.Token, strings.ToUpper(fp.Token), email, strings.ToLower(email), strings.ToUpper(email), msisdn)
	echoJSON := fmt.Sprintf("%q", echo)
	answers := map[string]frontpaytest.Answer{
		"not_found":    frontpaytest.NotFound(),
		"unexpected 2": {Status: 404, Body: `{"message":` + echoJSON + `}`},
		"invalid":      frontpaytest.Invalid(`{"email":[` + echoJSON + `],"msisdn":` + echoJSON + `}`),
		"unauthorized": {Status: 401, Body: `{"message":` + echoJSON + `}`},
		"rate_limited": {Status: 429, Body: `{"message":` + echoJSON + `}`, Header: map[string]string{"Retry-After": "5"}},
		"server_error": {Status: 510, Body: `{"message":` + echoJSON + `}`},
		"unexpected":   {Status: 418, Body: echo},
		"unreachable":  {Status: 202, Delay: 5 * time.Second},
	}
	c := newClient(t, fp, 100*time.Millisecond)
	seen := map[frontpay.Kind]bool{}
	check := func(name string, err error) {
		t.Helper()
		var fe *frontpay.Error
		if !errors.As(err, &fe) {
			t.Fatalf("%s: got %v", name, err)
		}
		seen[fe.Kind] = true
		texts := append([]string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprint(err), fe.Message}, fe.Errors...)
		for _, s := range texts {
			for _, secret := range []string{fp.Token, email} {
				if strings.Contains(strings.ToLower(s), strings.ToLower(secret)) {
					t.Errorf("%s: %q shows %q", name, s, secret)
				}
			}
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s)
			if strings.Contains(digits, msisdn) {
				t.Errorf("%s: %q shows the phone number", name, s)
			}
		}
	}
	n := 0
	for name, a := range answers {
		n++
		u := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		fp.SetAnswer(u, a)
		check(name, c.Resend(context.Background(), frontpay.LinkReservation, u, to))
	}
	check("local", c.Resend(context.Background(), frontpay.LinkReservation, uuid, frontpay.Contact{CountryCode: "+47"}))
	bad, _ := frontpay.NewClient(frontpay.Config{BaseURL: fp.URL, Token: "wrong-token-abcdef"})
	check("completed", func() error {
		fp.SetAnswer(uuid, frontpaytest.Completed())
		return c.Resend(context.Background(), frontpay.LinkReservation, uuid, to)
	}())
	check("cancelled", func() error {
		fp.SetAnswer(uuid, frontpaytest.Cancelled())
		return c.Resend(context.Background(), frontpay.LinkReservation, uuid, to)
	}())
	check("wrong token", bad.Resend(context.Background(), frontpay.LinkReservation, uuid, to))
	if len(seen) != 9 {
		t.Errorf("covered %d kinds, want all 9 error kinds: %v", len(seen), seen)
	}
}

func TestNewClient(t *testing.T) {
	const token = "super-secret-token"
	for _, base := range []string{"", "demo-api.frontpayment.no", "ftp://x", "https://", "https://u:p@x", "https://x?q=1", "://bad"} {
		_, err := frontpay.NewClient(frontpay.Config{BaseURL: base, Token: token})
		if err == nil {
			t.Errorf("NewClient(%q) accepted it", base)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("error shows the token: %v", err)
		}
	}
	if _, err := frontpay.NewClient(frontpay.Config{BaseURL: "https://demo-api.frontpayment.no"}); err == nil {
		t.Error("NewClient accepted an empty token")
	}
	if _, err := frontpay.NewClient(frontpay.Config{BaseURL: "https://demo-api.frontpayment.no/", Token: token}); err != nil {
		t.Error(err)
	}
}

func TestKind(t *testing.T) {
	if got := frontpay.KindOf(nil); got != frontpay.KindSent || got.String() != "sent" {
		t.Errorf("KindOf(nil) = %v", got)
	}
	wrapped := fmt.Errorf("bot: %w", &frontpay.Error{Kind: frontpay.KindCancelled})
	if got := frontpay.KindOf(wrapped); got != frontpay.KindCancelled || !errors.Is(wrapped, frontpay.ErrCancelled) {
		t.Errorf("KindOf(wrapped) = %v", got)
	}
	if got := frontpay.KindOf(frontpay.ErrRateLimited); got != frontpay.KindRateLimited {
		t.Errorf("KindOf(ErrRateLimited) = %v", got)
	}
	if got := frontpay.KindOf(errors.New("boom")); got != frontpay.KindUnexpected {
		t.Errorf("KindOf(other) = %v", got)
	}
	names := map[frontpay.Kind]string{
		frontpay.KindUnexpected: "unexpected", frontpay.KindSent: "sent", frontpay.KindNotFound: "not_found",
		frontpay.KindCompleted: "completed", frontpay.KindCancelled: "cancelled", frontpay.KindInvalid: "invalid",
		frontpay.KindUnauthorized: "unauthorized", frontpay.KindRateLimited: "rate_limited",
		frontpay.KindServerError: "server_error", frontpay.KindUnreachable: "unreachable", frontpay.Kind(42): "kind(42)",
	}
	for k, want := range names {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), want)
		}
	}
}

func BenchmarkResend(b *testing.B) {
	fp := frontpaytest.NewServer(b)
	c := newClient(b, fp, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Resend(ctx, frontpay.LinkReservation, uuid, byBoth); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNoRedirectFollowed: a 3xx is the answer, never a second request. A
// followed 307 would POST the resend, bearer token and all, once more.
func TestNoRedirectFollowed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		own    bool // the caller brings its own http.Client
	}{
		{"307", http.StatusTemporaryRedirect, false},
		{"308", http.StatusPermanentRedirect, false},
		{"302", http.StatusFound, false},
		{"307 own client", http.StatusTemporaryRedirect, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			loop := func(path string) frontpaytest.Answer {
				return frontpaytest.Answer{Status: tc.status, Body: `{"message":"moved"}`,
					Header: map[string]string{"Location": fp.URL + path}}
			}
			fp.SetAnswer(uuid, loop(frontpaytest.ResendPath+uuid))
			fp.SetDetailsAnswer(uuid, loop(frontpaytest.DetailsPath+uuid), loop(frontpaytest.DetailsPath+uuid))
			cfg := frontpay.Config{BaseURL: fp.URL, Token: fp.Token}
			if tc.own {
				cfg.HTTPClient = &http.Client{}
			}
			c, err := frontpay.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Resend(context.Background(), frontpay.LinkReservation, uuid, byEmail)
			var fe *frontpay.Error
			if !errors.As(err, &fe) || fe.Kind != frontpay.KindUnexpected || fe.StatusCode != tc.status {
				t.Fatalf("Resend = %v, want unexpected with HTTP %d", err, tc.status)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", tc.status)) {
				t.Errorf("error %q does not show the status", err)
			}
			reqs := fp.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests for one resend, want 1", len(reqs))
			}
			if _, err := c.Details(context.Background(), frontpay.LinkReservation, uuid); frontpay.KindOf(err) != frontpay.KindUnexpected {
				t.Fatalf("Details = %v, want unexpected", err)
			}
			if n := len(fp.Requests()); n != 2 {
				t.Fatalf("got %d requests after one resend and one read, want 2", n)
			}
			if tc.own && cfg.HTTPClient.CheckRedirect != nil {
				t.Error("NewClient changed the caller's http.Client")
			}
		})
	}
}
