package frontpay

import (
	"fmt"
	"net/url"
)

// LinkKind is which of Front Payment's two kinds of payment link a UUID
// names. Their UUIDs look alike; only Front Payment knows which is which
// (its reservation and order endpoints answer 404 for the other kind).
type LinkKind int

const (
	LinkUnknown     LinkKind = iota // not known yet: read a reservation first, then an order
	LinkReservation                 // a reservation (Front Payment's "reservations" endpoints)
	LinkOrder                       // an order, made with "Send Payment Link" (its "orders" endpoints)
)

// String returns "reservation", "order" or "unknown": the stable value of
// logs and metric labels.
func (k LinkKind) String() string {
	switch k {
	case LinkReservation:
		return "reservation"
	case LinkOrder:
		return "order"
	case LinkUnknown:
		return "unknown"
	}
	return fmt.Sprintf("link(%d)", int(k))
}

// ParseLinkKind is the LinkKind whose String is s; LinkUnknown otherwise.
func ParseLinkKind(s string) LinkKind {
	switch s {
	case "reservation":
		return LinkReservation
	case "order":
		return LinkOrder
	}
	return LinkUnknown
}

// The endpoints, as in Error.Op and path.
const (
	OpResend  = "resend"
	OpDetails = "details"
	OpStatus  = "status" // orders only
)

// path is the path of endpoint op for kind, with uuid escaped; "" when
// kind has no such endpoint.
func (k LinkKind) path(op, uuid string) string {
	var base string
	switch k {
	case LinkReservation:
		base = "/api/v1/connect/reservations/"
	case LinkOrder:
		base = "/api/v1/connect/orders/"
	default:
		return ""
	}
	if op == OpStatus && k != LinkOrder {
		return ""
	}
	return base + op + "/" + url.PathEscape(uuid)
}
