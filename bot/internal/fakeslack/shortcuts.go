package fakeslack

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MessageShortcut is a press of a message shortcut (a "message_action"
// interaction) on Message, a message in ChannelID.
type MessageShortcut struct {
	CallbackID string
	UserID     string
	ChannelID  string
	// Message is the message the shortcut was used on, as Slack sends it
	// in the payload ("This will include the full structure of the
	// message"): type, user, ts, text, and thread_ts, attachments and
	// blocks where it has them. Text must be as Slack delivers it (see
	// TypedText).
	Message map[string]any
	Conn    int

	// Optional.
	TriggerID  string // default "trigger-<envelope id>"
	EnvelopeID string // default: a fresh ID
}

// GlobalShortcut is a use of a global shortcut (a "shortcut" interaction):
// it carries no channel, no message and no response_url.
type GlobalShortcut struct {
	CallbackID string
	UserID     string
	Conn       int

	TriggerID  string // default "trigger-<envelope id>"
	EnvelopeID string // default: a fresh ID
}

// MessageShortcut delivers a message shortcut as Slack's shortcut payload
// reference describes it: type "message_action", callback_id, trigger_id,
// response_url ("only be included for message shortcuts"), user, channel,
// message, message_ts, team, action_ts and the deprecated token. It
// returns the envelope ID; the response_url is s.ResponseURL(envelopeID).
func (s *Server) MessageShortcut(m MessageShortcut) string {
	s.t.Helper()
	id := s.envelopeID(m.EnvelopeID)
	if text, _ := m.Message["text"].(string); !deliverable(text) {
		s.t.Errorf("fakeslack: MessageShortcut message text %q is not what Slack delivers; use TypedText", text)
	}
	ts, _ := m.Message["ts"].(string)
	if ts == "" {
		s.t.Errorf("fakeslack: MessageShortcut message without ts: Slack's messages always have one")
	}
	payload := s.shortcutPayload("message_action", m.CallbackID, m.UserID, triggerOr(m.TriggerID, id))
	payload["response_url"] = s.ResponseURL(id)
	// A message shortcut's user has its name too (the reference's example:
	// {"id", "name"}; username and team_id come with an org-ready app's).
	payload["user"].(map[string]any)["name"] = strings.ToLower(m.UserID)
	payload["channel"] = map[string]any{"id": m.ChannelID, "name": "general"}
	payload["message"] = m.Message
	payload["message_ts"] = ts
	return s.Send(Envelope{Type: "interactive", EnvelopeID: id, Payload: mustJSON(payload), Conn: m.Conn})
}

// GlobalShortcut delivers a global shortcut: type "shortcut", callback_id,
// trigger_id, user, team, action_ts and token, and nothing else.
func (s *Server) GlobalShortcut(g GlobalShortcut) string {
	s.t.Helper()
	id := s.envelopeID(g.EnvelopeID)
	payload := s.shortcutPayload("shortcut", g.CallbackID, g.UserID, triggerOr(g.TriggerID, id))
	return s.Send(Envelope{Type: "interactive", EnvelopeID: id, Payload: mustJSON(payload), Conn: g.Conn})
}

func (s *Server) shortcutPayload(typ, callbackID, user, trigger string) map[string]any {
	return map[string]any{
		"type":                  typ,
		"token":                 VerificationToken,
		"action_ts":             fmt.Sprintf("%d.000100", time.Now().Unix()),
		"team":                  map[string]any{"id": TeamID, "domain": "fake"},
		"user":                  map[string]any{"id": user, "username": strings.ToLower(user), "team_id": TeamID},
		"is_enterprise_install": false,
		"enterprise":            nil,
		"callback_id":           callbackID,
		"trigger_id":            trigger,
	}
}

func (s *Server) envelopeID(id string) string {
	if id != "" {
		return id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newEnvelopeIDLocked()
}

func triggerOr(trigger, envelopeID string) string {
	if trigger != "" {
		return trigger
	}
	return "trigger-" + envelopeID
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Channel is what conversations.info says of a channel besides whether
// the bot is in it (SetMember).
type Channel struct {
	Private bool // a private channel: the bot sees it only as a member
	// Shared with another organisation (Slack Connect), or about to be.
	ExtShared, PendingExtShared bool
	// Shared between workspaces; OrgShared: of the same Enterprise Grid.
	Shared, OrgShared bool
}

// SetChannel sets what conversations.info answers for channel; by
// default a channel is public, of this workspace alone.
func (s *Server) SetChannel(channel string, c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[channel] = c
}

// Scopes conversations.info needs: "channels:read" for public channels,
// "groups:read" for private ones (conversations.info reference, bot
// scopes; im:read and mpim:read for DMs, which the bot does not ask for).
const (
	ScopeChannelsRead = "channels:read"
	ScopeGroupsRead   = "groups:read"
)

// conversationsInfo answers conversations.info as Slack does for a bot
// token: channel_not_found ("Value passed for channel was invalid") for a
// conversation the bot cannot see (a private channel or DM it is not in);
// otherwise the conversation object, with is_member, is_private and the
// is_*shared flags; missing_scope without the scope the conversation's
// kind needs.
func (s *Server) conversationsInfo(call Call) answer {
	channel := call.Form.Get("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channel]
	member := s.isMemberLocked(channel)
	im := strings.HasPrefix(channel, "D")
	if channel == "" || (c.Private || im) && !member {
		return errAnswer("channel_not_found")
	}
	need := ScopeChannelsRead
	if c.Private {
		need = ScopeGroupsRead
	}
	if !im && !slices.Contains(s.scopes, need) {
		a := errAnswer("missing_scope")
		body := a.body.(map[string]any)
		body["needed"], body["provided"] = need, strings.Join(s.scopes, ",")
		return a
	}
	return okAnswer(map[string]any{"channel": map[string]any{
		"id": channel, "name": strings.ToLower(channel), "is_channel": !im && !c.Private, "is_group": c.Private,
		"is_im": im, "is_mpim": false, "is_private": c.Private || im, "is_archived": false,
		"is_shared": c.Shared || c.ExtShared, "is_ext_shared": c.ExtShared, "is_org_shared": c.OrgShared,
		"is_pending_ext_shared": c.PendingExtShared, "is_member": member, "context_team_id": TeamID,
	}})
}

// SubmitView submits the modal last opened (or updated) as viewID, as user
// pressing its submit button, and returns the envelope ID. values are by
// block_id: the text typed in a plain_text_input, the value of the option
// chosen in a static_select, the conversation picked in a
// conversations_select; a block not in values keeps what the view started
// with (initial_value, initial_option), as in Slack. What Slack's client
// cannot send fails the test: a value for a block the view does not have,
// an option not among a select's options, an empty required field, or a
// view with no submit button.
func (s *Server) SubmitView(viewID, user string, values map[string]string) string {
	s.t.Helper()
	var raw json.RawMessage
	for _, v := range s.Views() {
		if v.ID == viewID {
			raw = v.View
		}
	}
	var view map[string]any
	if raw == nil || json.Unmarshal(raw, &view) != nil {
		s.t.Errorf("fakeslack: SubmitView: no view %s was opened", viewID)
		return ""
	}
	if _, ok := view["submit"]; !ok {
		s.t.Errorf("fakeslack: SubmitView: view %s has no submit button", viewID)
	}
	state := map[string]any{}
	seen := map[string]bool{}
	blocks, _ := view["blocks"].([]any)
	for _, x := range blocks {
		b, _ := x.(map[string]any)
		id, _ := b["block_id"].(string)
		el, _ := b["element"].(map[string]any)
		if b["type"] != "input" || el == nil {
			continue
		}
		seen[id] = true
		v, given := values[id]
		entry, ok := submittedValue(el, v, given)
		if !ok {
			s.t.Errorf("fakeslack: SubmitView: block %s cannot hold %q", id, v)
		}
		if optional, _ := b["optional"].(bool); !optional && isEmptyState(entry) {
			s.t.Errorf("fakeslack: SubmitView: required block %s is empty: Slack's client does not submit it", id)
		}
		action, _ := el["action_id"].(string)
		state[id] = map[string]any{action: entry}
	}
	for id := range values {
		if !seen[id] {
			s.t.Errorf("fakeslack: SubmitView: view %s has no input block %s", viewID, id)
		}
	}
	view["id"], view["team_id"], view["app_id"], view["bot_id"] = viewID, TeamID, AppID, BotID
	view["state"] = map[string]any{"values": state}
	payload := map[string]any{
		"type": "view_submission", "token": VerificationToken, "api_app_id": AppID,
		"team": map[string]any{"id": TeamID, "domain": "fake"},
		"user": map[string]any{"id": user, "username": strings.ToLower(user), "team_id": TeamID},
		"view": view, "response_urls": []any{}, "is_enterprise_install": false,
	}
	return s.Send(Envelope{Type: "interactive", Payload: mustJSON(payload), AcceptsResponsePayload: true})
}

// submittedValue is an input element's entry in a view's state, as Slack
// sends it: with v when given, else with the element's initial value; ok
// is false when the element cannot hold v.
func submittedValue(el map[string]any, v string, given bool) (map[string]any, bool) {
	typ, _ := el["type"].(string)
	entry := map[string]any{"type": typ}
	switch typ {
	case "plain_text_input":
		if !given {
			v, _ = el["initial_value"].(string)
		}
		entry["value"] = nil
		if v != "" {
			entry["value"] = v
		}
		return entry, true
	case "static_select":
		entry["selected_option"] = nil
		if !given {
			entry["selected_option"] = el["initial_option"]
			return entry, true
		}
		options, _ := el["options"].([]any)
		for _, o := range options {
			if om, _ := o.(map[string]any); om["value"] == v {
				entry["selected_option"] = om
				return entry, true
			}
		}
		return entry, v == ""
	case "conversations_select":
		entry["selected_conversation"] = nil
		if given && v != "" {
			entry["selected_conversation"] = v
		}
		return entry, true
	}
	return entry, !given
}

func isEmptyState(entry map[string]any) bool {
	for k, v := range entry {
		if k != "type" && v != nil {
			return false
		}
	}
	return true
}
