// Package loadgen holds the parts of resendbot's load benchmark
// (bot/slackbot/load_test.go) that know nothing of the bot: the two ack-only floor
// clients it is compared with, latency statistics, and reading a process's
// peak memory from /proc.
//
// The floors measure what acknowledging costs without resendbot's logic on
// the same loopback and the same fake Slack:
//
//   - WSFloor is a hand-written Socket Mode client on bare gorilla/websocket
//     that decodes each envelope's ID and writes the ack from its reading
//     goroutine: the cost of the wire, with no library.
//   - SlackGoFloor is slack-go's socketmode.Client with a loop that acks every
//     request and does nothing else: the library's own floor, which a bot
//     built on it cannot beat.
//
// Both run inside the benchmark's process. RunSlackGoFloor runs the slack-go
// floor configured from the environment, as resendbot's binary is; the
// command in ./slackgofloor wraps it in a process of its own, so that the
// binary can be compared with it process to process (own heap, own GC, own
// RSS).
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Floor is a running ack-only client; Stop disconnects it and waits for its
// goroutines.
type Floor interface {
	Stop() error
}

// WSFloor is the no-library floor (see the package comment).
type WSFloor struct {
	conn *websocket.Conn
	done chan error
}

// StartWSFloor opens a Socket Mode connection the way the protocol describes
// it (apps.connections.open with the app token, then a WebSocket to the URL
// it returns) and acks every envelope until Stop.
func StartWSFloor(ctx context.Context, apiURL, appToken string) (*WSFloor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"apps.connections.open", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+appToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("apps.connections.open: %w", err)
	}
	defer resp.Body.Close()
	var open struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		URL   string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&open); err != nil {
		return nil, fmt.Errorf("apps.connections.open: %w", err)
	}
	if !open.OK {
		return nil, fmt.Errorf("apps.connections.open: %s", open.Error)
	}
	conn, wsResp, err := websocket.DefaultDialer.DialContext(ctx, open.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("dialing the socket: %w", err)
	}
	if wsResp != nil && wsResp.Body != nil {
		_ = wsResp.Body.Close()
	}
	f := &WSFloor{conn: conn, done: make(chan error, 1)}
	go func() { f.done <- f.loop() }()
	return f, nil
}

// loop reads and acks. Acks are written from the reading goroutine, as are
// the PONGs gorilla's default ping handler writes, so writes never overlap.
func (f *WSFloor) loop() error {
	var env struct {
		EnvelopeID string `json:"envelope_id"`
	}
	ack := make([]byte, 0, 64)
	for {
		_, data, err := f.conn.ReadMessage()
		if err != nil {
			return err
		}
		env.EnvelopeID = ""
		if err := json.Unmarshal(data, &env); err != nil || env.EnvelopeID == "" {
			continue // hello, disconnect: nothing to ack
		}
		ack = append(ack[:0], `{"envelope_id":`...)
		ack = strconv.AppendQuote(ack, env.EnvelopeID)
		ack = append(ack, '}')
		if err := f.conn.WriteMessage(websocket.TextMessage, ack); err != nil {
			return err
		}
	}
}

// Stop closes the socket and waits for the reading goroutine.
func (f *WSFloor) Stop() error {
	_ = f.conn.Close()
	<-f.done
	return nil
}

// SlackGoFloor is slack-go's own floor (see the package comment).
type SlackGoFloor struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	runErr error
	ended  chan struct{} // closed when the client's RunContext has returned
}

// StartSlackGoFloor runs a socketmode.Client against apiURL that acks every
// request with an empty payload, as resendbot acks an accepted command.
func StartSlackGoFloor(ctx context.Context, apiURL, appToken, botToken string) *SlackGoFloor {
	ctx, cancel := context.WithCancel(ctx)
	api := slack.New(botToken, slack.OptionAPIURL(apiURL), slack.OptionAppLevelToken(appToken))
	sm := socketmode.New(api)
	f := &SlackGoFloor{cancel: cancel, ended: make(chan struct{})}
	f.wg.Go(func() {
		defer close(f.ended)
		f.runErr = sm.RunContext(ctx)
	})
	f.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request != nil && evt.Request.EnvelopeID != "" {
					_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
				}
			}
		}
	})
	return f
}

// Stop cancels the client and waits for it.
func (f *SlackGoFloor) Stop() error {
	f.cancel()
	f.wg.Wait()
	if f.runErr != nil && !errors.Is(f.runErr, context.Canceled) {
		return f.runErr
	}
	return nil
}

// RunSlackGoFloor runs the slack-go floor as resendbot's binary runs,
// configured from the environment (SLACK_API_URL, SLACK_APP_TOKEN,
// SLACK_BOT_TOKEN, read through getenv), until ctx ends (the process's
// SIGTERM) or the client gives up by itself (it cannot connect), which is an
// error.
func RunSlackGoFloor(ctx context.Context, getenv func(string) string) error {
	apiURL, appToken, botToken := getenv("SLACK_API_URL"), getenv("SLACK_APP_TOKEN"), getenv("SLACK_BOT_TOKEN")
	if apiURL == "" || appToken == "" || botToken == "" {
		return errors.New("SLACK_API_URL, SLACK_APP_TOKEN and SLACK_BOT_TOKEN must all be set")
	}
	f := StartSlackGoFloor(ctx, apiURL, appToken, botToken)
	select {
	case <-ctx.Done():
		return f.Stop()
	case <-f.ended:
		if err := f.Stop(); err != nil {
			return err
		}
		return errors.New("the socketmode client stopped by itself")
	}
}

// GCCycles is how many GC cycles this process has finished, read without
// stopping the world (unlike runtime.ReadMemStats).
func GCCycles() uint32 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return uint32(s[0].Value.Uint64())
}

// Latencies are one burst's ack latencies.
type Latencies []time.Duration

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method:
// the smallest value with at least q of the values at or below it.
func (l Latencies) Quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// Median is the median of xs (the mean of the middle two for an even count).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ProcStatus returns the named fields of /proc/<pid>/status in KiB
// ("VmHWM", "VmRSS", ...): memory as the kernel sees it, from outside the
// process.
func ProcStatus(pid int, fields ...string) (map[string]int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || !slices.Contains(fields, name) {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = kb
	}
	for _, f := range fields {
		if _, ok := out[f]; !ok {
			return out, fmt.Errorf("/proc/%d/status has no %s", pid, f)
		}
	}
	return out, nil
}

// CountGCLines counts the lines GODEBUG=gctrace=1 writes, one per finished
// GC cycle ("gc 12 @0.345s ...").
func CountGCLines(stderr string) int {
	n := 0
	for line := range strings.Lines(stderr) {
		if strings.HasPrefix(line, "gc ") {
			n++
		}
	}
	return n
}
