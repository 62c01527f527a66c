package slackbot

import (
	"context"
	"testing"
	"time"
)

// A channel Slack limited is paced until it has been quiet for a while,
// then free again; other channels and methods never wait.
func TestPacerFreesAChannelOnceQuiet(t *testing.T) {
	p := newPacer(10 * time.Millisecond) // quiet after 300 ms
	ctx := context.Background()
	p.limited("chat.postMessage", "C1", 0)
	lanes := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.lanes)
	}
	for range 3 {
		if err := p.wait(ctx, "chat.postMessage", "C1"); err != nil {
			t.Fatal(err)
		}
	}
	if lanes() != 1 {
		t.Fatalf("lanes = %d right after a limit, want 1", lanes())
	}
	time.Sleep(p.quiet + 2*p.interval)
	if err := p.wait(ctx, "chat.postMessage", "C1"); err != nil {
		t.Fatal(err)
	}
	if lanes() != 0 {
		t.Errorf("lanes = %d after the channel was quiet, want 0 (free again)", lanes())
	}

	// A call that would wait gives up with its context.
	p.limited("chat.postMessage", "C1", time.Hour)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.wait(cancelled, "chat.postMessage", "C1"); err == nil {
		t.Error("a wait for a channel held an hour returned without its context's error")
	}
	for _, other := range [][2]string{{"chat.postMessage", "C2"}, {"chat.update", "C1"}, {"chat.postMessage", ""}} {
		if err := p.wait(cancelled, other[0], other[1]); err != nil {
			t.Errorf("%s in %q waited: %v", other[0], other[1], err)
		}
	}
}
