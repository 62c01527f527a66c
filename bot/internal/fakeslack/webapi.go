package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type viewState struct {
	id, externalID string
	hashSeq        int
}

// Handle answers method with h's result (JSON, HTTP 200) instead of the
// built-in behaviour or unknown_method. Auth (the token, and the scope of
// the methods SetScopes governs) and faults still apply. h runs without the
// fake's lock held.
func (s *Server) Handle(method string, h func(Call) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[method] = h
}

// RevokeBotToken makes Slack refuse BotToken from now on, as it does once
// the app is uninstalled or its token revoked: every Web API call with it
// answers HTTP 200 {"ok":false,"error":code} (token_revoked,
// account_inactive or invalid_auth; "" accepts the token again). The app
// token, Socket Mode and response_url posts go on working.
func (s *Server) RevokeBotToken(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botTokenRevoked = code
}

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
	if f, over := s.overPostLimit(call); over {
		s.writeFault(w, call, f)
		return
	}
	ans := s.answerOf(call)
	call.Status, call.Error = ans.status, ans.err
	s.record(call)
	writeJSON(w, ans.status, ans.body)
}

// answerOf is the fake's answer to call, having done what it asks.
func (s *Server) answerOf(call Call) answer {
	method := call.Method
	want := BotToken
	if method == MethodConnectionsOpen {
		want = AppToken
	}
	s.mu.Lock()
	revoked := s.botTokenRevoked
	s.mu.Unlock()
	var ans answer
	switch {
	case call.Token == "":
		ans = errAnswer("not_authed")
	case call.Token != want:
		ans = errAnswer("invalid_auth")
	case revoked != "" && call.Token == BotToken:
		ans = errAnswer(revoked)
	default:
		if a, missing := s.scopeAnswer(method); missing {
			ans = a
			break
		}
		s.mu.Lock()
		h := s.handlers[method]
		s.mu.Unlock()
		if h != nil {
			ans = answer{status: http.StatusOK, body: h(call)}
		} else {
			ans = s.dispatch(method, call)
		}
	}
	return ans
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
		return s.authTest()

	case MethodUsersInfo:
		return s.usersInfo(call)

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
		if m.ThreadTS != "" {
			s.threads[channel+"/"+m.ThreadTS] = true // a reply starts the thread
		}
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
		e.Hidden = e.ThreadTS != "" && !s.threadExistsLocked(channel, e.ThreadTS)
		s.ephemerals = append(s.ephemerals, e)
		return okAnswer(map[string]any{"message_ts": e.MessageTS})

	case "chat.getPermalink":
		return s.permalink(call)

	case MethodCompleteSuccess, MethodCompleteError:
		return s.dispatchFunction(method, call)

	case MethodUserGroupsList, MethodUserGroupsUsersList:
		return s.dispatchUserGroups(method, call)

	case "views.open", "views.update", "views.publish", "views.push":
		return s.dispatchView(method, call)

	case "conversations.info":
		return s.conversationsInfo(call)
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
