package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"resendbot/bot/command"
	"resendbot/frontpay"
)

// DetailsReader reads a reservation; *frontpay.Client is the production one.
type DetailsReader interface {
	Details(ctx context.Context, reservation string) (*frontpay.Reservation, error)
}

var _ DetailsReader = (*frontpay.Client)(nil)

// lookup answers "/resend status <uuid>" and "/resend <uuid>": it admits the
// lookup through the caller's rate limit (it reaches Front Payment, so it
// spends a token) and queues it. It returns the caller's refusal, or "".
func (e *Core) lookup(ctx context.Context, o Origin, reservation string, offer bool) string {
	if e.d.Details == nil {
		return "Looking reservations up isn't available here. Give a destination, e.g. `/resend " + reservation + " email=kari@example.com`."
	}
	refusal, err := e.guard.admitLookup(ctx, o)
	if err != nil {
		e.d.Log.Error("guardrail state unavailable; refusing", "err", err)
	}
	if refusal == nil && !e.Submit(&lookupTask{e: e, o: o, reservation: reservation, offer: offer}) {
		refusal = &Refusal{ReasonQueueFull, msgQueueFull}
	}
	if refusal != nil {
		e.auditRefusal(ctx, o, reservation, nil, refusal)
		return refusal.Message
	}
	return ""
}

// lookupTask reads a reservation and shows it only to the caller: its
// state, and for an offer the contact on file as buttons.
type lookupTask struct {
	e           *Core
	o           Origin
	reservation string
	offer       bool
}

func (t *lookupTask) Run(ctx context.Context) {
	e := t.e
	start := e.d.Now()
	res, err := e.d.Details.Details(ctx, t.reservation)
	latency := e.d.Now().Sub(start)
	e.d.Metrics.frontPayment(endpointDetails, latency, err)
	kind := frontpay.KindOf(err)
	var fe *frontpay.Error
	status := 200
	if errors.As(err, &fe) {
		status = fe.StatusCode
	}
	op := "status"
	if t.offer {
		op = "offer"
	}
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, op, append(auditAttrs(t.o, t.reservation, nil),
		slog.String("outcome", lookupOutcome(kind)),
		slog.Int("http_status", status),
		slog.Int64("latency_ms", latency.Milliseconds()),
	)...)
	if err != nil {
		e.d.Log.Log(ctx, kind.LogLevel(), "front payment details failed", "err", err, "reservation", t.reservation, "kind", kind.String())
		e.Tell(ctx, t.o, Message{Text: lookupProblem(err, t.reservation)})
		return
	}
	if t.offer {
		e.Tell(ctx, t.o, e.offerMessage(ctx, t.o, res, t.reservation))
		return
	}
	e.Tell(ctx, t.o, Message{Text: e.statusText(res, t.reservation)})
}

func (t *lookupTask) Abandon(ctx context.Context) {
	t.e.tell(ctx, t.o, "resendbot was restarting before it could look the reservation up. Run the command again.")
}

func lookupOutcome(k frontpay.Kind) string {
	if k == frontpay.KindSent {
		return "found"
	}
	return k.String()
}

// lookupProblem words a failed lookup: nothing was sent either way.
func lookupProblem(err error, reservation string) string {
	switch frontpay.KindOf(err) {
	case frontpay.KindNotFound:
		return fmt.Sprintf("Front Payment has no reservation `%s`. Check the reservation ID in the ticket and try again.", reservation)
	case frontpay.KindUnauthorized:
		return "Front Payment refused resendbot's access token, so the reservation could not be read. Ask an admin to check FRONTPAYMENT_TOKEN."
	case frontpay.KindRateLimited, frontpay.KindServerError, frontpay.KindUnreachable:
		return "Front Payment could not be read right now (it is busy or not answering). Nothing was sent. Try again in a minute."
	}
	status := 0
	var fe *frontpay.Error
	if errors.As(err, &fe) {
		status = fe.StatusCode
	}
	return "Front Payment gave an answer resendbot doesn't understand" + statusSuffix(status) +
		", so the reservation could not be read. Nothing was sent; tell an admin (details are in the log)."
}

// onFile is the contact on file, checked like typed input.
type onFile struct {
	phone *command.Phone
	email string
}

func (e *Core) contactOnFile(res *frontpay.Reservation, reservation string) onFile {
	sms, email, hasSMS, hasEmail := res.Contact()
	var f onFile
	if hasSMS {
		if cmd, err := command.Parse(e.d.Words, reservation+" country="+sms.CountryCode+" msisdn="+sms.MSISDN, e.cfg.DefaultRegion); err == nil {
			f.phone = cmd.Phone
		}
	}
	if hasEmail {
		if cmd, err := command.Parse(e.d.Words, reservation+" email="+email.Email, e.cfg.DefaultRegion); err == nil {
			f.email = cmd.Email
		}
	}
	return f
}

func (e *Core) show(v string, masked string) string {
	if e.cfg.MaskContacts {
		return masked
	}
	return v
}

// stateLine says in words whether the customer still needs a link.
func stateLine(res *frontpay.Reservation) string {
	status := quoted(res.Status)
	if status == "" {
		status = "unknown"
	}
	switch res.State() {
	case frontpay.StatePaid:
		return fmt.Sprintf(":moneybag: *Paid* (Front Payment status “%s”): the customer has paid, no link is needed.", status)
	case frontpay.StateCancelled:
		return fmt.Sprintf(":no_entry_sign: *Cancelled* (Front Payment status “%s”): a link would be of no use; a new order is needed.", status)
	}
	return fmt.Sprintf(":hourglass_flowing_sand: *Not paid yet* (Front Payment status “%s”): a link can be resent.", status)
}

func (e *Core) statusText(res *frontpay.Reservation, reservation string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Reservation `%s`\n%s\n", reservation, stateLine(res))
	if res.HasTotal {
		fmt.Fprintf(&b, "• Total: %.2f\n", res.GrandTotal)
	}
	if res.PaymentLinkDueDate != "" {
		fmt.Fprintf(&b, "• Link due: %s\n", quoted(res.PaymentLinkDueDate))
	}
	if res.ReservationDate != "" {
		fmt.Fprintf(&b, "• Reserved: %s\n", quoted(res.ReservationDate))
	}
	fmt.Fprintf(&b, "• First sent by: %s\n", sentBy(res))
	f := e.contactOnFile(res, reservation)
	if res.Customer.Name != "" {
		fmt.Fprintf(&b, "• Customer: %s\n", quoted(res.Customer.Name))
	}
	fmt.Fprintf(&b, "• Contact on file: %s\n", e.describeOnFile(f))
	if res.State() == frontpay.StateOpen {
		fmt.Fprintf(&b, "To resend to the contact on file: `/resend %s` · to another address: `/resend %s email=…`", reservation, reservation)
	}
	return b.String()
}

// maxFieldRunes bounds one value quoted from a reservation (a name, a
// status, a date): whatever Front Payment holds, the answer fits Slack.
const maxFieldRunes = 120

// quoted is a reservation's value for a message: on one line, shortened,
// escaped.
func quoted(s string) string {
	return command.Escape(Shorten(strings.Join(strings.Fields(s), " "), maxFieldRunes))
}

func sentBy(res *frontpay.Reservation) string {
	switch {
	case res.SentBySMS && res.SentByEmail:
		return "SMS and email"
	case res.SentBySMS:
		return "SMS"
	case res.SentByEmail:
		return "email"
	}
	return "not recorded"
}

func (e *Core) describeOnFile(f onFile) string {
	var parts []string
	if f.phone != nil {
		parts = append(parts, "SMS "+literal(e.show(command.FormatPhone(*f.phone), command.MaskPhone(*f.phone))))
	}
	if f.email != "" {
		parts = append(parts, "email "+literal(e.show(f.email, command.MaskEmail(f.email))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// offerMessage shows the reservation's state and, when a link can be
// resent, one button per way to reach the contact on file. Nothing is
// sent until a button is pressed.
func (e *Core) offerMessage(ctx context.Context, o Origin, res *frontpay.Reservation, reservation string) Message {
	head := fmt.Sprintf("Reservation `%s`\n%s", reservation, stateLine(res))
	if res.State() != frontpay.StateOpen {
		text := head + "\nNothing was sent."
		return Message{Text: text}
	}
	f := e.contactOnFile(res, reservation)
	type choice struct {
		label string
		p     pendingResend
	}
	base := pendingResend{Reservation: reservation, Channel: o.ChannelID, Thread: o.ThreadTS}
	var choices []choice
	if f.phone != nil {
		p := base
		p.Phone = f.phone
		choices = append(choices, choice{"SMS to " + e.show(command.FormatPhone(*f.phone), command.MaskPhone(*f.phone)), p})
	}
	if f.email != "" {
		p := base
		p.Email = f.email
		choices = append(choices, choice{"Email to " + e.show(f.email, command.MaskEmail(f.email)), p})
	}
	if f.phone != nil && f.email != "" {
		p := base
		p.Phone, p.Email = f.phone, f.email
		choices = append(choices, choice{"Both", p})
	}
	if len(choices) == 0 {
		text := head + "\nFront Payment has no usable phone number or email for this customer, so there is nothing to offer. " +
			fmt.Sprintf("Ask the customer, then: `/resend %s email=…` or `/resend %s phone=…`", reservation, reservation)
		return Message{Text: text}
	}
	// One offer, one send: every button of it shares the offer's ID, and the
	// first press uses them all up.
	offerID := randomKey()
	var buttons []Button
	for i, c := range choices {
		key := fmt.Sprintf("%s:%d", offerID, i)
		value, err := json.Marshal(c.p)
		if err == nil {
			err = e.d.State.Stash.Put(ctx, stashOffer+key, value, retryTTL)
		}
		if err != nil {
			e.d.Log.Error("could not keep a contact offer", "err", err)
			return Message{Text: msgStateDown}
		}
		buttons = append(buttons, Button{Action: ActionOffer, Value: key, Label: Shorten(c.label, maxButtonRunes)})
	}
	return Message{
		Text:    head + "\nSend the payment link to the contact on file? Nothing is sent until you press a button.",
		Note:    "Only you can see this. The send posts an audit message in the channel first.",
		Buttons: buttons,
	}
}
