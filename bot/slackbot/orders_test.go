package slackbot

import (
	"strings"
	"testing"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// Orders (CONTRACT §3, "Reservation or order"): every door takes an
// order's UUID, the kind is found by reading (reservation, then order) in
// the worker and remembered, and what the record says is answered at once.

const (
	orderPath        = "/api/v1/connect/orders/resend/"
	reservationPath  = "/api/v1/connect/reservations/resend/"
	orderDetails     = "/api/v1/connect/orders/details/"
	reservationReads = "/api/v1/connect/reservations/details/"
)

// paths are the paths of Front Payment's requests so far, in order.
func (h *harness) paths() []string {
	var out []string
	for _, r := range h.fp.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// wantPaths fails t unless Front Payment got exactly want, in order.
func (h *harness) wantPaths(want ...string) {
	h.t.Helper()
	if got := h.paths(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("front payment got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestOrderResendFindsTheKindAndRemembersIt(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	o := frontpaytest.OrderAccepted
	root, reply := h.thread2(agent, o+" email=kari@example.com")
	if !strings.Contains(root.Text, "payment link of order `"+o+"`") || !strings.Contains(reply.Text, "*Sent* — order `"+o+"`") {
		t.Errorf("audit message %q, reply %q: want them to name the order", root.Text, reply.Text)
	}
	h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
	if l := h.auditWith("sent"); l["kind"] != "order" || l["reservation"] != o {
		t.Errorf("audit line %v, want kind order", l)
	}
	// A second request for the same UUID reads nothing: the kind is known.
	h.thread2(agent, o+" phone=41234567")
	h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o, "POST "+orderPath+o)
	wantSeries(t, scrape(t, h.metrics),
		`resendbot_requests_total{kind="order",outcome="sent"} 2`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="not_found",record="reservation"} 1`,
		`resendbot_frontpayment_answers_total{endpoint="details",kind="ok",record="order"} 1`,
		`resendbot_frontpayment_latency_seconds_count{endpoint="resend",record="order"} 2`)
}

// A kind word skips the guess: that kind's endpoints only, in either
// language and any case.
func TestKindWordsTouchOnlyThatKind(t *testing.T) {
	for _, c := range []struct {
		text, want string
	}{
		{"order " + frontpaytest.OrderAccepted, "POST " + orderPath + frontpaytest.OrderAccepted},
		{"ORDRE " + frontpaytest.OrderAccepted, "POST " + orderPath + frontpaytest.OrderAccepted},
		{"Reservation " + uuidA, "POST " + reservationPath + uuidA},
		{"reservasjon " + uuidA, "POST " + reservationPath + uuidA},
	} {
		t.Run(c.text, func(t *testing.T) {
			h := start(t, nil)
			h.thread2(agent, c.text+" email=kari@example.com")
			h.wantPaths(c.want) // confirmation off: nothing to read
		})
	}
	t.Run("with the comparison on", func(t *testing.T) {
		h := start(t, confirming(nil))
		h.thread2(agent, "ordre "+frontpaytest.OrderAccepted+" email="+emailOnFile)
		h.wantPaths("GET "+orderDetails+frontpaytest.OrderAccepted, "POST "+orderPath+frontpaytest.OrderAccepted)
	})
	// The kind said has no record with this UUID (a reservation's UUID
	// said to be an order's): the read's 404 ends it as both 404s do,
	// nothing posted and no resend asked for, not a send "not compared".
	t.Run("with the comparison on, no record of that kind", func(t *testing.T) {
		h := start(t, confirming(nil))
		p := h.answered(h.slash(agent, "order "+uuidA+" email="+emailOnFile))
		if !strings.Contains(p.Text, "order `"+uuidA+"`") || !strings.Contains(p.Text, "nothing was sent") {
			t.Errorf("answer %q", p.Text)
		}
		h.wantPaths("GET " + orderDetails + uuidA)
		if n := len(h.slack.Messages()); n != 0 {
			t.Errorf("%d channel messages, want none", n)
		}
		if l := h.auditWith("not_found"); l["kind"] != "order" || l["http_status"] != 0.0 {
			t.Errorf("audit line %v", l)
		}
	})
}

// No reservation and no order: only the caller is told, nothing is sent
// and nothing is posted.
func TestNeitherReservationNorOrder(t *testing.T) {
	for name, env := range map[string]map[string]string{"comparison off": nil, "comparison on": confirming(nil)} {
		t.Run(name, func(t *testing.T) {
			h := start(t, env)
			u := frontpaytest.UUIDNotFound
			p := h.answered(h.slash(agent, u+" email=kari@example.com"))
			if !strings.Contains(p.Text, "no reservation or order `"+u+"`") || !strings.Contains(p.Text, "nothing was sent") {
				t.Errorf("answer %q", p.Text)
			}
			h.wantPaths("GET "+reservationReads+u, "GET "+orderDetails+u)
			if n := len(h.slack.Messages()); n != 0 {
				t.Errorf("%d channel messages, want none", n)
			}
			if l := h.auditWith("not_found"); l["kind"] != "unknown" || l["http_status"] != 0.0 {
				t.Errorf("audit line %v", l)
			}
		})
	}
}

// A read that fails leaves the kind reached so far; the resend goes on
// and its audit message says it was not compared.
func TestAFailingReadLeavesTheKindReached(t *testing.T) {
	t.Run("the reservation's read fails", func(t *testing.T) {
		h := start(t, confirming(nil))
		h.fp.SetDetailsAnswer(uuidA, frontpaytest.ServerFailure())
		root, _ := h.thread2(agent, uuidA+" email="+emailTypo)
		if !strings.Contains(root.Text, "reservation `"+uuidA+"`") || !strings.Contains(root.Text, "could not be compared") {
			t.Errorf("audit message %q", root.Text)
		}
		// Details retries a 5xx once; no order is read.
		h.wantPaths("GET "+reservationReads+uuidA, "GET "+reservationReads+uuidA, "POST "+reservationPath+uuidA)
	})
	t.Run("the order's read fails", func(t *testing.T) {
		h := start(t, confirming(nil))
		o := "7d8e9f00-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
		h.fp.SetOrder(frontpaytest.SampleOrder(o))
		h.fp.SetOrderDetailsAnswer(o, frontpaytest.Garbage(200))
		root, _ := h.thread2(agent, o+" email="+emailTypo)
		if !strings.Contains(root.Text, "order `"+o+"`") || !strings.Contains(root.Text, "could not be compared") {
			t.Errorf("audit message %q", root.Text)
		}
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
		if l := h.auditWith("sent"); l["kind"] != "order" || l["destination_check"] != "not_compared" {
			t.Errorf("audit line %v", l)
		}
	})
}

// Paid or cancelled in the record: nothing sent, no resend call, no
// channel message; the caller alone is told at once, in the outcome's
// words, that Front Payment's record says so. The comparison's read and
// the read that finds the kind are both checked.
func TestPaidOrCancelledFromTheRecord(t *testing.T) {
	for _, c := range []struct {
		name, text, want, outcome string
		env                       map[string]string
	}{
		{"paid order", frontpaytest.OrderPaid + " email=" + emailOnFile, "record says this order is already paid (status “PAID”)", "completed", nil},
		{"refunded order", "order " + frontpaytest.OrderRefunded + " phone=41234567", "already paid (status “PARTIALLY_REFUNDED”)", "completed", confirming(nil)},
		{"cancelled order", frontpaytest.OrderCancelled + " email=" + emailTypo, "record says this order is cancelled (status “CANCELLED”)", "cancelled", confirming(nil)},
		{"cancelled reservation", frontpaytest.UUIDDetailsCancelled + " email=" + emailOnFile, "record says this reservation is cancelled", "cancelled", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, c.env)
			p := h.answered(h.slash(agent, c.text))
			if !strings.Contains(p.Text, c.want) || !strings.Contains(p.Text, "nothing was sent") {
				t.Errorf("answer %q, want %q", p.Text, c.want)
			}
			if n, m := len(h.resends()), len(h.slack.Messages()); n != 0 || m != 0 {
				t.Errorf("%d resends, %d channel messages; want none", n, m)
			}
			if l := h.auditWith(c.outcome); l["destination_check"] != "reservation_closed" {
				t.Errorf("audit line %v", l)
			}
		})
	}
	// INVOICED is open: the customer chose an invoice, a link can go.
	h := start(t, nil)
	_, reply := h.thread2(agent, frontpaytest.OrderInvoiced+" email="+emailOnFile)
	if !strings.Contains(reply.Text, "Sent") {
		t.Errorf("an invoiced order: %q", reply.Text)
	}
}

// Front Payment's own 400 answers for an order are the paid and
// cancelled outcomes, in the thread.
func TestOrderPaidOrCancelledByFrontPayment(t *testing.T) {
	for uuid, want := range map[string]string{
		frontpaytest.OrderAlreadyPaid:      "Not sent: already paid* — order",
		frontpaytest.OrderAlreadyCancelled: "Not sent: order cancelled* — order",
	} {
		h := start(t, nil)
		_, reply := h.thread2(agent, uuid+" email="+emailOnFile)
		if !strings.Contains(reply.Text, want) || retryButton(t, reply) != "" {
			t.Errorf("%s: reply %q, want %q and no Retry", uuid, reply.Text, want)
		}
	}
}

// A Retry of an order goes to the order endpoint again, without reading.
func TestRetryOfAnOrder(t *testing.T) {
	h := start(t, nil)
	o := frontpaytest.OrderServerError
	_, reply := h.thread2(agent, o+" phone=41234567")
	key := retryButton(t, reply)
	if key == "" {
		t.Fatalf("no Retry on %q", reply.Text)
	}
	h.fp.SetOrderAnswer(o, frontpaytest.Accepted())
	h.press(agent2, reply, key)
	h.fp.WaitForResends(2, wait)
	h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o, "POST "+orderPath+o)
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Thread(room, reply.ThreadTS)) >= 3 }, wait)
	if err != nil {
		t.Fatal(err)
	}
	th := snap.Thread(room, reply.ThreadTS)
	if !strings.Contains(th[1].Text, "retried the resend of the payment link of order `"+o+"`") {
		t.Errorf("retry audit message %q", th[1].Text)
	}
}

// The other doors: a mention, the form, the contact-on-file offer and the
// confirmation of a new destination all send an order to the order
// endpoint; App Home names it.
func TestOrderByEveryDoor(t *testing.T) {
	o := frontpaytest.OrderAccepted
	t.Run("mention", func(t *testing.T) {
		h := start(t, nil)
		const ticket = "1600000000.000200"
		h.slack.EventsAPI(map[string]any{
			"type": "app_mention", "user": agent, "channel": room, "ts": "1700000001.000300", "thread_ts": ticket,
			"text": "<@" + fakeslack.BotUserID + "> resend " + o + " email=kari@example.com",
		}, fakeslack.EventOpts{})
		h.fp.WaitForResends(1, wait)
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
	})
	t.Run("form", func(t *testing.T) {
		h := start(t, nil)
		h.command(agent, "")
		views, err := h.slack.WaitCalls("views.open", 1, wait)
		if err != nil {
			t.Fatal(err)
		}
		h.submitForm(agent, formMetadata(t, views[0]), "order "+o, "kari@example.com", "")
		h.thread()
		h.wantPaths("POST " + orderPath + o) // the kind word in the field: nothing to guess
	})
	t.Run("offer and App Home", func(t *testing.T) {
		h := start(t, nil)
		p := h.answered(h.slash(agent, o))
		if !strings.HasPrefix(p.Text, "Order `"+o+"`") {
			t.Errorf("offer %q", p.Text)
		}
		buttons := offerButtons(t, p)
		h.pressOffer(agent, buttons["Email to k***@example.com"])
		h.thread()
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
		h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": agent, "channel": "D1", "tab": "home"}, fakeslack.EventOpts{})
		calls, err := h.slack.WaitCalls("views.publish", 1, wait)
		if err != nil {
			t.Fatal(err)
		}
		if view := string(calls[0].JSON) + calls[0].Form.Get("view"); !strings.Contains(view, "order `"+o+"`") {
			t.Errorf("App Home does not name the order: %s", view)
		}
	})
	t.Run("workflow step", func(t *testing.T) {
		h := start(t, nil)
		in := stepInputs(agent, "kari@example.com")
		in[stepID] = o
		c := h.completed(h.step(in, 0))
		if !c.Success || c.Outputs["outcome"] != "sent" {
			t.Errorf("step completion %+v", c)
		}
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
		if l := h.auditWith("sent"); l["kind"] != "order" || l["source"] != "workflow" {
			t.Errorf("audit line %v", l)
		}
	})
	t.Run("message shortcut", func(t *testing.T) {
		h := start(t, nil)
		h.shortcutOn(agent, room, ticket(ticketTS, "", "Kari never got the link of order "+o+", kari@firma.no", nil, nil))
		h.submit(agent, h.openedForm(1), nil)
		audit, _ := h.inThread(room, ticketTS)
		if !strings.Contains(audit.Text, "order `"+o+"`") {
			t.Errorf("audit message %q", audit.Text)
		}
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
	})
	t.Run("confirmation", func(t *testing.T) {
		h := start(t, confirming(nil))
		p, c := h.asked(0, agent, o+" email="+emailTypo)
		if !strings.Contains(p.Text, "for order `"+o+"`") {
			t.Errorf("confirmation %q", p.Text)
		}
		h.pressed(agent, c[0])
		h.fp.WaitForResends(1, wait)
		h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o)
	})
}

// status of an order: its status word, total, due date, invoice number,
// the contact on file (masked) and what the status endpoint says was
// refunded.
func TestStatusOfAnOrder(t *testing.T) {
	h := start(t, nil)
	o := frontpaytest.OrderRefunded
	p := h.answered(h.slash(agent, "status "+o))
	for _, want := range []string{
		"Order `" + o + "`", "“PARTIALLY_REFUNDED”", "partly refunded", "Total: NOK\u00a01,250.50", "Refunded: NOK\u00a0250.00", "Invoice number: 10042",
		"Payment due: 16 June 2025 at 23:59", "Ordered: 2 June 2025 at 10:15", "+47 ****4567", "k***@example.com",
	} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("status lacks %q:\n%s", want, p.Text)
		}
	}
	if strings.Contains(p.Text, "First sent by") {
		t.Errorf("an order's status claims how it was first sent:\n%s", p.Text)
	}
	h.wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "GET /api/v1/connect/orders/status/"+o)
	if l := h.waitAudit(1)[0]; l["kind"] != "order" || l["outcome"] != "found" {
		t.Errorf("audit line %v", l)
	}

	// Without a refund, or when the status endpoint fails, no refund line.
	h2 := start(t, nil)
	h2.fp.SetOrderStatusAnswer(frontpaytest.OrderInvoiced, frontpaytest.ServerFailure())
	p = h2.answered(h2.slash(agent, "status ordre "+frontpaytest.OrderInvoiced))
	if !strings.Contains(p.Text, "“INVOICED”") || !strings.Contains(p.Text, "Not paid yet") || strings.Contains(p.Text, "Refunded") {
		t.Errorf("status of an invoiced order:\n%s", p.Text)
	}
}

// Replicas share what they found: the second replica reads nothing.
func TestReplicasShareTheKind(t *testing.T) {
	hs, _ := replicas(t, 2, map[string]string{"RESEND_COOLDOWN": "0"})
	o := frontpaytest.OrderAccepted
	sentOn(t, hs[0], 0, agent, o+" email=kari@example.com")
	sentOn(t, hs[1], 1, agent, o+" phone=41234567")
	hs[0].wantPaths("GET "+reservationReads+o, "GET "+orderDetails+o, "POST "+orderPath+o, "POST "+orderPath+o)
}

// An order whose contact on file cannot be read: the confirmation names
// the order, as every message does.
func TestConfirmAnOrderWhoseContactCannotBeRead(t *testing.T) {
	h := start(t, confirming(nil))
	o := frontpaytest.OrderAccepted
	h.fp.SetOrderDetailsAnswer(o, frontpaytest.Answer{Status: 200, Body: frontpaytest.OrderEnvelope(
		`{"orderUuid":"` + o + `","status":"SENT","customerDetails":{"countryCode":"+47","msisdn":"4741234567"}}`)})
	p, _ := h.askedTwo(o + " phone=+4741234567")
	if !strings.Contains(p.Text, "can't compare what you typed for order `"+o+"`") {
		t.Errorf("confirmation does not name the order:\n%s", p.Text)
	}
}
