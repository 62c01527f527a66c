package bot

import (
	"strings"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// Origin is where a request came from and where its answers go.
type Origin struct {
	UserID      string
	ChannelID   string
	ThreadTS    string // set: the audit message and outcome go in this thread
	ResponseURL string // set for slash commands: caller-only answers go here
	Source      string // "slash", "mention", "retry", "console"
}

// Sources of a request, as the audit log names them.
const (
	SourceSlash   = "slash"
	SourceMention = "mention"
	SourceRetry   = "retry"
	SourceForm    = "form"
	SourceOffer   = "offer"
	SourceConfirm = "confirm"
)

// request is one accepted or candidate resend.
type request struct {
	Origin
	Reservation string
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
	return &request{Origin: o, Reservation: cmd.Reservation, Email: cmd.Email, Phone: cmd.Phone}
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
	n := 0
	if r.Phone != nil {
		n++
	}
	if r.Email != "" {
		n++
	}
	out := make([]destination, 0, n)
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
