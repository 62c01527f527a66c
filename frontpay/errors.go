package frontpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
)

// Kind is what a call's outcome means. Its String is the snake_case name
// used in logs and metrics.
type Kind int

// The kinds of outcome: each Front Payment answer (resend and details) maps to one.
const (
	KindUnexpected   Kind = iota // any other status, or a body that is not the documented JSON
	KindSent                     // success (a resend's 202, a details 200); only KindOf(nil) reports it
	KindNotFound                 // 404 orderNotFound; for Details, any 404 envelope but routeNotFound
	KindCompleted                // 400 orderStatusAlreadyCompleted or orderStatusAlreadyPaid: paid
	KindCancelled                // 400 orderStatusAlreadyCancelled
	KindInvalid                  // 417 payloadValidationErrors
	KindUnauthorized             // 401 or 403
	KindRateLimited              // 429
	KindServerError              // 510 and any other 5xx
	KindUnreachable              // no answer in time, or no connection
)

var kindNames = [...]string{"unexpected", "sent", "not_found", "completed", "cancelled",
	"invalid", "unauthorized", "rate_limited", "server_error", "unreachable"}

// String returns the kind's snake_case name, e.g. "not_found".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// KindNamed is the Kind whose String is name, and whether there is one.
func KindNamed(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// Transient reports whether trying again later may succeed: true for
// KindRateLimited, KindServerError and KindUnreachable.
func (k Kind) Transient() bool {
	return k == KindRateLimited || k == KindServerError || k == KindUnreachable
}

// LogLevel is the level at which an outcome of this kind is logged, the one
// place that decides it: INFO for what the customer's reservation or
// contact explains (KindSent, KindNotFound, KindCompleted, KindCancelled,
// KindInvalid), WARN for transient trouble (see Transient), and ERROR for
// what an admin must fix (KindUnauthorized, KindUnexpected).
func (k Kind) LogLevel() slog.Level {
	switch {
	case k == KindSent, k == KindNotFound, k == KindCompleted, k == KindCancelled, k == KindInvalid:
		return slog.LevelInfo
	case k.Transient():
		return slog.LevelWarn
	}
	return slog.LevelError // KindUnauthorized, KindUnexpected and any unknown kind
}

// KindOf returns KindSent for nil, the Kind of the first *Error (or
// sentinel such as ErrNotFound) in err's chain, and KindUnexpected otherwise.
func KindOf(err error) Kind {
	if err == nil {
		return KindSent
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var s sentinel
	if errors.As(err, &s) {
		return Kind(s)
	}
	return KindUnexpected
}

// sentinel is the type of ErrNotFound and its siblings; an *Error matches
// the sentinel of its Kind.
type sentinel Kind

func (s sentinel) Error() string { return "frontpay: " + Kind(s).String() }

// Sentinels for errors.Is, one per Kind except KindSent.
var (
	ErrNotFound     error = sentinel(KindNotFound)
	ErrCompleted    error = sentinel(KindCompleted)
	ErrCancelled    error = sentinel(KindCancelled)
	ErrInvalid      error = sentinel(KindInvalid)
	ErrUnauthorized error = sentinel(KindUnauthorized)
	ErrRateLimited  error = sentinel(KindRateLimited)
	ErrServerError  error = sentinel(KindServerError)
	ErrUnreachable  error = sentinel(KindUnreachable)
	ErrUnexpected   error = sentinel(KindUnexpected)
)

// Error is any outcome of a call other than success. Its Error text never
// holds the token or the customer's contact; Message and Errors have them
// replaced by "[token]", "[email]" or "[phone]" should Front Payment echo
// them.
type Error struct {
	Op         string   // the call: OpResend, OpDetails or OpStatus
	Link       LinkKind // the kind of payment link it was about
	Kind       Kind
	StatusCode int           // 0 when there was no answer
	Message    string        // Front Payment's "message", e.g. "orderNotFound"; "" if none
	Errors     []string      // 417 "errors", one readable line each, e.g. "email: The email must be a valid email address."
	RetryAfter time.Duration // from a 429's Retry-After; 0 if absent
	Err        error         // the cause (network or decoding error), may be nil

	redact *redactor
}

// Error returns e.g. `frontpay: resend reservation: not_found (HTTP 404,
// message "orderNotFound")`, or `frontpay: details order: …` for a Details
// call about an order.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("frontpay: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		if e.Link != LinkUnknown {
			b.WriteString(" " + e.Link.String())
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	var details []string
	if e.StatusCode != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.StatusCode))
	}
	if e.Message != "" {
		details = append(details, fmt.Sprintf("message %q", clip(e.Message, 200)))
	}
	if e.RetryAfter > 0 {
		details = append(details, "retry after "+e.RetryAfter.String())
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	if len(e.Errors) > 0 {
		b.WriteString(": " + strings.Join(e.Errors, "; "))
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return e.redact.Replace(b.String())
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's Kind, e.g. ErrNotFound.
func (e *Error) Is(target error) bool {
	s, ok := target.(sentinel)
	return ok && Kind(s) == e.Kind
}

const (
	maxErrorLines = 20
	maxLineRunes  = 300
	maxDepth      = 4
)

// decodeErrors renders the undocumented 417 "errors" value as readable
// lines: an object of field → message(s) (sorted by field), an array of
// strings or objects, or a string. null, absent and the "Array" placeholder
// of Front Payment's own examples give no lines. It returns an error only
// when raw is not JSON.
func decodeErrors(raw []byte) ([]string, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "Array" {
		return nil, nil // PHP's rendering of an array it failed to serialise
	}
	var lines []string
	renderValue(&lines, "", v, 0, false)
	return lines, nil
}

// renderValue appends the lines for v. Objects inside arrays are one line
// each; elsewhere an object is a map of field → message(s), nested fields
// joined with ".".
func renderValue(lines *[]string, prefix string, v any, depth int, inArray bool) {
	switch v := v.(type) {
	case nil:
		if prefix != "" {
			addLine(lines, prefix, "")
		}
	case map[string]any:
		if f, m, ok := fieldMessage(v); ok {
			addLine(lines, join(prefix, f), m)
			return
		}
		if inArray || depth >= maxDepth {
			addLine(lines, prefix, compact(v))
			return
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			renderValue(lines, join(prefix, k), v[k], depth+1, false)
		}
	case []any:
		if depth >= maxDepth {
			addLine(lines, prefix, scalar(v))
			return
		}
		for _, el := range v {
			renderValue(lines, prefix, el, depth+1, true)
		}
	default:
		addLine(lines, prefix, scalar(v))
	}
}

// fieldMessage recognises {"field": "email", "message": "..."} and its
// common spellings: a string message and no nested values beside it.
func fieldMessage(m map[string]any) (field, msg string, ok bool) {
	for _, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return "", "", false
		}
	}
	for _, k := range []string{"message", "msg", "error", "detail", "description"} {
		if v, found := m[k].(string); found {
			msg, ok = v, true
			break
		}
	}
	if !ok {
		return "", "", false
	}
	for _, k := range []string{"field", "attribute", "key", "property", "path", "param"} {
		if v, found := m[k]; found {
			return scalar(v), msg, true
		}
	}
	return "", msg, true
}

func addLine(lines *[]string, field, msg string) {
	if len(*lines) >= maxErrorLines {
		return
	}
	line := strings.Join(strings.Fields(msg), " ")
	if f := strings.Join(strings.Fields(field), " "); f != "" {
		line = strings.TrimSuffix(f+": "+line, ": ")
	}
	if line != "" {
		*lines = append(*lines, clip(line, maxLineRunes))
	}
}

func join(prefix, key string) string {
	if key == "" {
		return prefix
	}
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// compact renders a value that has no field/message shape as key=value
// pairs (objects) or compact JSON.
func compact(v any) string {
	if m, ok := v.(map[string]any); ok {
		parts := make([]string, 0, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, k+"="+scalar(m[k]))
		}
		return strings.Join(parts, " ")
	}
	return scalar(v)
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	case json.Number, bool:
		return fmt.Sprint(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
