package bot

import (
	"context"
	"encoding/json"
	"strings"

	"resendbot/frontpay"
)

// Keys a button's request is kept under in the Stash, and the once-only
// keys that make each button (each offer) work once.
const (
	stashRetry  = "retry:"
	stashOffer  = "offer:"
	pressedOnce = "pressed:"
)

// Press runs a pressed button, given its Action and Value, for the person
// in o: a Retry, one of a contact-on-file offer's buttons, or one of a
// confirmation's. It goes
// through the checks of any request and then works once per button (once
// per offer: its buttons share one key); a press the checks refuse leaves
// the button usable. Reply.Queued means the press was accepted and the
// button is used up.
func (e *Core) Press(ctx context.Context, o Origin, a Action, value string) Reply {
	switch a {
	case ActionRetry:
		o.Source = SourceRetry
		p, refusal := e.pressed(ctx, stashRetry+value, msgRetryExpired)
		if refusal != "" {
			return Reply{Answer: refusal}
		}
		r := p.request(o)
		if p.Audit != "" {
			r.retries = &priorAttempt{TS: p.Audit, By: p.By}
		}
		if p.Confirmed {
			r.checked = checkConfirmedNew
		}
		return queuedOr(e.resendOnce(ctx, r, pressedOnce+stashRetry+value))
	case ActionOffer:
		o.Source = SourceOffer
		offerID, _, _ := strings.Cut(value, ":")
		p, refusal := e.pressed(ctx, stashOffer+value, msgButtonExpired)
		if refusal != "" {
			return Reply{Answer: refusal}
		}
		r := p.request(o)
		r.checked = checkMatched // chosen from the contact on file
		return e.sendChosen(ctx, r, pressedOnce+stashOffer+offerID)
	case ActionConfirm:
		o.Source = SourceConfirm
		return e.confirm(ctx, o, value)
	}
	return Reply{Answer: e.d.Words.T(msgButtonExpired)}
}

// sendChosen sends r, chosen by a press of one of the buttons that share
// the once-only key once, and replaces the buttons with what was chosen.
func (e *Core) sendChosen(ctx context.Context, r *request, once string) Reply {
	// Worded before r is queued: from then on it is the worker's.
	chosen := offerChosen(e.d.Words, r, describe(e.d.Words, r.destinations(), e.cfg.MaskContacts))
	if refusal := e.resendOnce(ctx, r, once); refusal != "" {
		return Reply{Answer: refusal}
	}
	e.TellLater(r.Origin, Message{ReplaceOriginal: true, Text: chosen})
	return Reply{Queued: true}
}

// pressed returns what a pressed button stashed, or the words for the
// presser when it is gone (expired, a message ID) or the state is down. It uses nothing up:
// resendOnce takes the button's once-only key after the checks.
func (e *Core) pressed(ctx context.Context, stashKey, expired string) (pendingResend, string) {
	var p pendingResend
	return p, e.unstash(ctx, stashKey, expired, &p)
}

// unstash reads what a pressed button stashed under key into v; it
// returns "" or, when it is gone or the state is down, the presser's words.
func (e *Core) unstash(ctx context.Context, key, expired string, v any) string {
	raw, ok, err := e.d.State.Stash.Get(ctx, key)
	if err == nil && ok {
		err = json.Unmarshal(raw, v)
	}
	switch {
	case err != nil:
		e.d.Log.Error("reading a pressed button's request", "err", err)
		return e.d.Words.T(msgStateDown)
	case !ok:
		return e.d.Words.T(expired)
	}
	return ""
}

// request is the request p keeps, made by the person in o, in the channel
// and thread of the original request.
func (p pendingResend) request(o Origin) *request {
	o.ChannelID, o.ThreadTS = p.Channel, p.Thread
	return &request{Origin: o, Link: frontpay.ParseLinkKind(p.Kind), Reservation: p.Reservation, Email: p.Email, Phone: p.Phone}
}
