package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"resendbot/bot"
	"resendbot/bot/command"
	"resendbot/bot/console/demofp"
	"resendbot/frontpay"
)

// The console's one person and one channel.
const (
	consoleUser    = "U0CONSOLE"
	consoleChannel = "C0CONSOLE"
	sourceConsole  = "console"
)

// The built-in demo Front Payment. Its origin is under .invalid, a name
// that never resolves, so even a mistake here cannot reach a real server;
// its timeout is short so that the timeout outcome shows quickly.
const (
	demoBaseURL = "https://frontpayment.demo.invalid"
	demoToken   = "demo-token"
	demoTimeout = 3 * time.Second
)

// The demo's limits: loose enough that a newcomer can walk every outcome
// help lists, look reservations up and repeat a few, while an immediate
// repeat of a sent resend still shows the cooldown. A configuration looser
// still is kept. --live keeps the configured limits: it reaches customers.
var (
	demoRatePerUser = bot.Rate{N: 60, Per: time.Minute}
	demoRateGlobal  = bot.Rate{N: 120, Per: time.Minute}
)

const demoCooldown = 10 * time.Second

// demoLimits relaxes c's rate limits and cooldown for the demo.
func demoLimits(c *bot.Config) {
	c.RatePerUser = looser(c.RatePerUser, demoRatePerUser)
	c.RateGlobal = looser(c.RateGlobal, demoRateGlobal)
	c.Cooldown = min(c.Cooldown, demoCooldown)
}

// looser is configured unless demo holds more or refills faster.
func looser(configured, demo bot.Rate) bot.Rate {
	if configured.N >= demo.N && int64(configured.N)*int64(demo.Per) >= int64(demo.N)*int64(configured.Per) {
		return configured
	}
	return demo
}

// demoOutcomes is how to provoke each documented answer of the demo Front
// Payment (demofp.NewHandler's preloaded reservations), for help.
var demoOutcomes = []struct {
	uuid string
	kind frontpay.Kind // what the outcome is, for the test that keeps this list true
	what string
}{
	{demofp.UUIDAccepted, frontpay.KindSent, "accepted (202): Sent"},
	{demofp.UUIDNotFound, frontpay.KindNotFound, "orderNotFound (404): reservation not found"},
	{demofp.UUIDCompleted, frontpay.KindCompleted, "orderStatusAlreadyCompleted (400): already paid"},
	{demofp.UUIDCancelled, frontpay.KindCancelled, "orderStatusAlreadyCancelled (400): reservation cancelled"},
	{demofp.UUIDInvalid, frontpay.KindInvalid, "payloadValidationErrors (417): contact details rejected"},
	{demofp.UUIDUnauthorized, frontpay.KindUnauthorized, "401: resendbot's token refused"},
	{demofp.UUIDRateLimited, frontpay.KindRateLimited, "429 with Retry-After 30: Front Payment busy (Retry button)"},
	{demofp.UUIDServerError, frontpay.KindServerError, "510 Something Went Wrong: Front Payment failed (Retry button)"},
	{demofp.UUIDBadGateway, frontpay.KindServerError, "502 HTML page from a proxy: Front Payment failed (Retry button)"},
	{demofp.UUIDGarbage, frontpay.KindUnexpected, "200 with a body that is not JSON: unexpected answer"},
	{demofp.UUIDTimeout, frontpay.KindUnreachable, "no answer within " + demoTimeout.String() + ": did not answer (Retry button)"},
}

// demoLookups is what the demo Front Payment says of reservations, for
// help on "status" and the offer of the contact on file.
var demoLookups = []struct{ uuid, what string }{
	{demofp.UUIDAccepted, "open, Kari Nordmann's phone and email on file (so are the IDs above but 404, 4001, 4002)"},
	{demofp.UUIDEmailOnly, "open, only an email address on file"},
	{demofp.UUIDNoContact, "open, no phone number or email on file"},
	{demofp.UUIDPaid, "paid (a resend: already completed)"},
	{demofp.UUIDDetailsCancelled, "cancelled (a resend: cancelled)"},
	{"any other reservation ID", "not found (a resend to it is still accepted)"},
}

// IO is what the console reads from and writes to.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Version        string
}

// Run is `resendbot console`: it reads commands from p.Stdin, runs
// them through the same core as the Slack bot, and prints on p.Stdout
// what Slack would show. Without live it talks to the built-in demo Front
// Payment and ignores FRONTPAYMENT_*; with live it calls the configured
// one. getenv is the environment Main read cfg from. It returns when the
// input ends, on "quit", or when ctx is cancelled, after the work in
// flight is done; an error only when the input cannot be read or the Front
// Payment client cannot be built.
func Run(ctx context.Context, p IO, getenv func(string) string, cfg *bot.Config, live bool) error {
	c := *cfg
	// The person at the terminal holds the configuration already, and the
	// allowlists name Slack IDs the console's user can never have: keep
	// them for Slack. Live, rate limits and cooldowns apply as configured;
	// the demo relaxes them so that every outcome can be tried.
	c.AllowedChannels, c.AllowedUsers = nil, nil
	// One command at a time: each one's messages are printed before the
	// next prompt, so the transcript reads in order.
	c.MaxInflight = 1
	if !live {
		c.FrontPaymentBaseURL, c.FrontPaymentToken, c.FrontPaymentTimeout = demoBaseURL, demoToken, demoTimeout
		demoLimits(&c)
	}
	log, audit := consoleLoggers(&c, getenv, bot.RedactWriter(p.Stderr, cfg.Secrets()), live)

	fpcfg := frontpay.Config{
		BaseURL:   c.FrontPaymentBaseURL,
		Token:     c.FrontPaymentToken,
		Timeout:   c.FrontPaymentTimeout,
		UserAgent: "resendbot/" + p.Version + " (console)",
	}
	if !live {
		fpcfg.HTTPClient = &http.Client{Transport: demofp.Transport{Handler: demofp.NewHandler(demoToken)}}
	}
	fp, err := frontpay.NewClient(fpcfg)
	if err != nil {
		return fmt.Errorf("front payment client: %w", err)
	}

	out := &consoleSurface{w: p.Stdout, kinds: map[string]string{}, secrets: cfg.Secrets()}
	cfp := consoleFrontPayment{fp: fp, out: out}
	e := bot.NewCore(&c, bot.Deps{Resender: cfp, Details: cfp, Log: log, Audit: audit}, out)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	e.Start(workCtx)

	out.printf("%s", consoleBanner(cfg, &c, live))
	in := p.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	interactive := isTerminal(in)
	readErr := consoleLoop(ctx, e, &c, out, in, interactive, cfg, live)

	if ctx.Err() != nil {
		fmt.Fprintln(p.Stderr, "resendbot: interrupted; finishing any resend in flight")
	}
	e.Stop(workCtx, c.ShutdownGrace, cancelWork)
	if interactive {
		out.printf("\n")
	}
	if readErr != nil {
		return fmt.Errorf("reading commands: %w", readErr)
	}
	return nil
}

// consoleLoop reads and runs commands until the input ends, "quit", or
// ctx is done. It returns the input's read error, if any. real is the
// configuration the Slack bot would run with, for help.
func consoleLoop(ctx context.Context, e *bot.Core, c *bot.Config, out *consoleSurface, in io.Reader, interactive bool, real *bot.Config, live bool) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err()
	}()

	origin := bot.Origin{UserID: consoleUser, ChannelID: consoleChannel, Source: sourceConsole}
	words := bot.English() // only to tell help from a resend; the console's language is wired elsewhere
	for {
		if interactive {
			out.printf("> ")
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			return <-readErr
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		text, mention := consoleCommand(line)
		if !interactive {
			out.printf("> %s\n", strings.TrimSpace(line))
		}
		switch strings.ToLower(text) {
		case "quit", "exit":
			return nil
		}
		if text == "" && !mention {
			// Slack's /resend alone opens the form, which a terminal cannot;
			// a mention alone gets the usage there too.
			out.printf("In Slack, /resend alone opens a form; here, type the command:\n")
		}
		if reply := e.Command(ctx, origin, text); reply.Answer != "" {
			out.print("(only you) ", reply.Answer)
		}
		if cmd, err := command.Parse(words, text, c.DefaultRegion); err == nil && (cmd.Kind == command.KindHelp || cmd.Kind == command.KindUsage) {
			out.printf("%s", consoleHelp(real, c, live))
		}
		// Wait until the command's work is done: with one worker, a task
		// queued after it runs after it.
		b := make(barrier)
		if e.Submit(b) {
			select {
			case <-b:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// consoleMention is the bot's mention as a person types it in the
// console, and the optional word "resend" after it: "@resendbot resend
// 3f1c… email=…". command.StripMention reads the "<@U…>" Slack
// sends for it; a line pasted in that form is read too.
var consoleMention = regexp.MustCompile(`^\s*(?i:@resendbot)\b[\s,:]*(?i:resend\b)?`)

// consoleCommand is line without the optional leading "/resend", or the
// mention and its optional "resend"; mention says whether it was one.
func consoleCommand(line string) (text string, mention bool) {
	if loc := consoleMention.FindStringIndex(line); loc != nil {
		return strings.TrimSpace(line[loc[1]:]), true
	}
	if rest, ok := command.StripMention(line); ok {
		return rest, true
	}
	text = strings.TrimSpace(line)
	for _, prefix := range []string{"/resend", "resend"} {
		if len(text) >= len(prefix) && strings.EqualFold(text[:len(prefix)], prefix) {
			rest := text[len(prefix):]
			if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
				return strings.TrimSpace(rest), false
			}
		}
	}
	return text, false
}

// barrier is a task that only marks its place in the queue.
type barrier chan struct{}

func (b barrier) Run(context.Context)     { close(b) }
func (b barrier) Abandon(context.Context) { close(b) }

// consoleBanner introduces the console running with c, where real is the
// configuration the Slack bot would apply.
func consoleBanner(real, c *bot.Config, live bool) string {
	var sb strings.Builder
	sb.WriteString("resendbot console: type a /resend command (the \"/resend\" is optional), \"help\", or \"quit\".\n")
	if live {
		fmt.Fprintf(&sb, "LIVE Front Payment at %s — every resend here texts or emails a REAL customer.\n", c.FrontPaymentBaseURL)
	} else {
		sb.WriteString("DEMO Front Payment — nothing reaches a real customer. \"help\" lists the reservation IDs that provoke each outcome.\n")
		sb.WriteString(consoleLimits(real, c, live))
		sb.WriteString("resendbot's log is off in the demo (what matters is shown here); LOG_LEVEL=info shows it on stderr.\n")
	}
	sb.WriteString("You are @you in #console. Shown as in Slack: the channel message, ↳ its thread reply, ✎ an edit, (only you) what only you see.\n\n")
	return sb.String()
}

// consoleLimits says which limits the console applies (c) and, in the
// demo, which the Slack bot would apply (real).
func consoleLimits(real, c *bot.Config, live bool) string {
	limits := func(c *bot.Config) string {
		s := fmt.Sprintf("%d every %s per person (RESEND_RATE_PER_USER), %d every %s for everyone together (RESEND_RATE_GLOBAL), and ",
			c.RatePerUser.N, bot.RoundUp(c.RatePerUser.Per), c.RateGlobal.N, bot.RoundUp(c.RateGlobal.Per))
		if c.Cooldown <= 0 {
			return s + "no cooldown (RESEND_COOLDOWN=0)"
		}
		return s + "a sent link goes to the same destination again only after " + bot.RoundUp(c.Cooldown) + " (RESEND_COOLDOWN)"
	}
	if live {
		return "Limits as in Slack: " + limits(c) + ".\n"
	}
	here := fmt.Sprintf("Limits are relaxed in the demo so that you can try every outcome: %d requests every %s, and ",
		c.RatePerUser.N, bot.RoundUp(c.RatePerUser.Per))
	if c.Cooldown > 0 {
		here += "a sent link goes to the same destination again after " + bot.RoundUp(c.Cooldown) + ".\n"
	} else {
		here += "no cooldown.\n"
	}
	return here + "The Slack bot applies the configured limits: " + limits(real) + ".\n"
}

func consoleHelp(real, c *bot.Config, live bool) string {
	var sb strings.Builder
	if live {
		fmt.Fprintf(&sb, "\nLIVE: every resend calls Front Payment at %s and reaches the real customer.\n", c.FrontPaymentBaseURL)
	} else {
		sb.WriteString("\nDEMO Front Payment: the reservation ID picks the answer.\n")
		for _, o := range demoOutcomes {
			fmt.Fprintf(&sb, "  %s  %s\n", o.uuid, o.what)
		}
		fmt.Fprintf(&sb, "  %-36s  accepted (202): Sent\n", "any other reservation ID")
		fmt.Fprintf(&sb, "For example: %s email=kari@example.com\n", demofp.UUIDNotFound)
		sb.WriteString("\n\"status <reservation ID>\" shows a reservation, and the ID alone offers its contact on file, only to you:\n")
		for _, o := range demoLookups {
			fmt.Fprintf(&sb, "  %-36s  %s\n", o.uuid, o.what)
		}
		sb.WriteString("A phone number or email address that is not valid is refused before Front Payment is called.\n")
	}
	sb.WriteString(consoleLimits(real, c, live))
	sb.WriteString("Buttons such as [Retry] work in Slack; here they are only shown: type the command again instead.\n")
	sb.WriteString("Leave with quit or Ctrl-D.\n")
	return sb.String()
}

// consoleLoggers keeps the terminal readable: text lines on stderr, and
// unless LOG_LEVEL is set nothing (the demo) or warnings (live). Live
// audit lines are written whatever the level, as in the bot; the demo's
// describe pretend resends and follow LOG_LEVEL.
func consoleLoggers(c *bot.Config, getenv func(string) string, w io.Writer, live bool) (log, audit *slog.Logger) {
	lc := *c
	if strings.TrimSpace(getenv("LOG_FORMAT")) == "" {
		lc.LogFormat = "text"
	}
	if strings.TrimSpace(getenv("LOG_LEVEL")) == "" {
		// The demo's Front Payment answers are staged, and the console
		// shows their details itself: its log stays off.
		lc.LogLevel = slog.LevelError + 4
		if live {
			lc.LogLevel = slog.LevelWarn
		}
	}
	log, audit = bot.NewLoggers(&lc, w)
	if !live {
		audit = log.With("log", "audit", "demo", true)
	}
	return log, audit
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// consoleFrontPayment is the Front Payment client, which tells out of each
// failed call what the log says of it.
type consoleFrontPayment struct {
	fp  *frontpay.Client
	out *consoleSurface
}

func (c consoleFrontPayment) Resend(ctx context.Context, reservation string, to frontpay.Contact) error {
	err := c.fp.Resend(ctx, reservation, to)
	c.out.noteDetail(err)
	return err
}

func (c consoleFrontPayment) Details(ctx context.Context, reservation string) (*frontpay.Reservation, error) {
	res, err := c.fp.Details(ctx, reservation)
	c.out.noteDetail(err)
	return res, err
}

// consoleSurface shows on a terminal what Slack would show: the channel
// message, its thread replies indented, edits, and caller-only answers.
type consoleSurface struct {
	mu      sync.Mutex
	w       io.Writer
	n       int
	kinds   map[string]string // ts → "root" or "reply"
	secrets []string          // never shown, as the log's redaction
	detail  string            // the last Front Payment call's error, as the log has it
}

// logPointers are the words with which Slack's messages send an admin to
// resendbot's log, and what the console says instead: the console shows no
// such log (the demo logs only errors), so it shows the log's detail line
// after the message.
var logPointers = strings.NewReplacer(
	"the details are in resendbot's log", "the details, which the Slack bot only logs, are below",
	"details are in the log", "details, which the Slack bot only logs, are below",
	"resendbot's log has the full list", "the full list, which the Slack bot only logs, is below",
)

// noteDetail keeps what the log says of a Front Payment call's error.
func (s *consoleSurface) noteDetail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.detail = ""
	if err == nil {
		return
	}
	// Front Payment's words are in it: on one line, without control
	// characters a terminal would obey.
	d := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return '?'
		}
		return r
	}, err.Error())), " ")
	for _, secret := range s.secrets {
		if len(secret) >= 8 {
			d = strings.ReplaceAll(d, secret, "[REDACTED]")
		}
	}
	s.detail = bot.Shorten(d, 1000)
}

// withDetail points lines that send the reader to the log at the detail
// line, which it adds, once.
func (s *consoleSurface) withDetail(lines []string) []string {
	if s.detail == "" {
		return lines
	}
	pointed := false
	for i, l := range lines {
		if p := logPointers.Replace(l); p != l {
			lines[i], pointed = p, true
		}
	}
	if !pointed {
		return lines
	}
	lines = append(lines, "Details (from resendbot's log): "+s.detail)
	s.detail = ""
	return lines
}

func (s *consoleSurface) Post(_ context.Context, channel, threadTS string, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	ts := fmt.Sprintf("1000000000.%06d", s.n)
	if threadTS == "" {
		s.kinds[ts] = "root"
		s.write(channelName(channel)+"  ", messageLines(m))
	} else {
		s.kinds[ts] = "reply"
		s.write("  ↳ ", messageLines(m))
	}
	return ts, nil
}

func (s *consoleSurface) Update(_ context.Context, channel, ts string, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The engine edits the audit message once Front Payment has answered.
	prefix := "  ✎ The audit message in " + channelName(channel) + " now reads: "
	if s.kinds[ts] == "reply" {
		prefix = "    ✎ The message in the thread now reads: "
	}
	s.write(prefix, messageLines(m))
	return nil
}

func (s *consoleSurface) Tell(_ context.Context, _ bot.Origin, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write("(only you) ", messageLines(m))
	return nil
}

// print writes mrkdwn text after prefix.
func (s *consoleSurface) print(prefix, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(prefix, strings.Split(plainText(text), "\n"))
}

func (s *consoleSurface) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}

// write prints lines, the first after prefix, the others indented.
func (s *consoleSurface) write(prefix string, lines []string) {
	lines = s.withDetail(lines)
	var sb strings.Builder
	for i, l := range lines {
		if i == 0 {
			sb.WriteString(prefix)
		} else {
			sb.WriteString("    ")
		}
		sb.WriteString(l)
		sb.WriteByte('\n')
	}
	_, _ = io.WriteString(s.w, sb.String())
}

func channelName(id string) string {
	if id == consoleChannel {
		return "#console"
	}
	return "#" + id
}

// messageLines renders m as Slack would draw it: the body, the small
// print, the buttons. Times in the small print read "just now": the
// console is live, and its transcript stays the same from run to run.
func messageLines(m bot.Message) []string {
	var lines []string
	add := func(mrkdwn string) {
		if mrkdwn != "" {
			lines = append(lines, strings.Split(plainText(mrkdwn), "\n")...)
		}
	}
	add(m.Text)
	add(timestampRE.ReplaceAllString(m.Note, "just now"))
	var buttons []string
	for _, b := range m.Buttons {
		buttons = append(buttons, "["+b.Label+"]")
	}
	add(strings.Join(buttons, " "))
	return lines
}

var (
	timestampRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?( ?UTC|Z)?`)
	angleRE     = regexp.MustCompile(`<([^<>\n]+)>`)
	emojiRE     = regexp.MustCompile(`:[a-z0-9_+\-]+:`)
	// Slack's bold: stars at word edges around text that does not start or
	// end with a space or a star, so masked values (k***@…, +47 ****4567) stay.
	boldRE = regexp.MustCompile(`(^|[\s(“"])\*([^*\s](?:[^*\n]*[^*\s])?)\*($|[\s.,:;!?)”"])`)
	codeRE = regexp.MustCompile("`([^`\n]+)`")
)

var emoji = map[string]string{
	":white_check_mark:":        "✅",
	":mag:":                     "🔍",
	":moneybag:":                "💰",
	":no_entry_sign:":           "🚫",
	":pencil2:":                 "✏️",
	":lock:":                    "🔒",
	":hourglass:":               "⌛",
	":hourglass_flowing_sand:":  "⏳",
	":warning:":                 "⚠️",
	":electric_plug:":           "🔌",
	":question:":                "❓",
	":x:":                       "❌",
	":information_source:":      "ℹ️",
	":arrows_counterclockwise:": "🔄",
}

// plainText renders Slack mrkdwn for a terminal: mentions and links as
// words, emoji shortcodes as symbols, bold and code marks dropped. What is
// inside code marks is shown as it is (a mask's stars stay stars).
func plainText(s string) string {
	s = strings.ReplaceAll(s, "```", "")
	var b strings.Builder
	for {
		loc := codeRE.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(plainWords(s))
			break
		}
		b.WriteString(plainWords(s[:loc[0]]))
		b.WriteString(command.Unescape(s[loc[2]:loc[3]]))
		s = s[loc[1]:]
	}
	return b.String()
}

// plainWords renders mrkdwn outside code marks.
func plainWords(s string) string {
	s = angleRE.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		id, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(id, "@"):
			if id[1:] == consoleUser {
				return "@you"
			}
			if hasLabel {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return id
		case strings.HasPrefix(id, "#"):
			if hasLabel {
				return "#" + label
			}
			return channelName(id[1:])
		case strings.HasPrefix(id, "!"):
			if hasLabel {
				return label
			}
			return "@" + strings.TrimPrefix(id, "!")
		case hasLabel:
			return label + " (" + id + ")"
		}
		return id
	})
	s = emojiRE.ReplaceAllStringFunc(s, func(code string) string {
		if e, ok := emoji[code]; ok {
			return e
		}
		return code
	})
	s = boldRE.ReplaceAllString(s, "$1$2$3")
	return command.Unescape(s)
}
