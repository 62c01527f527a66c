package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"resendbot/bot/command"
	"resendbot/frontpay"
)

// What a resend's destinations were found to be against the contact on
// file (RESEND_CONFIRM_NEW_DESTINATION), for the audit message and line.
const (
	checkOff          = "off"                // the setting is off, or nothing can read reservations
	checkMatched      = "matched"            // the contact on file, or chosen from it
	checkNoContact    = "no_contact_on_file" // nothing on file for the channel asked for
	checkNotCompared  = "not_compared"       // the record could not be read
	checkClosed       = "reservation_closed" // the record (reservation or order) says paid or cancelled: nothing sent
	checkConfirmedNew = "confirmed_new"      // not on file; the requester confirmed it
	checkAsked        = "asked"              // not on file; the requester is asked first
)

// stashConfirm keeps what a confirmation's buttons will send.
const stashConfirm = "confirm:"

// confirmTTL is how long a confirmation's buttons work: the caller decides
// while the customer is still on the line, not tomorrow.
const confirmTTL = time.Hour

// The choices of a confirmation, as its buttons' values end.
const (
	choiceTyped  = "typed"
	choiceFile   = "file"
	choiceCancel = "cancel"
)

// check finds r's kind and, when it reads the record (to find the kind,
// or to compare), looks at what it says before anything is sent. It
// returns true when the request ends here, nothing sent and what admit
// took given back: no reservation or order has r's UUID, the record says
// it is paid or cancelled (the caller alone is told, §3), or a typed
// destination differs from the contact on file and the caller is asked to
// confirm it first. Whatever it finds, it notes in r.checked and r.Link.
func (t *resendTask) check(ctx context.Context) bool {
	e, r := t.e, t.r
	compare := r.checked == "" && e.cfg.ConfirmNewDestination && e.d.Details != nil
	if r.checked == "" && !compare {
		r.checked = checkOff
	}
	r.Link = e.knownKind(ctx, r.Link, r.Reservation)
	switch {
	case e.d.Details == nil:
		// Nothing can read records: the kind Front Payment always had.
		r.Link = cmp.Or(r.Link, frontpay.LinkReservation)
		return false
	case r.Link != frontpay.LinkUnknown && !compare:
		return false // known, and nothing to compare: no read
	}
	f := e.read(ctx, r.Link, r.Reservation)
	r.Link = f.kind
	switch {
	case f.neither:
		e.release(ctx, t.ticket)
		e.endUnsent(ctx, r, t.dests, frontpay.KindNotFound, checkNotCompared, e.d.Words.T("lookup.neither", "Reservation", r.Reservation))
		return true
	case f.rec == nil:
		// Failing or too slow: the resend goes on, and Front Payment's own
		// answer to it is what the caller reads.
		e.d.Log.Log(ctx, slog.LevelInfo, "destination not compared with the contact on file", "err", f.err,
			"reservation", r.Reservation, "kind", r.Link.String())
		if compare {
			r.checked = checkNotCompared
		}
		return false
	case f.rec.State() != frontpay.StateOpen:
		e.release(ctx, t.ticket)
		e.closed(ctx, r, t.dests, f.rec)
		return true
	case !compare:
		return false
	}
	file, differs := onFileInstead(r, e.contactOnFile(f.rec))
	if file == nil {
		r.checked = checkNoContact
		return false
	}
	if !differs {
		r.checked = checkMatched
		return false
	}
	e.release(ctx, t.ticket)
	e.askToConfirm(ctx, r, file)
	return true
}

// closed ends r, whose record says it is paid or cancelled: nothing is
// sent and nothing is posted; the caller alone is told at once, in the
// words of Front Payment's own answer, that its record says so.
func (e *Core) closed(ctx context.Context, r *request, dests []destination, rec *frontpay.Record) {
	w := e.d.Words
	answer, id := frontpay.ErrCompleted, "closed.paid"
	if rec.State() == frontpay.StateCancelled {
		answer, id = frontpay.ErrCancelled, "closed.cancelled"
	}
	o := outcomeOf(w, r.Link, answer, "", 0)
	status := quoted(rec.Status)
	if status == "" {
		status = w.T("lookup.status_unknown")
	}
	text := words(w, "reply.text", r.Link, r.Reservation, "Emoji", o.emoji, "Headline", o.headline,
		"Detail", words(w, id, r.Link, r.Reservation, "Status", status))
	e.endUnsent(ctx, r, dests, o.kind, checkClosed, text)
}

// endUnsent ends r before anything was sent, as Front Payment's records
// say (kind: not found, paid, cancelled): the audit line records it with
// check, the caller alone reads text, and the channel gets nothing.
func (e *Core) endUnsent(ctx context.Context, r *request, dests []destination, kind frontpay.Kind, check, text string) {
	e.auditUnsent(ctx, r.Origin, r.Link, r.Reservation, dests, kind.String(), slog.String("destination_check", check))
	e.tell(ctx, r.Origin, text)
}

// onFileInstead is r with each typed destination that has a contact on
// file for its channel replaced by that contact, and whether any of them
// differs (emails regardless of case, phone numbers as E.164). It is nil
// when nothing is on file for any channel r asks for.
func onFileInstead(r *request, f onFile) (file *request, differs bool) {
	c := *r
	onFile := false
	if r.Phone != nil && f.phone != nil {
		onFile = true
		if f.phone.E164 != r.Phone.E164 {
			differs, c.Phone = true, f.phone
		}
	}
	if r.Email != "" && f.email != "" {
		onFile = true
		if !strings.EqualFold(f.email, r.Email) {
			differs, c.Email = true, f.email
		}
	}
	if !onFile {
		return nil, false
	}
	return &c, differs
}

// pendingConfirm is what a confirmation's buttons send: what was typed,
// or the contact on file in place of what differs.
type pendingConfirm struct {
	Typed pendingResend `json:"typed"`
	File  pendingResend `json:"file"`
}

// askToConfirm shows the caller alone what differs from the file and
// three buttons: send to what was typed, send to the file, cancel. Both
// sends are kept under one key; one once-only key serves all three.
func (e *Core) askToConfirm(ctx context.Context, typed, file *request) {
	w := e.d.Words
	key := randomKey()
	value, err := json.Marshal(pendingConfirm{Typed: pendingOf(typed), File: pendingOf(file)})
	if err == nil {
		err = e.d.State.Stash.Put(ctx, stashConfirm+key, value, confirmTTL)
	}
	if err != nil {
		e.d.Log.Error("could not keep a confirmation; nothing sent", "err", err)
		e.auditRefusal(ctx, typed.Origin, typed.Link, typed.Reservation, typed.destinations(), &Refusal{ReasonStateDown, w.T(msgStateDown)})
		e.tell(ctx, typed.Origin, w.T(msgStateDown))
		return
	}
	var lines, typedNames, fileNames []string
	if typed.Phone != file.Phone {
		shown := e.show(command.FormatPhone(*file.Phone), command.MaskPhone(*file.Phone))
		lines = append(lines, w.T("confirm.line_sms", "Typed", literal(command.FormatPhone(*typed.Phone)), "OnFile", literal(shown)))
		typedNames, fileNames = append(typedNames, command.FormatPhone(*typed.Phone)), append(fileNames, shown)
	}
	if typed.Email != file.Email {
		shown := e.show(file.Email, command.MaskEmail(file.Email))
		lines = append(lines, w.T("confirm.line_email", "Typed", literal(typed.Email), "OnFile", literal(shown)))
		typedNames, fileNames = append(typedNames, typed.Email), append(fileNames, shown)
	}
	and := w.T("destination.and")
	e.auditUnsent(ctx, typed.Origin, typed.Link, typed.Reservation, typed.destinations(), "confirmation_asked", slog.String("destination_check", checkAsked))
	e.Tell(ctx, typed.Origin, Message{
		Text: words(w, "confirm.ask", typed.Link, typed.Reservation, "Lines", strings.Join(lines, "\n")),
		Note: w.T("confirm.note"),
		Buttons: []Button{
			{Action: ActionConfirm, Value: key + ":" + choiceTyped,
				Label: Shorten(w.T("confirm.send_typed", "To", strings.Join(typedNames, and)), maxButtonRunes)},
			{Action: ActionConfirm, Value: key + ":" + choiceFile, Primary: true,
				Label: Shorten(w.T("confirm.send_file", "To", strings.Join(fileNames, and)), maxButtonRunes)},
			{Action: ActionConfirm, Value: key + ":" + choiceCancel, Label: Shorten(w.T("confirm.cancel"), maxButtonRunes)},
		},
	})
}

// confirm runs the press of a confirmation's button: once per
// confirmation, whichever button, through the normal flow.
func (e *Core) confirm(ctx context.Context, o Origin, value string) Reply {
	key, choice, _ := strings.Cut(value, ":")
	if choice != choiceTyped && choice != choiceFile && choice != choiceCancel {
		return Reply{Answer: e.d.Words.T(msgButtonExpired)}
	}
	var p pendingConfirm
	if refusal := e.unstash(ctx, stashConfirm+key, msgButtonExpired, &p); refusal != "" {
		return Reply{Answer: refusal}
	}
	once := pressedOnce + stashConfirm + key
	switch choice {
	case choiceCancel:
		return e.cancelConfirmation(ctx, p.Typed.request(o), once)
	case choiceFile:
		r := p.File.request(o)
		r.checked = checkMatched
		return e.sendChosen(ctx, r, once)
	}
	r := p.Typed.request(o)
	r.checked = checkConfirmedNew
	return e.sendChosen(ctx, r, once)
}

// cancelConfirmation uses a confirmation of r up without sending anything.
func (e *Core) cancelConfirmation(ctx context.Context, r *request, once string) Reply {
	if refusal := e.firstPress(ctx, once); refusal != nil {
		return Reply{Answer: refusal.Message}
	}
	e.auditUnsent(ctx, r.Origin, r.Link, r.Reservation, r.destinations(), "cancelled", slog.String("destination_check", checkAsked))
	e.TellLater(r.Origin, Message{ReplaceOriginal: true, Text: words(e.d.Words, "confirm.cancelled", r.Link, r.Reservation)})
	return Reply{Queued: true}
}
