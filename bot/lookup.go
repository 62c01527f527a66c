package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
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
		return e.d.Words.T("lookup.unavailable", "Reservation", reservation)
	}
	rule, refusal, err := e.guard.admitLookup(ctx, o)
	if err != nil {
		e.d.Log.Error("guardrail state unavailable; refusing", "err", err)
	}
	if refusal == nil && !e.Submit(&lookupTask{e: e, o: o, reservation: reservation, offer: offer, rule: rule}) {
		refusal = &Refusal{ReasonQueueFull, e.d.Words.T(msgQueueFull)}
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
	rule        string // what let the lookup in, for the audit line
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
		slog.String("allowed_by", t.rule),
		slog.Int("http_status", status),
		slog.Int64("latency_ms", latency.Milliseconds()),
	)...)
	if err != nil {
		e.d.Log.Log(ctx, kind.LogLevel(), "front payment details failed", "err", err, "reservation", t.reservation, "kind", kind.String())
		e.Tell(ctx, t.o, Message{Text: lookupProblem(e.d.Words, err, t.reservation)})
		return
	}
	if t.offer {
		e.Tell(ctx, t.o, e.offerMessage(ctx, t.o, res, t.reservation))
		return
	}
	e.Tell(ctx, t.o, Message{Text: e.statusText(res, t.reservation)})
}

func (t *lookupTask) Abandon(ctx context.Context) {
	t.e.tell(ctx, t.o, t.e.d.Words.T("lookup.shutdown"))
}

func lookupOutcome(k frontpay.Kind) string {
	if k == frontpay.KindSent {
		return "found"
	}
	return k.String()
}

// lookupProblem words a failed lookup: nothing was sent either way.
func lookupProblem(w *i18n.Words, err error, reservation string) string {
	switch frontpay.KindOf(err) {
	case frontpay.KindNotFound:
		return w.T("lookup.not_found", "Reservation", reservation)
	case frontpay.KindUnauthorized:
		return w.T("lookup.unauthorized")
	case frontpay.KindRateLimited, frontpay.KindServerError, frontpay.KindUnreachable:
		return w.T("lookup.busy")
	}
	status := 0
	var fe *frontpay.Error
	if errors.As(err, &fe) {
		status = fe.StatusCode
	}
	return w.T("lookup.unexpected", "Status", statusSuffix(status))
}

// onFile is the contact on file, checked like typed input.
type onFile struct {
	phone *command.Phone
	email string
}

func (e *Core) contactOnFile(res *frontpay.Reservation) onFile {
	sms, email, hasSMS, hasEmail := res.Contact()
	var f onFile
	if hasSMS {
		if p, err := e.parser.OnFilePhone(sms.CountryCode, sms.MSISDN); err == nil {
			f.phone = p
		}
	}
	if hasEmail {
		if addr, err := e.parser.OnFileEmail(email.Email); err == nil {
			f.email = addr
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

// stateLine says in words whether the customer still needs a link, then
// what Front Payment's status word means, before the word itself.
func stateLine(w *i18n.Words, res *frontpay.Reservation) string {
	status := w.T("lookup.status_unknown")
	if word := quoted(res.Status); word != "" {
		status = w.T("lookup.status_word", "Word", word)
		if id := statusMeaning(res.Status); id != "" {
			status = w.T("lookup.status_meant", "Meaning", w.T(id), "Word", word)
		}
	}
	state := "lookup.open"
	switch res.State() {
	case frontpay.StatePaid:
		state = "lookup.paid"
	case frontpay.StateCancelled:
		state = "lookup.cancelled"
	}
	return w.T(state) + "\n" + w.T("lookup.status_line", "Status", status)
}

func (e *Core) statusText(res *frontpay.Reservation, reservation string) string {
	w := e.d.Words
	lines := []string{w.T("lookup.heading", "Reservation", reservation), stateLine(w, res)}
	if res.HasTotal {
		lines = append(lines, w.T("lookup.total", "Total", w.Amount(res.GrandTotal)))
	}
	if res.PaymentLinkDueDate != "" {
		lines = append(lines, w.T("lookup.due", "Due", frontPaymentDate(w, res.PaymentLinkDueDate, res.PaymentLinkDueAt)))
	}
	if res.ReservationDate != "" {
		lines = append(lines, w.T("lookup.reserved", "Date", frontPaymentDate(w, res.ReservationDate, res.ReservedAt)))
	}
	lines = append(lines, w.T("lookup.sent_by", "By", sentBy(w, res)))
	f := e.contactOnFile(res)
	if res.Customer.Name != "" {
		lines = append(lines, w.T("lookup.customer", "Name", quoted(res.Customer.Name)))
	}
	lines = append(lines, w.T("lookup.contact", "Contact", e.describeOnFile(f)))
	text := strings.Join(lines, "\n") + "\n"
	if res.State() == frontpay.StateOpen {
		text += w.T("lookup.how_to", "Reservation", reservation)
	}
	return text
}

// maxFieldRunes bounds one value quoted from a reservation (a name, a
// status, a date): whatever Front Payment holds, the answer fits Slack.
const maxFieldRunes = 120

// quoted is a reservation's value for a message: on one line, shortened,
// escaped.
func quoted(s string) string {
	return command.Escape(Shorten(strings.Join(strings.Fields(s), " "), maxFieldRunes))
}

// statusMeaning is the catalogue ID of what a status word Front Payment
// is known to send means, or "" for a word it is not known to send.
func statusMeaning(status string) string {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "pending", "sent", "unpaid":
		return "lookup.fp_status.pending"
	case "reserved":
		return "lookup.fp_status.reserved"
	case "captured", "charged":
		return "lookup.fp_status.captured"
	case "completed", "paid":
		return "lookup.fp_status.paid"
	case "cancelled", "canceled":
		return "lookup.fp_status.cancelled"
	case "refunded":
		return "lookup.fp_status.refunded"
	case "expired":
		return "lookup.fp_status.expired"
	}
	return ""
}

// frontPaymentDate words a date Front Payment sent as the language writes
// dates: an instant in RESEND_TIMEZONE, a time written without a zone on
// its own clock, a bare date without a time. One that could not be parsed
// is shown as it was sent, quoted.
func frontPaymentDate(w *i18n.Words, raw string, t time.Time) string {
	switch {
	case t.IsZero():
		return w.T("lookup.as_sent", "Text", quoted(raw))
	case !frontpay.Unzoned(t):
		return w.Time(t)
	}
	return w.AsWritten(t, t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0)
}

func sentBy(w *i18n.Words, res *frontpay.Reservation) string {
	switch {
	case res.SentBySMS && res.SentByEmail:
		return w.T("lookup.sent_by_both")
	case res.SentBySMS:
		return w.T("lookup.sent_by_sms")
	case res.SentByEmail:
		return w.T("lookup.sent_by_email")
	}
	return w.T("lookup.sent_by_none")
}

func (e *Core) describeOnFile(f onFile) string {
	w := e.d.Words
	var parts []string
	if f.phone != nil {
		parts = append(parts, w.T("lookup.on_file_sms", "To", literal(e.show(command.FormatPhone(*f.phone), command.MaskPhone(*f.phone)))))
	}
	if f.email != "" {
		parts = append(parts, w.T("lookup.on_file_email", "To", literal(e.show(f.email, command.MaskEmail(f.email)))))
	}
	if len(parts) == 0 {
		return w.T("lookup.on_file_none")
	}
	return strings.Join(parts, ", ")
}

// offerMessage shows the reservation's state and, when a link can be
// resent, one button per way to reach the contact on file. Nothing is
// sent until a button is pressed.
func (e *Core) offerMessage(ctx context.Context, o Origin, res *frontpay.Reservation, reservation string) Message {
	w := e.d.Words
	head := w.T("lookup.heading", "Reservation", reservation) + "\n" + stateLine(w, res)
	if res.State() != frontpay.StateOpen {
		return Message{Text: head + "\n" + w.T("lookup.nothing_sent")}
	}
	f := e.contactOnFile(res)
	type choice struct {
		label string
		p     pendingResend
	}
	base := pendingResend{Reservation: reservation, Channel: o.ChannelID, Thread: o.ThreadTS}
	var choices []choice
	if f.phone != nil {
		p := base
		p.Phone = f.phone
		choices = append(choices, choice{w.T("lookup.offer_sms", "To", e.show(command.FormatPhone(*f.phone), command.MaskPhone(*f.phone))), p})
	}
	if f.email != "" {
		p := base
		p.Email = f.email
		choices = append(choices, choice{w.T("lookup.offer_email", "To", e.show(f.email, command.MaskEmail(f.email))), p})
	}
	if f.phone != nil && f.email != "" {
		p := base
		p.Phone, p.Email = f.phone, f.email
		choices = append(choices, choice{w.T("lookup.offer_both"), p})
	}
	if len(choices) == 0 {
		return Message{Text: head + "\n" + w.T("lookup.no_contact", "Reservation", reservation)}
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
			return Message{Text: e.d.Words.T(msgStateDown)}
		}
		buttons = append(buttons, Button{Action: ActionOffer, Value: key, Label: Shorten(c.label, maxButtonRunes)})
	}
	return Message{
		Text:    head + "\n" + w.T("lookup.offer_ask"),
		Note:    w.T("lookup.offer_note"),
		Buttons: buttons,
	}
}
