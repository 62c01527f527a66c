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
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"resendbot/bot"
	"resendbot/bot/command"
	"resendbot/bot/console/demofp"
	"resendbot/bot/i18n"
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

// demoOutcome is how to provoke one documented answer of the demo Front
// Payment.
type demoOutcome struct {
	uuid string
	kind frontpay.Kind // what the outcome is, for the test that keeps this list true
	what string
}

// demoOutcomesIn is how to provoke each documented answer of the demo
// Front Payment (demofp.NewHandler's preloaded reservations), for help,
// in w's language.
func demoOutcomesIn(w *i18n.Words) []demoOutcome {
	return []demoOutcome{
		{demofp.UUIDAccepted, frontpay.KindSent, w.T("console.demo.outcome.accepted")},
		{demofp.UUIDCompleted, frontpay.KindCompleted, w.T("console.demo.outcome.completed")},
		{demofp.UUIDCancelled, frontpay.KindCancelled, w.T("console.demo.outcome.cancelled")},
		{demofp.UUIDInvalid, frontpay.KindInvalid, w.T("console.demo.outcome.invalid")},
		{demofp.UUIDUnauthorized, frontpay.KindUnauthorized, w.T("console.demo.outcome.unauthorized")},
		{demofp.UUIDRateLimited, frontpay.KindRateLimited, w.T("console.demo.outcome.rate_limited")},
		{demofp.UUIDServerError, frontpay.KindServerError, w.T("console.demo.outcome.server_error")},
		{demofp.UUIDBadGateway, frontpay.KindServerError, w.T("console.demo.outcome.bad_gateway")},
		{demofp.UUIDGarbage, frontpay.KindUnexpected, w.T("console.demo.outcome.garbage")},
		{demofp.UUIDTimeout, frontpay.KindUnreachable, w.T("console.demo.outcome.timeout",
			"Timeout", demoTimeout.String(), "Duration", w.Duration(demoTimeout, true))},
		{demofp.OrderAccepted, frontpay.KindSent, w.T("console.demo.outcome.order_accepted")},
		{demofp.OrderAlreadyPaid, frontpay.KindCompleted, w.T("console.demo.outcome.order_paid")},
		{demofp.OrderAlreadyCancelled, frontpay.KindCancelled, w.T("console.demo.outcome.order_cancelled")},
		{demofp.OrderInvalid, frontpay.KindInvalid, w.T("console.demo.outcome.order_invalid")},
		{demofp.OrderServerError, frontpay.KindServerError, w.T("console.demo.outcome.order_server_error")},
		{demofp.OrderTimeout, frontpay.KindUnreachable, w.T("console.demo.outcome.order_timeout", "Duration", w.Duration(demoTimeout, true))},
	}
}

// demoLookup is what the demo Front Payment says of a reservation.
type demoLookup struct{ uuid, what string }

// demoLookupsIn is what the demo Front Payment says of reservations, for
// help on "status" and the offer of the contact on file, in w's language.
// The last one stands for every reservation ID not listed.
func demoLookupsIn(w *i18n.Words) []demoLookup {
	return []demoLookup{
		{demofp.UUIDAccepted, w.T("console.demo.lookup.accepted")},
		{demofp.UUIDNotFound, w.T("console.demo.lookup.not_found")},
		{demofp.UUIDEmailOnly, w.T("console.demo.lookup.email_only")},
		{demofp.UUIDNoContact, w.T("console.demo.lookup.no_contact")},
		{demofp.UUIDPaid, w.T("console.demo.lookup.paid")},
		{demofp.UUIDDetailsCancelled, w.T("console.demo.lookup.cancelled")},
		{demofp.OrderInvoiced, w.T("console.demo.lookup.order_invoiced")},
		{demofp.OrderPaid, w.T("console.demo.lookup.order_paid")},
		{demofp.OrderCancelled, w.T("console.demo.lookup.order_cancelled")},
		{demofp.OrderRefunded, w.T("console.demo.lookup.order_refunded")},
		{w.T("console.demo.any_other_id"), w.T("console.demo.lookup.any_other")},
	}
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
	c.AllowedChannels, c.AllowedUsers, c.AllowedUserGroups = nil, nil, nil
	// One command at a time: each one's messages are printed before the
	// next prompt, so the transcript reads in order.
	c.MaxInflight = 1
	if !live {
		c.FrontPaymentBaseURL, c.FrontPaymentToken, c.FrontPaymentTimeout = demoBaseURL, demoToken, demoTimeout
		demoLimits(&c)
	}
	words, err := bot.WordsFor(&c)
	if err != nil {
		return fmt.Errorf("catalogues: %w", err)
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

	out := newConsoleSurface(p.Stdout, words, cfg.Secrets())
	cfp := consoleFrontPayment{fp: fp, out: out}
	e := bot.NewCore(&c, bot.Deps{Resender: cfp, Details: cfp, Log: log, Audit: audit, Words: words}, out)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	e.Start(workCtx)

	out.printf("%s", consoleBanner(words, cfg, &c, live))
	in := p.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	interactive := isTerminal(in)
	readErr := consoleLoop(ctx, e, &c, out, in, interactive, cfg, live)

	if ctx.Err() != nil {
		fmt.Fprintln(p.Stderr, words.T("console.interrupted"))
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
	var asking *bot.Button // a pressed button whose dialog waits for yes
	var form *shortcutForm // a message shortcut's form, open until the next line
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
		case "quit", "exit", "avslutt":
			return nil
		}
		if f := form; f != nil {
			// An open form takes its send word; anything else closes it
			// and is read as usual.
			form = nil
			if strings.EqualFold(text, out.words.T("console.shortcut.send_word")) {
				f.send(ctx, e, out)
				if !wait(ctx, e) {
					return nil
				}
				continue
			}
			out.printf("%s\n", out.words.T("console.shortcut.closed"))
		}
		pasted, isShortcut := shortcutText(line)
		switch n, isNumber := buttonNumber(text); {
		case asking != nil:
			// The answer to a button's dialog.
			if yes(text) {
				press(ctx, e, out, origin, *asking)
			} else {
				out.printf("%s\n", out.words.T("console.press.not_pressed"))
			}
			asking = nil
		case isShortcut:
			form = openShortcut(ctx, e, out, origin, pasted)
		case isNumber:
			asking = pressNumber(ctx, e, out, origin, n)
		default:
			if text == "" && !mention {
				// Slack's /resend alone opens the form, which a terminal cannot;
				// a mention alone gets the usage there too.
				out.printf("%s\n", out.words.T("console.form_in_slack"))
			}
			reply := e.Command(ctx, origin, text)
			if reply.Answer != "" {
				out.print(out.onlyYou+" ", reply.Answer)
			}
			if reply.Usage {
				out.printf("%s", consoleHelp(out.words, real, c, live))
			}
		}
		if !wait(ctx, e) {
			return nil
		}
	}
}

// wait returns once the work queued so far is done (with one worker, a
// task queued after it runs after it), or false when ctx is done first.
func wait(ctx context.Context, e *bot.Core) bool {
	b := make(barrier)
	if !e.Submit(b) {
		return true
	}
	select {
	case <-b:
		return true
	case <-ctx.Done():
		return false
	}
}

// buttonNumber reads a line that is only a button's number.
func buttonNumber(text string) (int, bool) {
	if text == "" || len(text) > 2 || strings.Trim(text, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(text)
	return n, err == nil
}

// yes is a person's yes, in English or Norwegian.
func yes(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "y", "yes", "j", "ja":
		return true
	}
	return false
}

// pressNumber presses the nth button shown last, or, when it has a dialog,
// shows the dialog and returns the button, to be pressed on a yes.
func pressNumber(ctx context.Context, e *bot.Core, out *consoleSurface, o bot.Origin, n int) *bot.Button {
	b, found := out.button(n)
	switch {
	case !found:
		out.printf("%s\n", out.words.T("console.press.none", "N", n))
	case b.Confirm != nil:
		// Slack asks first; so does the console.
		c := b.Confirm
		out.printf("%s\n%s\n", out.words.T("console.press.dialog", "Title", c.Title, "Text", c.Text),
			out.words.T("console.press.ask", "OK", c.OK, "Cancel", c.Cancel))
		return &b
	default:
		press(ctx, e, out, o, b)
	}
	return nil
}

// press presses b as the person at the terminal, as a click in Slack does.
func press(ctx context.Context, e *bot.Core, out *consoleSurface, o bot.Origin, b bot.Button) {
	if reply := e.Press(ctx, o, b.Action, b.Value); !reply.Queued && reply.Answer != "" {
		out.print(out.onlyYou+" ", reply.Answer)
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
// configuration the Slack bot would apply, in w's language.
func consoleBanner(w *i18n.Words, real, c *bot.Config, live bool) string {
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	line(w.T("console.banner.intro"))
	if live {
		line(w.T("console.banner.live", "URL", c.FrontPaymentBaseURL))
	} else {
		line(w.T("console.banner.demo"))
		sb.WriteString(consoleLimits(w, real, c, live))
		line(w.T("console.banner.log_off"))
	}
	line(w.T("console.banner.legend", "You", w.T("console.you"), "OnlyYou", w.T("console.only_you")))
	sb.WriteString("\n")
	return sb.String()
}

// consoleLimits says which limits the console applies (c) and, in the
// demo, which the Slack bot would apply (real).
func consoleLimits(w *i18n.Words, real, c *bot.Config, live bool) string {
	limits := func(c *bot.Config) string {
		args := []any{
			"PerUser", c.RatePerUser.N, "PerUserEvery", w.Every(c.RatePerUser.Per),
			"Global", c.RateGlobal.N, "GlobalEvery", w.Every(c.RateGlobal.Per),
		}
		if c.Cooldown <= 0 {
			return w.T("console.limits.rates.no_cooldown", args...)
		}
		return w.T("console.limits.rates.cooldown", append(args, "Cooldown", w.Duration(c.Cooldown, true))...)
	}
	if live {
		return w.T("console.limits.live", "Limits", limits(c)) + "\n"
	}
	every := w.Every(c.RatePerUser.Per)
	here := w.N("console.limits.demo.no_cooldown", c.RatePerUser.N, "Every", every)
	if c.Cooldown > 0 {
		here = w.N("console.limits.demo.cooldown", c.RatePerUser.N, "Every", every, "Cooldown", w.Duration(c.Cooldown, true))
	}
	return here + "\n" + w.T("console.limits.slack", "Limits", limits(real)) + "\n"
}

// consoleHelp is what the console adds to the usage, in w's language.
func consoleHelp(w *i18n.Words, real, c *bot.Config, live bool) string {
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	if live {
		line("\n" + w.T("console.help.live", "URL", c.FrontPaymentBaseURL))
	} else {
		line("\n" + w.T("console.help.demo"))
		for _, o := range demoOutcomesIn(w) {
			fmt.Fprintf(&sb, "  %s  %s\n", o.uuid, o.what)
		}
		fmt.Fprintf(&sb, "  %-36s  %s\n", w.T("console.demo.any_other_id"), w.T("console.demo.outcome.accepted"))
		line(w.T("console.help.example", "Command", demofp.UUIDNotFound+" email=kari@example.com"))
		line("\n" + w.T("console.help.status"))
		for _, o := range demoLookupsIn(w) {
			fmt.Fprintf(&sb, "  %-36s  %s\n", o.uuid, o.what)
		}
		line(w.T("console.help.invalid_refused"))
		if c.ConfirmNewDestination {
			kari := demofp.SampleDetails("").CustomerDetails
			line(w.T("console.help.on_file", "Phone", command.FormatPhone(command.Phone{CountryCode: kari.CountryCode, National: kari.MSISDN}), "Email", kari.Email))
		}
	}
	sb.WriteString(consoleLimits(w, real, c, live))
	line(w.T("console.help.buttons"))
	line(w.T("console.shortcut.help"))
	line(w.T("console.help.leave"))
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

func (c consoleFrontPayment) Resend(ctx context.Context, kind frontpay.LinkKind, uuid string, to frontpay.Contact) error {
	err := c.fp.Resend(ctx, kind, uuid, to)
	c.out.noteDetail(err)
	return err
}

func (c consoleFrontPayment) Details(ctx context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	res, err := c.fp.Details(ctx, kind, uuid)
	c.out.noteDetail(err)
	return res, err
}

func (c consoleFrontPayment) OrderStatus(ctx context.Context, uuid string) (*frontpay.OrderStatus, error) {
	s, err := c.fp.OrderStatus(ctx, uuid)
	c.out.noteDetail(err)
	return s, err
}

// consoleSurface shows on a terminal what Slack would show: the channel
// message, its thread replies indented, edits, and caller-only answers.
type consoleSurface struct {
	mu      sync.Mutex
	w       io.Writer
	words   *i18n.Words // the console's language
	you     string      // the console's user, as mentions show it: "@you"
	onlyYou string      // the mark of what only the caller sees: "(only you)"
	n       int
	kinds   map[string]string // ts → "root" or "reply"
	secrets []string          // never shown, as the log's redaction
	detail  string            // the last Front Payment call's error, as the log has it
	buttons []bot.Button      // the last message's buttons, which typing their number presses
	// pointers rewrite the core's pointers to the log (logPointers).
	pointers *strings.Replacer
}

func newConsoleSurface(w io.Writer, words *i18n.Words, secrets []string) *consoleSurface {
	return &consoleSurface{
		w: w, words: words, you: words.T("console.you"), onlyYou: words.T("console.only_you"),
		kinds: map[string]string{}, secrets: secrets, pointers: logPointers(),
	}
}

// logPointers are the words with which the core's messages send an admin
// to resendbot's log, in every language, and what the console says
// instead in the same language: the console shows no such log (the demo
// keeps it off), so it shows the log's detail line after the message.
func logPointers() *strings.Replacer {
	var pairs []string
	for _, l := range i18n.Langs {
		w, err := i18n.New(l)
		if err != nil {
			continue // a broken catalogue fails its own tests
		}
		pairs = append(pairs,
			w.T("console.log_pointer.core_details"), w.T("console.log_pointer.details_below"),
			w.T("console.log_pointer.core_short_details"), w.T("console.log_pointer.short_details_below"),
			w.T("console.log_pointer.core_full_list"), w.T("console.log_pointer.full_list_below"),
		)
	}
	return strings.NewReplacer(pairs...)
}

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
		if p := s.pointers.Replace(l); p != l {
			lines[i], pointed = p, true
		}
	}
	if !pointed {
		return lines
	}
	lines = append(lines, s.words.T("console.detail", "Detail", s.detail))
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
		s.write(channelName(channel)+"  ", s.messageLines(m))
	} else {
		s.kinds[ts] = "reply"
		s.write("  ↳ ", s.messageLines(m))
	}
	return ts, nil
}

func (s *consoleSurface) Update(_ context.Context, channel, ts string, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The engine edits the audit message once Front Payment has answered.
	prefix := "  ✎ " + s.words.T("console.edit.audit", "Channel", channelName(channel)) + " "
	if s.kinds[ts] == "reply" {
		prefix = "    ✎ " + s.words.T("console.edit.thread") + " "
	}
	s.write(prefix, s.messageLines(m))
	return nil
}

func (s *consoleSurface) Tell(_ context.Context, _ bot.Origin, m bot.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(s.onlyYou+" ", s.messageLines(m))
	return nil
}

// print writes mrkdwn text after prefix.
func (s *consoleSurface) print(prefix, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write(prefix, strings.Split(renderText(text, s.you), "\n"))
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
func (s *consoleSurface) messageLines(m bot.Message) []string {
	var lines []string
	add := func(mrkdwn string) {
		if mrkdwn != "" {
			lines = append(lines, strings.Split(renderText(mrkdwn, s.you), "\n")...)
		}
	}
	add(m.Text)
	add(timestampRE.ReplaceAllString(m.Note, s.words.T("console.just_now")))
	if len(m.Buttons) > 0 {
		// The last buttons shown are the ones a number presses.
		s.buttons = m.Buttons
		buttons := make([]string, len(m.Buttons))
		for i, b := range m.Buttons {
			buttons[i] = fmt.Sprintf("[%d: %s]", i+1, b.Label)
		}
		add(strings.Join(buttons, " ") + " " + s.words.T("console.press.hint"))
	}
	return lines
}

// button is the nth (from 1) of the buttons shown last.
func (s *consoleSurface) button(n int) (bot.Button, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.buttons) {
		return bot.Button{}, false
	}
	return s.buttons[n-1], true
}

var (
	// A moment as i18n.Words.Time writes it, in English (2 December 2026
	// at 14:05) or Norwegian (2. desember 2026 kl. 14:05).
	timestampRE = regexp.MustCompile(`\d{1,2}\.? \pL+ \d{4} (?:at|kl\.) \d{2}:\d{2}`)
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

// renderText renders Slack mrkdwn for a terminal: mentions and links as
// words, the console's user as you, emoji shortcodes as symbols, bold and
// code marks dropped. What is inside code marks is shown as it is (a
// mask's stars stay stars).
func renderText(s, you string) string {
	s = strings.ReplaceAll(s, "```", "")
	var b strings.Builder
	for {
		loc := codeRE.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(plainWords(s, you))
			break
		}
		b.WriteString(plainWords(s[:loc[0]], you))
		b.WriteString(command.Unescape(s[loc[2]:loc[3]]))
		s = s[loc[1]:]
	}
	return b.String()
}

// plainWords renders mrkdwn outside code marks.
func plainWords(s, you string) string {
	s = angleRE.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		id, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(id, "@"):
			if id[1:] == consoleUser {
				return you
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
