package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// DetailsReader reads a reservation or an order (kind); *frontpay.Client
// is the production one.
type DetailsReader interface {
	Details(ctx context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error)
}

// OrderStatusReader reads an order's status (its refunds);
// *frontpay.Client is the production one.
type OrderStatusReader interface {
	OrderStatus(ctx context.Context, uuid string) (*frontpay.OrderStatus, error)
}

var (
	_ DetailsReader     = (*frontpay.Client)(nil)
	_ OrderStatusReader = (*frontpay.Client)(nil)
)

// lookup answers "/resend status <uuid>" and "/resend <uuid>": it admits the
// lookup through the caller's rate limit (it reaches Front Payment, so it
// spends a token) and queues it. It returns the caller's refusal, or "".
func (e *Core) lookup(ctx context.Context, o Origin, link frontpay.LinkKind, uuid string, offer bool) string {
	if e.d.Details == nil {
		return e.d.Words.T("lookup.unavailable", "Reservation", uuid)
	}
	rule, refusal, err := e.guard.admitLookup(ctx, o)
	if err != nil {
		e.d.Log.Error("guardrail state unavailable; refusing", "err", err)
	}
	if refusal == nil && !e.Submit(&lookupTask{e: e, o: o, link: link, uuid: uuid, offer: offer, rule: rule}) {
		refusal = e.notQueued()
	}
	if refusal != nil {
		e.auditRefusal(ctx, o, link, uuid, nil, refusal)
		return refusal.Message
	}
	return ""
}

// lookupTask reads a reservation or order and shows it only to the
// caller: its state, and for an offer the contact on file as buttons.
type lookupTask struct {
	e     *Core
	o     Origin
	link  frontpay.LinkKind // said with a kind word, or LinkUnknown
	uuid  string
	offer bool
	rule  string // what let the lookup in, for the audit line
}

func (t *lookupTask) Run(ctx context.Context) {
	e := t.e
	start := e.d.Now()
	f := e.read(ctx, e.knownKind(ctx, t.link, t.uuid), t.uuid)
	var refunds *frontpay.OrderStatus
	if f.rec != nil && f.kind == frontpay.LinkOrder && !t.offer {
		refunds = e.orderStatus(ctx, t.uuid)
	}
	latency := e.d.Now().Sub(start)
	kind := frontpay.KindOf(f.err)
	var fe *frontpay.Error
	status := 200
	if errors.As(f.err, &fe) {
		status = fe.StatusCode
	}
	op := "status"
	if t.offer {
		op = "offer"
	}
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, op, append(auditAttrs(t.o, f.kind, t.uuid, nil),
		slog.String("outcome", lookupOutcome(kind)),
		slog.String("allowed_by", t.rule),
		slog.Int("http_status", status),
		slog.Int64("latency_ms", latency.Milliseconds()),
	)...)
	t.o.ended(ctx, Ending{Outcome: lookupOutcome(kind), HTTPStatus: status})
	if f.rec == nil {
		e.d.Log.Log(ctx, kind.LogLevel(), "front payment details failed", "err", f.err, "reservation", t.uuid,
			"kind", f.kind.String(), "outcome", kind.String())
		e.Tell(ctx, t.o, Message{Text: lookupProblem(e.d.Words, f, t.uuid)})
		return
	}
	if t.offer {
		e.Tell(ctx, t.o, e.offerMessage(ctx, t.o, f.rec, t.uuid))
		return
	}
	e.Tell(ctx, t.o, Message{Text: e.statusText(f.rec, refunds, t.uuid)})
}

// orderStatus reads what the order status endpoint adds to an order's
// details (its refunds); nil when it cannot be read, which the status
// answer then leaves out.
func (e *Core) orderStatus(ctx context.Context, uuid string) *frontpay.OrderStatus {
	if e.d.OrderStatus == nil {
		return nil
	}
	start := e.d.Now()
	s, err := e.d.OrderStatus.OrderStatus(ctx, uuid)
	e.d.Metrics.frontPayment(endpointStatus, frontpay.LinkOrder, e.d.Now().Sub(start), err)
	if err != nil {
		e.d.Log.Log(ctx, frontpay.KindOf(err).LogLevel(), "order status not read; status shows no refunds", "err", err, "reservation", uuid, "kind", "order")
		return nil
	}
	return s
}

func (t *lookupTask) Abandon(ctx context.Context) {
	msg := words(t.e.d.Words, "lookup.shutdown", t.link, t.uuid)
	t.e.auditRefusal(ctx, t.o, t.link, t.uuid, nil, &Refusal{ReasonShuttingDown, msg})
	t.e.tell(ctx, t.o, msg)
}

func lookupOutcome(k frontpay.Kind) string {
	if k == frontpay.KindSent {
		return "found"
	}
	return k.String()
}

// lookupProblem words a failed read: nothing was sent either way.
func lookupProblem(w *i18n.Words, f found, uuid string) string {
	switch frontpay.KindOf(f.err) {
	case frontpay.KindNotFound:
		if f.neither {
			return w.T("lookup.neither", "Reservation", uuid)
		}
		return words(w, "lookup.not_found", f.kind, uuid)
	case frontpay.KindUnauthorized:
		return words(w, "lookup.unauthorized", f.kind, uuid)
	case frontpay.KindRateLimited, frontpay.KindServerError, frontpay.KindUnreachable:
		return w.T("lookup.busy")
	}
	status := 0
	var fe *frontpay.Error
	if errors.As(f.err, &fe) {
		status = fe.StatusCode
	}
	return words(w, "lookup.unexpected", f.kind, uuid, "Status", statusSuffix(status))
}

func (e *Core) show(v string, masked string) string {
	if e.cfg.MaskContacts {
		return masked
	}
	return v
}

// stateLine says in words whether the customer still needs a link, then
// what Front Payment's status word means, before the word itself.
func stateLine(w *i18n.Words, res *frontpay.Record) string {
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

// statusText words a record for `status`; refunds, when the order status
// endpoint answered, adds what it says was refunded.
func (e *Core) statusText(res *frontpay.Record, refunds *frontpay.OrderStatus, uuid string) string {
	w := e.d.Words
	lines := []string{words(w, "lookup.heading", res.Kind, uuid), stateLine(w, res)}
	if res.HasTotal {
		lines = append(lines, w.T("lookup.total", "Total", w.Amount(res.GrandTotal)))
	}
	if refunds != nil && refunds.HasRefunded && refunds.RefundedAmount != 0 {
		lines = append(lines, w.T("lookup.refunded", "Amount", w.Amount(refunds.RefundedAmount)))
	}
	if res.InvoiceNumber != "" {
		lines = append(lines, w.T("lookup.invoice", "Number", quoted(res.InvoiceNumber)))
	}
	if res.PaymentLinkDueDate != "" {
		lines = append(lines, w.T("lookup.due", "Due", frontPaymentDate(w, res.PaymentLinkDueDate, res.PaymentLinkDueAt)))
	}
	if res.ReservationDate != "" {
		id := "lookup.reserved"
		if res.Kind == frontpay.LinkOrder {
			id = "lookup.ordered"
		}
		lines = append(lines, w.T(id, "Date", frontPaymentDate(w, res.ReservationDate, res.ReservedAt)))
	}
	if res.Kind != frontpay.LinkOrder {
		lines = append(lines, w.T("lookup.sent_by", "By", sentBy(w, res))) // orders do not say
	}
	f := e.contactOnFile(res)
	if res.Customer.Name != "" {
		lines = append(lines, w.T("lookup.customer", "Name", quoted(res.Customer.Name)))
	}
	lines = append(lines, w.T("lookup.contact", "Contact", e.describeOnFile(f)))
	if res.State() == frontpay.StateOpen {
		lines = append(lines, w.T("lookup.how_to", "Reservation", uuid))
	}
	return fitted(w, strings.Join(lines, "\n"))
}

// maxSectionRunes is Slack's limit on a section's text: "Maximum length
// for the text in this field is 3000 characters."
const maxSectionRunes = 3000

// fitted is text within one section: whole lines while they fit, then a
// line saying it was shortened. Escaped values count as sent.
func fitted(w *i18n.Words, text string) string {
	if utf8.RuneCountInString(text) <= maxSectionRunes {
		return text
	}
	note := w.T("lookup.shortened")
	room := maxSectionRunes - utf8.RuneCountInString(note) - 1
	var b strings.Builder
	n := 0
	for _, line := range strings.SplitAfter(text, "\n") {
		k := utf8.RuneCountInString(line)
		if n+k > room {
			if n == 0 {
				b.WriteString(Shorten(line, room))
			}
			break
		}
		b.WriteString(line)
		n += k
	}
	return strings.TrimRight(b.String(), "\n") + "\n" + note
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
	case "partially_refunded":
		return "lookup.fp_status.partially_refunded"
	case "invoiced":
		return "lookup.fp_status.invoiced"
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

func sentBy(w *i18n.Words, res *frontpay.Record) string {
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

// describeOnFile words the contact on file for status: each channel's
// destination (masked as configured), or what Front Payment holds that
// cannot be used, and why; "none" only when nothing is held.
func (e *Core) describeOnFile(f onFile) string {
	w := e.d.Words
	var parts []string
	switch f.sms.state {
	case fileUsable:
		parts = append(parts, w.T("lookup.on_file_sms", "To", literal(e.shownOnFile(f.sms))))
	case fileUnusable:
		parts = append(parts, w.T("lookup.on_file_sms_unusable", "Held", heldText(f.sms.held), "Why", f.sms.why(w)))
	}
	switch f.email.state {
	case fileUsable:
		parts = append(parts, w.T("lookup.on_file_email", "To", literal(e.shownOnFile(f.email))))
	case fileUnusable:
		parts = append(parts, w.T("lookup.on_file_email_unusable", "Held", heldText(f.email.held), "Why", f.email.why(w)))
	}
	if len(parts) == 0 {
		return w.T("lookup.on_file_none")
	}
	return strings.Join(parts, ", ")
}

// offerMessage shows the reservation's state and, when a link can be
// resent, one button per way to reach the contact on file. Nothing is
// sent until a button is pressed.
func (e *Core) offerMessage(ctx context.Context, o Origin, res *frontpay.Record, reservation string) Message {
	w := e.d.Words
	head := words(w, "lookup.heading", res.Kind, reservation) + "\n" + stateLine(w, res)
	if res.State() != frontpay.StateOpen {
		return Message{Text: head + "\n" + w.T("lookup.nothing_sent")}
	}
	f := e.contactOnFile(res)
	type choice struct {
		label string
		p     pendingResend
	}
	base := pendingResend{Reservation: reservation, Kind: kindName(res.Kind), Channel: o.ChannelID, Thread: o.ThreadTS}
	var choices []choice
	if f.sms.state == fileUsable {
		p := base
		p.Phone = f.sms.phone
		choices = append(choices, choice{w.T("lookup.offer_sms", "To", e.shownOnFile(f.sms)), p})
	}
	if f.email.state == fileUsable {
		p := base
		p.Email = f.email.email
		choices = append(choices, choice{w.T("lookup.offer_email", "To", e.shownOnFile(f.email)), p})
	}
	if len(choices) == 2 {
		p := base
		p.Phone, p.Email = f.sms.phone, f.email.email
		choices = append(choices, choice{w.T("lookup.offer_both"), p})
	}
	// What is held but cannot be offered is said, not left out.
	if f.sms.state == fileUnusable {
		head += "\n" + w.T("lookup.offer_no_sms", "Held", heldText(f.sms.held), "Why", f.sms.why(w))
	}
	if f.email.state == fileUnusable {
		head += "\n" + w.T("lookup.offer_no_email", "Held", heldText(f.email.held), "Why", f.email.why(w))
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
