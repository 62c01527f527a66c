package fakeslack

import (
	"regexp"
	"strings"
	"time"
)

// DefaultTriggerTTL is how long a trigger_id stays usable after the envelope
// that carried it was sent. Slack: "Triggers expire in three seconds. Use
// them before you lose them." (Slack's modals documentation, "Opening
// modals"); views.open errors: "expired_trigger_id — The trigger_id has
// expired", "exchanged_trigger_id — The trigger_id was already exchanged in
// a previous call", "invalid_trigger_id — The trigger_id was invalid".
const DefaultTriggerTTL = 3 * time.Second

// maxViewBytes: views.open "view_too_large — Error returned if the provided
// view is greater than 250kb."
const maxViewBytes = 250 << 10

// SetTriggerTTL changes how long trigger_ids stay usable (default
// DefaultTriggerTTL), so that a test can expire them without sleeping
// (e.g. SetTriggerTTL(0): every trigger is already expired).
func (s *Server) SetTriggerTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggerTTL = d
}

// exchangeTriggerLocked uses up trigger id at now, returning the error
// Slack answers views.open/push with, or "" when it may be used.
func (s *Server) exchangeTriggerLocked(id string, now time.Time) string {
	sent, ok := s.triggers[id]
	switch {
	case !ok:
		return "invalid_trigger_id"
	case s.usedTriggers[id]:
		return "exchanged_trigger_id"
	case now.Sub(sent) >= s.triggerTTL:
		return "expired_trigger_id"
	}
	s.usedTriggers[id] = true
	return ""
}

// SetMember makes the bot a member (or not) of channel. By default the bot
// is a member of every channel (C…, G…) and of the DM a user ID (U…, W…)
// names, and of no D… conversation: a slash command or shortcut used in a DM
// between people comes from a conversation the app is not in, as on Slack.
// Where the bot is not a member, chat.postMessage and chat.update answer
// not_in_channel (channel_not_found for a D… conversation) and
// chat.postEphemeral channel_not_found.
func (s *Server) SetMember(channel string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[channel] = member
}

func (s *Server) isMemberLocked(channel string) bool {
	if m, ok := s.members[channel]; ok {
		return m
	}
	return !strings.HasPrefix(channel, "D")
}

// notMemberError is what chat.postMessage/chat.update answer in a
// conversation the bot is not in: Slack does not show an app a DM it is not
// part of ("channel_not_found — Value passed for channel was invalid"), and
// answers not_in_channel for a channel it can see but is not in.
func notMemberError(channel, inChannel string) string {
	if strings.HasPrefix(channel, "D") {
		return "channel_not_found"
	}
	return inChannel
}

// RateLimited is the fault Slack answers a Web API call over its rate limit
// with: "HTTP 429 Too Many Requests … a Retry-After HTTP header containing
// the number of seconds until you can retry" and the body
// {"ok":false,"error":"ratelimited"} (Slack's rate limits documentation;
// chat.postEphemeral errors: "ratelimited — The request has been
// ratelimited. Refer to the Retry-After header for when to retry the
// request."). slack-go turns it into *slack.RateLimitedError.
func RateLimited(retryAfter int) Fault {
	if retryAfter < 1 {
		retryAfter = 1
	}
	return Fault{HTTPStatus: 429, RetryAfter: retryAfter, SlackError: "ratelimited"}
}

// RateLimitedBody is the other form Slack uses: HTTP 200 with
// {"ok":false,"error":"ratelimited"} in the body (and Retry-After when
// retryAfter > 0), as chat.postMessage answers past its per-channel limit.
// slack-go returns it as a plain slack.SlackErrorResponse "ratelimited".
func RateLimitedBody(retryAfter int) Fault {
	return Fault{HTTPStatus: 200, RetryAfter: retryAfter, SlackError: "ratelimited"}
}

// EscapeText escapes &, < and > as Slack does in the text of every message
// it delivers: "& replaced with &amp;, < replaced with &lt;, > replaced
// with &gt;" (Slack's "Formatting text for app surfaces", escaping text).
func EscapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var typedToken = regexp.MustCompile(`@[UW][A-Z0-9]{2,}\b|#C[A-Z0-9]{2,}\b|https?://[^\s<>]+|[^\s<>@]+@[^\s<>@]+\.[A-Za-z]{2,}`)

// TypedText returns the text of a message event as Slack delivers it when a
// user typed typed: "@U123" (a picked mention) becomes "<@U123>", "#C123"
// becomes "<#C123>", a URL "<https://…>", an email address
// "<mailto:a@b.c|a@b.c>", and everything else is entity-escaped (see
// EscapeText), inside the markup too. Mention builds on it.
func TypedText(typed string) string {
	var b strings.Builder
	last := 0
	for _, loc := range typedToken.FindAllStringIndex(typed, -1) {
		b.WriteString(EscapeText(typed[last:loc[0]]))
		tok := typed[loc[0]:loc[1]]
		switch {
		case tok[0] == '@' || tok[0] == '#':
			b.WriteString("<" + tok + ">")
		case strings.HasPrefix(tok, "http"):
			b.WriteString("<" + EscapeText(tok) + ">")
		default:
			e := EscapeText(tok)
			b.WriteString("<mailto:" + e + "|" + e + ">")
		}
		last = loc[1]
	}
	b.WriteString(EscapeText(typed[last:]))
	return b.String()
}

// Mention returns the text of an app_mention event for a user who typed
// "@resendbot " followed by typed: "<@UBOT> " + TypedText(typed).
func Mention(typed string) string {
	return "<@" + BotUserID + "> " + TypedText(typed)
}

// slackMarkup matches what Slack itself writes between < and > in message
// text: mentions, channels, special mentions and links.
var slackMarkup = regexp.MustCompile(`^<(?:[@#][A-Z0-9]+(?:\|[^<>]*)?|![a-z^][^<>]*|(?:https?|mailto|tel):[^<>]*)>`)

// deliverable reports whether text could be the text of a message event as
// Slack sends it: no raw '<' or '>' outside Slack's own markup and no '&'
// that is not &amp;, &lt; or &gt;.
func deliverable(text string) bool {
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '<':
			m := slackMarkup.FindString(text[i:])
			if m == "" {
				return false
			}
			i += len(m) - 1
		case '>':
			return false
		case '&':
			r := text[i:]
			if !strings.HasPrefix(r, "&amp;") && !strings.HasPrefix(r, "&lt;") && !strings.HasPrefix(r, "&gt;") {
				return false
			}
		}
	}
	return true
}

// IssueTrigger makes id a trigger_id handed out now, as if an envelope the
// fake sent had carried it (SlashCommand and Interactive payloads register
// theirs when sent).
func (s *Server) IssueTrigger(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggers[id] = time.Now()
	delete(s.usedTriggers, id)
}

// SetThread records that the thread of the message at ts in channel
// exists (someone replied to it). A reply the bot posts and a message event
// the fake delivers with thread_ts record theirs; a top-level message has
// no thread until then.
func (s *Server) SetThread(channel, ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.threads[channel+"/"+ts] = true
}

// threadExistsLocked: chat.postEphemeral's thread_ts "Provide another
// message's ts value to post this message in a thread. … Ephemeral messages
// in threads are only shown if there is already an active thread."
func (s *Server) threadExistsLocked(channel, ts string) bool {
	return s.threads[channel+"/"+ts]
}
