package demofp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"resendbot/bot/console/demofp"
)

const token = "demo-token"

func client(h http.Handler) *http.Client {
	return &http.Client{Transport: demofp.Transport{Handler: h}}
}

func do(t *testing.T, c *http.Client, ctx context.Context, method, path, body string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, "https://frontpayment.demo.invalid"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b), nil
}

// TestTransport checks that a request through Transport gets the
// handler's answer as a client would over the network, and that the
// handler saw it as a server would have delivered it.
func TestTransport(t *testing.T) {
	h := demofp.NewHandler(token)
	c := client(h)
	const good = `{"countryCode":"+47","msisdn":"41234567","email":null}`
	for _, tc := range []struct {
		name, method, uuid, body string
		status                   int
		contentType, message     string
	}{
		{"accepted", http.MethodPost, demofp.UUIDAccepted, good, 202, "application/json", "resentOrderSuccessfully"},
		{"not found", http.MethodPost, demofp.UUIDNotFound, good, 404, "application/json", "orderNotFound"},
		{"bad gateway", http.MethodPost, demofp.UUIDBadGateway, good, 502, "text/html; charset=utf-8", "502 Bad Gateway"},
		{"invalid body", http.MethodPost, demofp.UUIDAccepted, `{}`, 417, "application/json", "payloadValidationErrors"},
		{"details", http.MethodGet, demofp.UUIDEmailOnly, "", 200, "application/json", "kari.nordmann@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := demofp.ResendPath
			if tc.method == http.MethodGet {
				path = demofp.DetailsPath
			}
			resp, body, err := do(t, c, context.Background(), tc.method, path+tc.uuid, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprint(tc.status, " ", http.StatusText(tc.status)); resp.StatusCode != tc.status || resp.Status != want {
				t.Errorf("status %d %q, want %d", resp.StatusCode, resp.Status, tc.status)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("ContentLength %d, body %d bytes", resp.ContentLength, len(body))
			}
			if !strings.Contains(body, tc.message) {
				t.Errorf("body %q lacks %q", body, tc.message)
			}
		})
	}
	reqs := h.Requests()
	if len(reqs) != 5 {
		t.Fatalf("handler saw %d requests, want 5", len(reqs))
	}
	if r := reqs[0]; r.Method != http.MethodPost || r.UUID != demofp.UUIDAccepted || string(r.Body) != good {
		t.Errorf("handler saw %s %s %q", r.Method, r.Path, r.Body)
	}
	if r := reqs[4]; r.Method != http.MethodGet || len(r.Body) != 0 {
		t.Errorf("handler saw %s %s %q", r.Method, r.Path, r.Body)
	}
}

// TestTransportNothingWritten is a 200 with no body, as from a server.
func TestTransportNothingWritten(t *testing.T) {
	c := client(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Before", "1")
	}))
	resp, body, err := do(t, c, context.Background(), http.MethodGet, "/", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("X-Before") != "1" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// TestTransportHeaderAtWriteHeader: header changes after WriteHeader are
// not sent, and a second WriteHeader is ignored.
func TestTransportHeaderAtWriteHeader(t *testing.T) {
	c := client(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(418)
		w.Header().Set("X-After", "1")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, "teapot")
	}))
	resp, body, err := do(t, c, context.Background(), http.MethodGet, "/", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 418 || body != "teapot" || resp.Header.Get("X-Before") != "1" || resp.Header.Get("X-After") != "" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// TestTransportTimeout: a client that gives up gets its context's error,
// not the empty answer the handler leaves.
func TestTransportTimeout(t *testing.T) {
	c := client(demofp.NewHandler(token))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := do(t, c, ctx, http.MethodPost, demofp.ResendPath+demofp.UUIDTimeout,
		`{"countryCode":null,"msisdn":null,"email":"kari@example.com"}`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestTransportStop: Stop aborts a held answer; the client gets an error,
// and the program does not crash.
func TestTransportStop(t *testing.T) {
	h := demofp.NewHandler(token)
	hold := make(chan struct{})
	defer close(hold)
	h.SetDetailsAnswer(demofp.UUIDAccepted, demofp.Answer{Status: 200, Hold: hold})
	done := make(chan error, 1)
	go func() {
		_, _, err := do(t, client(h), context.Background(), http.MethodGet, demofp.DetailsPath+demofp.UUIDAccepted, "")
		done <- err
	}()
	for n, next := h.Watch(); n < 1; n, next = h.Watch() {
		<-next
	}
	h.Stop()
	h.Stop() // twice is fine
	select {
	case err := <-done:
		if err == nil {
			t.Error("a stopped answer reached the client")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not release the held answer")
	}
}

// TestTransportPanics: a handler's own bug is not hidden as an error.
func TestTransportPanics(t *testing.T) {
	c := client(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	defer func() {
		if v := recover(); v != "bug" {
			t.Errorf("recovered %v, want the handler's panic", v)
		}
	}()
	_, _, _ = do(t, c, context.Background(), http.MethodGet, "/", "")
	t.Error("no panic")
}
