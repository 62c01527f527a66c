package bot

import (
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
	file, differs := onFileInstead(r, e.contactOnFile(res, r.Reservation))
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

// askToConfirm shows the caller alone what differs from the file and
// three buttons: send to what was typed, send to the file, cancel. The two
// sends are kept for the buttons; one once-only key serves all three.
func (e *Core) askToConfirm(ctx context.Context, typed, file *request) {
	w := e.d.Words
	key := randomKey()
	for choice, r := range map[string]*request{choiceTyped: typed, choiceFile: file} {
		value, err := json.Marshal(pendingResend{Reservation: r.Reservation, Email: r.Email, Phone: r.Phone,
			Channel: r.ChannelID, Thread: r.ThreadTS})
		if err == nil {
			err = e.d.State.Stash.Put(ctx, stashConfirm+key+":"+choice, value, confirmTTL)
		}
		if err != nil {
			e.d.Log.Error("could not keep a confirmation; nothing sent", "err", err)
			e.auditRefusal(ctx, typed.Origin, typed.Reservation, typed.destinations(), &Refusal{ReasonStateDown, w.T(msgStateDown)})
			e.tell(ctx, typed.Origin, w.T(msgStateDown))
			return
		}
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
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, "resend", append(auditAttrs(typed.Origin, typed.Reservation, typed.destinations()),
		slog.String("outcome", "confirmation_asked"),
		slog.String("destination_check", checkAsked),
		slog.Int("http_status", 0),
		slog.Int64("latency_ms", 0),
	)...)
	e.Tell(ctx, typed.Origin, Message{
		Text: w.T("confirm.ask", "Reservation", typed.Reservation, "Lines", strings.Join(lines, "\n")),
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
	once := pressedOnce + stashConfirm + key
	switch choice {
	case choiceTyped, choiceFile:
	case choiceCancel:
		return e.cancelConfirmation(ctx, o, key, once)
	default:
		return Reply{Answer: e.d.Words.T(msgButtonExpired)}
	}
	p, refusal := e.pressed(ctx, stashConfirm+key+":"+choice, msgButtonExpired)
	if refusal != "" {
		return Reply{Answer: refusal}
	}
	r := p.request(o)
	r.checked = checkMatched
	if choice == choiceTyped {
		r.checked = checkConfirmedNew
	}
	if refusal := e.resendOnce(ctx, r, once); refusal != "" {
		return Reply{Answer: refusal}
	}
	e.TellLater(r.Origin, Message{ReplaceOriginal: true, Text: offerChosen(e.d.Words, p.Reservation, describe(e.d.Words, r.destinations(), e.cfg.MaskContacts))})
	return Reply{Queued: true}
}

// cancelConfirmation uses a confirmation up without sending anything.
func (e *Core) cancelConfirmation(ctx context.Context, o Origin, key, once string) Reply {
	// What the typed choice would send names the reservation, and tells a
	// confirmation that has expired from one that is still open.
	p, refusal := e.pressed(ctx, stashConfirm+key+":"+choiceTyped, msgButtonExpired)
	if refusal == "" {
		if r := e.pressedBefore(ctx, once); r != nil {
			refusal = r.Message
		} else if r := e.firstPress(ctx, once); r != nil {
			refusal = r.Message
		}
	}
	if refusal != "" {
		return Reply{Answer: refusal}
	}
	r := p.request(o)
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, "resend", append(auditAttrs(r.Origin, r.Reservation, r.destinations()),
		slog.String("outcome", "cancelled"),
		slog.String("destination_check", checkAsked),
		slog.Int("http_status", 0),
		slog.Int64("latency_ms", 0),
	)...)
	e.TellLater(o, Message{ReplaceOriginal: true, Text: e.d.Words.T("confirm.cancelled", "Reservation", r.Reservation)})
	return Reply{Queued: true}
}
