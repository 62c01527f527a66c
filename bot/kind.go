package bot

import (
	"context"
	"errors"
	"time"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// A UUID names a reservation or an order, and only Front Payment knows
// which (CONTRACT §3, "Reservation or order"). The core finds out in the
// worker, never before the ack: it reads the reservation's details, and
// on a 404 the order's. The kind found is remembered in the shared state,
// so that a repeat request (on any replica) reads nothing more than its
// comparison needs.

// stashKind keeps the kind of a UUID, as LinkKind.String().
const stashKind = "kind:"

// kindTTL is how long the kind of a UUID is remembered. It never changes;
// the bound only keeps the store from growing without end.
const kindTTL = 24 * time.Hour

// knownKind is kind when a kind word said it, else the kind remembered for
// uuid, else LinkUnknown. A store that cannot be read only costs a read.
func (e *Core) knownKind(ctx context.Context, kind frontpay.LinkKind, uuid string) frontpay.LinkKind {
	if kind != frontpay.LinkUnknown {
		return kind
	}
	v, ok, err := e.d.State.Stash.Get(ctx, stashKind+uuid)
	if err != nil {
		e.d.Log.Warn("the kind of a UUID could not be recalled; reading it", "err", err, "reservation", uuid)
	}
	if err != nil || !ok {
		return frontpay.LinkUnknown
	}
	return frontpay.ParseLinkKind(string(v))
}

// rememberKind keeps the kind Front Payment answered 200 for.
func (e *Core) rememberKind(ctx context.Context, kind frontpay.LinkKind, uuid string) {
	if err := e.d.State.Stash.Put(ctx, stashKind+uuid, []byte(kind.String()), kindTTL); err != nil {
		e.d.Log.Warn("the kind of a UUID could not be remembered", "err", err, "reservation", uuid, "kind", kind.String())
	}
}

// found is what reading a UUID's record found.
type found struct {
	kind frontpay.LinkKind // the kind found, or reached so far when a read failed; LinkUnknown when neither
	rec  *frontpay.Record  // nil when no read succeeded
	err  error             // the last read's error when rec is nil
	// neither: both kinds answered 404, so there is no reservation or
	// order with this UUID.
	neither bool
}

// read reads the record of uuid. With kind known it reads that kind's
// details, once. With LinkUnknown it finds the kind: the reservation's
// details, then on a 404 the order's; a read that fails leaves the kind
// reached so far. Each read is measured; a kind found is remembered.
func (e *Core) read(ctx context.Context, kind frontpay.LinkKind, uuid string) found {
	guess := kind == frontpay.LinkUnknown
	if guess {
		kind = frontpay.LinkReservation
	}
	for {
		start := e.d.Now()
		rec, err := e.d.Details.Details(ctx, kind, uuid)
		e.d.Metrics.frontPayment(endpointDetails, kind, e.d.Now().Sub(start), err)
		switch {
		case err == nil:
			if guess {
				e.rememberKind(ctx, kind, uuid)
			}
			return found{kind: kind, rec: rec}
		case guess && kind == frontpay.LinkReservation && errors.Is(err, frontpay.ErrNotFound):
			kind = frontpay.LinkOrder
			continue
		}
		if guess && errors.Is(err, frontpay.ErrNotFound) {
			return found{kind: frontpay.LinkUnknown, err: err, neither: true}
		}
		return found{kind: kind, err: err}
	}
}

// linkWords are the template fields that name one payment link in what
// people read: Link ("order `…`"), Title ("Order `…`"), Noun ("order")
// and The (the noun with the definite article, where the language has
// one: "ordren"), and Reservation, the bare UUID. LinkUnknown words it
// as "reservation or order".
func linkWords(w *i18n.Words, kind frontpay.LinkKind, uuid string) []any {
	id, title, noun, the := "link.unknown.named", "link.unknown.title", "link.unknown.noun", "link.unknown.the"
	switch kind {
	case frontpay.LinkReservation:
		id, title, noun, the = "link.reservation.named", "link.reservation.title", "link.reservation.noun", "link.reservation.the"
	case frontpay.LinkOrder:
		id, title, noun, the = "link.order.named", "link.order.title", "link.order.noun", "link.order.the"
	}
	uuid = command.Escape(uuid) // always a UUID, and what people read is escaped all the same
	return []any{"Link", w.T(id, "ID", uuid), "Title", w.T(title, "ID", uuid), "Noun", w.T(noun), "The", w.T(the), "Reservation", uuid}
}

// words words message id about the payment link kind uuid, with the
// fields of linkWords and then args.
func words(w *i18n.Words, id string, kind frontpay.LinkKind, uuid string, args ...any) string {
	return w.T(id, append(linkWords(w, kind, uuid), args...)...)
}
