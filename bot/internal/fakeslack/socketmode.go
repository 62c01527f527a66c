package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

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
	raw = withUserTeam(raw)
	return s.Send(Envelope{
		Type: "interactive", Payload: raw, Conn: conn,
		AcceptsResponsePayload: head.Type == "view_submission" || head.Type == "block_suggestion",
	})
}

// withUserTeam fills in what Slack always sends of the person in an
// interaction payload and a test may leave out: their own workspace,
// user.team_id (TeamID), and the payload's team. A payload that is not an
// object, or already says, is sent as it is.
func withUserTeam(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var p map[string]any
	if dec.Decode(&p) != nil {
		return raw
	}
	user, ok := p["user"].(map[string]any)
	if !ok {
		return raw
	}
	if _, ok := user["team_id"]; !ok {
		user["team_id"] = TeamID
	}
	if _, ok := p["team"]; !ok {
		p["team"] = map[string]any{"id": TeamID, "domain": "fake"}
	}
	out, err := json.Marshal(p)
	if err != nil {
		return raw
	}
	return out
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
		Type     string `json:"type"`
		Text     string `json:"text"`
		Channel  string `json:"channel"`
		ThreadTS string `json:"thread_ts"`
	}
	_ = json.Unmarshal(raw, &head)
	if head.ThreadTS != "" && head.Channel != "" {
		// A message written in a thread: that thread exists.
		s.SetThread(head.Channel, head.ThreadTS)
	}
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
