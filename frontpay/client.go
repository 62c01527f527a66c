// Package frontpay is a small client for Front Payment's payment links of
// both kinds (LinkKind): reservations and orders. For each it resends the
// link and reads its details; for orders it also reads the status. It
// knows HTTP and Front Payment, nothing of Slack.
//
// A resend texts or emails a real customer and the endpoint takes no
// idempotency key, so Resend never retries: every failure is reported as an
// *Error and a person decides. Reading changes nothing, so Details and
// OrderStatus try once more after a connection error or a 5xx.
package frontpay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultTimeout   = 15 * time.Second
	defaultUserAgent = "resendbot"
	maxBody          = 64 << 10 // Front Payment's envelopes are a few hundred bytes
	maxDetailsBody   = 1 << 20  // details carry product lists and payment history
	maxRetryAfter    = 24 * 60 * 60
)

// Config configures a Client. BaseURL and Token are required.
type Config struct {
	BaseURL    string        // origin, e.g. "https://demo-api.frontpayment.no"; a trailing slash is fine
	Token      string        // bearer token; never appears in any error or log line
	Timeout    time.Duration // deadline for one call; 15s if zero
	HTTPClient *http.Client  // optional; by default a dedicated client, never http.DefaultClient
	UserAgent  string        // e.g. "resendbot/1.2.3"; "resendbot" if empty
	// MaxConns is how many calls the caller makes at once: the default
	// client keeps that many idle connections, so a burst reuses them
	// instead of opening (and TLS-handshaking) new ones. 16 if zero.
	MaxConns int
}

// Client calls Front Payment. It is safe for concurrent use.
type Client struct {
	base      string // BaseURL without its trailing slash
	token     string
	timeout   time.Duration
	userAgent string
	http      *http.Client
}

// Contact is where the payment link goes. An empty Email means not by email;
// an empty CountryCode and MSISDN mean not by SMS.
type Contact struct {
	Email       string // as typed by the support agent, trimmed
	CountryCode string // with "+", e.g. "+47"
	MSISDN      string // national number in digits, e.g. "41234567"
}

// NewClient returns a Client for cfg. It returns an error, naming the
// setting but never its value, when BaseURL is not an absolute http(s) URL
// without credentials, query or fragment, or when Token is empty.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, errors.New("frontpay: BaseURL must be an absolute http(s) URL")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("frontpay: BaseURL must not carry credentials, a query or a fragment")
	case cfg.Token == "":
		return nil, errors.New("frontpay: Token is required")
	}
	c := &Client{
		base:      strings.TrimRight(cfg.BaseURL, "/"),
		token:     cfg.Token,
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		http:      cfg.HTTPClient,
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cmp.Or(cfg.MaxConns, 16)
		t.MaxIdleConns = max(t.MaxIdleConns, t.MaxIdleConnsPerHost)
		// The per-call context deadline is the real timeout; the client's own
		// is a backstop set later so that the context's error wins.
		c.http = &http.Client{Transport: t, Timeout: c.timeout + 5*time.Second}
	} else {
		hc := *c.http // the caller's client is theirs: change a copy
		c.http = &hc
	}
	// Never follow a redirect: a followed 307 would POST the resend (and the
	// bearer token) again. The 3xx itself is the answer, KindUnexpected.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// resendBody is the documented payload: all three keys, in this order,
// null for a channel not used.
type resendBody struct {
	CountryCode *string `json:"countryCode"`
	MSISDN      *string `json:"msisdn"`
	Email       *string `json:"email"`
}

// Resend asks Front Payment to send the payment link of the reservation or
// order (kind) uuid again to to. It makes exactly one POST and never
// retries.
//
// It returns nil only when Front Payment answers 202. Otherwise it returns an
// *Error whose Kind tells what happened (errors.Is(err, ErrNotFound) and so
// on): KindNotFound, KindCompleted (orderStatusAlreadyCompleted or
// orderStatusAlreadyPaid), KindCancelled, KindInvalid,
// KindUnauthorized, KindRateLimited, KindServerError, KindUnreachable (no
// answer within the Timeout, or no connection; Err holds the cause, so
// errors.Is(err, context.DeadlineExceeded) works) or KindUnexpected. An empty
// UUID, a kind other than LinkReservation or LinkOrder, or a Contact with
// no complete channel is KindInvalid with StatusCode 0, and nothing is sent.
func (c *Client) Resend(ctx context.Context, kind LinkKind, uuid string, to Contact) error {
	red := newRedactor(c.token, to)
	fail := func(k Kind, err error) error {
		return &Error{Op: OpResend, Link: kind, Kind: k, Err: err, redact: red}
	}
	body, err := encodeBody(uuid, to)
	if err == nil && kind.path(OpResend, uuid) == "" {
		err = errors.New("no kind of payment link given")
	}
	if err != nil {
		return &Error{Op: OpResend, Link: kind, Kind: KindInvalid, Errors: []string{err.Error()}, redact: red}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodPost, kind.path(OpResend, uuid), body)
	if err != nil {
		return fail(KindUnexpected, err)
	}
	a, err := c.do(req, maxBody)
	if err != nil {
		return fail(KindUnreachable, err)
	}
	if a.status == http.StatusAccepted {
		// Sent whatever the body says: Front Payment accepted the resend,
		// and calling it a failure would invite a person to send it twice.
		return nil
	}
	return errorFor(OpResend, kind, a, red)
}

func encodeBody(uuid string, to Contact) ([]byte, error) {
	var b resendBody
	if to.Email != "" {
		b.Email = &to.Email
	}
	switch {
	case to.CountryCode != "" && to.MSISDN != "":
		b.CountryCode, b.MSISDN = &to.CountryCode, &to.MSISDN
	case to.CountryCode != "" || to.MSISDN != "":
		return nil, errors.New("sms needs both a country code and a number")
	}
	switch {
	case strings.TrimSpace(uuid) == "":
		return nil, errors.New("UUID is empty")
	case b.Email == nil && b.MSISDN == nil:
		return nil, errors.New("no email address or phone number to send to")
	}
	return json.Marshal(b)
}

// newRequest builds a request for path, under the base URL, with the
// headers every Front Payment call carries. body is nil for a GET.
func (c *Client) newRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// answer is an HTTP answer from Front Payment, its body read.
type answer struct {
	status int
	header http.Header
	body   []byte // at most the limit given to do
	err    error  // reading the body failed, or it was longer than the limit
}

// do sends req once and reads at most limit bytes of the answer. It
// returns an error only when there was no answer: cancellation, deadline,
// refused or reset connections, after which the request may or may not
// have reached Front Payment. *url.Error's text holds only the URL, which
// holds only the UUID (and http.Client strips any password).
func (c *Client) do(req *http.Request, limit int64) (answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, a.err = io.ReadAll(io.LimitReader(resp.Body, limit))
	// Drain a little more so the connection can be reused.
	if n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)); n > 0 && a.err == nil {
		a.err = fmt.Errorf("answer longer than %d bytes", limit)
	}
	return a, nil
}

// errorFor maps an answer that is not op's success to an *Error. The
// status decides first (401/403, 429, 5xx); below that, a body that is not
// Front Payment's JSON envelope is KindUnexpected, and the envelope's
// message picks the kind for op's documented answers, the same for both
// kinds of link.
func errorFor(op string, link LinkKind, a answer, red *redactor) *Error {
	e := &Error{Op: op, Link: link, Kind: KindUnexpected, StatusCode: a.status, redact: red}
	var env struct {
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	decodeErr := a.err
	if decodeErr == nil {
		decodeErr = json.Unmarshal(a.body, &env)
	}
	if decodeErr == nil {
		e.Message = red.Replace(env.Message)
	}
	resend := op == OpResend
	switch s := a.status; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Kind = KindUnauthorized
	case s == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
		e.RetryAfter = parseRetryAfter(a.header.Get("Retry-After"), time.Now())
	case s >= 500 && s <= 599:
		e.Kind = KindServerError // an HTML 502 page is still a server error
	case decodeErr != nil:
		e.Err = decodeErr // 404/400/417/2xx/other without the documented JSON
	case s == http.StatusNotFound && env.Message == "orderNotFound":
		e.Kind = KindNotFound
	case s == http.StatusNotFound && !resend && env.Message != "routeNotFound":
		// The reservation details page documents no error answers; any
		// 404 envelope but one saying the path itself is unknown means no
		// such reservation or order.
		e.Kind = KindNotFound
	case resend && s == http.StatusBadRequest && (env.Message == "orderStatusAlreadyCompleted" || env.Message == "orderStatusAlreadyPaid"):
		e.Kind = KindCompleted
	case resend && s == http.StatusBadRequest && env.Message == "orderStatusAlreadyCancelled":
		e.Kind = KindCancelled
	case resend && s == http.StatusExpectationFailed && env.Message == "payloadValidationErrors":
		e.Kind = KindInvalid
		lines, err := decodeErrors(env.Errors)
		if err != nil {
			e.Err = fmt.Errorf("decoding errors: %w", err)
		}
		for i := range lines {
			lines[i] = red.Replace(lines[i])
		}
		e.Errors = lines
	}
	return e
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date;
// 0 when absent, malformed or in the past, and at most a day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		d = time.Duration(min(secs, maxRetryAfter)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = min(t.Sub(now).Round(time.Second), maxRetryAfter*time.Second)
	}
	return max(d, 0)
}
