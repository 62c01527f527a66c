// Package fakeslack is an in-process fake of the parts of Slack that resendbot
// talks to: the Socket Mode WebSocket (apps.connections.open + the socket
// itself), a handful of Web API methods (auth.test, chat.*, views.*,
// usergroups.list, usergroups.users.list, users.info, functions.complete*)
// and response_url endpoints, and a workflow's custom step (function_executed). It
// listens on 127.0.0.1 only and speaks the wire
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
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
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
	channels      map[string]Channel   // SetChannel; conversations.info
	triggers      map[string]time.Time // trigger_id -> when its envelope was sent
	usedTriggers  map[string]bool      // trigger_ids views.open/push exchanged
	triggerTTL    time.Duration

	// User groups (usergroups.go).
	userGroups        map[string]*UserGroup
	userGroupsRefusal string   // SetUserGroupsUnavailable
	userCountStrings  bool     // SetUserGroupCountsAsStrings
	deltaStrings      bool     // SetSubteamCountsAsStrings
	scopes            []string // the bot token's; SetScopes
	botTokenRevoked   string   // RevokeBotToken
	eventTSSeq        int

	// Custom steps (functions.go).
	executions  map[string]*execution // by function_execution_id
	completions []FunctionCompletion
	// People (users.go).
	users      map[string]*User
	noUsers    map[string]bool // RemoveUser
	enterprise string          // SetEnterprise

	tcpConns atomic.Int64 // TCP connections accepted, for ConnectionsAccepted

	// Threads and posting limits (strict.go, postlimit.go).
	threads     map[string]bool // channel+"/"+thread_ts of threads that exist; see threadExistsLocked
	postLimit   *PostLimit      // LimitPosts; nil: none
	postBuckets map[string]*postBucket
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
		threads:      map[string]bool{},
		postBuckets:  map[string]*postBucket{},
		channels:     map[string]Channel{},
		triggers:     map[string]time.Time{},
		usedTriggers: map[string]bool{},
		triggerTTL:   DefaultTriggerTTL,
		userGroups:   map[string]*UserGroup{},
		executions:   map[string]*execution{},
		users:        map[string]*User{},
		noUsers:      map[string]bool{},
		scopes:       slices.Clone(DefaultBotScopes),
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
