package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"resendbot/bot/internal/testkit"
)

// TestMain fails the package if any goroutine outlives the tests, giving
// them testkit.Leaked's generous wait to end rather than goleak's own
// second or so, which a loaded machine can outlast.
func TestMain(m *testing.M) {
	os.Exit(testkit.RunWithoutLeaks(m))
}

const wait = 5 * time.Second

// botClient is the real slack-go Socket Mode client, acking everything it
// gets (slash commands with {"text":"hi"}) and forwarding it to reqs.
type botClient struct {
	api     *slack.Client
	sm      *socketmode.Client
	cancel  context.CancelFunc
	reqs    chan socketmode.Event
	runDone chan struct{}
	runErr  error // valid once runDone is closed
	loop    sync.WaitGroup
}

func startClient(t *testing.T, s *Server, opts ...socketmode.Option) *botClient {
	t.Helper()
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(AppToken))
	c := &botClient{
		api:     api,
		sm:      socketmode.New(api, opts...),
		reqs:    make(chan socketmode.Event, 100),
		runDone: make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		defer close(c.runDone)
		c.runErr = c.sm.RunContext(ctx)
	}()
	c.loop.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-c.sm.Events:
				switch evt.Type {
				case socketmode.EventTypeSlashCommand:
					_ = c.sm.Ack(*evt.Request, map[string]any{"text": "hi"})
				case socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
					_ = c.sm.Ack(*evt.Request)
				default:
					continue
				}
				select {
				case c.reqs <- evt:
				default:
					t.Errorf("reqs full, dropping %s", evt.Type)
				}
			}
		}
	})
	t.Cleanup(func() { c.stop(t) })
	return c
}

func (c *botClient) stop(t *testing.T) {
	c.cancel()
	c.loop.Wait()
	select {
	case <-c.runDone:
	case <-time.After(wait):
		t.Errorf("RunContext did not return after cancel")
	}
}

func (c *botClient) next(t *testing.T, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case evt := <-c.reqs:
			if evt.Type == typ {
				return evt
			}
		case <-timer.C:
			t.Fatalf("no %s event within %v", typ, wait)
		}
	}
}

func mustJSONEqual(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("JSON = %s, want %s", gb, wb)
	}
}

func TestSlashCommandRoundTrip(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	id := s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "help"})
	evt := c.next(t, socketmode.EventTypeSlashCommand)
	cmd := evt.Data.(slack.SlashCommand)
	if cmd.Command != "/resend" || cmd.Text != "help" || cmd.UserID != "U1" || cmd.ChannelID != "C1" ||
		cmd.ResponseURL != s.ResponseURL(id) || cmd.APIAppID != AppID || cmd.TeamID != TeamID || cmd.TriggerID == "" {
		t.Fatalf("slash command = %+v", cmd)
	}
	if evt.Request.EnvelopeID != id || !evt.Request.AcceptsResponsePayload || evt.Request.Type != "slash_commands" {
		t.Fatalf("request = %+v", evt.Request)
	}
	ack, err := s.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	mustJSONEqual(t, ack.Payload, `{"text":"hi"}`)
	if l := ack.Latency(); l <= 0 || l > wait {
		t.Fatalf("latency %v", l)
	}
	if ack.Socket != 1 {
		t.Fatalf("ack on socket %d", ack.Socket)
	}

	// The same envelope again (a redelivery) arrives again, marked as a retry.
	s.Redeliver(id, 0)
	evt = c.next(t, socketmode.EventTypeSlashCommand)
	if evt.Request.EnvelopeID != id || evt.Request.RetryAttempt != 1 || evt.Request.RetryReason != "timeout" {
		t.Fatalf("redelivered request = %+v", evt.Request)
	}
	snap, err := s.WaitFor(func(s Snapshot) bool { return len(s.AcksFor(id)) == 2 }, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Envelopes) != 2 || snap.Envelopes[1].RetryAttempt != 1 {
		t.Fatalf("envelopes = %+v", snap.Envelopes)
	}
}

func TestEventsAPIAndInteractive(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	id := s.EventsAPI(map[string]any{
		"type": "app_mention", "user": "U1", "text": "<@UBOT> resend help",
		"channel": "C1", "ts": "1700000000.000001", "thread_ts": "1699999999.000001", "event_ts": "1700000000.000001",
	}, EventOpts{EventID: "Ev42"})
	evt := c.next(t, socketmode.EventTypeEventsAPI)
	ev := evt.Data.(slackevents.EventsAPIEvent)
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb.EventID != "Ev42" || ev.Type != slackevents.CallbackEvent {
		t.Fatalf("event = %+v", ev)
	}
	mention, ok := ev.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !ok || mention.Text != "<@UBOT> resend help" || mention.Channel != "C1" || mention.ThreadTimeStamp != "1699999999.000001" {
		t.Fatalf("inner event = %#v", ev.InnerEvent.Data)
	}
	ack, err := s.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Fatalf("events ack payload %s", ack.Payload)
	}

	// An interactive payload, typed.
	id = s.Interactive(slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		User:        slack.User{ID: "U1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
		ResponseURL: s.ResponseURL("button-1"),
		TriggerID:   "trig-1",
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: "retry", BlockID: "b1", Value: "abc", Type: "button"},
		}},
	}, 0)
	evt = c.next(t, socketmode.EventTypeInteractive)
	cbk := evt.Data.(slack.InteractionCallback)
	if cbk.Type != slack.InteractionTypeBlockActions || len(cbk.ActionCallback.BlockActions) != 1 ||
		cbk.ActionCallback.BlockActions[0].Value != "abc" || cbk.User.ID != "U1" || cbk.Channel.ID != "C1" {
		t.Fatalf("callback = %+v", cbk)
	}
	if evt.Request.AcceptsResponsePayload {
		t.Fatal("block_actions should not accept a response payload")
	}
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}

	// And raw JSON.
	id = s.Interactive(json.RawMessage(`{"type":"view_submission","user":{"id":"U2"},"view":{"id":"V1","callback_id":"resend"}}`), 0)
	evt = c.next(t, socketmode.EventTypeInteractive)
	cbk = evt.Data.(slack.InteractionCallback)
	if cbk.Type != slack.InteractionTypeViewSubmission || cbk.View.CallbackID != "resend" || !evt.Request.AcceptsResponsePayload {
		t.Fatalf("callback = %+v", cbk)
	}
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
}

func TestChooseSocket(t *testing.T) {
	s := New(t)
	c1 := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	c2 := startClient(t, s)
	if err := s.WaitConnected(2, wait); err != nil {
		t.Fatal(err)
	}
	id := s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "two", Conn: 1})
	evt := c2.next(t, socketmode.EventTypeSlashCommand)
	if evt.Request.EnvelopeID != id {
		t.Fatalf("c2 got %s", evt.Request.EnvelopeID)
	}
	id = s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "one"})
	evt = c1.next(t, socketmode.EventTypeSlashCommand)
	if evt.Request.EnvelopeID != id {
		t.Fatalf("c1 got %s", evt.Request.EnvelopeID)
	}
}

func TestWebAPI(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))

	at, err := api.AuthTest()
	if err != nil || at.UserID != BotUserID || at.BotID != BotID || at.TeamID != TeamID {
		t.Fatalf("auth.test = %+v, %v", at, err)
	}

	ch, ts, err := api.PostMessage("C1",
		slack.MsgOptionText("audit", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*audit*", false, false), nil, nil)))
	if err != nil || ch != "C1" || ts == "" {
		t.Fatalf("postMessage = %q %q %v", ch, ts, err)
	}
	_, ts2, err := api.PostMessage("C1", slack.MsgOptionText("outcome", false), slack.MsgOptionTS(ts))
	if err != nil || !(ts2 > ts) {
		t.Fatalf("reply = %q %v (root %q)", ts2, err, ts)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("audit: sent", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", "1.000000", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Fatalf("update unknown: %v", err)
	}
	msgs, err := s.WaitMessages(2, wait)
	if err != nil {
		t.Fatal(err)
	}
	root := msgs[0]
	if root.Text != "audit: sent" || len(root.Updates) != 1 || root.Updates[0].Text != "audit: sent" ||
		!strings.Contains(string(root.Blocks), "*audit*") || root.ThreadTS != "" || root.TS != ts {
		t.Fatalf("root = %+v", root)
	}
	if msgs[1].ThreadTS != ts || msgs[1].Text != "outcome" {
		t.Fatalf("reply = %+v", msgs[1])
	}
	if th := s.Snapshot().Thread("C1", ts); len(th) != 1 || th[0].TS != ts2 {
		t.Fatalf("thread = %+v", th)
	}

	mts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("only you", false))
	if err != nil || mts == "" {
		t.Fatalf("postEphemeral = %q %v", mts, err)
	}
	if e := s.Ephemerals(); len(e) != 1 || e[0].User != "U1" || e[0].Text != "only you" || e[0].MessageTS != mts {
		t.Fatalf("ephemerals = %+v", e)
	}

	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := bad.AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v", err)
	}
	appTok := slack.New(AppToken, slack.OptionAPIURL(s.APIURL()))
	if _, _, err := appTok.PostMessage("C1", slack.MsgOptionText("x", false)); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("app token on chat.postMessage: %v", err)
	}

	if err := api.ArchiveConversation("C1"); err == nil || err.Error() != "unknown_method" {
		t.Fatalf("conversations.archive: %v", err)
	}
	s.Handle("users.info", func(c Call) any {
		return map[string]any{"ok": true, "user": map[string]any{"id": c.Form.Get("user"), "name": "kari"}}
	})
	if u, err := api.GetUserInfo("U1"); err != nil || u.Name != "kari" || u.ID != "U1" {
		t.Fatalf("users.info handled: %+v %v", u, err)
	}
	if calls := s.Calls("users.info"); len(calls) != 1 || calls[0].Token != BotToken {
		t.Fatalf("users.info calls = %+v", calls)
	}

	modal := slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject("plain_text", "Resend", false, false),
		CallbackID: "resend",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "hello", false, false), nil, nil),
		}},
	}
	s.IssueTrigger("trig-1")
	vr, err := api.OpenView("trig-1", modal)
	if err != nil || vr.ID != "V1" || vr.CallbackID != "resend" {
		t.Fatalf("views.open = %+v %v", vr, err)
	}
	vr2, err := api.UpdateView(modal, "", "", vr.ID)
	if err != nil || vr2.ID != "V1" {
		t.Fatalf("views.update = %+v %v", vr2, err)
	}
	if _, err := api.UpdateView(modal, "", "", "V404"); err == nil || err.Error() != "not_found" {
		t.Fatalf("views.update unknown: %v", err)
	}
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: modal.Blocks}
	if _, err := api.PublishView("U1", home, ""); err != nil {
		t.Fatal(err)
	}
	views := s.Views()
	if len(views) != 3 || views[0].Method != "views.open" || views[0].TriggerID != "trig-1" ||
		views[1].Method != "views.update" || views[1].ID != "V1" || views[2].UserID != "U1" {
		t.Fatalf("views = %+v", views)
	}
	if !strings.Contains(string(views[0].View), `"callback_id":"resend"`) {
		t.Fatalf("view = %s", views[0].View)
	}
}

func TestFaults(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	post := func(channel string) error {
		_, _, err := api.PostMessage(channel, slack.MsgOptionText("x", false))
		return err
	}

	s.FailNext("chat.postMessage", 1, Fault{HTTPStatus: 429, RetryAfter: 1})
	var rl *slack.RateLimitedError
	if err := post("C1"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("429: %T %v", err, err)
	}
	s.FailNext("chat.postMessage", 1, Fault{HTTPStatus: 503})
	var sc slack.StatusCodeError
	if err := post("C1"); !errors.As(err, &sc) || sc.Code != 503 {
		t.Fatalf("503: %T %v", err, err)
	}
	if err := post("C1"); err != nil {
		t.Fatalf("after faults: %v", err)
	}

	s.FailNext("chat.postMessage", 1, Fault{SlackError: "not_in_channel", Channel: "C2"})
	if err := post("C1"); err != nil {
		t.Fatalf("other channel: %v", err)
	}
	var se slack.SlackErrorResponse
	if err := post("C2"); !errors.As(err, &se) || se.Err != "not_in_channel" {
		t.Fatalf("not_in_channel: %T %v", err, err)
	}
	if err := post("C2"); err != nil {
		t.Fatalf("fault used up: %v", err)
	}

	s.FailNext("auth.test", 1, Fault{Delay: 200 * time.Millisecond})
	start := time.Now()
	if _, err := api.AuthTest(); err != nil || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("delayed auth.test: %v after %v", err, time.Since(start))
	}
	s.FailNext("auth.test", 1, Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := api.AuthTestContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow auth.test: %v", err)
	}

	s.FailNext("auth.test", -1, Fault{Body: "<html>oops</html>", HTTPStatus: 200})
	for range 3 {
		if _, err := api.AuthTest(); err == nil {
			t.Fatal("non-JSON body accepted")
		}
	}
	s.ClearFaults("auth.test")
	if _, err := api.AuthTest(); err != nil {
		t.Fatal(err)
	}

	if n := len(s.Messages()); n != 3 {
		t.Fatalf("%d messages stored, want 3", n)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 6 || !calls[0].Faulted || calls[0].Status != 429 || calls[1].Status != 503 || calls[2].Faulted ||
		calls[4].Error != "not_in_channel" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestResponseURL(t *testing.T) {
	s := New(t)
	ctx := context.Background()
	u := s.ResponseURL("abc")
	if err := slack.PostWebhookContext(ctx, u, &slack.WebhookMessage{Text: "only you", ResponseType: "ephemeral", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel), slack.MsgOptionText("second", false)); err != nil {
		t.Fatal(err)
	}
	s.FailNext(MethodResponseURL, 1, Fault{HTTPStatus: http.StatusNotFound})
	var sc slack.StatusCodeError
	if err := slack.PostWebhookContext(ctx, u, &slack.WebhookMessage{Text: "x"}); !errors.As(err, &sc) || sc.Code != 404 {
		t.Fatalf("faulted response_url: %v", err)
	}
	posts := s.ResponseURLPosts()
	if len(posts) != 2 || posts[0].ID != "abc" || posts[0].Text != "only you" || posts[0].ResponseType != "ephemeral" ||
		!posts[0].ReplaceOriginal || posts[1].Text != "second" || posts[1].ResponseType != "in_channel" {
		t.Fatalf("posts = %+v", posts)
	}
	if calls := s.Calls(MethodResponseURL); len(calls) != 3 {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestDisconnectReconnects(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	s.Disconnect("refresh_requested")
	// The old socket stops counting at once; the client may already have
	// opened its next one.
	if snap := s.Snapshot(); snap.OpenSockets != snap.SocketsOpened-1 {
		t.Fatalf("%d open of %d opened right after disconnect", snap.OpenSockets, snap.SocketsOpened)
	}
	// The client drops the old socket and opens a new one.
	if _, err := s.WaitFor(func(s Snapshot) bool { return s.SocketsOpened == 2 && s.OpenSockets == 1 }, wait); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Calls(MethodConnectionsOpen)); n != 2 {
		t.Fatalf("%d apps.connections.open calls", n)
	}
	id := s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "after"})
	if evt := c.next(t, socketmode.EventTypeSlashCommand); evt.Request.EnvelopeID != id {
		t.Fatalf("got %s", evt.Request.EnvelopeID)
	}
	ack, err := s.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Socket != 2 {
		t.Fatalf("ack on socket %d", ack.Socket)
	}
}

func TestDropReconnects(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	if _, err := s.WaitFor(func(s Snapshot) bool { return s.SocketsOpened == 2 && s.OpenSockets == 1 }, wait); err != nil {
		t.Fatal(err)
	}
	id := s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "after drop"})
	if evt := c.next(t, socketmode.EventTypeSlashCommand); evt.Request.EnvelopeID != id {
		t.Fatalf("got %s", evt.Request.EnvelopeID)
	}
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Run("fatal", func(t *testing.T) {
		s := New(t)
		s.SetOpenError("invalid_auth", -1)
		c := startClient(t, s)
		select {
		case <-c.runDone:
		case <-time.After(wait):
			t.Fatal("RunContext did not give up")
		}
		if c.runErr == nil || !strings.Contains(c.runErr.Error(), "invalid_auth") {
			t.Fatalf("RunContext = %v", c.runErr)
		}
	})
	t.Run("transient", func(t *testing.T) {
		s := New(t)
		s.SetOpenError("internal_error", 1)
		startClient(t, s)
		if err := s.WaitConnected(1, wait); err != nil {
			t.Fatal(err)
		}
		calls := s.Calls(MethodConnectionsOpen)
		if len(calls) != 2 || calls[0].Error != "internal_error" || calls[1].Token != AppToken {
			t.Fatalf("calls = %+v", calls)
		}
	})
	t.Run("wrong app token", func(t *testing.T) {
		s := New(t)
		api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken("xapp-wrong"))
		sm := socketmode.New(api)
		if _, _, err := sm.Open(); err == nil || err.Error() != "invalid_auth" {
			t.Fatalf("open = %v", err)
		}
	})
}

func TestPings(t *testing.T) {
	t.Run("keep alive", func(t *testing.T) {
		s := New(t, WithPingInterval(100*time.Millisecond))
		// Generous margins: a loaded machine can stall a process for
		// hundreds of milliseconds.
		startClient(t, s, socketmode.OptionPingInterval(time.Second))
		if err := s.WaitConnected(1, wait); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2200 * time.Millisecond)
		if snap := s.Snapshot(); snap.SocketsOpened != 1 || snap.OpenSockets != 1 {
			t.Fatalf("reconnected although pinged: %s", snap.summary())
		}
	})
	t.Run("no pings", func(t *testing.T) {
		s := New(t, WithPingInterval(0))
		startClient(t, s, socketmode.OptionPingInterval(300*time.Millisecond))
		if _, err := s.WaitFor(func(s Snapshot) bool { return s.SocketsOpened >= 2 }, wait); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWaitersAndClose(t *testing.T) {
	s := New(t)
	if _, err := s.WaitMessages(1, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "waiting for 1 messages") {
		t.Fatalf("WaitMessages = %v", err)
	}
	if _, err := s.WaitAck("nope", 10*time.Millisecond); err == nil {
		t.Fatal("WaitAck without ack")
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.WaitFor(func(Snapshot) bool { return false }, time.Minute)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("WaitFor after Close = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("WaitFor not woken by Close")
	}
}

// TestNoGoroutinesLeft runs a whole session in a subtest (so every cleanup
// has run) and then checks that nothing is left running.
func TestNoGoroutinesLeft(t *testing.T) {
	t.Run("session", func(t *testing.T) {
		s := New(t)
		c := startClient(t, s)
		if err := s.WaitConnected(1, wait); err != nil {
			t.Fatal(err)
		}
		id := s.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "x"})
		c.next(t, socketmode.EventTypeSlashCommand)
		if _, err := s.WaitAck(id, wait); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
			t.Fatal(err)
		}
		s.FailNext("auth.test", 1, Fault{Delay: time.Hour})
		go func() { _, _ = c.api.AuthTest() }() // still waiting when the fake closes
		if _, err := s.WaitFor(func(Snapshot) bool { return true }, wait); err != nil {
			t.Fatal(err)
		}
		s.Disconnect("warning")
	})
	if err := testkit.Leaked(); err != nil {
		t.Error(err)
	}
}

// A revoked bot token is refused as Slack refuses it: HTTP 200 with
// ok:false and the code, by every method, auth.test included; the app
// token and Socket Mode are not affected.
func TestRevokeBotToken(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.RevokeBotToken("token_revoked")
	if _, err := api.AuthTest(); err == nil || err.Error() != "token_revoked" {
		t.Fatalf("auth.test with a revoked token: %v", err)
	}
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("audit", false))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "token_revoked" {
		t.Fatalf("chat.postMessage with a revoked token: %v", err)
	}
	calls := s.Calls("chat.postMessage")
	if last := calls[len(calls)-1]; last.Status != http.StatusOK || last.Error != "token_revoked" {
		t.Fatalf("recorded call = %+v, want HTTP 200 token_revoked", last)
	}
	if _, _, err := slack.New("", slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(AppToken)).StartSocketModeContext(t.Context()); err != nil {
		t.Fatalf("the app token is refused too: %v", err)
	}
	s.RevokeBotToken("")
	if _, err := api.AuthTest(); err != nil {
		t.Fatalf("token accepted again: %v", err)
	}
}
