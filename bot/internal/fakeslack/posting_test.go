package fakeslack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Slack shows an ephemeral in a thread only once the thread exists: one
// posted under a top-level message nobody replied to is hidden.
func TestEphemeralInAThreadThatDoesNotExistIsHidden(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()
	_, root, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("top level", false))
	if err != nil {
		t.Fatal(err)
	}
	ephemeral := func(thread string) Ephemeral {
		t.Helper()
		opts := []slack.MsgOption{slack.MsgOptionText("only you", false)}
		if thread != "" {
			opts = append(opts, slack.MsgOptionTS(thread))
		}
		if _, err := api.PostEphemeralContext(ctx, "C1", "U1", opts...); err != nil {
			t.Fatal(err)
		}
		es := s.Ephemerals()
		return es[len(es)-1]
	}
	if e := ephemeral(root); !e.Hidden {
		t.Errorf("ephemeral in a thread nobody started was shown: %+v", e)
	}
	if e := ephemeral(""); e.Hidden {
		t.Errorf("ephemeral in the channel was hidden: %+v", e)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(root)); err != nil {
		t.Fatal(err)
	}
	if e := ephemeral(root); e.Hidden {
		t.Errorf("ephemeral in a thread a reply started was hidden: %+v", e)
	}
	// A message event written in a thread says that thread exists.
	startClient(t, s)
	if err := s.WaitConnected(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	s.EventsAPI(map[string]any{"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.2", "thread_ts": "1.1",
		"text": Mention("hi")}, EventOpts{})
	if e := ephemeral("1.1"); e.Hidden {
		t.Errorf("ephemeral in a thread an event came from was hidden: %+v", e)
	}
}

// LimitPosts refuses posts in a channel past its bucket, with 429 or a
// ratelimited body; other channels and chat.update are not limited.
func TestPostLimitPerChannel(t *testing.T) {
	for _, body := range []bool{false, true} {
		s := New(t)
		api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
		ctx := context.Background()
		s.LimitPosts(PostLimit{Burst: 2, Every: time.Hour, RetryAfter: 3, Body: body})
		post := func(channel string) error {
			_, _, err := api.PostMessageContext(ctx, channel, slack.MsgOptionText("x", false))
			return err
		}
		for i := range 2 {
			if err := post("C1"); err != nil {
				t.Fatalf("post %d within the burst: %v", i, err)
			}
		}
		err := post("C1")
		var rl *slack.RateLimitedError
		var se slack.SlackErrorResponse
		switch {
		case body && (!errors.As(err, &se) || se.Err != "ratelimited"):
			t.Errorf("over the limit (body) = %v, want ratelimited", err)
		case !body && (!errors.As(err, &rl) || rl.RetryAfter != 3*time.Second):
			t.Errorf("over the limit = %v, want 429 with Retry-After 3", err)
		}
		if err := post("C2"); err != nil {
			t.Errorf("another channel was limited: %v", err)
		}
		ts := s.Messages()[0].TS
		if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("y", false)); err != nil {
			t.Errorf("chat.update was limited: %v", err)
		}
		if n := len(s.Messages()); n != 3 {
			t.Errorf("%d messages posted, want 3", n)
		}
		s.LimitPosts(PostLimit{})
		if err := post("C1"); err != nil {
			t.Errorf("limit off, still refused: %v", err)
		}
	}
}

// A Fault that Lands posts first and answers late (the client has given
// up), or answers fatal_error for a post that exists.
func TestFaultThatLands(t *testing.T) {
	s := New(t)
	ctx := context.Background()
	slow := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	s.FailNext("chat.postMessage", 1, Fault{Lands: true, Delay: time.Second})
	_, _, err := slow.PostMessageContext(ctx, "C1", slack.MsgOptionText("late", false))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want the client's timeout", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages, want the one that landed", n)
	}
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.FailNext("chat.postMessage", 1, Fault{Lands: true, SlackError: "fatal_error"})
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("fatal", false))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "fatal_error" {
		t.Fatalf("err = %v, want fatal_error", err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("%d messages, want 2 (fatal_error after it landed)", n)
	}
}

// A Fault with Arrived and Release stops the call half way: Arrived says
// it came, nothing is posted or answered until Release is closed, then the
// normal answer follows.
func TestFaultHeldUntilReleased(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	s.FailNext("chat.postMessage", 1, Fault{Arrived: arrived, Release: release})
	done := make(chan error, 1)
	go func() {
		_, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("held", false))
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatal("the call never arrived")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages while the call is held, want 0", n)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("err = %v, want the normal answer", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages after the release, want 1", n)
	}
}
