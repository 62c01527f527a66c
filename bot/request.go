package bot

import (
	"context"
	"strings"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// Origin is where a request came from and where its answers go.
type Origin struct {
	UserID string
	// UserTeam is the user's own workspace as the payload says (an event's
	// user_team, an interaction's user.team_id); "" when it does not say.
	// Someone of another organisation writes from a shared channel.
	UserTeam    string
	ChannelID   string
	ThreadTS    string // set: the audit message and outcome go in this thread
	ResponseURL string // set for slash commands: caller-only answers go here
	Source      string // "slash", "mention", "retry", "console", "workflow"
	// Execution is the workflow step's function_execution_id, for the
	// audit line; "" for every other entry point.
	Execution string
	// Unattended: nobody is there to press a button, so a question (a
	// destination that differs from the contact on file) ends the request
	// instead of asking.
	Unattended bool
	// Ended, when set, is told how the request ended, once, as its audit
	// line is written.
	Ended Listener

	// ThreadExists says ThreadTS's thread has replies already. Slack shows
	// an ephemeral in a thread only once the thread exists, so without it
	// caller-only answers go to the channel itself.
	ThreadExists bool
}

// Listener is told how a request ended: an outcome from Front Payment, a
// refusal, an abandonment at shutdown, a question put to the caller.
// Ended is called on the path that wrote the request's audit line (a
// worker, or the Socket Mode loop for a refusal): it must not block.
type Listener interface {
	Ended(ctx context.Context, e Ending)
}

// Ending is how a request ended, as its audit line records it.
type Ending struct {
	// Outcome is the audit line's outcome: a Front Payment kind ("sent",
	// "not_found", …, with "timeout" for no answer in time), or "refused",
	// "confirmation_asked", "cancelled", "help", "form", or a lookup's.
	Outcome string
	Reason  string // refused: the refusal's reason (ReasonCooldown, …)
	Words   string // what the caller reads about it; "" when nothing
	// Called: Front Payment was asked to resend; then Sent and HTTPStatus
	// (0 when nothing answered) say what it answered.
	Called bool
	// Answered: Front Payment's records gave the outcome before a resend
	// was asked (no reservation or order with the ID: HTTPStatus 404; one
	// paid or cancelled: 200, the read that said so). Like Called, an
	// outcome Front Payment gave, not a refusal.
	Answered   bool
	Sent       bool
	HTTPStatus int
	// AuditTS is the audit message in Origin's channel, once it exists.
	AuditTS string
}

// ended tells o's listener, if any, how its request ended.
func (o Origin) ended(ctx context.Context, e Ending) {
	if o.Ended != nil {
		o.Ended.Ended(ctx, e)
	}
}

// Sources of a request, as the audit log names them.
const (
	SourceSlash    = "slash"
	SourceMention  = "mention"
	SourceRetry    = "retry"
	SourceForm     = "form"
	SourceOffer    = "offer"
	SourceConfirm  = "confirm"
	SourceWorkflow = "workflow"
	// SourceShortcut is a form opened from a shortcut: the message
	// shortcut (its values found in the message) or the global one.
	SourceShortcut = "shortcut"
)

// request is one accepted or candidate resend.
type request struct {
	Origin
	Link        frontpay.LinkKind // said, remembered or found; LinkUnknown until then
	Reservation string            // the reservation's or order's UUID
	Email       string
	Phone       *command.Phone

	// retries is the audit message of the failed attempt a Retry repeats:
	// it is updated with the retry's outcome too, so the channel history
	// shows how it ended.
	retries *priorAttempt
	// retriedBy is set on that attempt's rebuilt message: who retried it.
	retriedBy string
	// checked is what the destinations were found to be against the contact
	// on file (check*); "" until compared.
	checked string
}

// priorAttempt is the audit message of an earlier attempt and who asked for it.
type priorAttempt struct {
	TS, By string
}

func newRequest(o Origin, cmd command.Command) *request {
	return &request{Origin: o, Link: cmd.Link, Reservation: cmd.Reservation, Email: cmd.Email, Phone: cmd.Phone}
}

// contact is what Front Payment is asked to send to.
func (r *request) contact() frontpay.Contact {
	c := frontpay.Contact{Email: r.Email}
	if r.Phone != nil {
		c.CountryCode, c.MSISDN = r.Phone.CountryCode, r.Phone.National
	}
	return c
}

// destination is one channel of a request: SMS to a number or email to an
// address, with the key its cooldown is kept under. Its words (full and
// masked) are put together when a message needs them, not before the ack.
type destination struct {
	channel string // "sms" or "email"
	key     string
	email   string         // channel "email"
	phone   *command.Phone // channel "sms"
}

// full is the destination as Front Payment gets it, for people to read.
func (d destination) full() string {
	if d.phone != nil {
		return command.FormatPhone(*d.phone)
	}
	return d.email
}

// masked is full with most of it hidden.
func (d destination) masked() string {
	if d.phone != nil {
		return command.MaskPhone(*d.phone)
	}
	return command.MaskEmail(d.email)
}

// shown is the destination for a message (mrkdwn): its value, masked or
// not, is shown literally.
func (d destination) shown(w *i18n.Words, mask bool) string {
	v := literal(d.full())
	if mask {
		v = literal(d.masked())
	}
	return wordDestination(w, d.channel, v)
}

// wordDestination is "SMS to <to>" or "email to <to>"; to is already
// shown as it should be.
func wordDestination(w *i18n.Words, channel, to string) string {
	if channel == "sms" {
		return w.T("destination.sms", "To", to)
	}
	return w.T("destination.email", "To", to)
}

func (r *request) destinations() []destination {
	out := make([]destination, 0, 2) // room for both channels: one allocation
	if r.Phone != nil {
		out = append(out, destination{channel: "sms", key: r.Reservation + "|sms|" + r.Phone.E164, phone: r.Phone})
	}
	if r.Email != "" {
		out = append(out, destination{channel: "email", key: r.Reservation + "|email|" + strings.ToLower(r.Email), email: r.Email})
	}
	return out
}

// describe words the destinations for a message: "SMS to +47 ****4567 and
// email to k***@example.com".
func describe(w *i18n.Words, ds []destination, mask bool) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.shown(w, mask)
	}
	return strings.Join(parts, w.T("destination.and"))
}

func channelsOf(ds []destination) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.channel
	}
	return out
}

func maskedOf(ds []destination) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.masked()
	}
	return out
}
