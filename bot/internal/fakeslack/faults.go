package fakeslack

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Fault replaces the normal answer of a Web API call (see FailNext).
type Fault struct {
	// HTTPStatus of the answer. 0 means 200, or 429 when RetryAfter is set.
	HTTPStatus int
	// RetryAfter, when > 0, is sent as the Retry-After header (whole seconds).
	// slack-go turns a 429 with Retry-After into *slack.RateLimitedError;
	// any other non-200 becomes slack.StatusCodeError.
	RetryAfter int
	// SlackError, when set, answers {"ok":false,"error":SlackError} (with
	// HTTPStatus, normally 200).
	SlackError string
	// Body, when set, is written verbatim instead of any JSON (e.g. to send
	// something that is not JSON).
	Body string
	// Delay holds the answer back this long (cut short when the server
	// closes). A Fault with only Delay set delays the normal answer.
	Delay time.Duration
	// Channel, when set, limits the fault to calls whose "channel" parameter
	// equals it; other calls pass through and do not use up the fault.
	Channel string
	// Lands makes the call take effect as it normally would (a post is
	// posted) before the answer: after Delay, the fault's answer, or the
	// normal one when the fault sets none. It is a post that lands but
	// answers late (the client may have given up by then), or one that
	// lands and answers fatal_error ("It's possible some aspect of the
	// operation succeeded before the error was raised", chat.postMessage).
	Lands bool
	// Arrived, when set, is sent one value (without blocking: give it
	// room for one) when the call arrives, before anything else the fault
	// does; Release, when set, then holds the call back until it is closed
	// (cut short when the server closes or the client gives up). Together
	// they stop a call half way, for as long as a test needs.
	Arrived chan<- struct{}
	Release <-chan struct{}
}

func (f Fault) replacesAnswer() bool {
	return f.HTTPStatus != 0 || f.RetryAfter > 0 || f.SlackError != "" || f.Body != ""
}

type faultEntry struct {
	remaining int // < 0: forever
	fault     Fault
}

// FailNext makes the next n calls of method (a Web API method name,
// MethodConnectionsOpen, or MethodResponseURL) answer with f instead of the
// normal answer. n < 0 means every call from now on. Faults queue up in the
// order given.
func (s *Server) FailNext(method string, n int, f Fault) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], &faultEntry{remaining: n, fault: f})
}

// ClearFaults removes the pending faults of method ("" = all).
func (s *Server) ClearFaults(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "" {
		clear(s.faults)
		return
	}
	delete(s.faults, method)
}

// SetOpenError makes the next n apps.connections.open calls answer
// {"ok":false,"error":err}; n < 0 means forever, n == 0 (or err == "")
// clears it. slack-go treats invalid_auth, account_inactive, not_authed and
// token_revoked as fatal (RunContext returns the error); anything else is
// retried with backoff.
func (s *Server) SetOpenError(err string, n int) {
	s.ClearFaults(MethodConnectionsOpen)
	if err == "" {
		return
	}
	s.FailNext(MethodConnectionsOpen, n, Fault{SlackError: err})
}

func (s *Server) takeFault(method, channel string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[method]
	for i, e := range q {
		if e.fault.Channel != "" && e.fault.Channel != channel {
			continue
		}
		if e.remaining > 0 {
			e.remaining--
			if e.remaining == 0 {
				s.faults[method] = slices.Delete(slices.Clone(q), i, i+1)
			}
		}
		return e.fault, true
	}
	return Fault{}, false
}

// sleep waits d, or less if the server closes or the client goes away.
func (s *Server) sleep(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closing:
	case <-r.Context().Done():
	}
}

// applyFault writes the fault's answer and records the call; it reports
// whether it answered.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, call Call) bool {
	f, ok := s.takeFault(call.Method, call.Form.Get("channel"))
	if !ok {
		return false
	}
	if f.Arrived != nil {
		select {
		case f.Arrived <- struct{}{}:
		default:
		}
	}
	if f.Release != nil {
		select {
		case <-f.Release:
		case <-s.closing:
		case <-r.Context().Done():
		}
	}
	if f.Lands {
		s.landThenAnswer(w, r, call, f)
		return true
	}
	s.sleep(r, f.Delay)
	if !f.replacesAnswer() {
		return false
	}
	s.writeFault(w, call, f)
	return true
}

// writeFault writes f's answer and records the call.
func (s *Server) writeFault(w http.ResponseWriter, call Call, f Fault) {
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
		if f.RetryAfter > 0 {
			status = http.StatusTooManyRequests
		}
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	call.Status, call.Faulted = status, true
	var body []byte
	switch {
	case f.Body != "":
		body = []byte(f.Body)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	default:
		code := f.SlackError
		if code == "" && status != http.StatusOK {
			code = http.StatusText(status)
			if status == http.StatusTooManyRequests {
				code = "ratelimited"
			}
		}
		if code != "" {
			body, _ = json.Marshal(map[string]any{"ok": false, "error": code})
			call.Error = code
		} else {
			body = []byte(`{"ok":true}`)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	s.record(call)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// landThenAnswer serves call as normal, then after f.Delay answers with
// f's answer (or the normal one) — even if the client has gone.
func (s *Server) landThenAnswer(w http.ResponseWriter, r *http.Request, call Call, f Fault) {
	ans := s.answerOf(call)
	t := time.NewTimer(f.Delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closing:
	}
	if f.replacesAnswer() {
		s.writeFault(w, call, f)
		return
	}
	call.Status, call.Error = ans.status, ans.err
	s.record(call)
	writeJSON(w, ans.status, ans.body)
}
