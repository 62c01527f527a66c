package loadgen

import (
	"context"
	"testing"
	"time"

	"resendbot/bot/internal/fakeslack"
)

func TestQuantile(t *testing.T) {
	var l Latencies
	for i := 100; i >= 1; i-- { // out of order on purpose
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{
		{0, 1 * time.Millisecond},
		{0.5, 50 * time.Millisecond},
		{0.99, 99 * time.Millisecond},
		{1, 100 * time.Millisecond},
	} {
		if got := l.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := (Latencies{}).Quantile(0.5); got != 0 {
		t.Errorf("empty Quantile = %v, want 0", got)
	}
	if l[0] != 100*time.Millisecond {
		t.Error("Quantile sorted its receiver in place")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}

func TestCountGCLines(t *testing.T) {
	stderr := "gc 1 @0.006s 3%: 0.04+1.4+0.1 ms clock, 3->4->1 MB, 4 MB goal, 2 P\n" +
		"{\"level\":\"INFO\",\"msg\":\"gc is not a gc line\"}\n" +
		"gc 2 @0.017s 8%: 0.3+3.0+0.1 ms clock, 3->3->2 MB, 4 MB goal, 2 P\n"
	if got := CountGCLines(stderr); got != 2 {
		t.Errorf("CountGCLines = %d, want 2", got)
	}
}

// TestRunSlackGoFloor runs the floor as its process runs it: configured from
// the environment, acking until its context (SIGTERM) ends, then stopping
// without an error.
func TestRunSlackGoFloor(t *testing.T) {
	slack := fakeslack.New(t)
	env := map[string]string{
		"SLACK_API_URL":   slack.APIURL(),
		"SLACK_APP_TOKEN": fakeslack.AppToken,
		"SLACK_BOT_TOKEN": fakeslack.BotToken,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunSlackGoFloor(ctx, func(k string) string { return env[k] }) }()
	if err := slack.WaitConnected(1, 10*time.Second); err != nil {
		cancel()
		t.Fatalf("never connected: %v (returned %v)", err, <-done)
	}
	id := slack.SlashCommand(fakeslack.SlashCommand{UserID: "U1", ChannelID: "C1", Text: "hello"})
	if _, err := slack.WaitAck(id, 10*time.Second); err != nil {
		t.Error(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSlackGoFloor after its context ended: %v, want nil", err)
	}
}

// TestRunSlackGoFloorNeedsItsEnvironment refuses to start half-configured.
func TestRunSlackGoFloorNeedsItsEnvironment(t *testing.T) {
	if err := RunSlackGoFloor(context.Background(), func(string) string { return "" }); err == nil {
		t.Error("RunSlackGoFloor with no environment: nil error")
	}
}
