package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// ledger is a recorder whose Front Payment knows reservations and orders
// by UUID: each answers only under its own kind, as Front Payment does.
type ledger struct {
	*recorder
	kinds  map[string]frontpay.LinkKind
	status map[string]string // a record's status; "" is open
	fail   map[string]error  // a read that fails
}

func (l ledger) Details(_ context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	l.note("read " + kind.String() + " " + uuid)
	if err := l.fail[kind.String()+" "+uuid]; err != nil {
		return nil, err
	}
	if l.kinds[uuid] != kind {
		return nil, &frontpay.Error{Op: frontpay.OpDetails, Link: kind, Kind: frontpay.KindNotFound, StatusCode: 404}
	}
	return &frontpay.Record{Kind: kind, UUID: uuid, Status: l.status[uuid],
		Customer: frontpay.Customer{Email: "kari@example.com"}}, nil
}

const orderUUID = "7d8e9f00-1a2b-4c3d-8e4f-5a6b7c8d9e0f"

func startLedger(t *testing.T, l ledger, vars map[string]string) *Core {
	t.Helper()
	return startCoreOn(t, Deps{Resender: l}, l.recorder, vars)
}

func (r *recorder) eventsSoFar() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, ",")
}

// The kind is found on the core's path, so every door that hands the core
// a Command or a Form gets it: the form here, as shortcuts and workflow
// steps do.
func TestTheCoreFindsTheKindForEveryDoor(t *testing.T) {
	l := ledger{recorder: newRecorder(), kinds: map[string]frontpay.LinkKind{orderUUID: frontpay.LinkOrder}}
	c := startLedger(t, l, map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "false", "RESEND_COOLDOWN": "0"})
	if ie, reply := c.Form(t.Context(), agentOrigin, orderUUID, "kari@example.com", ""); ie != nil || !reply.Queued {
		t.Fatalf("form: %v %+v", ie, reply)
	}
	l.waitFor(t, "update", 1)
	c.Command(t.Context(), agentOrigin, orderUUID+" email=other@example.com")
	l.waitFor(t, "update", 2)
	want := "read reservation " + orderUUID + ",read order " + orderUUID + ",post C0SUPPORT,resend order " + orderUUID +
		",post C0SUPPORT,update C0SUPPORT" + ",post C0SUPPORT,resend order " + orderUUID + ",post C0SUPPORT,update C0SUPPORT"
	if got := l.eventsSoFar(); got != want {
		t.Errorf("events\n %s\nwant\n %s", got, want)
	}
	l.mu.Lock()
	audit := l.posts[0].Text
	l.mu.Unlock()
	if !strings.Contains(audit, "payment link of order `"+orderUUID+"`") {
		t.Errorf("audit message %q", audit)
	}
}

// Nothing is read before the ack: the Reply comes before any read.
func TestTheKindIsNotFoundBeforeTheAck(t *testing.T) {
	l := ledger{recorder: newRecorder(), kinds: map[string]frontpay.LinkKind{orderUUID: frontpay.LinkOrder}}
	cfg, err := LoadConfig(testkit.Env(testkit.MinimalEnv()), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCore(cfg, Deps{Resender: l}, l.recorder) // not started: no worker runs
	if reply := c.Command(t.Context(), agentOrigin, orderUUID+" email=kari@example.com"); !reply.Queued {
		t.Fatalf("reply %+v", reply)
	}
	if got := l.eventsSoFar(); got != "" {
		t.Errorf("before any worker ran: %s", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopCore(t, c, ctx, cancel) // the queued one is abandoned, its caller told
}

// A shared state that cannot recall the kind costs a read, never a send
// to the wrong kind.
func TestAnUnreadableKindIsReadAgain(t *testing.T) {
	l := ledger{recorder: newRecorder(), kinds: map[string]frontpay.LinkKind{orderUUID: frontpay.LinkOrder}}
	state := MemoryState(time.Now)
	state.Stash = brokenStash{state.Stash}
	c := startCoreOn(t, Deps{Resender: l, State: state}, l.recorder, map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "false"})
	c.Command(t.Context(), agentOrigin, orderUUID+" email=kari@example.com")
	l.waitFor(t, "update", 1)
	if got := l.eventsSoFar(); !strings.HasPrefix(got, "read reservation "+orderUUID+",read order "+orderUUID+",post C0SUPPORT,resend order ") {
		t.Errorf("events %s", got)
	}
}

// brokenStash cannot read the kinds it keeps.
type brokenStash struct{ Stash }

func (b brokenStash) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if strings.HasPrefix(key, stashKind) {
		return nil, false, errors.New("redis: connection refused")
	}
	return b.Stash.Get(ctx, key)
}

// The record's word decides, for both kinds: paid or cancelled ends the
// request with only the caller told; a failing order read after a
// reservation 404 goes on as an order.
func TestTheRecordDecides(t *testing.T) {
	const paid, gone, flaky = "11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002", "11111111-0000-4000-8000-000000000003"
	l := ledger{recorder: newRecorder(),
		kinds:  map[string]frontpay.LinkKind{paid: frontpay.LinkOrder, gone: frontpay.LinkReservation},
		status: map[string]string{paid: "PARTIALLY_REFUNDED", gone: "canceled"},
		fail:   map[string]error{"order " + flaky: &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 502}},
	}
	c := startLedger(t, l, nil)
	c.Command(t.Context(), agentOrigin, paid+" email=kari@example.com")
	l.waitFor(t, "tell", 1)
	c.Command(t.Context(), agentOrigin, gone+" email=kari@example.com")
	l.waitFor(t, "tell", 2)
	c.Command(t.Context(), agentOrigin, flaky+" email=kari@example.com")
	l.waitFor(t, "update", 1)
	if n := l.count("post"); n != 2 {
		t.Errorf("%d posts, want only the flaky one's audit message and outcome", n)
	}
	if n := l.count("resend"); n != 1 || !strings.Contains(l.eventsSoFar(), "resend order "+flaky) {
		t.Errorf("resends: %s", l.eventsSoFar())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !strings.Contains(l.tells[0].Text, "this order is already paid") || !strings.Contains(l.tells[1].Text, "this reservation is cancelled") {
		t.Errorf("told %q / %q", l.tells[0].Text, l.tells[1].Text)
	}
	if !strings.Contains(l.posts[0].Text, "order `"+flaky+"`") || !strings.Contains(l.posts[0].Text, "could not be compared") {
		t.Errorf("audit message %q", l.posts[0].Text)
	}
}
