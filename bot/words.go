package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// outcome is what Front Payment's answer means for the people in the
// channel. outcomeOf is the one place an answer is put into words.
type outcome struct {
	kind     frontpay.Kind
	timedOut bool   // KindUnreachable because no answer came in time
	status   int    // HTTP status, 0 without an answer
	emoji    string // status emoji for the root message and the reply
	headline string // a few words for the root message
	answer   string // what the answer was, in a word or two: "sent"
	detail   string // what happened and what to do next
}

// name is o's stable name, as a workflow step's outcome: its kind's, or
// "timeout" for no answer in time.
func (o outcome) name() string {
	if o.timedOut {
		return "timeout"
	}
	return o.kind.String()
}

// outcomeOf words the result of one resend call about a payment link of
// kind link for a support agent. err is nil when Front Payment accepted
// the resend. It never shows a Go error string or raw JSON: the log has
// those.
func outcomeOf(w *i18n.Words, link frontpay.LinkKind, err error, dests string, timeout time.Duration) outcome {
	o := outcome{kind: frontpay.KindOf(err), timedOut: errors.Is(err, context.DeadlineExceeded)}
	var fe *frontpay.Error
	if errors.As(err, &fe) {
		o.status = fe.StatusCode
	}
	var headline, answer string
	o.emoji, headline, answer = faceOf(o.kind, o.timedOut)
	o.headline, o.answer = words(w, headline, link, ""), w.T(answer)
	status := statusSuffix(o.status)
	switch o.kind {
	case frontpay.KindSent:
		o.status = 202
		o.detail = w.T("outcome.sent.detail", "Dests", dests)
	case frontpay.KindNotFound:
		o.detail = words(w, "outcome.not_found.detail", link, "")
	case frontpay.KindCompleted:
		o.detail = words(w, "outcome.completed.detail", link, "")
	case frontpay.KindCancelled:
		o.detail = words(w, "outcome.cancelled.detail", link, "")
	case frontpay.KindInvalid:
		o.detail = w.T("outcome.invalid.detail")
		if fe != nil && len(fe.Errors) > 0 {
			o.detail += w.T("outcome.invalid.said", "Reasons", quoteReasons(w, fe.Errors))
		}
		o.detail += w.T("outcome.invalid.check")
	case frontpay.KindUnauthorized:
		o.detail = w.T("outcome.unauthorized.detail")
	case frontpay.KindRateLimited:
		wait := w.T("outcome.rate_limited.a_minute")
		if fe != nil && fe.RetryAfter > 0 {
			wait = w.Duration(fe.RetryAfter, true)
		}
		o.detail = w.T("outcome.rate_limited.detail", "Wait", wait)
	case frontpay.KindServerError:
		o.detail = w.T("outcome.server_error.detail", "Status", status)
	case frontpay.KindUnreachable:
		o.detail = w.T("outcome.unreachable.detail")
		if o.timedOut {
			o.detail = w.T("outcome.timeout.detail", "Timeout", w.Duration(timeout, true))
		}
	default:
		o.detail = w.T("outcome.unexpected.detail", "Status", status)
	}
	return o
}

// faceOf is an outcome's emoji and the catalogue IDs of its headline (all
// App Home shows of it) and of its answer in a word or two. Without an
// answer (KindUnreachable) frontPaymentContext says "no answer".
func faceOf(kind frontpay.Kind, timedOut bool) (emoji, headline, answer string) {
	switch kind {
	case frontpay.KindSent:
		return ":white_check_mark:", "outcome.sent.headline", "outcome.sent.answer"
	case frontpay.KindNotFound:
		return ":mag:", "outcome.not_found.headline", "outcome.not_found.answer"
	case frontpay.KindCompleted:
		return ":moneybag:", "outcome.completed.headline", "outcome.completed.answer"
	case frontpay.KindCancelled:
		return ":no_entry_sign:", "outcome.cancelled.headline", "outcome.cancelled.answer"
	case frontpay.KindInvalid:
		return ":pencil2:", "outcome.invalid.headline", "outcome.invalid.answer"
	case frontpay.KindUnauthorized:
		return ":lock:", "outcome.unauthorized.headline", "outcome.unauthorized.answer"
	case frontpay.KindRateLimited:
		return ":hourglass:", "outcome.rate_limited.headline", "outcome.rate_limited.answer"
	case frontpay.KindServerError:
		return ":warning:", "outcome.server_error.headline", "outcome.server_error.answer"
	case frontpay.KindUnreachable:
		if timedOut {
			return ":electric_plug:", "outcome.timeout.headline", "audit.no_answer"
		}
		return ":electric_plug:", "outcome.unreachable.headline", "audit.no_answer"
	}
	return ":question:", "outcome.unexpected.headline", "outcome.unexpected.answer"
}

// Slack's mrkdwn reads &, < and > as markup: "<!channel>" pings everyone
// and "<https://x|Verify>" is a disguised link. Text the bot did not write
// goes through command.Escape; values shown as they are go through literal.

// literal shows a value exactly as it is, in code marks, so that a mask's
// stars ("k***@example.com", "+47 ****4567") are never read as bold.
func literal(s string) string {
	return "`" + command.Escape(strings.ReplaceAll(s, "`", "'")) + "`"
}

// shorten cuts s to at most n runes, ending it with "…" when it was cut.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Front Payment's 417 reasons are quoted within these bounds, so that the
// reply stays inside Slack's 3000-character section whatever it sends.
const (
	maxReasonRunes = 200
	maxReasonsText = 1800 // bytes, escaped; a section holds 3000 characters
)

// quoteReasons lists Front Payment's reasons, in its own words (quoted,
// escaped), each on its own line, as many as fit; the rest are counted
// (the log has them all).
func quoteReasons(w *i18n.Words, reasons []string) string {
	var b strings.Builder
	for i, r := range reasons {
		line := w.T("outcome.invalid.reason", "Reason", command.Escape(Shorten(strings.Join(strings.Fields(r), " "), maxReasonRunes))) + "\n"
		if b.Len()+len(line) > maxReasonsText {
			b.WriteString(w.N("outcome.more_reasons", len(reasons)-i) + "\n")
			break
		}
		b.WriteString(line)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func statusSuffix(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf(" (HTTP %d)", status)
}

// Message is what people read, without how it is drawn: a body in
// Slack's mrkdwn (also the notification text), small print under it, and
// a row of buttons. The Slack adapter renders it as Block Kit, the console
// as lines of text.
type Message struct {
	Text    string
	Note    string   // small print under the body; "" for none
	Buttons []Button // one row, under the small print
	// ReplaceOriginal makes a caller-only answer replace the one whose
	// button was pressed.
	ReplaceOriginal bool
}

// Button is one button of a message. Its Value comes back when it is
// pressed, with its Action.
type Button struct {
	Action  Action
	Value   string
	Label   string // plain text, at most maxButtonRunes
	Primary bool
	Confirm *Confirm // a dialog before the press counts; nil for none
}

// Action is what a button does.
type Action int

const (
	ActionRetry   Action = iota + 1 // run a failed request again
	ActionOffer                     // send to the contact on file
	ActionConfirm                   // send to a destination not on file, to the file, or cancel
)

// Confirm is the dialog a button asks first.
type Confirm struct {
	Title, Text, OK, Cancel string
}

// maxButtonRunes is Slack's limit on a button's text.
const maxButtonRunes = 75

// rootMessage is the audit message posted before Front Payment is called,
// and updated with the outcome once it is known (o nil: still sending).
func rootMessage(w *i18n.Words, r *request, dests string, o *outcome, at time.Time) Message {
	status, note := ":hourglass_flowing_sand: "+w.T("audit.sending"), w.T("audit.requested_at", "At", w.Time(at))
	if o != nil {
		status, note = o.emoji+" "+o.headline, frontPaymentContext(w, o, at)
	}
	return auditMessage(w, r, dests, status, note)
}

// stoppedRoot is the audit message of r when Front Payment was never
// asked after all: resendbot was stopping once the message existed.
func stoppedRoot(w *i18n.Words, r *request, dests string, at time.Time) Message {
	return auditMessage(w, r, dests, ":no_entry_sign: "+w.T("audit.restarting"), w.T("audit.requested_at", "At", w.Time(at)))
}

// auditMessage is the audit message of r, sent to dests, saying status.
func auditMessage(w *i18n.Words, r *request, dests, status, note string) Message {
	if r.retriedBy != "" {
		status += w.T("audit.after_retry", "By", r.retriedBy)
	}
	switch r.checked {
	case checkConfirmedNew:
		dests += w.T("audit.confirmed_new", "By", r.UserID)
	case checkNotCompared:
		dests += w.T("audit.not_compared")
	}
	id := "audit.asked"
	if r.Source == SourceRetry {
		id = "audit.retried"
	}
	text := words(w, id, r.Link, r.Reservation, "User", r.UserID, "Dests", dests, "Status", status)
	return Message{Text: text, Note: note}
}

// replyMessage is the outcome, posted in the audit message's thread. With
// a retryKey it carries a Retry button that re-runs the same request.
func replyMessage(w *i18n.Words, r *request, dests string, o outcome, at time.Time, retryKey string) Message {
	m := Message{
		Text: words(w, "reply.text", r.Link, r.Reservation, "Emoji", o.emoji, "Headline", o.headline, "Detail", o.detail),
		Note: w.T("reply.requested_by", "User", r.UserID, "Dests", dests, "FrontPayment", frontPaymentContext(w, &o, at)),
	}
	if retryKey != "" {
		retry := w.T("reply.retry")
		m.Buttons = []Button{{Action: ActionRetry, Value: retryKey, Label: retry, Primary: true, Confirm: &Confirm{
			Title:  w.T("reply.retry_confirm_title"),
			Text:   w.T("reply.retry_confirm_text"),
			OK:     retry,
			Cancel: w.T("reply.retry_confirm_cancel"),
		}}}
	}
	return m
}

// RetryPressedNote replaces a used Retry button.
func RetryPressedNote(w *i18n.Words, user string) string {
	return w.T("reply.retry_pressed", "User", user)
}

// frontPaymentContext is the small print of what Front Payment answered
// and when: "Front Payment: sent (HTTP 202) · 2 December 2026 at 14:05".
// The kind's stable name is for logs; people read its words.
func frontPaymentContext(w *i18n.Words, o *outcome, at time.Time) string {
	answer := w.T("audit.no_answer")
	if o.status != 0 {
		answer = w.T("audit.answer", "Meaning", o.answer, "Status", o.status)
	}
	return w.T("audit.front_payment", "Answer", answer, "At", w.Time(at))
}

// Refusals: what the caller alone reads when the checks say no.

func inFlight(w *i18n.Words, shown, by string, ago time.Duration) string {
	return w.T("refusal.in_flight", "Dest", shown, "By", by, "Ago", w.Duration(ago, false))
}

func coolingDown(w *i18n.Words, shown, by string, ago, left time.Duration) string {
	return w.T("refusal.cooldown", "Dest", shown, "Ago", w.Duration(ago, false), "By", by, "Left", w.Duration(left, true))
}

// offerChosen replaces the offer once a button of it was pressed.
func offerChosen(w *i18n.Words, r *request, dests string) string {
	return words(w, "msg.offer_chosen", r.Link, r.Reservation, "Dests", dests)
}

// Caller-only answers that need no details, by catalogue ID: refusals,
// and problems that happen after the acknowledgement.
const (
	msgChannelNotAllowed = "refusal.channel"
	msgUserNotAllowed    = "refusal.user"
	msgUnexpected        = "msg.unexpected"
	msgNotInChannel      = "msg.not_in_channel"
	msgNotInDM           = "msg.not_in_dm"
	msgAuditFailed       = "msg.audit_failed"
	msgAuditUncertain    = "msg.audit_uncertain"
	msgStateDown         = "msg.state_down"
	msgAlreadyPressed    = "msg.already_pressed"
	msgRetryExpired      = "msg.retry_expired"
	msgButtonExpired     = "msg.button_expired"
	msgQueueFull         = "msg.queue_full"
	MsgHandlerFailed     = "msg.handler_failed"
	MsgFormUnreadable    = "msg.form_unreadable"
	MsgShutdown          = "msg.shutdown"
)

// Form is what the /resend form says; its fields in the order shown.
type Form struct {
	Title, Submit, Cancel      string
	Reservation, Email, Mobile Field
}

// Field is one input of the form.
type Field struct {
	Label, Placeholder, Hint string
	Optional                 bool
}

// FormWords is what the /resend form says.
func FormWords(w *i18n.Words) Form {
	return Form{
		Title: w.T("form.title"), Submit: w.T("form.submit"), Cancel: w.T("form.cancel"),
		Reservation: Field{w.T("form.reservation"), command.ExampleReservation, w.T("form.reservation_hint"), false},
		Email:       Field{w.T("form.email"), command.ExampleEmail, w.T("form.email_hint"), true},
		Mobile:      Field{w.T("form.mobile"), command.ExamplePhone, w.T("form.mobile_hint"), true},
	}
}

// Home is the App Home tab: how to use the bot, then the viewer's own
// latest resends, one line each in mrkdwn.
type Home struct {
	Title, Usage, RecentTitle string
	Recent                    []string // "_None yet._" when there are none
}

// HomePage words the App Home tab for recent, the viewer's own resends.
func HomePage(w *i18n.Words, recent []RecentResend) Home {
	h := Home{Title: w.T("home.title"), Usage: command.Usage(w), RecentTitle: w.T("home.recent")}
	if len(recent) == 0 {
		h.Recent = []string{w.T("home.none")}
	}
	for _, r := range recent {
		link := frontpay.LinkReservation // what every line before orders was
		if r.Link != "" {
			link = frontpay.ParseLinkKind(r.Link)
		}
		h.Recent = append(h.Recent, words(w, "home.line", link, r.Reservation, "Emoji", r.emoji(), "Outcome", r.headline(w, link),
			"Dest", r.destination(w), "At", w.Time(r.At)))
	}
	return h
}

// A recent resend is worded as App Home is drawn, so that it reads in
// the language of the day; a line written by an older version keeps its
// words.

func (r RecentResend) emoji() string {
	if kind, ok := frontpay.KindNamed(r.Kind); ok {
		emoji, _, _ := faceOf(kind, r.TimedOut)
		return emoji
	}
	return r.Emoji
}

func (r RecentResend) headline(w *i18n.Words, link frontpay.LinkKind) string {
	if kind, ok := frontpay.KindNamed(r.Kind); ok {
		_, headline, _ := faceOf(kind, r.TimedOut)
		return words(w, headline, link, "")
	}
	return r.Outcome
}

func (r RecentResend) destination(w *i18n.Words) string {
	if len(r.To) == 0 {
		return r.Destination
	}
	parts := make([]string, len(r.To))
	for i, t := range r.To {
		parts[i] = wordDestination(w, t.Channel, literal(t.Masked))
	}
	return strings.Join(parts, w.T("destination.and"))
}

// WordsFor are the words people read under cfg: its language
// (RESEND_LANGUAGE), its times in its zone (RESEND_TIMEZONE).
func WordsFor(cfg *Config) (*i18n.Words, error) {
	w, err := i18n.New(cfg.Language)
	if err != nil {
		return nil, err
	}
	return w.In(cfg.Timezone), nil
}

// English is the default language's words. The catalogues are embedded
// and checked by their tests, so loading them cannot fail at run time.
func English() *i18n.Words {
	w, err := i18n.New(i18n.EN)
	if err != nil {
		panic(err) // a broken embedded catalogue: TestCataloguesAreComplete fails first
	}
	return w
}
