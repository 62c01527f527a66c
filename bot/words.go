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
	status   int    // HTTP status, 0 without an answer
	emoji    string // status emoji for the root message and the reply
	headline string // a few words for the root message
	detail   string // what happened and what to do next
}

// outcomeOf words the result of one resend call for a support agent. err is
// nil when Front Payment accepted the resend. It never shows a Go error
// string or raw JSON: the log has those.
func outcomeOf(err error, dests string, timeout time.Duration) outcome {
	kind := frontpay.KindOf(err)
	o := outcome{kind: kind}
	var fe *frontpay.Error
	if errors.As(err, &fe) {
		o.status = fe.StatusCode
	}
	switch kind {
	case frontpay.KindSent:
		o.status = 202
		o.emoji, o.headline = ":white_check_mark:", "Sent"
		o.detail = fmt.Sprintf("Front Payment accepted it: the customer gets the payment link by %s. Nothing else to do.", dests)
	case frontpay.KindNotFound:
		o.emoji, o.headline = ":mag:", "Not sent: reservation not found"
		o.detail = "Front Payment has no reservation with this ID, so nothing was sent. " +
			"Check the reservation ID in the ticket (copy it again from the portal) and run the command again."
	case frontpay.KindCompleted:
		o.emoji, o.headline = ":moneybag:", "Not sent: already completed (paid)"
		o.detail = "This reservation is already completed, so the customer has paid and nothing was sent. No new link is needed."
	case frontpay.KindCancelled:
		o.emoji, o.headline = ":no_entry_sign:", "Not sent: reservation cancelled"
		o.detail = "This reservation is cancelled, so nothing was sent. If the customer still needs to pay, a new order has to be created."
	case frontpay.KindInvalid:
		o.emoji, o.headline = ":pencil2:", "Not sent: contact details rejected"
		o.detail = "Front Payment rejected the contact details, so nothing was sent."
		if fe != nil && len(fe.Errors) > 0 {
			o.detail += " It said:\n" + quoteReasons(fe.Errors)
		}
		o.detail += "\nCheck the email address or phone number with the customer and run the command again."
	case frontpay.KindUnauthorized:
		o.emoji, o.headline = ":lock:", "Not sent: resendbot's Front Payment access was refused"
		o.detail = "Front Payment refused resendbot's access token, so nothing was sent. Trying again won't help: " +
			"ask an admin to check FRONTPAYMENT_TOKEN. Meanwhile, resend the link from the Front Payment portal."
	case frontpay.KindRateLimited:
		o.emoji, o.headline = ":hourglass:", "Not sent: Front Payment is busy"
		wait := "a minute"
		if fe != nil && fe.RetryAfter > 0 {
			wait = RoundUp(fe.RetryAfter)
		}
		o.detail = fmt.Sprintf("Front Payment is limiting how fast we may send, so nothing was sent. Try again in %s.", wait)
	case frontpay.KindServerError:
		o.emoji, o.headline = ":warning:", "Front Payment failed"
		o.detail = "Front Payment had a problem on its side" + statusSuffix(o.status) + ". " +
			"The link may or may not have reached the customer. Ask the customer before you try again, or try again in a few minutes."
	case frontpay.KindUnreachable:
		if errors.Is(err, context.DeadlineExceeded) {
			o.emoji, o.headline = ":electric_plug:", "Front Payment did not answer"
			o.detail = fmt.Sprintf("Front Payment did not answer within %s. ", RoundUp(timeout)) +
				"The link may or may not have reached the customer. Ask the customer before you try again, or try again in a few minutes."
		} else {
			o.emoji, o.headline = ":electric_plug:", "Front Payment could not be reached"
			o.detail = "resendbot could not reach Front Payment (the connection failed or was cut). " +
				"If it was cut mid-way the link may or may not have reached the customer. Try again in a few minutes; if it keeps failing, tell an admin."
		}
	default:
		o.emoji, o.headline = ":question:", "Unexpected answer from Front Payment"
		o.detail = "Front Payment gave an answer resendbot doesn't understand" + statusSuffix(o.status) + ", " +
			"so it is not known whether the link was sent. Ask the customer before you try again, and tell an admin (the details are in resendbot's log)."
	}
	return o
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

// quoteReasons lists Front Payment's reasons, escaped and each on its own
// line, as many as fit; the rest are counted (the log has them all).
func quoteReasons(reasons []string) string {
	var b strings.Builder
	for i, r := range reasons {
		line := "• " + command.Escape(Shorten(strings.Join(strings.Fields(r), " "), maxReasonRunes)) + "\n"
		if b.Len()+len(line) > maxReasonsText {
			fmt.Fprintf(&b, "• …and %d more not shown here (resendbot's log has the full list)\n", len(reasons)-i)
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
	ActionRetry Action = iota + 1 // run a failed request again
	ActionOffer                   // send to the contact on file
)

// Confirm is the dialog a button asks first.
type Confirm struct {
	Title, Text, OK, Cancel string
}

// maxButtonRunes is Slack's limit on a button's text.
const maxButtonRunes = 75

// rootMessage is the audit message posted before Front Payment is called,
// and updated with the outcome once it is known (o nil: still sending).
func rootMessage(r *request, dests string, o *outcome, at time.Time) Message {
	status := ":hourglass_flowing_sand: Sending…"
	if o != nil {
		status = o.emoji + " " + o.headline
	}
	if r.retriedBy != "" {
		status += fmt.Sprintf(" (after a Retry by <@%s>, in the thread)", r.retriedBy)
	}
	verb := "asked to resend"
	if r.Source == SourceRetry {
		verb = "retried the resend of"
	}
	text := fmt.Sprintf("<@%s> %s the payment link of reservation `%s` by %s. %s",
		r.UserID, verb, r.Reservation, dests, status)
	note := "Requested " + at.UTC().Format("2006-01-02 15:04:05 UTC")
	if o != nil {
		note = frontPaymentContext(o, at)
	}
	return Message{Text: text, Note: note}
}

// replyMessage is the outcome, posted in the audit message's thread. With
// a retryKey it carries a Retry button that re-runs the same request.
func replyMessage(r *request, dests string, o outcome, at time.Time, retryKey string) Message {
	m := Message{
		Text: fmt.Sprintf("%s *%s* — reservation `%s`\n%s", o.emoji, o.headline, r.Reservation, o.detail),
		Note: fmt.Sprintf("Requested by <@%s> · %s · %s", r.UserID, dests, frontPaymentContext(&o, at)),
	}
	if retryKey != "" {
		m.Buttons = []Button{{Action: ActionRetry, Value: retryKey, Label: "Retry", Primary: true, Confirm: &Confirm{
			Title:  "Send the link again?",
			Text:   "The first attempt may have reached the customer. Retry only if you have checked.",
			OK:     "Retry",
			Cancel: "Cancel",
		}}}
	}
	return m
}

// RetryPressedNote replaces a used Retry button.
func RetryPressedNote(user string) string { return fmt.Sprintf("↻ Retry pressed by <@%s>", user) }

func frontPaymentContext(o *outcome, at time.Time) string {
	answer := "no answer"
	if o.status != 0 {
		answer = fmt.Sprintf("HTTP %d", o.status)
	}
	return fmt.Sprintf("Front Payment: %s (%s) · %s", answer, o.kind, at.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// Refusals: what the caller alone reads when the checks say no.
const (
	msgChannelNotAllowed = "Resends aren't enabled in this channel, so nothing was sent. " +
		"Use the payment-support channel, or ask an admin to add this channel to RESEND_ALLOWED_CHANNELS."
	msgUserNotAllowed = "You're not on the list of people who may resend payment links, so nothing was sent. " +
		"Ask an admin to add you to RESEND_ALLOWED_USERS."
)

func inFlight(shown, by string, ago time.Duration) string {
	return fmt.Sprintf("A resend of this reservation to %s is already in progress (started by <@%s> %s ago), so nothing more was sent. "+
		"Wait for its answer in the channel.", shown, by, roundAgo(ago))
}

func coolingDown(shown, by string, ago, left time.Duration) string {
	return fmt.Sprintf("The payment link for this reservation was already sent to %s %s ago by <@%s>, so nothing was sent. "+
		"To avoid spamming the customer, the same destination can get it again in %s.", shown, roundAgo(ago), by, RoundUp(left))
}

func userRateLimited(wait time.Duration) string {
	return fmt.Sprintf("You've sent a lot of resends in a short time, so nothing was sent. Try again in %s.", RoundUp(wait))
}

func teamRateLimited(wait time.Duration) string {
	return fmt.Sprintf("The team has sent a lot of resends in a short time, so nothing was sent. Try again in %s.", RoundUp(wait))
}

func lookupRateLimited(wait time.Duration) string {
	return fmt.Sprintf("You've made a lot of requests in a short time, so nothing was looked up. Try again in %s.", RoundUp(wait))
}

// offerChosen replaces the offer once a button of it was pressed.
func offerChosen(reservation, dests string) string {
	return fmt.Sprintf("You chose to resend the payment link of `%s` by %s. The audit message and the outcome follow in the channel.",
		reservation, dests)
}

// Caller-only words for problems that happen after the acknowledgement.
const (
	msgUnexpected   = "Something unexpected happened and nothing was sent. Try again, and tell an admin if it keeps happening."
	msgNotInChannel = "Nothing was sent: resendbot can't post in this channel, and every resend must leave a message here first. " +
		"Invite it with `/invite @resendbot`, then run the command again."
	msgNotInDM = "Nothing was sent: resendbot can't post in a direct message between people, and every resend must leave an audit message " +
		"where your team can see it. Run the command in your support channel instead."
	msgAuditFailed = "Nothing was sent: resendbot couldn't post the audit message in this channel (Slack didn't accept it). " +
		"Try again in a minute; if it keeps failing, tell an admin."
	msgStateDown      = "Nothing was sent: resendbot can't check its limits right now. Try again shortly."
	msgAlreadyPressed = "That button was already used, so nothing more was sent. The outcome is in the thread."
	msgRetryExpired   = "That Retry button has expired, so nothing was sent. Run the command again."
	msgQueueFull      = "Nothing was sent: resendbot is busy with many resends right now. Try again in a minute."
	MsgHandlerFailed  = "Something went wrong on resendbot's side and nothing was sent. Try again; if it keeps happening, tell an admin."
	MsgFormUnreadable = "resendbot couldn't read this form, so nothing was sent. Close it and run /resend again."
	msgShutdown       = "Nothing was sent: resendbot was restarting before it got to your resend. Run the command again."
)

// roundAgo and roundUp word a duration for people: "45 seconds", "2 minutes".
func roundAgo(d time.Duration) string { return humanDuration(d, false) }
func RoundUp(d time.Duration) string  { return humanDuration(d, true) }

func humanDuration(d time.Duration, up bool) string {
	unit, name := time.Second, "second"
	switch {
	case d >= 100*time.Minute:
		unit, name = time.Hour, "hour"
	case d >= 100*time.Second:
		unit, name = time.Minute, "minute"
	}
	n := int64(d / unit)
	if up && d%unit != 0 {
		n++
	}
	n = max(n, 1)
	if n == 1 {
		return "1 " + name
	}
	return fmt.Sprintf("%d %ss", n, name)
}

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
func FormWords() Form {
	return Form{
		Title: "Resend payment link", Submit: "Send", Cancel: "Cancel",
		Reservation: Field{"Reservation ID", command.ExampleReservation, "From the ticket or the Front Payment portal.", false},
		Email:       Field{"Email", command.ExampleEmail, "Send the link by email (optional if you give a phone number).", true},
		Mobile:      Field{"Mobile number", command.ExamplePhone, "Send the link by SMS (optional if you give an email).", true},
	}
}

// Home is the App Home tab: how to use the bot, then the viewer's own
// latest resends, one line each in mrkdwn.
type Home struct {
	Title, Usage, RecentTitle string
	Recent                    []string // "_None yet._" when there are none
}

// HomePage words the App Home tab for recent, the viewer's own resends;
// w words its usage.
func HomePage(w *i18n.Words, recent []RecentResend) Home {
	h := Home{Title: "Resend a payment link", Usage: command.Usage(w), RecentTitle: "Your latest resends"}
	if len(recent) == 0 {
		h.Recent = []string{"_None yet._"}
	}
	for _, r := range recent {
		h.Recent = append(h.Recent, fmt.Sprintf("%s *%s* — `%s` by %s\n%s",
			r.Emoji, r.Outcome, r.Reservation, r.Destination, r.At.UTC().Format("2006-01-02 15:04 UTC")))
	}
	return h
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
