// The load benchmark. Run it from the module root with
//
//	go test -run '^$' -bench BenchmarkLoad -benchtime 1x ./bot/slackbot/
//
// (about 45 s on a 2-core machine; a minute more when the binaries are not
// yet in the build cache). It never runs under plain `go test`, and it
// asserts correctness only (no command refused, every command reached Front
// Payment exactly once, every reply was posted, the binary and the floor
// process exit 0 on SIGTERM), never speed: the figures are reported, and
// judged by a person against the targets of issue 5.
//
// One round pushes a burst of N /resend commands (distinct users,
// reservations and addresses; limits and cooldown off) as fast as one
// goroutine can write them through one fake Slack Socket Mode connection,
// with the fake Front Payment answering after 50 ms, and measures:
//
//   - ack latency: the fake writing an envelope → the fake reading its ack;
//   - GC in acks: the share of rounds in which a GC cycle of the measured
//     process (the test process for in-process kinds; for child processes
//     counted from GODEBUG=gctrace=1 on their stderr) finished before the
//     last ack, i.e. competed with the acks for the CPU;
//   - all replies: the first envelope written → the last outcome reply's
//     chat.postMessage reaching the fake;
//   - allocations per command: runtime.MemStats over the burst in the test
//     process, so they include the fakes' own (about 40% of them);
//   - peak RSS: VmHWM in /proc/<pid>/status of the built binary, run as a
//     child process against the same fakes, read after its burst (and the
//     same of the slack-go floor process, below).
//
// The floors are a bare gorilla/websocket client and a bare slack-go
// socketmode client that only ack (bot/internal/loadgen), on the same fake
// and loopback, both inside the test process. That is the right floor for
// the in-process bot, not for the binary: in the test process the floor
// shares its heap and GC with the fakes, and is collected before every
// burst. So the slack-go floor also runs in its own process
// (bot/internal/loadgen/slackgofloor), built with the binary's flags,
// started with its environment, measured from outside as it is (GCs from
// gctrace, VmHWM) and stopped by SIGTERM, in the same rounds as the binary:
// "binary/slack-go own process" is the apples-to-apples ratio for the
// binary. Rounds of floors, in-process bot, binary and floor process are
// interleaved (their order rotating), round 0 is a warm-up, every round
// starts from a collected heap (of the test process), and the table gives
// medians.
//
// Knobs, all optional, through the environment:
//
//	LOAD_N=200            commands in one burst
//	LOAD_ROUNDS=31        measured rounds of floors and in-process bot, interleaved
//	LOAD_EXT_ROUNDS=15    rounds of the built binary and of the slack-go floor
//	                      process, measured from outside (0: skip)
//	LOAD_FLOORS=1         0: skip the floors, in-process and own process (e.g.
//	                      to profile the bot alone)
//	LOAD_MAX_INFLIGHT=16  RESEND_MAX_INFLIGHT for the bot (the default; its
//	                      bounded queue, 16×, holds a 256-command burst)
//	LOAD_BIN_ENV=         extra environment for the binary and the floor process
//	                      (so that both run with the same GC settings), e.g.
//	                      "GOGC=50 GOMEMLIMIT=12MiB"
//	LOAD_CONTACT=mix      what the commands send to: email, phone, or mix
//	                      (every other command by SMS, as +47 4xx xx xxx);
//	                      invalid: an address without "@", so that every
//	                      command is refused in its ack (and nothing is sent)
//	LOAD_WARMUP=0         1: the binary and the floor process first take a
//	                      warm-up burst (other users, reservations, channel),
//	                      all its replies, then LOAD_QUIET of quiet before the
//	                      measured burst: a bot in steady state, not fresh
//	                      from start-up
//	LOAD_QUIET=1500ms     that quiet spell
//
// The binary is built as the Dockerfile builds it (CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w"), so its memory is the image's; the floor process is built
// the same way.
//
// To profile the bot alone:
//
//	LOAD_FLOORS=0 LOAD_EXT_ROUNDS=0 go test -run '^$' -bench BenchmarkLoad -benchtime 1x \
//	    -cpuprofile cpu.out -memprofile mem.out ./bot/slackbot/
//	go tool pprof -top bot.test cpu.out
package slackbot

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/bot/internal/loadgen"
	"resendbot/bot/internal/syncbuf"
	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

// loadWait bounds every wait of the benchmark: a broken run fails after it,
// a slow one does not.
const loadWait = 60 * time.Second

// loadFPDelay is how long the fake Front Payment takes to answer.
const loadFPDelay = 50 * time.Millisecond

// loadChannel is where every command of the burst is typed.
const loadChannel = "C0LOAD"

// loadKind names what one round ran.
type loadKind string

const (
	loadWS          loadKind = "bare websocket (ack only)"
	loadSlackGo     loadKind = "slack-go socketmode (ack only)"
	loadBot         loadKind = "resendbot in-process"
	loadExt         loadKind = "resendbot binary"
	loadSlackGoProc loadKind = "slack-go socketmode, own process" // ack only, as loadSlackGo
)

// ownProcess tells the kinds run as a child process and measured from
// outside, as the binary is.
func (k loadKind) ownProcess() bool { return k == loadExt || k == loadSlackGoProc }

// loadRound is what one run of one kind measured.
type loadRound struct {
	kind          loadKind
	p50, p99, max time.Duration
	allReplies    time.Duration // first envelope written → last thread reply posted
	fpCalls       int
	allocsPerCmd  float64 // whole test process (bot and fakes), in-process run only
	bytesPerCmd   float64
	gcs           int           // GC cycles during the burst
	ackGCs        int           // of which finished before the last ack (the test process's for in-process kinds)
	hwmMiB        float64       // VmHWM, own-process kinds only
	idleMiB       float64       // VmHWM before the burst, own-process kinds only
	anonMiB       float64       // RssAnon after the burst (heap, stacks), own-process kinds only
	fileMiB       float64       // RssFile after the burst (the mapped binary), own-process kinds only
	sendSpan      time.Duration // first envelope written → last envelope written
	slackConns    int           // TCP connections the fake Slack accepted
	fpConns       int           // TCP connections the fake Front Payment accepted
}

type loadConfig struct {
	n, rounds, extRounds, maxInflight int
	floors, warmup                    bool
	contact                           string // email, phone, mix or invalid
	quiet                             time.Duration
}

// text is the i-th command of a burst: distinct reservations and
// destinations, so that no cooldown or dedupe ever applies.
func (lc loadConfig) text(i int) string {
	uuid := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
	if lc.contact == "invalid" {
		return fmt.Sprintf("%s email=load%d-at-example.com", uuid, i)
	}
	if lc.contact == "phone" || (lc.contact == "mix" && i%2 == 1) {
		return fmt.Sprintf("%s phone=+47 4%02d %02d %03d", uuid, i/100000%100, i/1000%100, i%1000)
	}
	return fmt.Sprintf("%s email=load%d@example.com", uuid, i)
}

func loadEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a whole number ≥ 0", name, v)
	}
	return n
}

// BenchmarkLoad pushes bursts of slash commands through one fake Slack
// Socket Mode connection and compares resendbot's ack latency with ack-only
// floors on the same loopback; see the comment at the top of this file.
func BenchmarkLoad(b *testing.B) {
	lc := loadConfig{
		n:         loadEnvInt(b, "LOAD_N", 200),
		rounds:    loadEnvInt(b, "LOAD_ROUNDS", 31),
		extRounds: loadEnvInt(b, "LOAD_EXT_ROUNDS", 15),
		floors:    loadEnvInt(b, "LOAD_FLOORS", 1) != 0,
		contact:   cmp.Or(os.Getenv("LOAD_CONTACT"), "mix"),
		warmup:    loadEnvInt(b, "LOAD_WARMUP", 0) != 0,
	}
	quiet, err := time.ParseDuration(cmp.Or(os.Getenv("LOAD_QUIET"), "1500ms"))
	if err != nil {
		b.Fatalf("LOAD_QUIET: %v", err)
	}
	lc.quiet = quiet
	if !slices.Contains([]string{"email", "phone", "mix", "invalid"}, lc.contact) {
		b.Fatalf("LOAD_CONTACT=%q: want email, phone, mix or invalid", lc.contact)
	}
	lc.maxInflight = loadEnvInt(b, "LOAD_MAX_INFLIGHT", 16)
	if lc.n == 0 || lc.rounds+lc.extRounds == 0 {
		b.Fatal("LOAD_N, and LOAD_ROUNDS or LOAD_EXT_ROUNDS, must be above zero")
	}
	// The executables of the kinds run as child processes.
	bins := map[loadKind]string{}
	if lc.extRounds > 0 {
		bins[loadExt] = loadBuild(b, "resendbot")
		if lc.floors {
			bins[loadSlackGoProc] = loadBuild(b, "resendbot/bot/internal/loadgen/slackgofloor")
		}
	}

	// The benchmark framework may call us more than once (b.N); one pass of
	// all rounds is the measurement whatever b.N is.
	var results []loadRound
	b.ResetTimer()
	for range b.N {
		results = nil
		kinds := []loadKind{loadBot}
		if lc.floors {
			kinds = append([]loadKind{loadWS, loadSlackGo}, kinds...)
		}
		// Round 0 warms up (page faults, first connections, lazy inits) and
		// is not counted.
		for round := 0; round <= max(lc.rounds, lc.extRounds); round++ {
			var order []loadKind
			if lc.rounds > 0 && round <= lc.rounds {
				order = slices.Clone(kinds)
			}
			if round <= lc.extRounds && lc.extRounds > 0 {
				order = append(order, loadExt)
				if lc.floors {
					order = append(order, loadSlackGoProc)
				}
			}
			// Rotate so that no kind always runs first (or right after the
			// heaviest one).
			k := round % len(order)
			order = append(order[k:], order[:k]...)
			for _, kind := range order {
				r := runLoadRound(b, lc, kind, bins[kind])
				if round > 0 {
					results = append(results, r)
				}
			}
		}
	}
	b.StopTimer()
	reportLoad(b, lc, results)
}

// runLoadRound starts fresh fakes and one client of kind, pushes one burst
// and measures it. bin is the executable of an own-process kind.
func runLoadRound(b *testing.B, lc loadConfig, kind loadKind, bin string) loadRound {
	b.Helper()
	tb := &loadTB{TB: b}
	defer tb.cleanup()
	slack := fakeslack.New(tb, fakeslack.WithPingInterval(5*time.Second))
	fp, fpSrv, fpConns := loadFrontPayment(b, lc)
	defer fpSrv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := loadRound{kind: kind}
	env := map[string]string{
		"SLACK_APP_TOKEN":       fakeslack.AppToken,
		"SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"SLACK_API_URL":         slack.APIURL(),
		"FRONTPAYMENT_TOKEN":    fpToken,
		"FRONTPAYMENT_BASE_URL": fpSrv.URL,
		"RESEND_RATE_PER_USER":  "1000000/1m",
		"RESEND_RATE_GLOBAL":    "1000000/1m",
		"RESEND_COOLDOWN":       "0",
		"RESEND_MAX_INFLIGHT":   strconv.Itoa(lc.maxInflight),
		"RESEND_SHUTDOWN_GRACE": "25s",
	}

	var stop func()
	var child *exec.Cmd
	var childErr *syncbuf.Buffer
	var childDone chan error
	switch kind {
	case loadWS:
		f, err := loadgen.StartWSFloor(ctx, slack.APIURL(), fakeslack.AppToken)
		if err != nil {
			b.Fatal(err)
		}
		stop = func() { _ = f.Stop() }
	case loadSlackGo:
		f := loadgen.StartSlackGoFloor(ctx, slack.APIURL(), fakeslack.AppToken, fakeslack.BotToken)
		stop = func() {
			if err := f.Stop(); err != nil {
				b.Errorf("slack-go floor: %v", err)
			}
		}
	case loadBot:
		cfg, err := bot.LoadConfig(func(k string) string { return env[k] }, bot.ModeBot)
		if err != nil {
			b.Fatalf("config: %v", err)
		}
		fpc, err := frontpay.NewClient(frontpay.Config{BaseURL: cfg.FrontPaymentBaseURL, Token: cfg.FrontPaymentToken,
			Timeout: cfg.FrontPaymentTimeout, UserAgent: "resendbot/load"})
		if err != nil {
			b.Fatal(err)
		}
		// The production loggers, writing nowhere: formatting costs what it
		// costs in production, the terminal does not.
		log, audit := bot.NewLoggers(cfg, bot.RedactWriter(io.Discard, cfg.Secrets()))
		bot := New(cfg, bot.Deps{Resender: fpc, Log: log, Audit: audit})
		runCtx, stopBot := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- bot.Run(runCtx) }()
		stop = func() {
			stopBot()
			select {
			case err := <-done:
				if err != nil {
					b.Errorf("bot.Run: %v", err)
				}
			case <-time.After(loadWait):
				b.Errorf("bot did not stop within %v", loadWait)
			}
		}
	case loadExt, loadSlackGoProc:
		child = exec.Command(bin)
		child.Dir = b.TempDir() // no .env there
		child.Env = []string{"GODEBUG=gctrace=1"}
		for k, v := range env {
			child.Env = append(child.Env, k+"="+v)
		}
		child.Env = append(child.Env, strings.Fields(os.Getenv("LOAD_BIN_ENV"))...)
		child.Stdout = io.Discard // the logs, through a pipe as under a supervisor
		childErr = &syncbuf.Buffer{}
		child.Stderr = childErr
		if err := child.Start(); err != nil {
			b.Fatal(err)
		}
		childDone = make(chan error, 1)
		go func() { childDone <- child.Wait() }()
		stop = func() {
			select {
			case <-childDone:
				b.Fatalf("%s exited during the burst:\n%s", kind, childErr)
			default:
			}
			if err := child.Process.Signal(syscall.SIGTERM); err != nil {
				b.Fatal(err)
			}
			select {
			case err := <-childDone:
				if err != nil {
					b.Fatalf("%s after SIGTERM: %v (want exit status 0)\n%s", kind, err, childErr)
				}
			case <-time.After(loadWait):
				_ = child.Process.Kill()
				b.Fatalf("%s did not exit within %v of SIGTERM", kind, loadWait)
			}
		}
	}
	if err := slack.WaitConnected(1, loadWait); err != nil {
		stop()
		b.Fatalf("%s never connected: %v", kind, err)
	}
	if child != nil {
		st, err := loadgen.ProcStatus(child.Process.Pid, "VmHWM")
		if err != nil {
			b.Fatal(err)
		}
		r.idleMiB = float64(st["VmHWM"]) / 1024
	}
	works := (kind == loadBot || kind == loadExt) && lc.contact != "invalid"

	// burst pushes n commands numbered from first into channel as fast as
	// it can, waits for their acks, and, for kinds that work, for their
	// messages: with the messages of the bursts before, want in total.
	posted := 0
	burst := func(first int, channel string) []string {
		ids := make([]string, lc.n)
		for i := range ids {
			ids[i] = slack.SlashCommand(fakeslack.SlashCommand{
				UserID:    fmt.Sprintf("UL%06d", first+i),
				ChannelID: channel,
				Text:      lc.text(first + i),
			})
		}
		for _, id := range ids {
			if _, err := slack.WaitAck(id, loadWait); err != nil {
				stop()
				b.Fatalf("%s: %v", kind, err)
			}
		}
		return ids
	}
	replies := func() {
		if !works {
			return
		}
		// A command refused at once (a full queue, a limit) is answered in
		// its ack and will never reach Front Payment: say so now rather than
		// wait for messages that will not come.
		refused, example := 0, ""
		for _, a := range slack.Acks() {
			if len(a.Payload) > 0 {
				refused++
				example = string(a.Payload)
			}
		}
		if refused > 0 {
			stop()
			b.Fatalf("%s: %d of %d commands were refused in their ack (RESEND_MAX_INFLIGHT=%d), e.g. %s",
				kind, refused, lc.n, lc.maxInflight, example)
		}
		// The root message and the reply of every command; the updates of
		// the roots follow the replies.
		posted += lc.n
		if _, err := slack.WaitCalls("chat.postMessage", 2*posted, loadWait); err != nil {
			stop()
			b.Fatalf("%s: %v", kind, err)
		}
		if _, err := slack.WaitCalls("chat.update", posted, loadWait); err != nil {
			stop()
			b.Fatalf("%s: %v", kind, err)
		}
	}
	warmCalls := 0
	if lc.warmup && child != nil {
		burst(lc.n, loadChannel+"WARM")
		replies()
		warmCalls = len(fp.Resends())
		time.Sleep(lc.quiet)
	}

	// Every burst starts from a collected heap of the test process,
	// whatever the round before left behind.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	gcBefore := 0
	if child != nil {
		gcBefore = loadgen.CountGCLines(childErr.String())
	}

	start := time.Now()
	ids := burst(0, loadChannel)
	if child != nil {
		r.ackGCs = loadgen.CountGCLines(childErr.String()) - gcBefore
	} else {
		r.ackGCs = int(loadgen.GCCycles() - before.NumGC)
	}
	replies()
	if kind == loadBot {
		runtime.ReadMemStats(&after)
		r.allocsPerCmd = float64(after.Mallocs-before.Mallocs) / float64(lc.n)
		r.bytesPerCmd = float64(after.TotalAlloc-before.TotalAlloc) / float64(lc.n)
		r.gcs = int(after.NumGC - before.NumGC)
	}
	if child != nil {
		r.gcs = loadgen.CountGCLines(childErr.String()) - gcBefore
		st, err := loadgen.ProcStatus(child.Process.Pid, "VmHWM", "RssAnon", "RssFile")
		if err != nil {
			b.Fatal(err)
		}
		r.hwmMiB = float64(st["VmHWM"]) / 1024
		r.anonMiB = float64(st["RssAnon"]) / 1024
		r.fileMiB = float64(st["RssFile"]) / 1024
	}
	snap := slack.Snapshot()
	stop()

	measured := map[string]bool{}
	for _, id := range ids {
		measured[id] = true
	}
	lat := make(loadgen.Latencies, 0, lc.n)
	for _, a := range snap.Acks {
		if measured[a.EnvelopeID] {
			delete(measured, a.EnvelopeID) // the first ack of each
			lat = append(lat, a.Latency())
		}
	}
	if len(lat) != lc.n {
		b.Fatalf("%s: %d envelopes acked, want %d", kind, len(lat), lc.n)
	}
	r.p50, r.p99, r.max = lat.Quantile(0.50), lat.Quantile(0.99), lat.Quantile(1)
	var sent []time.Time
	for _, e := range snap.Envelopes {
		if slices.Contains(ids, e.EnvelopeID) {
			sent = append(sent, e.SentAt)
		}
	}
	if len(sent) > 0 {
		r.sendSpan = sent[len(sent)-1].Sub(sent[0])
	}
	r.slackConns = slack.ConnectionsAccepted()
	r.fpConns = int(fpConns.Load())
	if !works {
		return r
	}

	r.fpCalls = len(fp.Resends()) - warmCalls
	if r.fpCalls != lc.n {
		b.Fatalf("%s: %d Front Payment resends for %d commands, want exactly one each", kind, r.fpCalls, lc.n)
	}
	var last time.Time
	replied := 0
	for _, m := range snap.Messages {
		if m.ThreadTS != "" || m.Channel != loadChannel {
			continue
		}
		th := snap.Thread(m.Channel, m.TS)
		if len(th) == 0 {
			continue
		}
		replied++
		if th[0].At.After(last) {
			last = th[0].At
		}
	}
	if replied != lc.n {
		b.Fatalf("%s: %d audit messages have their outcome reply, want %d", kind, replied, lc.n)
	}
	r.allReplies = last.Sub(start)
	return r
}

// loadTB runs the cleanups registered during one round at the end of that
// round, not of the whole benchmark: a fake kept until then would keep
// everything it recorded, and the rounds after it would pay for scanning
// that heap.
type loadTB struct {
	testing.TB
	cleanups []func()
}

func (t *loadTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *loadTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// fpToken is the fake Front Payment's token in every round.
const fpToken = "fp-load-token-0123456789"

// loadFrontPayment starts a fake Front Payment that accepts every resend
// after loadFPDelay, and counts the TCP connections it accepts. With the
// default RESEND_CONFIRM_NEW_DESTINATION the bot reads each reservation
// before it sends: the fake answers that read after loadFPDelay too, with
// the burst's destination on file, so that every command goes on to its
// resend.
func loadFrontPayment(b *testing.B, lc loadConfig) (*frontpaytest.Handler, *httptest.Server, *atomic.Int64) {
	h := frontpaytest.NewHandler(fpToken)
	ok := frontpaytest.Accepted()
	ok.Delay = loadFPDelay
	h.SetDefault(ok)
	for i := range lc.n {
		uuid, to, _ := strings.Cut(lc.text(i), " ")
		d := frontpaytest.SampleDetails(uuid)
		d.CustomerDetails.Email, d.CustomerDetails.MSISDN = "", ""
		if email, ok := strings.CutPrefix(to, "email="); ok {
			d.CustomerDetails.Email = email
		} else if phone, ok := strings.CutPrefix(to, "phone=+47 "); ok {
			d.CustomerDetails.MSISDN = strings.ReplaceAll(phone, " ", "")
		}
		read := frontpaytest.Retrieved(d)
		read.Delay = loadFPDelay
		h.SetDetailsAnswer(uuid, read)
	}
	srv := httptest.NewUnstartedServer(h)
	conns := &atomic.Int64{}
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	return h, srv, conns
}

// loadBuild builds the command pkg (an import path) into a temporary
// directory, with the Dockerfile's flags, and returns the executable.
func loadBuild(b *testing.B, pkg string) string {
	b.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(b.TempDir(), path.Base(pkg))
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// reportLoad prints the medians of the rounds and reports them as metrics.
func reportLoad(b *testing.B, lc loadConfig, results []loadRound) {
	by := map[loadKind][]loadRound{}
	for _, r := range results {
		by[r.kind] = append(by[r.kind], r)
	}
	med := func(kind loadKind, f func(loadRound) float64) float64 {
		var xs []float64
		for _, r := range by[kind] {
			xs = append(xs, f(r))
		}
		return loadgen.Median(xs)
	}
	mean := func(kind loadKind, f func(loadRound) float64) float64 {
		var sum float64
		for _, r := range by[kind] {
			sum += f(r)
		}
		return sum / float64(max(len(by[kind]), 1))
	}
	p50 := func(r loadRound) float64 { return loadgen.Ms(r.p50) }
	p99 := func(r loadRound) float64 { return loadgen.Ms(r.p99) }
	pmax := func(r loadRound) float64 { return loadgen.Ms(r.max) }
	// perRound lists f of every round of kind, in the order they ran.
	perRound := func(kind loadKind, f func(loadRound) string) string {
		var xs []string
		for _, r := range by[kind] {
			xs = append(xs, f(r))
		}
		return strings.Join(xs, " ")
	}
	var spans []float64
	for _, r := range results {
		spans = append(spans, loadgen.Ms(r.sendSpan))
	}

	var t strings.Builder
	warm := ""
	if lc.warmup {
		warm = fmt.Sprintf(", each after a warm-up burst and %v of quiet", lc.quiet)
	}
	fmt.Fprintf(&t, "burst of %d /resend (to %s), Front Payment answering after %v, RESEND_MAX_INFLIGHT=%d, %d CPUs, %s; burst written in %.2fms; medians of %d rounds (binary and floor process: %d%s), all kinds interleaved; TCP conns accepted by fake Slack (socket + Web API) + fake Front Payment\n",
		lc.n, lc.contact, loadFPDelay, lc.maxInflight, runtime.NumCPU(), runtime.Version(), loadgen.Median(spans), lc.rounds, lc.extRounds, warm)
	fmt.Fprintf(&t, "%-32s %8s %8s %8s %10s %11s %8s %10s %8s %6s %8s %8s\n",
		"", "ack p50", "ack p99", "ack max", "GC in acks", "all replies", "FP calls", "allocs/cmd", "KiB/cmd", "GCs", "peak RSS", "TCP conns")
	for _, kind := range []loadKind{loadWS, loadSlackGo, loadBot, loadExt, loadSlackGoProc} {
		rs := by[kind]
		if len(rs) == 0 {
			continue
		}
		row := fmt.Sprintf("%-32s %6.2fms %6.2fms %6.2fms %9.0f%%", kind, med(kind, p50), med(kind, p99), med(kind, pmax),
			100*mean(kind, func(r loadRound) float64 { return float64(min(r.ackGCs, 1)) }))
		if kind == loadBot || kind == loadExt {
			row += fmt.Sprintf(" %9.1fms %8.0f", med(kind, func(r loadRound) float64 { return loadgen.Ms(r.allReplies) }),
				med(kind, func(r loadRound) float64 { return float64(r.fpCalls) }))
		} else {
			row += fmt.Sprintf(" %11s %8s", "-", "-")
		}
		if kind == loadBot {
			row += fmt.Sprintf(" %10.0f %8.1f", med(kind, func(r loadRound) float64 { return r.allocsPerCmd }),
				med(kind, func(r loadRound) float64 { return r.bytesPerCmd / 1024 }))
		} else {
			row += fmt.Sprintf(" %10s %8s", "-", "-")
		}
		if kind == loadBot || kind.ownProcess() {
			row += fmt.Sprintf(" %6.0f", med(kind, func(r loadRound) float64 { return float64(r.gcs) }))
		} else {
			row += fmt.Sprintf(" %6s", "-")
		}
		if kind.ownProcess() {
			row += fmt.Sprintf(" %6.1fMiB", med(kind, func(r loadRound) float64 { return r.hwmMiB }))
		} else {
			row += fmt.Sprintf(" %9s", "-")
		}
		row += fmt.Sprintf(" %4.0f+%.0f", med(kind, func(r loadRound) float64 { return float64(r.slackConns) }),
			med(kind, func(r loadRound) float64 { return float64(r.fpConns) }))
		t.WriteString(row + "\n")
	}

	botP50, botP99 := med(loadBot, p50), med(loadBot, p99)
	sgP50, sgP99 := med(loadSlackGo, p50), med(loadSlackGo, p99)
	wsP50, wsP99 := med(loadWS, p50), med(loadWS, p99)
	sgpP50, sgpP99 := med(loadSlackGoProc, p50), med(loadSlackGoProc, p99)
	binP50, binP99 := med(loadExt, p50), med(loadExt, p99)
	floors := lc.floors && len(by[loadBot]) > 0
	bin, floorProc := len(by[loadExt]) > 0, len(by[loadSlackGoProc]) > 0
	var ratios []string
	if floors {
		ratios = append(ratios, fmt.Sprintf("bot/slack-go: p50 %.2f× p99 %.2f× (target ≤ 1.2×)", botP50/sgP50, botP99/sgP99),
			fmt.Sprintf("bot/bare ws: p50 %.2f× p99 %.2f×", botP50/wsP50, botP99/wsP99))
		if bin {
			ratios = append(ratios, fmt.Sprintf("binary/slack-go: p50 %.2f× p99 %.2f×", binP50/sgP50, binP99/sgP99))
		}
	}
	if bin && floorProc {
		ratios = append(ratios, fmt.Sprintf("binary/slack-go own process: p50 %.2f× p99 %.2f×", binP50/sgpP50, binP99/sgpP99))
	}
	if len(ratios) > 0 {
		t.WriteString("ratio (medians) " + strings.Join(ratios, "; ") + "\n")
	}

	// One line for everything given round by round.
	var rounds []string
	if floors {
		var p50s []string
		for i := range by[loadBot] {
			p50s = append(p50s, fmt.Sprintf("%.1f/%.1f/%.1f", p50(by[loadWS][i]), p50(by[loadSlackGo][i]), p50(by[loadBot][i])))
		}
		rounds = append(rounds, "ack p50 ms (ws / slack-go / bot) "+strings.Join(p50s, " "))
	}
	if bin {
		rounds = append(rounds, "binary: ack p50 ms "+perRound(loadExt, func(r loadRound) string { return fmt.Sprintf("%.1f", p50(r)) })+
			", VmHWM MiB after burst "+perRound(loadExt, func(r loadRound) string { return fmt.Sprintf("%.1f", r.hwmMiB) })+
			", connected before burst "+perRound(loadExt, func(r loadRound) string { return fmt.Sprintf("%.1f", r.idleMiB) })+
			", RssAnon+RssFile after burst "+perRound(loadExt, func(r loadRound) string { return fmt.Sprintf("%.1f+%.1f", r.anonMiB, r.fileMiB) }))
	}
	if floorProc {
		rounds = append(rounds, "slack-go own process: ack p50 ms "+perRound(loadSlackGoProc, func(r loadRound) string { return fmt.Sprintf("%.1f", p50(r)) })+
			", VmHWM MiB after burst "+perRound(loadSlackGoProc, func(r loadRound) string { return fmt.Sprintf("%.1f", r.hwmMiB) })+
			", connected before burst "+perRound(loadSlackGoProc, func(r loadRound) string { return fmt.Sprintf("%.1f", r.idleMiB) }))
	}
	if len(rounds) > 0 {
		t.WriteString("per round: " + strings.Join(rounds, "; ") + "\n")
	}
	// The testing package keeps only the first 10 lines of a benchmark's
	// log, and marks the 10th as truncated even when it is the last: the
	// table keeps to 9 (2 of headers, 5 rows, ratios, rounds).
	b.Log(strings.TrimSuffix(t.String(), "\n"))

	b.ReportMetric(0, "ns/op") // the wall time of all rounds means nothing
	if len(by[loadBot]) > 0 {
		b.ReportMetric(botP50, "ack_p50_ms")
		b.ReportMetric(botP99, "ack_p99_ms")
		b.ReportMetric(med(loadBot, pmax), "ack_max_ms")
		b.ReportMetric(med(loadBot, func(r loadRound) float64 { return loadgen.Ms(r.allReplies) }), "all_replies_ms")
		b.ReportMetric(med(loadBot, func(r loadRound) float64 { return float64(r.fpCalls) }), "fp_calls")
		b.ReportMetric(med(loadBot, func(r loadRound) float64 { return r.allocsPerCmd }), "allocs_per_cmd")
	}
	if floors {
		b.ReportMetric(sgP50, "floor_slackgo_p50_ms")
		b.ReportMetric(sgP99, "floor_slackgo_p99_ms")
		b.ReportMetric(wsP50, "floor_ws_p50_ms")
		b.ReportMetric(wsP99, "floor_ws_p99_ms")
		b.ReportMetric(botP50/sgP50, "ratio_p50_vs_slackgo")
		b.ReportMetric(botP99/sgP99, "ratio_p99_vs_slackgo")
		b.ReportMetric(botP50/wsP50, "ratio_p50_vs_ws")
	}
	if floorProc {
		b.ReportMetric(sgpP50, "floor_slackgo_proc_p50_ms")
		b.ReportMetric(sgpP99, "floor_slackgo_proc_p99_ms")
	}
	if bin {
		b.ReportMetric(med(loadExt, func(r loadRound) float64 { return r.hwmMiB }), "peak_rss_MiB")
		b.ReportMetric(binP50, "bin_ack_p50_ms")
		b.ReportMetric(binP99, "bin_ack_p99_ms")
		if floors {
			b.ReportMetric(binP50/sgP50, "bin_ratio_p50_vs_slackgo")
			b.ReportMetric(binP99/sgP99, "bin_ratio_p99_vs_slackgo")
		}
		if floorProc {
			b.ReportMetric(binP50/sgpP50, "bin_ratio_p50_vs_slackgo_proc")
			b.ReportMetric(binP99/sgpP99, "bin_ratio_p99_vs_slackgo_proc")
		}
	}
}
