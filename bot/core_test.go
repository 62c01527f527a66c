package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// The core's own tests: a request's life through a recording surface and
// a recording Front Payment, without Slack or HTTP.

// recorder is a Surface and a Resender that write down, in order, what
// the core asked of them.
type recorder struct {
	mu      sync.Mutex
	events  []string // "post C1", "resend <uuid>", "update C1", "tell U1"
	tells   []Message
	posts   []Message
	threads []string           // the thread of each post, "" for none
	sentTo  []frontpay.Contact // the contact of each resend
	postErr error              // what Post answers, nil: a ts
	answer  func() error       // what Resend answers, nil: accepted
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 100)} }

func (r *recorder) note(e string) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Post(_ context.Context, channel, thread string, m Message) (string, error) {
	r.mu.Lock()
	err := r.postErr
	r.posts = append(r.posts, m)
	r.threads = append(r.threads, thread)
	r.mu.Unlock()
	r.note("post " + channel)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("17000000%02d.000100", len(r.posts)), nil
}

func (r *recorder) Update(_ context.Context, channel, _ string, _ Message) error {
	r.note("update " + channel)
	return nil
}

func (r *recorder) Tell(_ context.Context, o Origin, m Message) error {
	r.mu.Lock()
	r.tells = append(r.tells, m)
	r.mu.Unlock()
	r.note("tell " + o.UserID)
	return nil
}

func (r *recorder) Resend(_ context.Context, kind frontpay.LinkKind, uuid string, to frontpay.Contact) error {
	if kind != frontpay.LinkReservation {
		uuid = kind.String() + " " + uuid
	}
	r.mu.Lock()
	r.sentTo = append(r.sentTo, to)
	r.mu.Unlock()
	r.note("resend " + uuid)
	if r.answer != nil {
		return r.answer()
	}
	return nil
}

// waitFor waits until an event starting with prefix has been recorded n times.
func (r *recorder) waitFor(t *testing.T, prefix string, n int) {
	t.Helper()
	deadline := time.After(testkit.Wait)
	for {
		r.mu.Lock()
		got := 0
		for _, e := range r.events {
			if strings.HasPrefix(e, prefix) {
				got++
			}
		}
		events := append([]string(nil), r.events...)
		r.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("want %d %q, have events %v", n, prefix, events)
		}
	}
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if strings.HasPrefix(e, prefix) {
			n++
		}
	}
	return n
}

const coreUUID = "3f1c2a9e-8b7d-4c6e-9f01-23456789abcd"

// startCore runs a core on rec with the minimal configuration and vars.
func startCore(t *testing.T, rec *recorder, vars map[string]string) *Core {
	t.Helper()
	c, _ := runCore(t, rec, vars)
	return c
}

// startCoreOn runs a core of d on rec with the minimal configuration and
// vars.
func startCoreOn(t *testing.T, d Deps, rec *recorder, vars map[string]string) *Core {
	t.Helper()
	c, _ := runCoreOn(t, d, rec, vars)
	return c
}

// runCore is startCore that also returns how to stop the core before the
// test ends (stopping it again does nothing).
func runCore(t testing.TB, rec *recorder, vars map[string]string) (*Core, func()) {
	return runCoreOn(t, Deps{Resender: rec}, rec, vars)
}

// runCoreOn is startCoreOn that also returns how to stop the core.
func runCoreOn(t testing.TB, d Deps, rec *recorder, vars map[string]string) (*Core, func()) {
	t.Helper()
	c := newTestCore(t, d, rec, vars)
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	stop := sync.OnceFunc(func() { stopCore(t, c, ctx, cancel) })
	t.Cleanup(stop)
	return c, stop
}

// stopCore stops c with a second's grace, cancelling ctx through cancel,
// and fails the test if Stop has not returned within testkit.Wait (a
// worker that never ends).
func stopCore(t testing.TB, c *Core, ctx context.Context, cancel context.CancelFunc) {
	t.Helper()
	stopped := make(chan struct{})
	go func() {
		c.Stop(ctx, time.Second, cancel)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(testkit.Wait):
		t.Error("Stop did not return")
	}
	cancel()
}

var agentOrigin = Origin{UserID: "U0AGENT", ChannelID: "C0SUPPORT", ResponseURL: "https://hooks.example/r", Source: SourceSlash}

func TestAuditMessageComesBeforeTheOneCall(t *testing.T) {
	rec := newRecorder()
	c := startCore(t, rec, nil)
	if reply := c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com"); !reply.Queued || reply.Answer != "" {
		t.Fatalf("reply = %+v, want queued with no answer", reply)
	}
	rec.waitFor(t, "update", 1)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []string{"post C0SUPPORT", "resend " + coreUUID, "post C0SUPPORT", "update C0SUPPORT"}
	if strings.Join(rec.events, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v (audit message, one call, outcome reply, audit update)", rec.events, want)
	}
}

func TestNoAuditMessageNoSend(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("chat.postMessage: %w: not_in_channel", ErrNotInChannel), "/invite @resendbot"},
		{fmt.Errorf("chat.postMessage: %w: channel_not_found", ErrDirectMessage), "direct message"},
		{errors.New("chat.postMessage: internal_error"), "couldn't post the audit message"},
	} {
		rec := newRecorder()
		rec.postErr = c.err
		core := startCore(t, rec, nil)
		core.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
		rec.waitFor(t, "tell", 1)
		if n := rec.count("resend"); n != 0 {
			t.Errorf("%v: %d Front Payment calls without an audit message", c.err, n)
		}
		rec.mu.Lock()
		if told := rec.tells[0].Text; !strings.Contains(told, c.want) || !strings.Contains(told, "Nothing was sent") {
			t.Errorf("%v: caller told %q, want %q", c.err, told, c.want)
		}
		rec.mu.Unlock()
	}
}

func TestBadInputIsAnsweredNowAndChangesNothing(t *testing.T) {
	rec := newRecorder()
	c := startCore(t, rec, nil)
	reply := c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@")
	if reply.Queued || !strings.Contains(reply.Answer, "Nothing was sent") {
		t.Fatalf("reply = %+v", reply)
	}
	if help := c.Command(t.Context(), agentOrigin, "help"); help.Queued || !strings.Contains(help.Answer, "email=") {
		t.Errorf("help = %+v", help)
	}
	if n := rec.count(""); n != 0 {
		t.Errorf("%d events after bad input and help", n)
	}
}

// retryKey is the value of the Retry button among the posts so far ("" for
// none); from then on Front Payment answers as it does by default.
func (r *recorder) retryKey() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var key string
	for _, m := range r.posts {
		for _, b := range m.Buttons {
			if b.Action == ActionRetry {
				key = b.Value
			}
		}
	}
	r.answer = nil
	return key
}

// confirmChoice waits for the first caller-only answer and returns the
// value of its confirmation button for choice ("" for none).
func (r *recorder) confirmChoice(t *testing.T, choice string) string {
	t.Helper()
	r.waitFor(t, "tell", 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.tells[0].Buttons {
		if strings.HasSuffix(b.Value, ":"+choice) {
			return b.Value
		}
	}
	return ""
}

func TestRetryPressWorksOnce(t *testing.T) {
	rec := newRecorder()
	rec.answer = func() error { return &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 510} }
	c := startCore(t, rec, nil)
	c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
	rec.waitFor(t, "update", 1)
	key := rec.retryKey()
	if key == "" {
		t.Fatal("no Retry button on a 510 reply")
	}
	presser := Origin{UserID: "U0OTHER", ChannelID: "C0SUPPORT"}
	if reply := c.Press(t.Context(), presser, ActionRetry, key); !reply.Queued {
		t.Fatalf("first press: %+v", reply)
	}
	rec.waitFor(t, "resend", 2)
	// Said before any other check: the first press's send started a
	// cooldown, which is not what the presser reads.
	if reply := c.Press(t.Context(), presser, ActionRetry, key); reply.Queued || reply.Answer != English().T(msgAlreadyPressed) {
		t.Errorf("second press: %+v", reply)
	}
	if reply := c.Press(t.Context(), presser, ActionRetry, "no-such-key"); reply.Queued || !strings.Contains(reply.Answer, "expired") {
		t.Errorf("unknown button: %+v", reply)
	}
	rec.waitFor(t, "update", 3)
	if n := rec.count("resend"); n != 2 {
		t.Errorf("front payment calls = %d, want 2", n)
	}
}

// reader is a recorder that also reads reservations: the one on file is
// Kari's.
type reader struct{ *recorder }

func (r reader) Details(_ context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	if kind != frontpay.LinkReservation {
		r.note("read " + kind.String() + " " + uuid)
		return nil, frontpay.ErrNotFound
	}
	r.note("read " + uuid)
	return &frontpay.Record{Kind: kind, UUID: uuid, Status: "sent",
		Customer: frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}}, nil
}

func TestConfirmationBeforeAStrangersAddress(t *testing.T) {
	rec := newRecorder()
	cfg, err := LoadConfig(testkit.Env(testkit.MinimalEnv()), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCore(cfg, Deps{Resender: reader{rec}}, rec)
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	t.Cleanup(func() { stopCore(t, c, ctx, cancel) })

	// The contact on file, whatever its case: straight on.
	c.Command(t.Context(), agentOrigin, coreUUID+" email=KARI@example.com")
	rec.waitFor(t, "update", 1)
	// Someone else's: read, then asked, nothing posted or sent.
	c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@exmaple.com")
	rec.waitFor(t, "tell", 1)
	rec.mu.Lock()
	events, asked := strings.Join(rec.events, ","), rec.tells[0]
	rec.mu.Unlock()
	want := "read " + coreUUID + ",post C0SUPPORT,resend " + coreUUID + ",post C0SUPPORT,update C0SUPPORT,read " + coreUUID + ",tell U0AGENT"
	if events != want {
		t.Fatalf("events = %s, want %s", events, want)
	}
	if len(asked.Buttons) != 3 || asked.Buttons[0].Action != ActionConfirm {
		t.Fatalf("asked %+v", asked)
	}
	if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, asked.Buttons[0].Value); !reply.Queued {
		t.Fatalf("press: %+v", reply)
	}
	rec.waitFor(t, "update", 2)
	rec.mu.Lock()
	audit := rec.posts[2].Text
	rec.mu.Unlock()
	if !strings.Contains(audit, "(not the contact on file; <@U0AGENT> confirmed it)") {
		t.Errorf("audit message %q", audit)
	}
	if n := rec.count("resend"); n != 2 {
		t.Errorf("front payment resends = %d, want 2", n)
	}
}
