package fakeslack

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// The shortcut payloads reach slack-go as Slack's reference describes them.
func TestShortcutPayloads(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	id := s.MessageShortcut(MessageShortcut{CallbackID: "resend_from_message", UserID: "U1", ChannelID: "C1",
		Message: map[string]any{"type": "message", "user": "U2", "ts": "1700000001.000200", "thread_ts": "1700000000.000100",
			"text": TypedText("order x, kari@firma.no"), "attachments": []map[string]any{{"fallback": "fb", "text": "at"}}}})
	cb := c.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeMessageAction || cb.CallbackID != "resend_from_message" || cb.TriggerID != "trigger-"+id ||
		cb.ResponseURL != s.ResponseURL(id) || cb.User.ID != "U1" || cb.Channel.ID != "C1" || cb.Team.ID != TeamID ||
		cb.Message.Timestamp != "1700000001.000200" || cb.Message.ThreadTimestamp != "1700000000.000100" ||
		cb.MessageTs != "1700000001.000200" || cb.Message.Text != "order x, <mailto:kari@firma.no|kari@firma.no>" ||
		len(cb.Message.Attachments) != 1 || cb.Message.Attachments[0].Fallback != "fb" {
		t.Fatalf("message_action = %+v", cb)
	}

	id = s.GlobalShortcut(GlobalShortcut{CallbackID: "resend_form", UserID: "U1"})
	cb = c.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeShortcut || cb.CallbackID != "resend_form" || cb.TriggerID != "trigger-"+id ||
		cb.ResponseURL != "" || cb.Channel.ID != "" || cb.User.ID != "U1" {
		t.Fatalf("shortcut = %+v", cb)
	}
}

// views.open refuses what Slack refuses in a form's selects, and a
// shortcut's trigger works once, within 3 s.
func TestStrictFormSelectsAndShortcutTriggers(t *testing.T) {
	s := New(t)
	startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	opt := func(v string) *slack.OptionBlockObject { return slack.NewOptionBlockObject(v, plain(v), nil) }
	static := func(initial *slack.OptionBlockObject, opts ...*slack.OptionBlockObject) slack.Block {
		el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "value", opts...)
		el.InitialOption = initial
		return slack.NewInputBlock("email", plain("Email"), nil, el)
	}
	conversations := func(f *slack.SelectBlockElementFilter) slack.Block {
		el := &slack.SelectBlockElement{Type: slack.OptTypeConversations, ActionID: "value", Filter: f}
		return slack.NewInputBlock("channel", plain("Channel"), nil, el)
	}
	long := string(make([]byte, 151))
	for _, c := range []struct {
		name    string
		block   slack.Block
		pointer string // "" valid
	}{
		{"initial_option among the options", static(opt("a"), opt("a"), opt("b")), ""},
		{"initial_option not among the options", static(opt("c"), opt("a"), opt("b")), "/view/blocks/0/element/initial_option"},
		{"no options", static(nil), "/view/blocks/0/element/options"},
		{"an option's value too long", static(nil, slack.NewOptionBlockObject(long, plain("x"), nil)), "/view/blocks/0/element/options/0/value"},
		{"an option's text too long", static(nil, slack.NewOptionBlockObject("x", plain(long[:76]), nil)), "/view/blocks/0/element/options/0/text/text"},
		{"a conversations filter", conversations(&slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeExternalSharedChannels: true}), ""},
		{"an empty conversations filter", conversations(&slack.SelectBlockElementFilter{}), "/view/blocks/0/element/filter"},
		{"an unknown conversation kind", conversations(&slack.SelectBlockElementFilter{Include: []string{"channels"}}), "/view/blocks/0/element/filter/include/0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := s.GlobalShortcut(GlobalShortcut{CallbackID: "resend_form", UserID: "U1"})
			view := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Resend"), Submit: plain("Send"),
				Blocks: slack.Blocks{BlockSet: []slack.Block{c.block}}}
			_, err := api.OpenViewContext(ctx, "trigger-"+id, view)
			if c.pointer == "" {
				if err != nil {
					t.Fatalf("views.open: %v", err)
				}
				return
			}
			wantSlackErr(t, err, "invalid_arguments", c.pointer)
		})
	}

	id := s.MessageShortcut(MessageShortcut{CallbackID: "m", UserID: "U1", ChannelID: "C1", Message: map[string]any{"ts": "1.2", "text": "x"}})
	view := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Resend"), Blocks: slack.Blocks{BlockSet: []slack.Block{section("s", "x")}}}
	if _, err := api.OpenViewContext(ctx, "trigger-"+id, view); err != nil {
		t.Fatalf("views.open with a fresh trigger: %v", err)
	}
	_, err := api.OpenViewContext(ctx, "trigger-"+id, view)
	wantSlackErr(t, err, "exchanged_trigger_id", "")
	s.SetTriggerTTL(0)
	id = s.MessageShortcut(MessageShortcut{CallbackID: "m", UserID: "U1", ChannelID: "C1", Message: map[string]any{"ts": "1.2", "text": "x"}})
	_, err = api.OpenViewContext(ctx, "trigger-"+id, view)
	wantSlackErr(t, err, "expired_trigger_id", "")
}

// conversations.info shows a bot only what Slack shows it.
func TestConversationsInfo(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	info := func(channel string) (*slack.Channel, error) {
		return api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	}
	if ch, err := info("C1"); err != nil || !ch.IsMember || ch.IsPrivate || ch.IsExtShared {
		t.Fatalf("a public channel the bot is in: %+v, %v", ch, err)
	}
	s.SetMember("C2", false)
	if ch, err := info("C2"); err != nil || ch.IsMember {
		t.Fatalf("a public channel the bot is not in: %+v, %v", ch, err)
	}
	s.SetMember("G1", false)
	s.SetChannel("G1", Channel{Private: true})
	if _, err := info("G1"); err == nil {
		t.Fatal("a private channel the bot is not in was found")
	} else {
		wantSlackErr(t, err, "channel_not_found", "")
	}
	s.SetChannel("C3", Channel{ExtShared: true})
	if ch, err := info("C3"); err != nil || !ch.IsExtShared || !ch.IsShared {
		t.Fatalf("a Slack Connect channel: %+v, %v", ch, err)
	}
	if _, err := info("D1"); err == nil {
		t.Fatal("a DM between people was found")
	}
	s.SetScopes("commands", "chat:write")
	_, err := info("C1")
	wantSlackErr(t, err, "missing_scope", "")
}

// errorsTB records the fake's Errorf calls instead of failing the test,
// for tests of what the fake refuses.
type errorsTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errorsTB) Helper() {}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func (e *errorsTB) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := e.errs
	e.errs = nil
	return errs
}

// SubmitView sends what Slack's client would for the opened view, and
// refuses what it cannot send.
func TestSubmitView(t *testing.T) {
	rec := &errorsTB{TB: t}
	s := New(rec)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	id := s.GlobalShortcut(GlobalShortcut{CallbackID: "g", UserID: "U1"})
	c.next(t, socketmode.EventTypeInteractive)
	opts := []*slack.OptionBlockObject{slack.NewOptionBlockObject("a", plain("A"), nil), slack.NewOptionBlockObject("b", plain("B"), nil)}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), "value", opts...)
	sel.InitialOption = opts[0]
	text := slack.NewPlainTextInputBlockElement(plain("ID"), "value")
	text.InitialValue = "first"
	view, err := api.OpenViewContext(context.Background(), "trigger-"+id, slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Resend"), Submit: plain("Send"), CallbackID: "form", PrivateMetadata: "meta",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("id", plain("ID"), nil, text),
			slack.NewInputBlock("choice", plain("Choice"), nil, sel),
			slack.NewInputBlock("channel", plain("Channel"), nil, &slack.SelectBlockElement{Type: slack.OptTypeConversations, ActionID: "value"}),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{{"choice": "c", "channel": "C1"}, {"id": "", "channel": "C1"}, {"nope": "x", "channel": "C1"}, {}} {
		s.SubmitView(view.ID, "U1", bad)
		c.next(t, socketmode.EventTypeInteractive)
		if errs := rec.take(); len(errs) == 0 {
			t.Errorf("SubmitView(%v) was not refused", bad)
		}
	}
	s.SubmitView(view.ID, "U1", map[string]string{"choice": "b", "channel": "C1"})
	evt := c.next(t, socketmode.EventTypeInteractive)
	if errs := rec.take(); len(errs) != 0 {
		t.Fatalf("a valid submission refused: %q", errs)
	}
	cb := evt.Data.(slack.InteractionCallback)
	st := cb.View.State.Values
	if cb.Type != slack.InteractionTypeViewSubmission || !evt.Request.AcceptsResponsePayload || cb.View.CallbackID != "form" ||
		cb.View.PrivateMetadata != "meta" || st["id"]["value"].Value != "first" || st["choice"]["value"].SelectedOption.Value != "b" ||
		st["channel"]["value"].SelectedConversation != "C1" || cb.View.ID != view.ID {
		t.Errorf("view_submission = %+v", cb)
	}
}
