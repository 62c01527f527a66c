package fakeslack

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Call is one recorded Web API call (or response_url POST, method
// MethodResponseURL).
type Call struct {
	Method string
	// Form holds the parameters: form fields and query parameters, or for a
	// JSON body its top-level keys (strings unquoted, anything else as its
	// JSON text).
	Form url.Values
	// JSON is the raw body when the call was sent as JSON.
	JSON json.RawMessage
	// Token is the token the call carried (Authorization: Bearer, else the
	// "token" parameter).
	Token string
	At    time.Time
	// Status and Error describe the answer: HTTP status and, for
	// {"ok":false}, the Slack error code.
	Status  int
	Error   string
	Faulted bool
}

// MessageUpdate is one chat.update applied to a Message: the text and blocks
// the message had after it.
type MessageUpdate struct {
	Text   string
	Blocks json.RawMessage
	At     time.Time
	Raw    map[string]string
}

// Message is a message posted with chat.postMessage, with its latest
// text/blocks (after any chat.update) and the update history.
type Message struct {
	Channel     string
	TS          string
	ThreadTS    string
	Text        string
	Blocks      json.RawMessage
	Attachments json.RawMessage
	Username    string
	User        string // BotUserID
	At          time.Time
	Updates     []MessageUpdate
	// Raw has every parameter of the chat.postMessage call (first values).
	Raw map[string]string
}

// Ephemeral is a chat.postEphemeral call.
type Ephemeral struct {
	Channel   string
	User      string
	ThreadTS  string
	Text      string
	Blocks    json.RawMessage
	MessageTS string
	At        time.Time
	Raw       map[string]string
	// Hidden: Slack accepted it but shows it to nobody, for it was posted
	// in a thread that did not exist yet (chat.postEphemeral: ephemeral
	// messages in threads are shown only in a thread that is already there).
	Hidden bool
}

// ResponseURLPost is one POST to a response_url the fake handed out.
type ResponseURLPost struct {
	// ID is the last path element of the response_url; for slash commands
	// sent with SlashCommand it is the envelope ID.
	ID              string
	Text            string
	Blocks          json.RawMessage
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	ThreadTS        string
	Body            json.RawMessage
	At              time.Time
}

// View is a views.open / views.update / views.publish call.
type View struct {
	Method     string
	ID         string // the view ID the fake answered with
	TriggerID  string
	UserID     string
	ExternalID string
	Hash       string
	View       json.RawMessage
	At         time.Time
}

// Ack is an acknowledgement read from a socket.
type Ack struct {
	EnvelopeID string
	// Payload is the "payload" the client sent back (nil when it sent none).
	Payload json.RawMessage
	At      time.Time
	// SentAt is when the envelope was last written before the ack arrived
	// (zero if the fake never sent that envelope ID).
	SentAt time.Time
	Socket int
}

// Latency is the time between sending the envelope and reading its ack.
func (a Ack) Latency() time.Duration {
	if a.SentAt.IsZero() {
		return 0
	}
	return a.At.Sub(a.SentAt)
}

// Snapshot is a consistent copy of everything recorded.
type Snapshot struct {
	Messages         []Message
	Ephemerals       []Ephemeral
	ResponseURLPosts []ResponseURLPost
	Views            []View
	Calls            []Call
	Acks             []Ack
	Envelopes        []Envelope
	// OpenSockets counts sockets that are open and not told to disconnect.
	OpenSockets int
	// SocketsOpened counts every socket ever accepted.
	SocketsOpened int
}

// CallsTo returns the calls of one method.
func (s Snapshot) CallsTo(method string) []Call {
	return filter(s.Calls, func(c Call) bool { return c.Method == method })
}

// Thread returns the replies (ThreadTS == ts, TS != ts) in a channel, in post order.
func (s Snapshot) Thread(channel, ts string) []Message {
	return filter(s.Messages, func(m Message) bool { return m.Channel == channel && m.ThreadTS == ts && m.TS != ts })
}

// Message returns the message with that channel and ts.
func (s Snapshot) Message(channel, ts string) (Message, bool) {
	for _, m := range s.Messages {
		if m.Channel == channel && m.TS == ts {
			return m, true
		}
	}
	return Message{}, false
}

// AcksFor returns every ack of one envelope ID, in arrival order.
func (s Snapshot) AcksFor(envelopeID string) []Ack {
	return filter(s.Acks, func(a Ack) bool { return a.EnvelopeID == envelopeID })
}

// filter returns the elements of xs that keep accepts, in order.
func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func (s Snapshot) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "open sockets %d (ever %d), %d envelopes, %d acks, %d messages, %d ephemerals, %d response_url posts, %d views, %d calls",
		s.OpenSockets, s.SocketsOpened, len(s.Envelopes), len(s.Acks), len(s.Messages), len(s.Ephemerals), len(s.ResponseURLPosts), len(s.Views), len(s.Calls))
	for _, m := range s.Messages {
		fmt.Fprintf(&b, "\n  message %s/%s thread=%q: %q", m.Channel, m.TS, m.ThreadTS, m.Text)
	}
	for _, e := range s.Ephemerals {
		fmt.Fprintf(&b, "\n  ephemeral %s to %s: %q", e.Channel, e.User, e.Text)
	}
	for _, r := range s.ResponseURLPosts {
		fmt.Fprintf(&b, "\n  response_url %s (%s): %q", r.ID, r.ResponseType, r.Text)
	}
	for _, a := range s.Acks {
		fmt.Fprintf(&b, "\n  ack %s: %s", a.EnvelopeID, a.Payload)
	}
	for _, c := range s.Calls {
		fmt.Fprintf(&b, "\n  call %s -> %d %s", c.Method, c.Status, c.Error)
	}
	return b.String()
}

func cloneRaw(m json.RawMessage) json.RawMessage {
	if m == nil {
		return nil
	}
	return slices.Clone(m)
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func (m *Message) clone() Message {
	c := *m
	c.Blocks = cloneRaw(m.Blocks)
	c.Attachments = cloneRaw(m.Attachments)
	c.Raw = maps.Clone(m.Raw)
	c.Updates = make([]MessageUpdate, len(m.Updates))
	for i, u := range m.Updates {
		u.Blocks = cloneRaw(u.Blocks)
		u.Raw = maps.Clone(u.Raw)
		c.Updates[i] = u
	}
	return c
}

func (s *Server) messagesLocked() []Message {
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Form = cloneValues(c.Form)
			c.JSON = cloneRaw(c.JSON)
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) openSocketsLocked() []*socket {
	return filter(s.sockets, func(c *socket) bool { return !c.draining && !c.removed })
}

func (s *Server) snapshotLocked() Snapshot {
	snap := Snapshot{
		Messages:      s.messagesLocked(),
		Calls:         s.callsLocked(""),
		OpenSockets:   len(s.openSocketsLocked()),
		SocketsOpened: s.socketsOpened,
	}
	for _, e := range s.ephemerals {
		e.Blocks = cloneRaw(e.Blocks)
		e.Raw = maps.Clone(e.Raw)
		snap.Ephemerals = append(snap.Ephemerals, e)
	}
	for _, r := range s.responses {
		r.Blocks = cloneRaw(r.Blocks)
		r.Body = cloneRaw(r.Body)
		snap.ResponseURLPosts = append(snap.ResponseURLPosts, r)
	}
	for _, v := range s.views {
		v.View = cloneRaw(v.View)
		snap.Views = append(snap.Views, v)
	}
	for _, a := range s.acks {
		a.Payload = cloneRaw(a.Payload)
		snap.Acks = append(snap.Acks, a)
	}
	for _, e := range s.envelopes {
		e.Payload = cloneRaw(e.Payload)
		snap.Envelopes = append(snap.Envelopes, e)
	}
	return snap
}

// Snapshot returns a copy of everything recorded so far.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// WaitFor blocks until cond holds for a snapshot (cond runs without the lock
// held, on every change) and returns that snapshot; on timeout it returns the
// last snapshot and an error describing it.
func (s *Server) WaitFor(cond func(s Snapshot) bool, timeout time.Duration) (Snapshot, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		snap := s.snapshotLocked()
		ch := s.changed
		closed := s.closed
		s.mu.Unlock()
		if cond(snap) {
			return snap, nil
		}
		if closed {
			return snap, ErrClosed
		}
		select {
		case <-ch:
		case <-timer.C:
			return snap, fmt.Errorf("fakeslack: condition not met within %v; %s", timeout, snap.summary())
		}
	}
}

// Messages returns the posted messages in post order, with their latest
// text/blocks.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked()
}

// WaitMessages waits until at least n messages were posted and returns them all.
func (s *Server) WaitMessages(n int, timeout time.Duration) ([]Message, error) {
	if err := s.wait(timeout, func() bool { return len(s.messages) >= n }); err != nil {
		if errors.Is(err, errTimeout) {
			return s.Messages(), s.timeoutErr(fmt.Sprintf("waiting for %d messages", n), timeout)
		}
		return s.Messages(), err
	}
	return s.Messages(), nil
}

// Ephemerals returns the chat.postEphemeral calls.
func (s *Server) Ephemerals() []Ephemeral { return s.Snapshot().Ephemerals }

// ResponseURLPosts returns the POSTs to response_urls.
func (s *Server) ResponseURLPosts() []ResponseURLPost { return s.Snapshot().ResponseURLPosts }

// Views returns the views.* calls.
func (s *Server) Views() []View { return s.Snapshot().Views }

// Calls returns the recorded calls of method ("" = all), in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

// WaitCalls waits until at least n calls of method were answered.
func (s *Server) WaitCalls(method string, n int, timeout time.Duration) ([]Call, error) {
	err := s.wait(timeout, func() bool {
		k := 0
		for _, c := range s.calls {
			if c.Method == method {
				k++
			}
		}
		return k >= n
	})
	if errors.Is(err, errTimeout) {
		err = s.timeoutErr(fmt.Sprintf("waiting for %d %s calls", n, method), timeout)
	}
	return s.Calls(method), err
}

// Acks returns every ack read so far, in arrival order.
func (s *Server) Acks() []Ack { return s.Snapshot().Acks }

// Envelopes returns every envelope written so far, in order.
func (s *Server) Envelopes() []Envelope { return s.Snapshot().Envelopes }

// Envelope returns the last envelope sent with that ID (to redeliver it).
func (s *Server) Envelope(envelopeID string) (Envelope, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.envelopes) - 1; i >= 0; i-- {
		if e := s.envelopes[i]; e.EnvelopeID == envelopeID {
			e.Payload = cloneRaw(e.Payload)
			return e, true
		}
	}
	return Envelope{}, false
}

// WaitAck waits for the first ack of envelopeID.
func (s *Server) WaitAck(envelopeID string, timeout time.Duration) (Ack, error) {
	var got Ack
	err := s.wait(timeout, func() bool {
		for _, a := range s.acks {
			if a.EnvelopeID == envelopeID {
				got = a
				got.Payload = cloneRaw(a.Payload)
				return true
			}
		}
		return false
	})
	if errors.Is(err, errTimeout) {
		err = s.timeoutErr("waiting for ack of "+envelopeID, timeout)
	}
	return got, err
}

// WaitConnected waits until at least n sockets are open (sockets told to
// disconnect do not count).
func (s *Server) WaitConnected(n int, timeout time.Duration) error {
	err := s.wait(timeout, func() bool { return len(s.openSocketsLocked()) >= n })
	if errors.Is(err, errTimeout) {
		err = s.timeoutErr(fmt.Sprintf("waiting for %d open sockets", n), timeout)
	}
	return err
}

// OpenSockets counts the open sockets (not told to disconnect).
func (s *Server) OpenSockets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.openSocketsLocked())
}
