package frontpay

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"resendbot/frontpay/frontpaytest"
)

const orderUUID = "7d8e9f00-1a2b-4c3d-8e4f-5a6b7c8d9e0f"

func TestOrderDetailsWire(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	d := frontpaytest.SampleOrder(orderUUID)
	d.Status = "INVOICED"
	fp.SetOrder(d)
	got, err := detailsClient(t, fp, 0).Details(context.Background(), LinkOrder, orderUUID)
	if err != nil {
		t.Fatalf("Details: %v", err)
	}
	want := &Record{
		Kind:               LinkOrder,
		UUID:               orderUUID,
		Status:             "INVOICED",
		GrandTotal:         1250.5,
		HasTotal:           true,
		ReservationDate:    "2025-06-02 10:15:00",
		ReservedAt:         time.Date(2025, 6, 2, 10, 15, 0, 0, time.UTC),
		PaymentLinkDueDate: "2025-06-16 23:59:59",
		PaymentLinkDueAt:   time.Date(2025, 6, 16, 23, 59, 59, 0, time.UTC),
		InvoiceNumber:      "10042",
		Customer:           Customer{Name: "Kari Nordmann", Email: "kari.nordmann@example.com", CountryCode: "+47", MSISDN: "41234567"},
	}
	assertReservation(t, got, want)
	if s := got.State(); s != StateOpen {
		t.Errorf("State() = %v, want open (INVOICED: the customer chose an invoice)", s)
	}
	reqs := fp.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/api/v1/connect/orders/details/"+orderUUID {
		t.Fatalf("requests %+v, want one GET of the order's details", reqs)
	}
}

// TestOrderDetailsLenient: an order's fields are read as leniently as a
// reservation's, and its customer by the same function.
func TestOrderDetailsLenient(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       Record
	}{
		{"numbers as strings", `{"orderUuid":"` + orderUUID + `","invoiceNumber":10042,"status":"PAID","orderSummary":{"grandTotal":"1250,50"},
			"customerDetails":{"countryCode":47,"msisdn":41234567,"email":" kari@example.com "}}`,
			Record{Kind: LinkOrder, UUID: orderUUID, InvoiceNumber: "10042", Status: "PAID", GrandTotal: 1250.5, HasTotal: true,
				Customer: Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}}},
		{"nulls and wrong types", `{"orderUuid":null,"invoiceNumber":["1"],"status":null,"orderSummary":"1250","orderDate":false,"customerDetails":"Kari"}`,
			Record{Kind: LinkOrder, Customer: Customer{Held: "Kari"}}},
		{"a reservation's fields mean nothing here", `{"reservationUuid":"r","grandTotal":5,"isPaid":true,"sendOrderBy":{"sms":true}}`,
			Record{Kind: LinkOrder}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			fp.SetOrderDetailsAnswer(orderUUID, frontpaytest.Answer{Status: 200, Body: frontpaytest.OrderEnvelope(tc.data)})
			got, err := detailsClient(t, fp, 0).Details(context.Background(), LinkOrder, orderUUID)
			if err != nil {
				t.Fatalf("Details: %v", err)
			}
			assertReservation(t, got, &tc.want)
		})
	}
}

func TestOrderState(t *testing.T) {
	for status, want := range map[string]ReservationState{
		"PAID": StatePaid, "completed": StatePaid, "CAPTURED": StatePaid, "Charged": StatePaid,
		"REFUNDED": StatePaid, "partially_refunded": StatePaid,
		"CANCELLED": StateCancelled, "canceled": StateCancelled,
		"INVOICED": StateOpen, "SENT": StateOpen, "": StateOpen, "UNKNOWN_NEW_STATUS": StateOpen,
	} {
		r := Record{Kind: LinkOrder, Status: status}
		if got := r.State(); got != want {
			t.Errorf("order %q: State() = %v, want %v", status, got, want)
		}
	}
}

func TestOrderStatus(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c := detailsClient(t, fp, 0)
	s, err := c.OrderStatus(context.Background(), frontpaytest.OrderRefunded)
	if err != nil {
		t.Fatalf("OrderStatus: %v", err)
	}
	if s.Status != "PARTIALLY_REFUNDED" || !s.HasRefunded || s.RefundedAmount != 250 || s.OrderAmount != 1250.5 {
		t.Errorf("OrderStatus = %+v", s)
	}
	if r := fp.Requests(); r[0].Path != "/api/v1/connect/orders/status/"+frontpaytest.OrderRefunded {
		t.Errorf("path %q", r[0].Path)
	}

	fp.SetOrderStatusAnswer(orderUUID, frontpaytest.Answer{Status: 200, Body: frontpaytest.OrderEnvelope(`{"status":"REFUNDED","refundedAmount":"100.5","orderAmount":null}`)})
	if s, err := c.OrderStatus(context.Background(), orderUUID); err != nil || !s.HasRefunded || s.RefundedAmount != 100.5 || s.HasAmount {
		t.Errorf("OrderStatus = %+v, %v", s, err)
	}
	fp.SetOrderStatusAnswer(orderUUID, frontpaytest.ServerFailure(), frontpaytest.NotFound())
	_, err = c.OrderStatus(context.Background(), orderUUID)
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindNotFound || fe.Op != OpStatus || fe.Link != LinkOrder {
		t.Errorf("after a 510 then a 404: %v, want the retry's not_found", err)
	}
	if _, err := c.OrderStatus(context.Background(), ""); KindOf(err) != KindInvalid {
		t.Errorf("empty UUID: %v", err)
	}
}

func TestOrderResend(t *testing.T) {
	fp := frontpaytest.NewServer(t)
	c := detailsClient(t, fp, 0)
	to := Contact{Email: "kari@example.com"}
	for uuid, want := range map[string]error{
		frontpaytest.OrderAccepted:         nil,
		frontpaytest.OrderAlreadyPaid:      ErrCompleted,
		frontpaytest.OrderAlreadyCancelled: ErrCancelled,
		frontpaytest.UUIDAccepted:          ErrNotFound, // a reservation is no order
	} {
		err := c.Resend(context.Background(), LinkOrder, uuid, to)
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("Resend(order %s) = %v, want %v", uuid, err, want)
		}
	}
	for _, r := range fp.Resends() {
		if r.Path != "/api/v1/connect/orders/resend/"+r.UUID || string(r.Body) != `{"countryCode":null,"msisdn":null,"email":"kari@example.com"}` {
			t.Errorf("sent %s %s", r.Path, r.Body)
		}
	}
	err := c.Resend(context.Background(), LinkOrder, frontpaytest.OrderAlreadyPaid, to)
	if got := err.Error(); got != `frontpay: resend order: completed (HTTP 400, message "orderStatusAlreadyPaid")` {
		t.Errorf("Error() = %q", got)
	}
	calls := fp.Calls()
	if err := c.Resend(context.Background(), LinkUnknown, frontpaytest.OrderAccepted, to); KindOf(err) != KindInvalid {
		t.Errorf("Resend of an unknown kind = %v, want invalid", err)
	}
	if _, err := c.Details(context.Background(), LinkUnknown, frontpaytest.OrderAccepted); KindOf(err) != KindInvalid {
		t.Errorf("Details of an unknown kind = %v, want invalid", err)
	}
	if fp.Calls() != calls {
		t.Errorf("a call without a kind reached Front Payment")
	}
}

// An answer that names another reservation or order as its own is not
// read as this one's: its contact on file is another customer's. A UUID
// of any other case is the same one; one that is absent, null or of
// another JSON type says nothing, and the answer is read leniently.
func TestAnAnswerAboutAnotherRecordIsUnexpected(t *testing.T) {
	const other = "0b6e4d2c-1a2b-4c3d-8e9f-0123456789ab"
	for _, c := range []struct {
		name     string
		op       string
		kind     LinkKind
		uuid     string
		set      func(fp *frontpaytest.Server, uuid string, a frontpaytest.Answer)
		envelope func(string) string
		field    string
	}{
		{"reservation details", OpDetails, LinkReservation, detailsUUID,
			func(fp *frontpaytest.Server, u string, a frontpaytest.Answer) { fp.SetDetailsAnswer(u, a) }, frontpaytest.DetailsEnvelope, "reservationUuid"},
		{"order details", OpDetails, LinkOrder, orderUUID,
			func(fp *frontpaytest.Server, u string, a frontpaytest.Answer) { fp.SetOrderDetailsAnswer(u, a) }, frontpaytest.OrderEnvelope, "orderUuid"},
		{"order status", OpStatus, LinkOrder, orderUUID,
			func(fp *frontpaytest.Server, u string, a frontpaytest.Answer) { fp.SetOrderStatusAnswer(u, a) }, frontpaytest.OrderEnvelope, "uuid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fp := frontpaytest.NewServer(t)
			cl := detailsClient(t, fp, 0)
			call := func() error {
				if c.op == OpStatus {
					_, err := cl.OrderStatus(context.Background(), c.uuid)
					return err
				}
				_, err := cl.Details(context.Background(), c.kind, c.uuid)
				return err
			}
			answer := func(named string) {
				c.set(fp, c.uuid, frontpaytest.Answer{Status: 200, Body: c.envelope(`{"` + c.field + `":` + named + `,"status":"PAID"}`)})
			}
			answer(`" ` + other + ` "`)
			var fe *Error
			if err := call(); !errors.As(err, &fe) || fe.Kind != KindUnexpected || fe.StatusCode != 200 || fe.Op != c.op || fe.Link != c.kind ||
				!strings.Contains(err.Error(), other) {
				t.Errorf("an answer about %s: %v, want unexpected (HTTP 200) naming it", other, err)
			}
			for _, same := range []string{`"` + strings.ToUpper(c.uuid) + `"`, `null`, `""`, `12345`, `{"id":"` + other + `"}`} {
				answer(same)
				if err := call(); err != nil {
					t.Errorf("%s as %s: %v, want the answer read", c.field, same, err)
				}
			}
			if n := len(fp.Requests()); n != 6 {
				t.Errorf("requests = %d, want one a call (a 200 is not tried again)", n)
			}
		})
	}
}
