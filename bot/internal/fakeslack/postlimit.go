package fakeslack

import (
	"time"
)

// PostLimit is Slack's posting limit per channel, off unless LimitPosts
// sets it (the load benchmark's fake sets none). chat.postMessage
// "generally allows posting one message per second per channel, while also
// maintaining a workspace-wide limit", with short bursts allowed (Slack's
// rate limits guide); past it, Slack answers 429 with Retry-After, or 200
// with {"ok":false,"error":"ratelimited"}.
type PostLimit struct {
	Burst      int           // posts a quiet channel takes at once; default 1
	Every      time.Duration // one more post per Every; default 1s
	RetryAfter int           // Retry-After (seconds) of the refusal; 0 sends none
	Body       bool          // refuse with HTTP 200 and a ratelimited body instead of 429
}

// postBucket is a channel's token bucket.
type postBucket struct {
	tokens float64
	at     time.Time
}

// LimitPosts limits chat.postMessage per channel from now on, as Slack
// does; a zero PostLimit (Burst and Every 0) turns the limit off.
func (s *Server) LimitPosts(l PostLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.postBuckets)
	if l == (PostLimit{}) {
		s.postLimit = nil
		return
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	if l.Every <= 0 {
		l.Every = time.Second
	}
	s.postLimit = &l
}

// overPostLimit takes a post of call's channel from its bucket; past the
// limit it returns the refusal Slack answers with.
func (s *Server) overPostLimit(call Call) (Fault, bool) {
	if call.Method != "chat.postMessage" {
		return Fault{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.postLimit
	if l == nil {
		return Fault{}, false
	}
	channel := call.Form.Get("channel")
	b := s.postBuckets[channel]
	if b == nil {
		b = &postBucket{tokens: float64(l.Burst), at: call.At}
		s.postBuckets[channel] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+float64(call.At.Sub(b.at))/float64(l.Every))
	b.at = call.At
	if b.tokens >= 1 {
		b.tokens--
		return Fault{}, false
	}
	if l.Body {
		return Fault{HTTPStatus: 200, RetryAfter: l.RetryAfter, SlackError: "ratelimited"}, true
	}
	return Fault{HTTPStatus: 429, RetryAfter: l.RetryAfter, SlackError: "ratelimited"}, true
}
