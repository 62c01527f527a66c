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
	checkNotCompared  = "not_compared"       // the reservation could not be read
	checkClosed       = "reservation_closed" // paid or cancelled: Front Payment sends nothing anyway
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

// compare reads the reservation and compares r's typed destinations with
// the contact on file. It returns true when the caller is asked to
// confirm first: nothing is sent now, and what admit took is given back.
// Whatever it finds, it notes in r.checked.
func (t *resendTask) compare(ctx context.Context) bool {
	e, r := t.e, t.r
	if !e.cfg.ConfirmNewDestination || e.d.Details == nil {
		r.checked = checkOff
		return false
	}
	start := e.d.Now()
	res, err := e.d.Details.Details(ctx, r.Reservation)
	e.d.Metrics.frontPayment(endpointDetails, e.d.Now().Sub(start), err)
	if err != nil {
		// Not found, failing, too slow: the resend goes on, and Front
		// Payment's own answer to it is what the caller reads.
		e.d.Log.Log(ctx, slog.LevelInfo, "destination not compared with the contact on file", "err", err, "reservation", r.Reservation)
		r.checked = checkNotCompared
		return false
	}
	if res.State() != frontpay.StateOpen {
		// Front Payment refuses to send for it, in the words of today.
		r.checked = checkClosed
		return false
	}
	f := e.contactOnFile(res)
	check, ask := checkAgainstFile(r, f).verdict()
	r.checked = check
	if check == checkUnreadable {
		// Worth fixing at Front Payment; the contact itself stays out of the log.
		e.d.Log.Log(ctx, slog.LevelInfo, "contact on file cannot be read; the caller is asked", "reservation", r.Reservation)
	}
	if !ask {
		return false
	}
	e.release(ctx, t.ticket)
	if r.Unattended {
		e.cannotConfirm(ctx, r, t.dests)
		return true
	}
	e.askToConfirm(ctx, r, f)
	return true
}

// cannotConfirm refuses r, whose typed destination differs from the
// contact on file, when nobody is there to confirm it (a workflow step):
// its words say how to send it from Slack, where the caller is asked.
func (e *Core) cannotConfirm(ctx context.Context, r *request, dests []destination) {
	cmd := "/resend " + r.Reservation
	if r.Email != "" {
		cmd += " email=" + r.Email
	}
	if r.Phone != nil {
		cmd += " phone=" + r.Phone.E164
	}
	words := e.d.Words.T("workflow.differs", "Reservation", r.Reservation, "Command", literal(cmd))
	e.auditRefusal(ctx, r.Origin, r.Reservation, dests, &Refusal{ReasonNotOnFile, words})
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
		e.auditRefusal(ctx, typed.Origin, typed.Reservation, typed.destinations(), &Refusal{ReasonStateDown, w.T(msgStateDown)})
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
	e.auditUnsent(ctx, typed.Origin, typed.Reservation, typed.destinations(), Ending{Outcome: "confirmation_asked"}, slog.String("destination_check", typed.checked))
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
		Text:    w.T(ask, "Reservation", typed.Reservation, "Lines", strings.Join(lines, "\n")),
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
	e.auditUnsent(ctx, r.Origin, r.Reservation, r.destinations(), Ending{Outcome: "cancelled"}, slog.String("destination_check", r.checked))
	e.TellLater(r.Origin, Message{ReplaceOriginal: true, Text: e.d.Words.T("confirm.cancelled", "Reservation", r.Reservation)})
	return Reply{Queued: true}
}
