package slackbot

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
)

// Envelopes of someone not read yet are handled in the order they came,
// also one that comes while the earlier ones are being handed back to the
// event loop (busy meanwhile): it waits behind them instead of being
// handled at once because the person is known by then.
func TestEnvelopesOfOnePersonKeepTheirOrderAfterTheRead(t *testing.T) {
	s := fakeslack.New(t)
	d := bot.Deps{Metrics: bot.NewMetrics()}
	d.SetDefaults()
	p := newPeople(slack.New(fakeslack.BotToken, slack.OptionAPIURL(s.APIURL())), d)
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		p.run(ctx)
	}()
	release := make(chan struct{})
	defer func() {
		close(release)
		cancel()
		<-stopped
	}()

	var mu sync.Mutex
	var handled []int
	note := func(n int) {
		mu.Lock()
		handled = append(handled, n)
		mu.Unlock()
	}
	handingOn := make(chan struct{})
	if !p.whenKnown(agent, func(context.Context) { close(handingOn); <-release; note(1) }) {
		t.Fatal("the first envelope does not wait for the read")
	}
	select {
	case <-handingOn: // read; the first envelope is being handed on
	case <-time.After(wait):
		t.Fatal("the person was never read")
	}
	if !p.whenKnown(agent, func(context.Context) { note(2) }) {
		t.Fatal("the second envelope would be handled at once, before the first")
	}
	release <- struct{}{}
	deadline := time.Now().Add(wait)
	for {
		mu.Lock()
		got := slices.Clone(handled)
		mu.Unlock()
		if len(got) == 2 {
			if !slices.Equal(got, []int{1, 2}) {
				t.Errorf("handled %v, want [1 2]", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handled %v, want [1 2]", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
