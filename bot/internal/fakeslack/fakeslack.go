// Package fakeslack is an in-process fake of the parts of Slack that resendbot
// talks to: the Socket Mode WebSocket (apps.connections.open + the socket
// itself), a handful of Web API methods (auth.test, chat.*, views.*) and
// response_url endpoints. It listens on 127.0.0.1 only and speaks the wire
// protocol exactly as github.com/slack-go/slack (and its socketmode package)
// expects it, so the real client library can be pointed at it with
// slack.OptionAPIURL(s.APIURL()).
//
// Everything the fake is asked or answers is recorded; tests read the records
// (Messages, Calls, Acks, ...) or block on them (WaitFor, WaitAck, ...).
// Faults can be injected per Web API method (FailNext) and for the socket
// (SetOpenError, Disconnect, DropConnections).
//
// All state is guarded by one mutex; waiters block on a broadcast channel that
// is replaced on every change, so nothing polls. The server and every
// goroutine it starts are stopped by Close, which New registers with
// t.Cleanup.
package fakeslack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identities the fake answers with.
const (
	AppToken  = "xapp-1-A111-test-app-token"
	BotToken  = "xoxb-111-test-bot-token"
	BotUserID = "UBOT"
	BotID     = "B111"
	TeamID    = "T1"
	AppID     = "A111"
	// VerificationToken is the (deprecated) "token" field Slack puts in
	// slash-command and event payloads.
	VerificationToken = "fake-verification-token"
)

// MethodResponseURL is the pseudo method name under which response_url POSTs
// are recorded in Calls and can be faulted with FailNext.
const MethodResponseURL = "response_url"

// MethodConnectionsOpen is the Web API method Socket Mode clients call to get
// a WebSocket URL.
const MethodConnectionsOpen = "apps.connections.open"

// ErrClosed is returned by waiters when the server is closed while they wait.
var ErrClosed = errors.New("fakeslack: server closed")

// Option configures New.
type Option func(*config)

type config struct {
	pingInterval time.Duration
	sendWait     time.Duration
}

// WithPingInterval sets how often the fake sends WebSocket PINGs on every open
// socket (default 200ms). slack-go's socketmode client reconnects when it gets
// no PING within its own interval (socketmode.OptionPingInterval, default
// 30s). 0 or negative turns pings off (to test that dead-man path).
func WithPingInterval(d time.Duration) Option {
	return func(c *config) { c.pingInterval = d }
}

// WithSendWait sets how long Send (and SlashCommand, Interactive, EventsAPI)
// waits for the chosen socket to be open before failing the test (default 5s).
func WithSendWait(d time.Duration) Option {
	return func(c *config) { c.sendWait = d }
}

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
}

func (f Fault) replacesAnswer() bool {
	return f.HTTPStatus != 0 || f.RetryAfter > 0 || f.SlackError != "" || f.Body != ""
}

type faultEntry struct {
	remaining int // < 0: forever
	fault     Fault
}

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

// Envelope is a Socket Mode envelope. For Send, Type/EnvelopeID/Payload/
// AcceptsResponsePayload/RetryAttempt/RetryReason are sent as is (an empty
// EnvelopeID gets a fresh one) and Conn chooses the open socket (index in open
// order, 0 = oldest). In records (Envelopes, Snapshot) SentAt and Socket are
// filled in.
type Envelope struct {
	Type                   string
	EnvelopeID             string
	Payload                json.RawMessage
	AcceptsResponsePayload bool
	RetryAttempt           int
	RetryReason            string
	Conn                   int

	SentAt time.Time
	Socket int // ID of the socket it was written to (1, 2, ... in open order)
}

type wireEnvelope struct {
	Type                   string          `json:"type"`
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
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

// SlashCommand describes a slash command to deliver (see Server.SlashCommand).
type SlashCommand struct {
	UserID    string
	ChannelID string
	Text      string
	Command   string // default "/resend"
	Conn      int    // index of the open socket to use, default 0 (oldest)

	// Optional.
	UserName    string // default: lower-cased UserID
	ChannelName string // default "general"
	TriggerID   string // default "trigger-<envelope id>"
	EnvelopeID  string // default: a fresh ID
}

// EventOpts tunes EventsAPI.
type EventOpts struct {
	EventID      string // default: a fresh "Ev..." ID
	Conn         int
	RetryAttempt int    // > 0 also sets retry_reason "timeout"
	EnvelopeID   string // default: a fresh ID
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

type socket struct {
	id       int
	ws       *websocket.Conn
	wmu      sync.Mutex    // serialises writes (gorilla allows one writer)
	done     chan struct{} // closed when the reader has exited
	draining bool          // sent "disconnect"; guarded by Server.mu
	removed  bool          // guarded by Server.mu
}

func (c *socket) write(data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

func (c *socket) ping() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(2*time.Second))
}

type viewState struct {
	id, externalID string
	hashSeq        int
}

// Server is the fake. Create it with New.
type Server struct {
	t        testing.TB
	cfg      config
	hs       *httptest.Server
	upgrader websocket.Upgrader

	closeOnce sync.Once
	closing   chan struct{}
	wg        sync.WaitGroup // socket readers and pingers

	mu            sync.Mutex
	changed       chan struct{}
	closed        bool
	tickets       map[string]bool
	ticketSeq     int
	sockets       []*socket // open, in open order (draining ones included)
	socketSeq     int
	envSeq        int
	eventSeq      int
	tsSeq         int
	viewSeq       int
	sent          map[string]time.Time // envelope ID -> last send
	envelopes     []Envelope
	acks          []Ack
	messages      []*Message
	ephemerals    []Ephemeral
	responses     []ResponseURLPost
	views         []View
	viewStates    map[string]*viewState // by view ID
	calls         []Call
	faults        map[string][]*faultEntry
	handlers      map[string]func(Call) any
	badFrames     [][]byte
	socketsOpened int
	members       map[string]bool      // SetMember; see isMemberLocked
	triggers      map[string]time.Time // trigger_id -> when its envelope was sent
	usedTriggers  map[string]bool      // trigger_ids views.open/push exchanged
	triggerTTL    time.Duration

	tcpConns atomic.Int64 // TCP connections accepted, for ConnectionsAccepted
}

// New starts a fake Slack on 127.0.0.1 and registers Close with t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{pingInterval: 200 * time.Millisecond, sendWait: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		t:            t,
		cfg:          cfg,
		closing:      make(chan struct{}),
		changed:      make(chan struct{}),
		tickets:      map[string]bool{},
		sent:         map[string]time.Time{},
		viewStates:   map[string]*viewState{},
		faults:       map[string][]*faultEntry{},
		handlers:     map[string]func(Call) any{},
		members:      map[string]bool{},
		triggers:     map[string]time.Time{},
		usedTriggers: map[string]bool{},
		triggerTTL:   DefaultTriggerTTL,
		upgrader: websocket.Upgrader{
			// slack-go dials with Origin: https://api.slack.com, which the
			// default origin check would refuse.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/ws", s.serveWS)
	mux.HandleFunc("/response/", s.serveResponseURL)
	s.hs = httptest.NewUnstartedServer(mux)
	s.hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.tcpConns.Add(1)
		}
	}
	s.hs.Start()
	t.Cleanup(s.Close)
	return s
}

// URL is the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.hs.URL }

// APIURL is the Web API base, "http://127.0.0.1:port/api/", for SLACK_API_URL
// and slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.hs.URL + "/api/" }

// ConnectionsAccepted counts the TCP connections the fake has accepted, for
// Web API calls, response_url POSTs and WebSockets alike. A client that
// reuses its HTTP connections keeps it near its concurrency; one that opens a
// connection per call makes it grow with the calls.
func (s *Server) ConnectionsAccepted() int { return int(s.tcpConns.Load()) }

// ResponseURL returns a response_url served by the fake; POSTs to it are
// recorded as ResponseURLPost with that ID.
func (s *Server) ResponseURL(id string) string {
	return s.hs.URL + "/response/" + url.PathEscape(id)
}

// Close closes every socket, stops the pingers and shuts the HTTP server
// down. It is idempotent and is called by t.Cleanup.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closing)
		socks := slices.Clone(s.sockets)
		s.notifyLocked()
		s.mu.Unlock()
		for _, c := range socks {
			c.wmu.Lock()
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "fakeslack closing"),
				time.Now().Add(100*time.Millisecond))
			c.wmu.Unlock()
			_ = c.ws.Close()
		}
		s.wg.Wait()
		s.hs.Close()
	})
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until pred (called with s.mu held) is true.
func (s *Server) wait(timeout time.Duration, pred func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := pred()
		ch := s.changed
		closed := s.closed
		s.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-timer.C:
			return errTimeout
		}
	}
}

var errTimeout = errors.New("timeout")

func (s *Server) timeoutErr(what string, timeout time.Duration) error {
	snap := s.Snapshot()
	return fmt.Errorf("fakeslack: %s: not within %v; %s", what, timeout, snap.summary())
}

// ---------------------------------------------------------------- snapshots

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

// ---------------------------------------------------------------- faults

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

// Handle answers method with h's result (JSON, HTTP 200) instead of the
// built-in behaviour or unknown_method. Auth and faults still apply. h runs
// without the fake's lock held.
func (s *Server) Handle(method string, h func(Call) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[method] = h
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

// ---------------------------------------------------------------- HTTP

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"ok":false,"error":"fakeslack_marshal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type answer struct {
	status int
	body   any
	err    string // Slack error code when body is {"ok":false}
}

func okAnswer(body map[string]any) answer {
	body["ok"] = true
	return answer{status: http.StatusOK, body: body}
}

func errAnswer(code string) answer {
	return answer{status: http.StatusOK, body: map[string]any{"ok": false, "error": code}, err: code}
}

// errAnswerMessages is Slack's answer to bad blocks or a bad view: the code
// and, in response_metadata.messages, what was wrong where (JSON pointers).
func errAnswerMessages(code string, msgs []string) answer {
	a := errAnswer(code)
	if len(msgs) > 0 {
		a.body.(map[string]any)["response_metadata"] = map[string]any{"messages": msgs}
	}
	return a
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
	s.sleep(r, f.Delay)
	if !f.replacesAnswer() {
		return false
	}
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
	return true
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

func readCall(r *http.Request, method string) (Call, error) {
	call := Call{Method: method, At: time.Now(), Form: url.Values{}}
	for k, v := range r.URL.Query() {
		call.Form[k] = v
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return call, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(body) == 0:
	case mt == "application/json" || (mt == "" && body[0] == '{'):
		call.JSON = body
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return call, err
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				call.Form.Set(k, str)
			} else {
				call.Form.Set(k, string(v))
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return call, err
		}
		for k, v := range vals {
			call.Form[k] = append(call.Form[k], v...)
		}
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		call.Token = strings.TrimPrefix(auth, "Bearer ")
	} else {
		call.Token = call.Form.Get("token")
	}
	return call, nil
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	call, err := readCall(r, method)
	if err != nil {
		call.Status, call.Error = http.StatusOK, "invalid_form_data"
		s.record(call)
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	if s.applyFault(w, r, call) {
		return
	}

	want := BotToken
	if method == MethodConnectionsOpen {
		want = AppToken
	}
	var ans answer
	switch {
	case call.Token == "":
		ans = errAnswer("not_authed")
	case call.Token != want:
		ans = errAnswer("invalid_auth")
	default:
		s.mu.Lock()
		h := s.handlers[method]
		s.mu.Unlock()
		if h != nil {
			ans = answer{status: http.StatusOK, body: h(call)}
		} else {
			ans = s.dispatch(method, call)
		}
	}
	call.Status, call.Error = ans.status, ans.err
	s.record(call)
	writeJSON(w, ans.status, ans.body)
}

func firstValues(v url.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// rawJSONParam returns a JSON-valued parameter (blocks, attachments, view) as
// raw JSON; ok is false when it is present but not valid JSON.
// messageParams reads a message's blocks and attachments, as Slack does
// for chat.postMessage and chat.update; bad is the error Slack would
// answer for a malformed one.
func messageParams(f url.Values) (blocks, atts json.RawMessage, bad string) {
	blocks, ok := rawJSONParam(f, "blocks")
	if !ok {
		return nil, nil, "invalid_blocks"
	}
	if atts, ok = rawJSONParam(f, "attachments"); !ok {
		return nil, nil, "invalid_attachments"
	}
	return blocks, atts, ""
}

func rawJSONParam(v url.Values, key string) (json.RawMessage, bool) {
	str := v.Get(key)
	if str == "" {
		return nil, true
	}
	if !json.Valid([]byte(str)) {
		return nil, false
	}
	return json.RawMessage(str), true
}

func (s *Server) nextTSLocked() string {
	s.tsSeq++
	return fmt.Sprintf("%d.%06d", 1700000000+s.tsSeq/10000, (s.tsSeq%10000)*100)
}

func messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"type":    "message",
		"subtype": "bot_message",
		"text":    m.Text,
		"user":    m.User,
		"bot_id":  BotID,
		"ts":      m.TS,
		"team":    TeamID,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.Attachments != nil {
		out["attachments"] = m.Attachments
	}
	if m.Username != "" {
		out["username"] = m.Username
	}
	return out
}

func (s *Server) dispatch(method string, call Call) answer {
	f := call.Form
	switch method {
	case "auth.test":
		return okAnswer(map[string]any{
			"url": "https://fake.slack.com/", "team": "Fake", "user": "resendbot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID,
		})

	case MethodConnectionsOpen:
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return errAnswer("service_unavailable")
		}
		s.ticketSeq++
		ticket := strconv.Itoa(s.ticketSeq)
		s.tickets[ticket] = true
		s.mu.Unlock()
		return okAnswer(map[string]any{
			"url": "ws" + strings.TrimPrefix(s.hs.URL, "http") + "/ws?ticket=" + ticket,
		})

	case "chat.postMessage":
		channel := f.Get("channel")
		if channel == "" {
			return errAnswer("channel_not_found")
		}
		blocks, atts, bad := messageParams(f)
		if bad != "" {
			return errAnswer(bad)
		}
		if f.Get("text") == "" && blocks == nil && atts == nil {
			return errAnswer("no_text")
		}
		if code, msgs := validateMessage(f.Get("text"), blocks); code != "" {
			return errAnswerMessages(code, msgs)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		// chat.postMessage: "not_in_channel — Cannot post user messages to
		// a channel they are not in." (Slack's chat.postMessage errors)
		if !s.isMemberLocked(channel) {
			return errAnswer(notMemberError(channel, "not_in_channel"))
		}
		m := &Message{
			Channel: channel, TS: s.nextTSLocked(), ThreadTS: f.Get("thread_ts"),
			Text: f.Get("text"), Blocks: blocks, Attachments: atts,
			Username: f.Get("username"), User: BotUserID, At: call.At,
			Raw: firstValues(f),
		}
		s.messages = append(s.messages, m)
		return okAnswer(map[string]any{"channel": channel, "ts": m.TS, "message": messageJSON(m)})

	case "chat.update":
		channel, ts := f.Get("channel"), f.Get("ts")
		blocks, atts, bad := messageParams(f)
		if bad != "" {
			return errAnswer(bad)
		}
		if code, msgs := validateMessage(f.Get("text"), blocks); code != "" {
			return errAnswerMessages(code, msgs)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.isMemberLocked(channel) {
			return errAnswer(notMemberError(channel, "not_in_channel"))
		}
		var m *Message
		for _, x := range s.messages {
			if x.Channel == channel && x.TS == ts {
				m = x
			}
		}
		if m == nil {
			return errAnswer("message_not_found")
		}
		if f.Has("text") {
			m.Text = f.Get("text")
		}
		if f.Has("blocks") {
			m.Blocks = blocks
		}
		if f.Has("attachments") {
			m.Attachments = atts
		}
		m.Updates = append(m.Updates, MessageUpdate{Text: m.Text, Blocks: m.Blocks, At: call.At, Raw: firstValues(f)})
		return okAnswer(map[string]any{"channel": channel, "ts": ts, "text": m.Text, "message": messageJSON(m)})

	case "chat.postEphemeral":
		channel, user := f.Get("channel"), f.Get("user")
		if channel == "" {
			return errAnswer("channel_not_found")
		}
		if user == "" {
			return errAnswer("user_not_found")
		}
		blocks, ok := rawJSONParam(f, "blocks")
		if !ok {
			return errAnswer("invalid_blocks")
		}
		if f.Get("text") == "" && blocks == nil && f.Get("attachments") == "" {
			return errAnswer("no_text")
		}
		if code, msgs := validateMessage(f.Get("text"), blocks); code != "" {
			return errAnswerMessages(code, msgs)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		// chat.postEphemeral where the app is not in the conversation: Slack
		// answers channel_not_found ("Value passed for channel was
		// invalid.") — the app cannot see the conversation.
		if !s.isMemberLocked(channel) {
			return errAnswer("channel_not_found")
		}
		e := Ephemeral{
			Channel: channel, User: user, ThreadTS: f.Get("thread_ts"), Text: f.Get("text"),
			Blocks: blocks, MessageTS: s.nextTSLocked(), At: call.At, Raw: firstValues(f),
		}
		s.ephemerals = append(s.ephemerals, e)
		return okAnswer(map[string]any{"message_ts": e.MessageTS})

	case "views.open", "views.update", "views.publish", "views.push":
		return s.dispatchView(method, call)
	}
	return errAnswer("unknown_method")
}

func (s *Server) dispatchView(method string, call Call) answer {
	f := call.Form
	raw := f.Get("view")
	var view map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &view) != nil {
		return errAnswerMessages("invalid_arguments", []string{"[ERROR] must be a valid JSON object [json-pointer:/view]"})
	}
	if len(raw) > maxViewBytes {
		return errAnswer("view_too_large")
	}
	if msgs := validateView(view); msgs != nil {
		return errAnswerMessages("invalid_arguments", msgs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *viewState
	switch method {
	case "views.open", "views.push":
		if code := s.exchangeTriggerLocked(f.Get("trigger_id"), call.At); code != "" {
			return errAnswer(code)
		}
	case "views.publish":
		if f.Get("user_id") == "" {
			return errAnswer("user_not_found")
		}
	case "views.update":
		if id := f.Get("view_id"); id != "" {
			st = s.viewStates[id]
		} else if ext := f.Get("external_id"); ext != "" {
			for _, v := range s.viewStates {
				if v.externalID == ext {
					st = v
				}
			}
		}
		if st == nil {
			return errAnswer("not_found")
		}
	}
	if st == nil {
		s.viewSeq++
		st = &viewState{id: "V" + strconv.Itoa(s.viewSeq)}
		s.viewStates[st.id] = st
	}
	if ext, ok := view["external_id"].(string); ok && ext != "" {
		st.externalID = ext
	}
	st.hashSeq++
	hash := fmt.Sprintf("%s.%d", st.id, st.hashSeq)
	view["id"], view["team_id"], view["app_id"], view["bot_id"], view["hash"] = st.id, TeamID, AppID, BotID, hash
	if _, ok := view["state"]; !ok {
		view["state"] = map[string]any{"values": map[string]any{}}
	}
	s.views = append(s.views, View{
		Method: method, ID: st.id, TriggerID: f.Get("trigger_id"), UserID: f.Get("user_id"),
		ExternalID: st.externalID, Hash: f.Get("hash"), View: json.RawMessage(raw), At: call.At,
	})
	return okAnswer(map[string]any{"view": view})
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/response/"))
	call, err := readCall(r, MethodResponseURL)
	call.Form.Set("id", id)
	if s.applyFault(w, r, call) {
		return
	}
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err != nil || r.Method != http.MethodPost || call.JSON == nil || json.Unmarshal(call.JSON, &body) != nil {
		call.Status, call.Error = http.StatusBadRequest, "invalid_payload"
		s.record(call)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if string(body.Blocks) == "null" {
		body.Blocks = nil
	}
	if code, msgs := validateMessage(body.Text, body.Blocks); code != "" {
		// A response_url refuses bad blocks as chat.postMessage does.
		ans := errAnswerMessages(code, msgs)
		call.Status, call.Error = ans.status, ans.err
		s.record(call)
		writeJSON(w, ans.status, ans.body)
		return
	}
	call.Status = http.StatusOK
	s.mu.Lock()
	s.responses = append(s.responses, ResponseURLPost{
		ID: id, Text: body.Text, Blocks: body.Blocks, ResponseType: body.ResponseType,
		ReplaceOriginal: body.ReplaceOriginal, DeleteOriginal: body.DeleteOriginal,
		ThreadTS: body.ThreadTS, Body: call.JSON, At: call.At,
	})
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()
	// Slack answers a response_url with a plain "ok"; slack-go's
	// MsgOptionResponseURL parser insists on exactly that for text bodies.
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}

// ---------------------------------------------------------------- Socket Mode

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	if !s.tickets[ticket] {
		s.mu.Unlock()
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	delete(s.tickets, ticket)
	s.wg.Add(1) // Close waits for this handler once it owns a socket
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.socketSeq++
	c := &socket{id: s.socketSeq, ws: ws, done: make(chan struct{})}
	numConns := len(s.openSocketsLocked()) + 1
	s.mu.Unlock()
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": numConns,
		"debug_info":      map[string]any{"host": "fake", "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": AppID},
	})
	// hello goes out before the socket is visible to Send, so it is always
	// the first frame.
	if err := c.write(hello); err != nil {
		_ = ws.Close()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.sockets = append(s.sockets, c)
	s.socketsOpened++
	if s.cfg.pingInterval > 0 {
		s.wg.Add(1)
		go s.pinger(c)
	}
	s.notifyLocked()
	s.mu.Unlock()

	s.readLoop(c)

	s.mu.Lock()
	c.removed = true
	s.sockets = slices.DeleteFunc(s.sockets, func(x *socket) bool { return x == c })
	s.notifyLocked()
	s.mu.Unlock()
	close(c.done)
	_ = ws.Close()
}

func (s *Server) pinger(c *socket) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-s.closing:
			return
		case <-t.C:
			_ = c.ping()
		}
	}
}

func (s *Server) readLoop(c *socket) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		var a struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		s.mu.Lock()
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			s.badFrames = append(s.badFrames, data)
			s.mu.Unlock()
			continue
		}
		if string(a.Payload) == "null" {
			a.Payload = nil
		}
		s.acks = append(s.acks, Ack{EnvelopeID: a.EnvelopeID, Payload: a.Payload, At: now, SentAt: s.sent[a.EnvelopeID], Socket: c.id})
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// BadFrames returns frames read from sockets that were not acks.
func (s *Server) BadFrames() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(s.badFrames))
	for i, b := range s.badFrames {
		out[i] = slices.Clone(b)
	}
	return out
}

func (s *Server) newEnvelopeIDLocked() string {
	s.envSeq++
	return fmt.Sprintf("env-%06d-fake", s.envSeq)
}

// pickSocket waits (up to the send wait) for open socket number idx.
func (s *Server) pickSocket(idx int) (*socket, error) {
	var c *socket
	err := s.wait(s.cfg.sendWait, func() bool {
		open := s.openSocketsLocked()
		if idx >= 0 && idx < len(open) {
			c = open[idx]
			return true
		}
		return false
	})
	return c, err
}

// Send writes an envelope on open socket env.Conn (waiting up to the send
// wait for it to exist; the test fails otherwise) and returns its envelope ID.
// Sending an envelope ID again is a redelivery.
func (s *Server) Send(env Envelope) string {
	s.t.Helper()
	if env.EnvelopeID == "" {
		s.mu.Lock()
		env.EnvelopeID = s.newEnvelopeIDLocked()
		s.mu.Unlock()
	}
	c, err := s.pickSocket(env.Conn)
	if err != nil {
		s.t.Errorf("fakeslack: cannot deliver %s envelope %s: no open socket #%d within %v (%v)",
			env.Type, env.EnvelopeID, env.Conn, s.cfg.sendWait, err)
		return env.EnvelopeID
	}
	if env.Payload == nil {
		env.Payload = json.RawMessage("{}")
	}
	data, err := json.Marshal(wireEnvelope{
		Type: env.Type, EnvelopeID: env.EnvelopeID, Payload: env.Payload,
		AcceptsResponsePayload: env.AcceptsResponsePayload,
		RetryAttempt:           env.RetryAttempt, RetryReason: env.RetryReason,
	})
	if err != nil {
		s.t.Errorf("fakeslack: envelope %s: %v", env.EnvelopeID, err)
		return env.EnvelopeID
	}
	env.Payload = cloneRaw(env.Payload)
	env.Socket = c.id
	env.SentAt = time.Now()
	var head struct {
		TriggerID string `json:"trigger_id"`
	}
	_ = json.Unmarshal(env.Payload, &head)
	s.mu.Lock()
	s.sent[env.EnvelopeID] = env.SentAt
	if head.TriggerID != "" {
		if _, ok := s.triggers[head.TriggerID]; !ok {
			s.triggers[head.TriggerID] = env.SentAt // a redelivery does not renew it
		}
	}
	s.envelopes = append(s.envelopes, env)
	s.notifyLocked()
	s.mu.Unlock()
	if err := c.write(data); err != nil {
		s.t.Errorf("fakeslack: writing %s envelope %s to socket %d: %v", env.Type, env.EnvelopeID, c.id, err)
	}
	return env.EnvelopeID
}

// Redeliver sends the last envelope with that ID again, with retry_attempt
// one higher and retry_reason "timeout", on open socket conn.
func (s *Server) Redeliver(envelopeID string, conn int) {
	s.t.Helper()
	env, ok := s.Envelope(envelopeID)
	if !ok {
		s.t.Errorf("fakeslack: Redeliver: envelope %s was never sent", envelopeID)
		return
	}
	env.RetryAttempt++
	env.RetryReason = "timeout"
	env.Conn = conn
	s.Send(env)
}

func marshalPayload(v any) (json.RawMessage, error) {
	switch p := v.(type) {
	case json.RawMessage:
		return p, nil
	case []byte:
		return p, nil
	case string:
		return json.RawMessage(p), nil
	}
	return json.Marshal(v)
}

// SlashCommandPayload builds the payload Slack sends for a slash command (as
// SlashCommand does, for an envelope with ID envelopeID).
func (s *Server) SlashCommandPayload(c SlashCommand, envelopeID string) json.RawMessage {
	if c.Command == "" {
		c.Command = "/resend"
	}
	if c.UserName == "" {
		c.UserName = strings.ToLower(c.UserID)
	}
	if c.ChannelName == "" {
		c.ChannelName = "general"
	}
	if c.TriggerID == "" {
		c.TriggerID = "trigger-" + envelopeID
	}
	b, _ := json.Marshal(map[string]string{
		"token":                 VerificationToken,
		"team_id":               TeamID,
		"team_domain":           "fake",
		"channel_id":            c.ChannelID,
		"channel_name":          c.ChannelName,
		"user_id":               c.UserID,
		"user_name":             c.UserName,
		"command":               c.Command,
		"text":                  c.Text,
		"api_app_id":            AppID,
		"is_enterprise_install": "false",
		"response_url":          s.ResponseURL(envelopeID),
		"trigger_id":            c.TriggerID,
	})
	return b
}

// SlashCommand delivers a slash command (envelope type "slash_commands",
// accepts_response_payload true) and returns its envelope ID. Its
// response_url is s.ResponseURL(envelopeID).
func (s *Server) SlashCommand(c SlashCommand) string {
	s.t.Helper()
	id := c.EnvelopeID
	if id == "" {
		s.mu.Lock()
		id = s.newEnvelopeIDLocked()
		s.mu.Unlock()
	}
	return s.Send(Envelope{
		Type: "slash_commands", EnvelopeID: id, Payload: s.SlashCommandPayload(c, id),
		AcceptsResponsePayload: true, Conn: c.Conn,
	})
}

// Interactive delivers an "interactive" envelope with payload (a
// slack.InteractionCallback-shaped value, or raw JSON as json.RawMessage,
// []byte or string) on open socket conn and returns its envelope ID.
// accepts_response_payload is true for view_submission and block_suggestion.
func (s *Server) Interactive(payload any, conn int) string {
	s.t.Helper()
	raw, err := marshalPayload(payload)
	if err != nil {
		s.t.Errorf("fakeslack: Interactive payload: %v", err)
		return ""
	}
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &head)
	return s.Send(Envelope{
		Type: "interactive", Payload: raw, Conn: conn,
		AcceptsResponsePayload: head.Type == "view_submission" || head.Type == "block_suggestion",
	})
}

// EventsAPI delivers an "events_api" envelope wrapping event (the inner event
// object, e.g. an app_mention) in an event_callback and returns its envelope ID.
func (s *Server) EventsAPI(event any, opts EventOpts) string {
	s.t.Helper()
	raw, err := marshalPayload(event)
	if err != nil {
		s.t.Errorf("fakeslack: EventsAPI event: %v", err)
		return ""
	}
	var head struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &head)
	if (head.Type == "app_mention" || head.Type == "message") && !deliverable(head.Text) {
		// Slack escapes &, < and > in message text and writes only its own
		// markup between < and >; build such text with Mention/TypedText.
		s.t.Errorf("fakeslack: EventsAPI %s text %q is not what Slack delivers (unescaped &, < or >); use fakeslack.Mention or TypedText", head.Type, head.Text)
	}
	s.mu.Lock()
	if opts.EventID == "" {
		s.eventSeq++
		opts.EventID = fmt.Sprintf("Ev%08d", s.eventSeq)
	}
	if opts.EnvelopeID == "" {
		opts.EnvelopeID = s.newEnvelopeIDLocked()
	}
	s.mu.Unlock()
	payload, _ := json.Marshal(map[string]any{
		"token":      VerificationToken,
		"team_id":    TeamID,
		"api_app_id": AppID,
		"event":      raw,
		"type":       "event_callback",
		"event_id":   opts.EventID,
		"event_time": time.Now().Unix(),
		"authorizations": []map[string]any{
			{"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false},
		},
		"is_ext_shared_channel": false,
	})
	env := Envelope{Type: "events_api", EnvelopeID: opts.EnvelopeID, Payload: payload, Conn: opts.Conn, RetryAttempt: opts.RetryAttempt}
	if opts.RetryAttempt > 0 {
		env.RetryReason = "timeout"
	}
	return s.Send(env)
}

// Disconnect sends {"type":"disconnect","reason":reason} on every open
// socket. Those sockets stop counting as open (WaitConnected, Conn indexes)
// at once, though they stay up until the client closes them; acks still
// arriving on them are recorded.
func (s *Server) Disconnect(reason string) {
	msg, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "fake"},
	})
	s.mu.Lock()
	socks := s.openSocketsLocked()
	for _, c := range socks {
		c.draining = true
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range socks {
		_ = c.write(msg) // a socket closing meanwhile is fine
	}
}

// DropConnections closes every socket's TCP connection without a close frame.
func (s *Server) DropConnections() {
	s.mu.Lock()
	socks := slices.Clone(s.sockets)
	for _, c := range socks {
		c.removed = true
	}
	s.sockets = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range socks {
		_ = c.ws.Close()
	}
}
