package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
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
	checkUnreadable   = "unreadable_on_file" // something on file cannot be read; the requester is asked first
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
// took given back: no reservation or order has r's UUID (no record of
// its kind, when that was said or remembered), the record says
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
		e.endUnsent(ctx, r, t.dests, frontpay.KindNotFound, http.StatusNotFound, checkNotCompared, e.d.Words.T("lookup.neither", "Reservation", r.Reservation))
		return true
	case errors.Is(f.err, frontpay.ErrNotFound):
		// The kind was said or remembered, and Front Payment has no record
		// of it with this UUID: a read, not a failure, so nothing is sent
		// (as when both kinds answer 404), in the words of its own answer.
		e.release(ctx, t.ticket)
		o := outcomeOf(e.d.Words, r.Link, f.err, "", 0)
		e.endUnsent(ctx, r, t.dests, o.kind, http.StatusNotFound, checkNotCompared, words(e.d.Words, "reply.text", r.Link, r.Reservation,
			"Emoji", o.emoji, "Headline", o.headline, "Detail", o.detail))
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
	onFile := e.contactOnFile(f.rec)
	check, ask := checkAgainstFile(r, onFile).verdict()
	r.checked = check
	if check == checkUnreadable {
		// Worth fixing at Front Payment; the contact itself stays out of the log.
		e.d.Log.Log(ctx, slog.LevelInfo, "contact on file cannot be read; the caller is asked", "reservation", r.Reservation, "kind", r.Link.String())
	}
	if !ask {
		return false
	}
	e.release(ctx, t.ticket)
	if r.Unattended {
		e.cannotConfirm(ctx, r, t.dests)
		return true
	}
	e.askToConfirm(ctx, r, onFile)
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
	e.endUnsent(ctx, r, dests, o.kind, http.StatusOK, checkClosed, text)
}

// endUnsent ends r before anything was sent, as Front Payment's records
// say (kind: not found, paid, cancelled; status: the HTTP status of the
// read that said so): the audit line records it with check, the caller
// alone reads text, and the channel gets nothing.
func (e *Core) endUnsent(ctx context.Context, r *request, dests []destination, kind frontpay.Kind, status int, check, text string) {
	end := Ending{Outcome: kind.String(), Words: text, Answered: true, HTTPStatus: status}
	e.auditUnsent(ctx, r.Origin, r.Link, r.Reservation, dests, end, slog.String("destination_check", check))
	e.tell(ctx, r.Origin, text)
}

// cannotConfirm refuses r, whose typed destination differs from the
// contact on file, when nobody is there to confirm it (a workflow step):
// its words say how to send it from Slack, where the caller is asked.
func (e *Core) cannotConfirm(ctx context.Context, r *request, dests []destination) {
	cmd := "/resend " + r.Reservation
	if r.Link != frontpay.LinkUnknown {
		// The kind word in the language people read: its noun (ordre).
		cmd = "/resend " + e.d.Words.T("link."+r.Link.String()+".noun") + " " + r.Reservation
	}
	if r.Email != "" {
		cmd += " email=" + r.Email
	}
	if r.Phone != nil {
		cmd += " phone=" + r.Phone.E164
	}
	text := words(e.d.Words, "workflow.differs", r.Link, r.Reservation, "Command", literal(cmd))
	e.auditRefusal(ctx, r.Origin, r.Link, r.Reservation, dests, &Refusal{ReasonNotOnFile, text})
}

// pendingConfirm is what a confirmation's buttons send: what was typed,
// or the contact on file in place of what differs (nil when something on
// file cannot be read: then there is no such button).
type pendingConfirm struct {
	Typed pendingResend  `json:"typed"`
	File  *pendingResend `json:"file,omitempty"`
	Check string         `json:"check,omitempty"` // why it was asked (checkAsked, checkUnreadable), for a Cancel's audit line
}

// askToConfirm shows the caller alone what differs from the contact on
// file f, or cannot be compared with it, and the buttons: send to what was
// typed, send to the one on file (only when all of it can be read),
// cancel. The sends are kept under one key; one once-only key serves all
// the buttons.
func (e *Core) askToConfirm(ctx context.Context, typed *request, f onFile) {
	w := e.d.Words
	key := randomKey()
	p := pendingConfirm{Typed: pendingOf(typed), Check: typed.checked}
	file := onFileInstead(typed, f)
	if file != nil {
		pf := pendingOf(file)
		p.File = &pf
	}
	value, err := json.Marshal(p)
	if err == nil {
		err = e.d.State.Stash.Put(ctx, stashConfirm+key, value, confirmTTL)
	}
	if err != nil {
		e.d.Log.Error("could not keep a confirmation; nothing sent", "err", err)
		e.auditRefusal(ctx, typed.Origin, typed.Link, typed.Reservation, typed.destinations(), &Refusal{ReasonStateDown, w.T(msgStateDown)})
		e.tell(ctx, typed.Origin, w.T(msgStateDown))
		return
	}
	c := checkAgainstFile(typed, f)
	typedPhone := ""
	if typed.Phone != nil {
		typedPhone = command.FormatPhone(*typed.Phone)
	}
	var lines, typedNames, fileNames []string
	for _, ch := range []struct {
		m              match
		typed          string
		onFile         fileContact
		line, lineHeld string
		note           string // after the line: what to look out for in what was typed
	}{
		{c.sms, typedPhone, f.sms, "confirm.line_sms", "confirm.line_sms_unusable", ""},
		{c.email, typed.Email, f.email, "confirm.line_email", "confirm.line_email_unusable", notASCIINote(w, typed.Email)},
	} {
		switch ch.m {
		case matchDiffers:
			shown := e.shownOnFile(ch.onFile)
			lines = append(lines, w.T(ch.line, "Typed", literal(ch.typed), "OnFile", literal(shown))+ch.note)
			typedNames, fileNames = append(typedNames, ch.typed), append(fileNames, shown)
		case matchCannotCompare:
			lines = append(lines, w.T(ch.lineHeld, "Typed", literal(ch.typed), "OnFile", heldText(ch.onFile.held), "Why", ch.onFile.why(w))+ch.note)
			typedNames = append(typedNames, ch.typed)
		}
	}
	and := w.T("destination.and")
	e.auditUnsent(ctx, typed.Origin, typed.Link, typed.Reservation, typed.destinations(), Ending{Outcome: "confirmation_asked"}, slog.String("destination_check", typed.checked))
	ask := "confirm.ask"
	buttons := []Button{{Action: ActionConfirm, Value: key + ":" + choiceTyped,
		Label: Shorten(w.T("confirm.send_typed", "To", strings.Join(typedNames, and)), maxButtonRunes)}}
	if file != nil {
		buttons = append(buttons, Button{Action: ActionConfirm, Value: key + ":" + choiceFile, Primary: true,
			Label: Shorten(w.T("confirm.send_file", "To", strings.Join(fileNames, and)), maxButtonRunes)})
	} else {
		ask = "confirm.ask_unreadable"
	}
	buttons = append(buttons, Button{Action: ActionConfirm, Value: key + ":" + choiceCancel, Label: Shorten(w.T("confirm.cancel"), maxButtonRunes)})
	e.Tell(ctx, typed.Origin, Message{
		Text:    words(w, ask, typed.Link, typed.Reservation, "Lines", strings.Join(lines, "\n")),
		Note:    w.T("confirm.note"),
		Buttons: buttons,
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
		r := p.Typed.request(o)
		r.checked = cmp.Or(p.Check, checkAsked) // kept before the check was
		return e.cancelConfirmation(ctx, r, once)
	case choiceFile:
		if p.File == nil {
			// No such button was shown: nothing on file could be read.
			return Reply{Answer: e.d.Words.T(msgButtonExpired)}
		}
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
	e.auditUnsent(ctx, r.Origin, r.Link, r.Reservation, r.destinations(), Ending{Outcome: "cancelled"}, slog.String("destination_check", r.checked))
	e.TellLater(r.Origin, Message{ReplaceOriginal: true, Text: words(e.d.Words, "confirm.cancelled", r.Link, r.Reservation)})
	return Reply{Queued: true}
}
