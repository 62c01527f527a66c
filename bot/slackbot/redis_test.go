package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/redistest"
	"resendbot/bot/redisstate"
	"resendbot/frontpay/frontpaytest"
)

// replicas runs n bots as separate processes would run them: each with its
// own Redis client, all on one fake Slack (replica i holds socket i), one
// Front Payment and one Redis.
func replicas(t *testing.T, n int, env map[string]string) ([]*harness, *redistest.Server) {
	t.Helper()
	url, srv := redistest.Start(t)
	slack, fp := fakeslack.New(t), frontpaytest.NewServer(t)
	hs := make([]*harness, n)
	for i := range hs {
		hs[i] = startOn(t, env, slack, fp, newRedisState(t, url, ""))
	}
	return hs, srv
}

// commandOn sends a /resend on socket conn of the replicas hs (which share
// one fake Slack) and returns the caller-only answer, in its ack or, when
// the replica acknowledged it early, through its response_url; and the
// socket that acknowledged it.
func commandOn(t *testing.T, hs []*harness, conn int, user, text string) (answer string, socket int) {
	t.Helper()
	id := hs[0].slack.SlashCommand(fakeslack.SlashCommand{UserID: user, ChannelID: room, Text: text, Conn: conn})
	ack, err := hs[0].slack.WaitAck(id, wait)
	if err != nil {
		t.Fatalf("no ack for %q on socket #%d: %v", text, conn, err)
	}
	return answerIn(t, hs, id, ack), ack.Socket
}

// answerIn is the caller-only answer to envelope id, acknowledged with ack
// by one of the replicas hs.
func answerIn(t *testing.T, hs []*harness, id string, ack fakeslack.Ack) string {
	t.Helper()
	if got := ackText(t, ack.Payload); got != "" {
		return got
	}
	for _, h := range hs {
		if _, early := h.early.Load(id); early {
			return h.earlyAnswer(id)
		}
	}
	return ""
}

// sentOn runs a request on socket conn to its outcome.
func sentOn(t *testing.T, h *harness, conn int, user, text string) {
	t.Helper()
	before := len(h.slack.Messages())
	if got, _ := commandOn(t, []*harness{h}, conn, user, text); got != "" {
		t.Fatalf("%q on socket #%d refused: %q", text, conn, got)
	}
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		return len(s.Messages) >= before+2 && len(s.Messages[before].Updates) > 0
	}, wait); err != nil {
		t.Fatalf("no outcome for %q: %v", text, err)
	}
}

func TestReplicasSharePerUserLimit(t *testing.T) {
	hs, _ := replicas(t, 2, map[string]string{"RESEND_RATE_PER_USER": "2/1h", "RESEND_COOLDOWN": "0"})
	h := hs[0]
	sentOn(t, h, 0, agent, uuidA+" email=a@example.com")
	sentOn(t, h, 1, agent, uuidA+" email=b@example.com")
	posts := len(h.slack.Messages())
	sockets := map[int]bool{}
	for i, conn := range []int{0, 1, 0, 1} {
		got, socket := commandOn(t, hs, conn, agent, fmt.Sprintf("%s email=c%d@example.com", uuidA, i))
		sockets[socket] = true
		if !strings.Contains(got, "You've made a lot of requests in a short time, so nothing was sent") || !strings.Contains(got, "nothing was sent") {
			t.Errorf("third+ command on socket #%d: %q, want the per-user limit", conn, got)
		}
	}
	if len(sockets) != 2 {
		t.Errorf("refusals came from sockets %v, want both replicas", sockets)
	}
	// The limit is per user: someone else still has their budget, on either replica.
	sentOn(t, h, 1, agent2, uuidA+" email=d@example.com")
	if n := len(h.fp.Resends()); n != 3 {
		t.Errorf("front payment calls = %d, want 3", n)
	}
	if n := len(h.slack.Messages()); n != posts+2 {
		t.Errorf("refused requests posted in the channel: %d messages, want %d", n, posts+2)
	}
}

func TestReplicasRacingOnOneRequestSendOnce(t *testing.T) {
	hs, _ := replicas(t, 2, nil)
	h := hs[0]
	hold := make(chan struct{})
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})

	// A double click that Slack spreads over both replicas.
	text := uuidA + " email=kari@example.com"
	ids := []string{
		h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: text, Conn: 0}),
		h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: text, Conn: 1}),
	}
	var accepted, inProgress int
	sockets := map[int]bool{}
	for _, id := range ids {
		ack, err := h.slack.WaitAck(id, wait)
		if err != nil {
			t.Fatal(err)
		}
		sockets[ack.Socket] = true
		switch got := answerIn(t, hs, id, ack); {
		case got == "":
			accepted++
		case strings.Contains(got, "already in progress"):
			inProgress++
		default:
			t.Errorf("unexpected answer %q", got)
		}
	}
	if accepted != 1 || inProgress != 1 || len(sockets) != 2 {
		t.Errorf("accepted %d, refused as in progress %d, on sockets %v; want one each, on both replicas", accepted, inProgress, sockets)
	}
	h.fp.WaitForResends(1, wait)
	close(hold)
	h.thread()
	// Once sent, the cooldown holds on the other replica too.
	got, _ := commandOn(t, hs, 1, agent2, text)
	if !strings.Contains(got, "already sent") {
		t.Errorf("after the send, the other replica answered %q, want the cooldown", got)
	}
	time.Sleep(50 * time.Millisecond) // a second call would have started by now
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want exactly 1", n)
	}
	if n := len(h.slack.Messages()); n != 2 {
		t.Errorf("channel messages = %d, want the one audit message and its reply", n)
	}
}

func TestReplicasActOnceOnARedeliveredEnvelope(t *testing.T) {
	// No cooldown: only the shared envelope record stops a second send.
	hs, _ := replicas(t, 2, map[string]string{"RESEND_COOLDOWN": "0"})
	h := hs[0]
	payload, _ := json.Marshal(map[string]any{
		"user_id": agent, "channel_id": room, "command": "/resend", "text": uuidA + " email=kari@example.com",
		"response_url": h.slack.APIURL() + "../response/x", "trigger_id": "1.2",
	})
	h.slack.Send(fakeslack.Envelope{Type: "slash_commands", EnvelopeID: "env-dup-1", Payload: payload, Conn: 0})
	h.thread()
	// Slack did not see the ack in time and hands the envelope to the other replica.
	h.slack.Redeliver("env-dup-1", 1)
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.AcksFor("env-dup-1")) == 2 }, wait)
	if err != nil {
		t.Fatal(err)
	}
	acks := snap.AcksFor("env-dup-1")
	if acks[0].Socket == acks[1].Socket {
		t.Errorf("both deliveries acknowledged on socket %d, want one per replica", acks[0].Socket)
	}
	if got := ackText(t, acks[1].Payload); got != "" {
		t.Errorf("the redelivery was answered %q, want a bare ack", got)
	}
	hs[1].earlyAnswer("env-dup-1") // handled, if it was acknowledged before
	if !strings.Contains(hs[1].logs.String(), "redelivered envelope ignored") {
		t.Error("the second replica did not recognise the redelivery")
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
	if n := len(h.slack.Messages()); n != 2 {
		t.Errorf("channel messages = %d, want 2", n)
	}
}

func TestRedisDownRefusesCleanlyAndRecovers(t *testing.T) {
	url, srv := redistest.Start(t)
	state := newRedisState(t, url, "")
	h := startOn(t, map[string]string{"RESEND_COOLDOWN": "0"}, fakeslack.New(t), frontpaytest.NewServer(t), state)
	ready := h.bot.Ready
	h.sent(agent, uuidA+" email=a@example.com")
	if err := ready(t.Context()); err != nil {
		t.Errorf("not ready with Redis up: %v", err)
	}

	srv.Stop()
	start := time.Now()
	h.refused(agent, uuidA+" email=b@example.com", "can't check its limits")
	h.refused(agent2, uuidA+" phone=41234567", "Try again shortly")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("two refusals with Redis down took %v: a dead Redis must not stall the ack", d)
	}
	if err := ready(t.Context()); err == nil {
		t.Error("ready while Redis is down")
	}
	down := 0
	for _, l := range h.waitAudit(3) {
		if l["outcome"] == "refused" && l["reason"] == bot.ReasonStateDown {
			down++
		}
	}
	if down != 2 {
		t.Errorf("%d audit lines say refused/%s, want 2:\n%s", down, bot.ReasonStateDown, h.logs.String())
	}
	if !strings.Contains(h.logs.String(), "guardrail state unavailable") {
		t.Error("the log does not say why requests were refused")
	}

	srv.Restart()
	waitHealthy(t, state)
	if err := ready(t.Context()); err != nil {
		t.Errorf("not ready after Redis came back: %v", err)
	}
	h.sent(agent, uuidA+" email=b@example.com")
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2 (none while Redis was down)", n)
	}
}

// TestRedisHungRefusesWithinTheAck runs the production timeouts against a
// Redis that accepts but does not answer.
func TestRedisHungRefusesWithinTheAck(t *testing.T) {
	url, srv := redistest.Start(t)
	state, closeState, err := redisstate.Open(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeState() })
	h := startOn(t, nil, fakeslack.New(t), frontpaytest.NewServer(t), state)
	h.sent(agent, uuidA+" email=a@example.com")

	srv.Freeze()
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: uuidA + " email=b@example.com"})
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if got := answerIn(t, []*harness{h}, id, ack); !strings.Contains(got, "can't check its limits") {
		t.Errorf("answer with Redis hung: %q", got)
	}
	if ack.Latency() >= 3*time.Second {
		t.Errorf("ack took %v with Redis hung, past Slack's 3 s", ack.Latency())
	}
	srv.Thaw()
	waitHealthy(t, state)
	// The hung claim may have landed when Redis woke: it holds that
	// destination until the hold expires, which errs on the side of not
	// sending. Another destination goes through.
	h.sent(agent, uuidA+" email=c@example.com")
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2", n)
	}
}

func TestReplicasRetryPressedOnEachSendsOnce(t *testing.T) {
	hs, _ := replicas(t, 2, nil)
	h := hs[0]
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	sentOn(t, h, 0, agent, uuidA+" email=kari@example.com")
	reply := h.slack.Messages()[1]
	key := retryButton(t, reply)
	if key == "" {
		t.Fatal("no Retry button")
	}
	h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
	// The same button pressed on both replicas at once (two people, or a
	// double click that Slack spread over two connections).
	ids := []string{h.pressOn(0, agent, reply, key), h.pressOn(1, agent2, reply, key)}
	for _, id := range ids {
		if _, err := h.slack.WaitAck(id, wait); err != nil {
			t.Fatal(err)
		}
	}
	// The press that loses is told the button was used, or, when it comes
	// while the other is still sending, that a resend is in progress.
	h.responseURLSays("nothing more was sent")
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		th := s.Thread(room, s.Messages[0].TS)
		return len(th) >= 3 && len(th[1].Updates) > 0
	}, wait); err != nil {
		t.Fatalf("the retry did not run: %v", err)
	}
	if n := len(h.fp.Resends()); n != 2 {
		t.Errorf("front payment calls = %d, want 2 (the first and one retry)", n)
	}
}

// newRedisState is a State on the Redis at url, closed when the test ends.
func newRedisState(t testing.TB, url, prefix string) bot.State {
	t.Helper()
	s, closeState, err := redisstate.Open(t.Context(), url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeState() })
	return s
}

// waitHealthy waits until s answers again.
func waitHealthy(t testing.TB, s bot.State) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for s.Health(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Redis never became healthy again")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two replicas of the bot on a Redis that Sentinel watches, through a
// failover (the primary killed, the replica promoted): each command reaches
// both replicas at once, as a redelivery spread over two connections
// would. It is sent at most once; a command that cannot be checked is
// refused with today's words; the bot works again by itself, and the
// cooldown written before the failover still holds.
func TestReplicasThroughASentinelFailover(t *testing.T) {
	t.Parallel()
	s := redistest.StartSentinel(t, "")
	replicasThroughAFailover(t, s.URL(), func() { s.Primary.KillAfterSync(s.Replica) })
}

// The same through a Redis Cluster primary's failover (its replica takes
// over its slots).
func TestReplicasThroughAClusterFailover(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t)
	replicasThroughAFailover(t, c.URL(), func() { c.Primaries[0].KillAfterSync(c.Replicas[0]) })
}

func replicasThroughAFailover(t *testing.T, url string, failover func()) {
	slack, fp := fakeslack.New(t), frontpaytest.NewServer(t)
	env := map[string]string{"RESEND_RATE_PER_USER": "10000/1m", "RESEND_RATE_GLOBAL": "10000/1m"}
	h := startOn(t, env, slack, fp, newRedisState(t, url, ""))
	hs := []*harness{h, startOn(t, env, slack, fp, newRedisState(t, url, ""))}
	sentOn(t, h, 0, agent, uuidA+" email=before@example.com")

	failover()
	accepted, stateDown, recovered := 0, 0, 0
	for round, deadline := 0, time.Now().Add(30*time.Second); recovered < 3; round++ {
		if time.Now().After(deadline) {
			t.Fatalf("the bot did not work again within 30 s of the failover (%d rounds, %d refused as unchecked)", round, stateDown)
		}
		text := fmt.Sprintf("%s email=r%d@example.com", uuidA, round)
		ids := []string{
			slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: text, Conn: 0}),
			slack.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: text, Conn: 1}),
		}
		took := 0
		for _, id := range ids {
			ack, err := slack.WaitAck(id, wait)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			switch got := answerIn(t, hs, id, ack); {
			case got == "":
				took++
			case strings.Contains(got, "can't check its limits"):
				stateDown++
			case strings.Contains(got, "already in progress"), strings.Contains(got, "was already sent"):
			default:
				t.Errorf("round %d: refused with %q", round, got)
			}
		}
		if took > 1 {
			t.Fatalf("round %d: both replicas took %q", round, text)
		}
		accepted += took
		if took == 1 && stateDown > 0 {
			recovered++
		}
		time.Sleep(50 * time.Millisecond)
	}
	if stateDown == 0 {
		t.Error("no command was refused while there was no primary: the test did not see the failover")
	}
	// Every accepted command reaches Front Payment once; none twice.
	if _, err := slack.WaitFor(func(snap fakeslack.Snapshot) bool {
		n := 0
		for _, m := range snap.Messages {
			if m.ThreadTS == "" && len(m.Updates) > 0 {
				n++
			}
		}
		return n == 1+accepted
	}, wait); err != nil {
		t.Fatalf("outcomes: %v", err)
	}
	to := map[string]int{}
	for _, r := range fp.Resends() {
		to[string(r.Body)]++
		if to[string(r.Body)] > 1 {
			t.Errorf("sent twice: %s", r.Body)
		}
	}
	if n := len(fp.Resends()); n != 1+accepted {
		t.Errorf("front payment calls = %d, want %d", n, 1+accepted)
	}
	// The cooldown written before the failover survived it.
	if got, _ := commandOn(t, hs, 1, agent, uuidA+" email=before@example.com"); !strings.Contains(got, "was already sent") {
		t.Errorf("after the failover, the resend before it answered %q; want the cooldown", got)
	}
}
