package fakeslack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject("plain_text", s, false, false)
}

func section(id, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil, slack.SectionBlockOptionBlockID(id))
}

func button(actionID, text, value string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(text))
}

// confirmed is a button that asks first, with text as the dialog's text.
func confirmed(text *slack.TextBlockObject) *slack.ButtonBlockElement {
	b := button("x", "Retry", "1")
	b.Confirm = slack.NewConfirmationBlockObject(plain("Again?"), text, plain("Retry"), plain("Cancel"))
	return b
}

func sections(n int) []slack.Block {
	bs := make([]slack.Block, n)
	for i := range bs {
		bs[i] = section("b"+strconv.Itoa(i), "x")
	}
	return bs
}

// wantSlackErr checks err is Slack's code with a response_metadata message
// naming pointer ("" to skip).
func wantSlackErr(t *testing.T, err error, code, pointer string) {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != code {
		t.Fatalf("err = %T %v, want %s", err, err, code)
	}
	if pointer == "" {
		return
	}
	for _, m := range se.ResponseMetadata.Messages {
		if strings.Contains(m, "[json-pointer:"+pointer+"]") {
			return
		}
	}
	t.Fatalf("messages %q lack json-pointer %s", se.ResponseMetadata.Messages, pointer)
}

func TestStrictMessageBlocks(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	ctxEls := func(n int) []slack.MixedElement {
		els := make([]slack.MixedElement, n)
		for i := range els {
			els[i] = plain("c")
		}
		return els
	}
	cases := []struct {
		name      string
		bad, good []slack.Block
		pointer   string
	}{
		{"action_id duplicated in a block",
			[]slack.Block{slack.NewActionBlock("a", button("x", "A", "1"), button("x", "B", "2"))},
			[]slack.Block{slack.NewActionBlock("a", button("x", "A", "1"), button("y", "B", "2"))},
			"/blocks/0/elements/1/action_id"},
		{"block_id duplicated in a message",
			[]slack.Block{section("s", "a"), section("s", "b")},
			[]slack.Block{section("s", "a"), section("t", "b")},
			"/blocks/1/block_id"},
		{"section text 3001",
			[]slack.Block{section("s", strings.Repeat("é", 3001))},
			[]slack.Block{section("s", strings.Repeat("é", 3000))},
			"/blocks/0/text/text"},
		{"button text 76",
			[]slack.Block{slack.NewActionBlock("a", button("x", strings.Repeat("b", 76), "1"))},
			[]slack.Block{slack.NewActionBlock("a", button("x", strings.Repeat("b", 75), "1"))},
			"/blocks/0/elements/0/text/text"},
		{"button value 2001",
			[]slack.Block{slack.NewActionBlock("a", button("x", "B", strings.Repeat("v", 2001)))},
			[]slack.Block{slack.NewActionBlock("a", button("x", "B", strings.Repeat("v", 2000)))},
			"/blocks/0/elements/0/value"},
		{"context 11 elements",
			[]slack.Block{slack.NewContextBlock("c", ctxEls(11)...)},
			[]slack.Block{slack.NewContextBlock("c", ctxEls(10)...)},
			"/blocks/0/elements"},
		{"header 151",
			[]slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 151)))},
			[]slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 150)))},
			"/blocks/0/text/text"},
		{"51 blocks", sections(51), sections(50), "/blocks"},
		{"confirm dialog text in mrkdwn",
			[]slack.Block{slack.NewActionBlock("a", confirmed(slack.NewTextBlockObject("mrkdwn", "Sure?", false, false)))},
			[]slack.Block{slack.NewActionBlock("a", confirmed(plain("Sure?")))},
			"/blocks/0/elements/0/confirm/text/type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(c.bad...))
			wantSlackErr(t, err, "invalid_blocks", c.pointer)
			_, ts, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(c.good...))
			if err != nil {
				t.Fatalf("good postMessage: %v", err)
			}
			_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("t", false), slack.MsgOptionBlocks(c.bad...))
			wantSlackErr(t, err, "invalid_blocks", c.pointer)
			if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionBlocks(c.good...)); err != nil {
				t.Fatalf("good update: %v", err)
			}
			_, err = api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(c.bad...))
			wantSlackErr(t, err, "invalid_blocks", c.pointer)
			if _, err := api.PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionBlocks(c.good...)); err != nil {
				t.Fatalf("good ephemeral: %v", err)
			}
		})
	}
}

// TestStrictResponseURLBlocks: a response_url refuses bad blocks as
// chat.postMessage does. Doc check (search, docs corpus): Slack's pages do
// not state what a response_url answers for invalid blocks; incoming
// webhooks answer HTTP 400 "invalid_blocks" (third-party reports), and the
// Web API answers 200 {"ok":false,"error":"invalid_blocks"}, which the fake
// uses. slack.PostWebhookContext only checks the HTTP status, so it would
// not see a 200 refusal: this test posts with plain HTTP and reads the body.
func TestStrictResponseURLBlocks(t *testing.T) {
	s := New(t)
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(s.ResponseURL("r1"), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	long := strings.Repeat("x", 3001)
	_, body := post(`{"text":"t","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"` + long + `"}}]}`)
	if !strings.Contains(body, `"invalid_blocks"`) || !strings.Contains(body, "[json-pointer:/blocks/0/text/text]") {
		t.Fatalf("bad blocks answered %s", body)
	}
	if st, body := post(`{"text":"t","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"ok"}}]}`); st != 200 || body != "ok" {
		t.Fatalf("good blocks answered %d %s", st, body)
	}
	if p := s.ResponseURLPosts(); len(p) != 1 {
		t.Fatalf("posts = %+v", p)
	}
}

func modal(title string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{Type: slack.VTModal, Title: plain(title), Blocks: slack.Blocks{BlockSet: blocks}}
}

func TestStrictViews(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	cases := []struct {
		name      string
		bad, good slack.ModalViewRequest
		pointer   string
	}{
		{"block_id duplicated in a view",
			modal("T", section("s", "a"), section("s", "b")), modal("T", section("s", "a"), section("t", "b")),
			"/view/blocks/1/block_id"},
		{"101 blocks in a modal", modal("T", sections(101)...), modal("T", sections(100)...), "/view/blocks"},
		{"modal title 25", modal(strings.Repeat("t", 25), section("s", "a")), modal(strings.Repeat("t", 24), section("s", "a")), "/view/title/text"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trig := "trig." + strconv.Itoa(i)
			s.IssueTrigger(trig)
			_, err := api.OpenViewContext(ctx, trig, c.bad)
			wantSlackErr(t, err, "invalid_arguments", c.pointer)
			if _, err := api.OpenViewContext(ctx, trig, c.good); err != nil {
				t.Fatalf("good views.open: %v", err)
			}
			home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: c.bad.Blocks}
			_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: home})
			if c.name == "modal title 25" {
				// A home tab has no title: the same blocks are fine there.
				if err != nil {
					t.Fatalf("home tab: %v", err)
				}
				return
			}
			wantSlackErr(t, err, "invalid_arguments", c.pointer)
			home.Blocks = c.good.Blocks
			if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: home}); err != nil {
				t.Fatalf("good views.publish: %v", err)
			}
		})
	}
}

// TestStrictTriggers: views.open trigger errors. Doc check (search, docs
// corpus: views.open/views.push method references as mirrored by slack_kit):
// "exchanged_trigger_id — The trigger_id was already exchanged in a previous
// call", "expired_trigger_id — The trigger_id is expired", "invalid_trigger_id
// — The trigger_id is invalid" — the names the fake uses.
func TestStrictTriggers(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	v := modal("T", section("s", "a"))

	_, err := api.OpenViewContext(ctx, "never.issued", v)
	wantSlackErr(t, err, "invalid_trigger_id", "")

	s.IssueTrigger("t.1")
	if _, err := api.OpenViewContext(ctx, "t.1", v); err != nil {
		t.Fatalf("fresh trigger: %v", err)
	}
	_, err = api.OpenViewContext(ctx, "t.1", v)
	wantSlackErr(t, err, "exchanged_trigger_id", "")
	_, err = api.PushViewContext(ctx, "t.1", v)
	wantSlackErr(t, err, "exchanged_trigger_id", "")

	// TTL 0: every trigger is expired as soon as issued, no sleeping.
	s.SetTriggerTTL(0)
	s.IssueTrigger("t.2")
	_, err = api.OpenViewContext(ctx, "t.2", v)
	wantSlackErr(t, err, "expired_trigger_id", "")
	// An expired trigger is not used up: with a generous TTL it opens.
	s.SetTriggerTTL(time.Hour)
	if _, err := api.OpenViewContext(ctx, "t.2", v); err != nil {
		t.Fatalf("after TTL raised: %v", err)
	}
}

func TestStrictMembership(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	text := slack.MsgOptionText("x", false)

	_, ts, err := api.PostMessageContext(ctx, "C9", text)
	if err != nil {
		t.Fatalf("member by default: %v", err)
	}
	s.SetMember("C9", false)
	_, _, err = api.PostMessageContext(ctx, "C9", text)
	wantSlackErr(t, err, "not_in_channel", "")
	_, _, _, err = api.UpdateMessageContext(ctx, "C9", ts, text)
	wantSlackErr(t, err, "not_in_channel", "")
	_, err = api.PostEphemeralContext(ctx, "C9", "U1", text)
	wantSlackErr(t, err, "channel_not_found", "")

	// A DM between people: the bot is not in it.
	_, _, err = api.PostMessageContext(ctx, "D1", text)
	wantSlackErr(t, err, "channel_not_found", "")
	_, err = api.PostEphemeralContext(ctx, "D1", "U1", text)
	wantSlackErr(t, err, "channel_not_found", "")

	s.SetMember("C9", true)
	if _, _, err := api.PostMessageContext(ctx, "C9", text); err != nil {
		t.Fatalf("member again: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "C9", "U1", text); err != nil {
		t.Fatalf("ephemeral as member: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "U1", "U1", text); err != nil {
		t.Fatalf("ephemeral in the user's DM: %v", err)
	}
}

func TestStrictRateLimited(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	text := slack.MsgOptionText("x", false)

	s.FailNext("chat.postMessage", 1, RateLimited(7))
	var rl *slack.RateLimitedError
	if _, _, err := api.PostMessageContext(ctx, "C1", text); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("RateLimited: %T %v", err, err)
	}
	s.FailNext("chat.postEphemeral", 1, RateLimited(0)) // at least 1s
	if _, err := api.PostEphemeralContext(ctx, "C1", "U1", text); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("RateLimited(0): %T %v", err, err)
	}

	s.FailNext("chat.postMessage", 1, RateLimitedBody(0))
	_, _, err := api.PostMessageContext(ctx, "C1", text)
	wantSlackErr(t, err, "ratelimited", "")
	if errors.As(err, &rl) {
		t.Fatalf("body form seen as 429: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", text); err != nil {
		t.Fatalf("after faults: %v", err)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 3 || calls[0].Status != 429 || calls[1].Status != 200 || calls[1].Error != "ratelimited" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestEscapedEventText(t *testing.T) {
	cases := []struct{ fn, in, want string }{
		{"EscapeText", "tom&jerry@example.com", "tom&amp;jerry@example.com"},
		{"EscapeText", "a <b> & c", "a &lt;b&gt; &amp; c"},
		{"EscapeText", "plain", "plain"},
		{"TypedText", "mail jerry@example.com now", "mail <mailto:jerry@example.com|jerry@example.com> now"},
		{"TypedText", "tom&jerry@example.com", "<mailto:tom&amp;jerry@example.com|tom&amp;jerry@example.com>"},
		{"TypedText", "ask @U123ABC in #C42XY", "ask <@U123ABC> in <#C42XY>"},
		{"TypedText", "see https://example.com/a?b=1&c=2", "see <https://example.com/a?b=1&amp;c=2>"},
		{"TypedText", "1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"},
		{"Mention", "resend +33612345678", "<@" + BotUserID + "> resend +33612345678"},
		{"Mention", "a@b.fr", "<@" + BotUserID + "> <mailto:a@b.fr|a@b.fr>"},
	}
	fns := map[string]func(string) string{"EscapeText": EscapeText, "TypedText": TypedText, "Mention": Mention}
	for _, c := range cases {
		got := fns[c.fn](c.in)
		if got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.fn, c.in, got, c.want)
		}
		if !deliverable(got) {
			t.Errorf("%s(%q) = %q is not deliverable", c.fn, c.in, got)
		}
	}
	for _, raw := range []string{"a <b>", "x & y", "1 > 0"} {
		if deliverable(raw) {
			t.Errorf("deliverable(%q) = true", raw)
		}
	}
}
