package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/console/demofp"
	"resendbot/bot/i18n"
	"resendbot/bot/internal/syncbuf"
	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

const demoLabel = "DEMO Front Payment — nothing reaches a real customer"

// runConsoleMain runs the console as Main would for args ("console",
// "console --live") and env (nothing else: no .env) on stdin, and returns
// what it printed.
func runConsoleMain(t *testing.T, args []string, env map[string]string, stdin string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	mode := bot.ModeConsole
	if len(args) > 1 && args[1] == "--live" {
		mode = bot.ModeConsoleLive
	}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "RESEND_CONFIRM_NEW_DESTINATION" {
			return "false" // the tests of the rest run as before the comparison; TestConsoleConfirms turns it on
		}
		return ""
	}
	cfg, err := bot.LoadConfig(getenv, mode)
	if err != nil {
		return "", "", err
	}
	var out, errOut bytes.Buffer
	err = Run(ctx, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Version: "test"}, getenv, cfg, mode == bot.ModeConsoleLive)
	return out.String(), errOut.String(), err
}

// section is one echoed command ("> …") and what the console printed for it.
type section struct{ cmd, out string }

// transcript splits console output into the banner and its sections.
func transcript(out string) (banner string, sections []section) {
	parts := strings.Split("\n"+out, "\n> ")
	for _, p := range parts[1:] {
		cmd, rest, _ := strings.Cut(p, "\n")
		sections = append(sections, section{cmd, rest})
	}
	return parts[0], sections
}

// inOrder fails unless every line of want appears in got, in that order.
func inOrder(t *testing.T, what, got string, want ...string) {
	t.Helper()
	lines := strings.Split(got, "\n")
	i := 0
	for _, w := range want {
		j := slices.IndexFunc(lines[i:], func(l string) bool { return strings.HasPrefix(l, w) })
		if j < 0 {
			t.Errorf("%s: no line starting %q after line %d in:\n%s", what, w, i, got)
			return
		}
		i += j + 1
	}
}

func TestConsoleDemoSentAndErrors(t *testing.T) {
	sent := frontpaytest.UUIDAccepted + " email=kari@example.com"
	notFound := "/resend " + frontpaytest.UUIDNotFound + " email=kari@example.com"
	badEmail := frontpaytest.UUIDAccepted + " email=kari@example"
	out, _, err := runConsoleMain(t, []string{"console"}, nil, sent+"\n\n"+notFound+"\n"+badEmail+"\n"+sent+"\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	banner, secs := transcript(out)
	if !strings.Contains(banner, demoLabel) || strings.Contains(banner, "LIVE") {
		t.Errorf("banner does not label the demo Front Payment:\n%s", banner)
	}
	want := []string{sent, notFound, badEmail, sent} // the blank line is skipped
	if len(secs) != len(want) {
		t.Fatalf("got %d command sections, want %d:\n%s", len(secs), len(want), out)
	}
	for i, w := range want {
		if secs[i].cmd != w {
			t.Errorf("command %d echoed as %q, want %q", i, secs[i].cmd, w)
		}
	}

	// Sent: the audit message, the outcome in its thread, the message updated.
	inOrder(t, "sent", secs[0].out,
		"#console  @you asked to resend the payment link of reservation "+frontpaytest.UUIDAccepted+" by email to k***@example.com. ⏳ Sending…",
		"  ↳ ✅ Sent — reservation "+frontpaytest.UUIDAccepted,
		"    Front Payment accepted it: the customer gets the payment link by email to k***@example.com.",
		"    Requested by @you · email to k***@example.com · Front Payment: sent (HTTP 202) · just now",
		"  ✎ The audit message in #console now reads: @you asked to resend the payment link of reservation "+frontpaytest.UUIDAccepted+" by email to k***@example.com. ✅ Sent",
	)
	// Not found: Front Payment's 404s, as a reservation and as an order,
	// through the real client, in words; only the caller hears of it.
	inOrder(t, "not found", secs[1].out,
		"(only you) Front Payment has no reservation or order "+frontpaytest.UUIDNotFound+", so nothing was sent.",
	)
	if strings.Contains(secs[1].out, "#console") {
		t.Errorf("a UUID that is neither kind posted in the channel:\n%s", secs[1].out)
	}
	// A typo: only the caller hears of it, and nothing is posted.
	inOrder(t, "bad email", secs[2].out,
		`(only you) "kari@example" doesn't look like an email address.`,
		"    Nothing was sent.",
	)
	if strings.Contains(secs[2].out, "#console") || strings.Contains(secs[2].out, "↳") {
		t.Errorf("an invalid command posted in the channel:\n%s", secs[2].out)
	}
	// The same send again: refused by the cooldown, only to the caller.
	if got := secs[3].out; !strings.HasPrefix(got, "(only you) This payment link was already sent") || strings.Contains(got, "↳") {
		t.Errorf("repeating a sent resend was not refused by the cooldown:\n%s", got)
	}
	// An edit is said in plain words, not in Slack's jargon.
	for _, jargon := range []string{"root", "reply updated"} {
		if strings.Contains(out, jargon) {
			t.Errorf("output says %q:\n%s", jargon, out)
		}
	}
	for _, mrkdwn := range []string{"<@", ":white_check_mark:", "*Sent*", "`"} {
		if strings.Contains(out, mrkdwn) {
			t.Errorf("output shows raw mrkdwn %q:\n%s", mrkdwn, out)
		}
	}
}

// TestConsoleDemoOutcomes keeps help true: every reservation it lists gives
// the outcome it says, through the real client.
func TestConsoleDemoOutcomes(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("help\n")
	for _, o := range demoOutcomes {
		in.WriteString(o.uuid + " email=kari@example.com\n")
	}
	in.WriteString("11111111-2222-4333-8444-555555555555 phone=41234567\nquit\nnot run\n")
	env := map[string]string{"RESEND_RATE_PER_USER": "100/1m"}
	start := time.Now()
	out, _, err := runConsoleMain(t, []string{"console"}, env, in.String())
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	if d := time.Since(start); d > demoTimeout+10*time.Second {
		t.Errorf("the demo took %v; its timeout should be %v", d, demoTimeout)
	}
	_, secs := transcript(out)
	s := map[string]string{}
	for _, sec := range secs {
		s[sec.cmd] = sec.out
	}
	for _, o := range demoOutcomes {
		if !strings.Contains(s["help"], o.uuid+"  "+o.what) {
			t.Errorf("help does not list %s", o.uuid)
		}
		got := s[o.uuid+" email=kari@example.com"]
		headline := "outcome." + o.kind.String() + ".headline"
		if o.kind == frontpay.KindUnreachable {
			headline = "outcome.timeout.headline" // the demo's only way not to answer
		}
		named := strings.Contains(got, english.T(headline, "Noun", "reservation")) || strings.Contains(got, english.T(headline, "Noun", "order"))
		if !strings.Contains(got, "  ↳ ") || !named || strings.Contains(got, "("+o.kind.String()+")") {
			t.Errorf("%s: want a thread reply with outcome %s, got:\n%s", o.uuid, o.kind, got)
		}
	}
	if got := s["11111111-2222-4333-8444-555555555555 phone=41234567"]; !strings.Contains(got, "  ↳ ✅ Sent") || !strings.Contains(got, "SMS to +47 ****4567") {
		t.Errorf("any other reservation should be sent:\n%s", got)
	}
	if _, ok := s["not run"]; ok {
		t.Errorf("a command after quit was run")
	}
	for _, o := range demoLookups {
		if !strings.Contains(s["help"], o.uuid) || !strings.Contains(s["help"], o.what) {
			t.Errorf("help does not list the lookup of %s", o.uuid)
		}
	}
	if !strings.Contains(s["help"], "(only you) Resend a payment link") {
		t.Errorf("help lacks the usage:\n%s", s["help"])
	}
}

// TestConsoleDemoStatus: a lookup reaches the demo's details, and only the
// caller sees the answer.
func TestConsoleDemoStatus(t *testing.T) {
	paid, missing := "status "+frontpaytest.UUIDPaid, "status "+frontpaytest.UUIDNotFound
	out, _, err := runConsoleMain(t, []string{"console"}, nil, paid+"\n"+missing+"\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	_, secs := transcript(out)
	if len(secs) != 2 {
		t.Fatalf("got %d command sections, want 2:\n%s", len(secs), out)
	}
	for _, sec := range secs {
		if !strings.HasPrefix(sec.out, "(only you) ") || strings.Contains(sec.out, "#console") {
			t.Errorf("%s: want an answer only to the caller, got:\n%s", sec.cmd, sec.out)
		}
	}
	if !strings.Contains(secs[0].out, "Paid") || !strings.Contains(secs[1].out, frontpaytest.UUIDNotFound) {
		t.Errorf("status answers:\n%s", out)
	}
}

func TestConsoleLiveNeedsToken(t *testing.T) {
	out, _, err := runConsoleMain(t, []string{"console", "--live"}, nil, frontpaytest.UUIDAccepted+" email=kari@example.com\n")
	var ce *bot.ConfigError
	if !errors.As(err, &ce) || !slices.Contains(ce.Problems, "FRONTPAYMENT_TOKEN is required") {
		t.Fatalf("console --live without a token: got %v, want a *ConfigError naming FRONTPAYMENT_TOKEN", err)
	}
	if out != "" {
		t.Errorf("printed before failing:\n%s", out)
	}
}

// TestConsoleDemoIgnoresConfiguredFrontPayment is the promise that a .env
// with a production token never texts a customer from the demo, and that
// --live does use it.
func TestConsoleDemoIgnoresConfiguredFrontPayment(t *testing.T) {
	fps := frontpaytest.NewServer(t)
	env := map[string]string{"FRONTPAYMENT_BASE_URL": fps.URL, "FRONTPAYMENT_TOKEN": fps.Token}
	cmd := frontpaytest.UUIDAccepted + " email=kari@example.com\n"

	out, _, err := runConsoleMain(t, []string{"console"}, env, cmd)
	if err != nil || !strings.Contains(out, "↳ ✅ Sent") || !strings.Contains(out, demoLabel) {
		t.Fatalf("demo: err %v, output:\n%s", err, out)
	}
	if n := fps.Calls(); n != 0 {
		t.Fatalf("the demo called the configured Front Payment %d times", n)
	}

	out, stderr, err := runConsoleMain(t, []string{"console", "--live"}, env, cmd)
	if err != nil || !strings.Contains(out, "↳ ✅ Sent") {
		t.Fatalf("live: err %v, output:\n%s", err, out)
	}
	if !strings.Contains(out, "LIVE Front Payment at "+fps.URL) || !strings.Contains(out, "REAL customer") || strings.Contains(out, "DEMO") {
		t.Errorf("live banner does not say it is live:\n%s", out)
	}
	if reqs := fps.Resends(); len(reqs) != 1 || reqs[0].UUID != frontpaytest.UUIDAccepted {
		t.Errorf("live: got %d resends to the configured Front Payment, want 1 for %s", len(reqs), frontpaytest.UUIDAccepted)
	}
	if !strings.Contains(stderr, "outcome=sent") || strings.Contains(stderr, fps.Token) {
		t.Errorf("live: want the audit line on stderr, without the token:\n%s", stderr)
	}
}

// TestConsoleInterruptFinishesInFlight stops the console while Front
// Payment has not answered yet: the outcome is still shown.
func TestConsoleInterruptFinishesInFlight(t *testing.T) {
	t.Parallel()
	stdin, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	var out syncbuf.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		getenv := func(string) string { return "" }
		cfg, err := bot.LoadConfig(getenv, bot.ModeConsole)
		if err != nil {
			done <- err
			return
		}
		done <- Run(ctx, IO{Stdin: stdin, Stdout: &out, Stderr: io.Discard}, getenv, cfg, false)
	}()
	// The address on file: with the default configuration, another one
	// would be asked about first.
	if _, err := io.WriteString(w, frontpaytest.UUIDTimeout+" email=kari.nordmann@example.com\n"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Sending…"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the resend never started:\n%s", out.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main: %v", err)
		}
	case <-time.After(demoTimeout + 10*time.Second):
		t.Fatal("the console did not stop")
	}
	if got := out.String(); !strings.Contains(got, "↳ 🔌 Front Payment did not answer") {
		t.Errorf("the resend in flight was not finished:\n%s", got)
	}
}

// refusedByLimit is how the console words a refusal by a rate limit or the
// cooldown (and its in-flight hold).
var refusedByLimit = []string{"in a short time", "was already sent", "already in progress"}

// TestConsoleDemoLimitsLetEveryOutcomeBeTried: with the default
// configuration, a newcomer can walk the whole outcome list of help, look
// a reservation up and repeat a few outcomes without hitting a limit, and
// the banner names the limits the Slack bot would apply.
func TestConsoleDemoLimitsLetEveryOutcomeBeTried(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	in.WriteString("help\n")
	for _, o := range demoOutcomes {
		in.WriteString(o.uuid + " email=kari@example.com\n")
	}
	in.WriteString("status " + frontpaytest.UUIDPaid + "\n")
	for _, again := range []string{frontpaytest.UUIDNotFound, frontpaytest.UUIDInvalid, frontpaytest.UUIDServerError} {
		in.WriteString(again + " phone=41234567\n")
	}
	out, _, err := runConsoleMain(t, []string{"console"}, nil, in.String())
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	banner, secs := transcript(out)
	if want := len(demoOutcomes) + 5; len(secs) != want {
		t.Fatalf("got %d command sections, want %d:\n%s", len(secs), want, out)
	}
	for _, sec := range secs {
		for _, r := range refusedByLimit {
			if strings.Contains(sec.out, r) {
				t.Errorf("%s: refused by a limit in the demo:\n%s", sec.cmd, sec.out)
			}
		}
	}
	for _, w := range []string{
		"5 every minute per person (RESEND_RATE_PER_USER)",
		"60 every minute for everyone together (RESEND_RATE_GLOBAL)",
		"2 minutes (RESEND_COOLDOWN)",
	} {
		if !strings.Contains(banner, w) || !strings.Contains(secs[0].out, w) {
			t.Errorf("banner and help should name the Slack bot's limit %q:\nbanner:\n%s\nhelp:\n%s", w, banner, secs[0].out)
		}
	}

	// The banner's real limits are the configured ones.
	env := map[string]string{"RESEND_RATE_PER_USER": "3/1h", "RESEND_RATE_GLOBAL": "7/10m", "RESEND_COOLDOWN": "0"}
	out, _, err = runConsoleMain(t, []string{"console"}, env, "")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	for _, w := range []string{"3 every hour per person (RESEND_RATE_PER_USER)", "7 every 10 minutes for everyone together (RESEND_RATE_GLOBAL)", "no cooldown (RESEND_COOLDOWN=0)"} {
		if !strings.Contains(out, w) {
			t.Errorf("banner lacks %q:\n%s", w, out)
		}
	}
}

// TestConsoleLiveKeepsLimits: --live reaches real customers, so it keeps
// the configured limits: the sixth resend in a minute is refused.
func TestConsoleLiveKeepsLimits(t *testing.T) {
	t.Parallel()
	fps := frontpaytest.NewServer(t)
	env := map[string]string{"FRONTPAYMENT_BASE_URL": fps.URL, "FRONTPAYMENT_TOKEN": fps.Token}
	var in strings.Builder
	for i := range 6 {
		fmt.Fprintf(&in, "11111111-2222-4333-8444-%012d email=kari@example.com\n", i)
	}
	out, _, err := runConsoleMain(t, []string{"console", "--live"}, env, in.String())
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	banner, secs := transcript(out)
	if len(secs) != 6 {
		t.Fatalf("got %d command sections, want 6:\n%s", len(secs), out)
	}
	for i, sec := range secs[:5] {
		if !strings.Contains(sec.out, "↳ ✅ Sent") {
			t.Errorf("resend %d was not sent:\n%s", i+1, sec.out)
		}
	}
	if !strings.HasPrefix(secs[5].out, "(only you) You've made a lot of requests in a short time") {
		t.Errorf("live: the sixth resend in a minute was not refused by RESEND_RATE_PER_USER:\n%s", secs[5].out)
	}
	if n := len(fps.Resends()); n != 5 {
		t.Errorf("live: %d resends to Front Payment, want 5", n)
	}
	if strings.Contains(banner, "relaxed") {
		t.Errorf("live banner claims relaxed limits:\n%s", banner)
	}
}

// TestConsoleEmptyCommandSaysSlackOpensAForm: "/resend" alone opens a form
// in Slack; the console says so before the usage it prints instead.
func TestConsoleEmptyCommandSaysSlackOpensAForm(t *testing.T) {
	t.Parallel()
	out, _, err := runConsoleMain(t, []string{"console"}, nil, "/resend\nhelp\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	_, secs := transcript(out)
	if len(secs) != 2 {
		t.Fatalf("got %d command sections, want 2:\n%s", len(secs), out)
	}
	const form = "In Slack, /resend alone opens a form; here, type the command:"
	inOrder(t, "/resend alone", secs[0].out, form, "(only you) Resend a payment link")
	if strings.Contains(secs[1].out, form) {
		t.Errorf("help speaks of the form as if /resend had been typed alone:\n%s", secs[1].out)
	}
}

// TestConsoleMention: help lists "@resendbot resend …" for threads; the
// console reads it as Slack reads the mention, with or without "resend".
func TestConsoleMention(t *testing.T) {
	t.Parallel()
	cmds := []string{
		"@resendbot resend " + frontpaytest.UUIDAccepted + " email=kari@example.com",
		"@ResendBot, " + frontpaytest.UUIDNotFound + " phone=41234567",
		"@resendbot status " + frontpaytest.UUIDPaid,
		"@resendbot",
	}
	out, _, err := runConsoleMain(t, []string{"console"}, nil, strings.Join(cmds, "\n")+"\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	_, secs := transcript(out)
	if len(secs) != len(cmds) {
		t.Fatalf("got %d command sections, want %d:\n%s", len(secs), len(cmds), out)
	}
	inOrder(t, "mention with resend", secs[0].out, "#console  @you asked to resend the payment link of reservation "+frontpaytest.UUIDAccepted, "  ↳ ✅ Sent")
	inOrder(t, "mention without resend", secs[1].out, "(only you) Front Payment has no reservation or order "+frontpaytest.UUIDNotFound)
	if !strings.HasPrefix(secs[2].out, "(only you) ") || !strings.Contains(secs[2].out, "Paid") {
		t.Errorf("mention status: want the reservation only to the caller:\n%s", secs[2].out)
	}
	// A mention alone gets the usage in Slack too, and no form.
	if !strings.HasPrefix(secs[3].out, "(only you) Resend a payment link") {
		t.Errorf("mention alone: want the usage:\n%s", secs[3].out)
	}
	for i, sec := range secs {
		if strings.Contains(sec.out, "isn't a reservation or order ID") {
			t.Errorf("command %d: the mention was read as the reservation ID:\n%s", i, sec.out)
		}
	}
}

// TestConsoleShowsWhatTheLogHas: where Slack's words send an admin to
// resendbot's log, which the console does not show (the demo logs only
// errors), the console shows the log's detail line and points to it. What
// Slack shows stays as it is.
func TestConsoleShowsWhatTheLogHas(t *testing.T) {
	t.Parallel()
	const slackWords = "(the details are in resendbot's log)" // TestUnexpectedOutcomePointsToTheLog keeps it true
	const pointer, detail = "which the Slack bot only logs, are below", "    Details (from resendbot's log): frontpay: "

	send := frontpaytest.UUIDGarbage + " email=kari@example.com"
	out, stderr, err := runConsoleMain(t, []string{"console"}, nil, send+"\n"+frontpaytest.UUIDNotFound+" email=kari@example.com\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	_, secs := transcript(out)
	if len(secs) != 2 {
		t.Fatalf("got %d command sections, want 2:\n%s", len(secs), out)
	}
	inOrder(t, "unexpected answer", secs[0].out, "  ↳ ❓ Unexpected answer from Front Payment", "    Front Payment gave an answer", detail)
	if !strings.Contains(secs[0].out, pointer) || strings.Contains(out, slackWords) {
		t.Errorf("the reply should point at the detail shown, not at a log the console does not show:\n%s", secs[0].out)
	}
	if strings.Contains(secs[1].out, "Details (from") {
		t.Errorf("a detail line for an answer whose words do not mention the log:\n%s", secs[1].out)
	}
	if stderr != "" {
		t.Errorf("the demo wrote on stderr:\n%s", stderr)
	}

	// A lookup's unexpected answer, through --live.
	fps := frontpaytest.NewServer(t)
	fps.SetDetailsAnswer(frontpaytest.UUIDAccepted, frontpaytest.Garbage(200))
	env := map[string]string{"FRONTPAYMENT_BASE_URL": fps.URL, "FRONTPAYMENT_TOKEN": fps.Token}
	out, _, err = runConsoleMain(t, []string{"console", "--live"}, env, "status "+frontpaytest.UUIDAccepted+"\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	_, secs = transcript(out)
	if len(secs) != 1 {
		t.Fatalf("live: got %d command sections, want 1:\n%s", len(secs), out)
	}
	inOrder(t, "lookup", secs[0].out, "(only you) Front Payment gave an answer resendbot doesn't understand", detail)
	if !strings.Contains(secs[0].out, pointer) || strings.Contains(out, "in the log)") || strings.Contains(out, fps.Token) {
		t.Errorf("live lookup:\n%s", secs[0].out)
	}
}

func TestMaskedValuesPrintLiterallyInTheConsole(t *testing.T) {
	got := plainText("*Sent* by SMS to `+47 ****4567` and email to `k***@example.com` &amp; `a&lt;b`")
	if want := "Sent by SMS to +47 ****4567 and email to k***@example.com & a<b"; got != want {
		t.Errorf("plainText = %q, want %q", got, want)
	}
}

// englishMarkers are phrases of the console's English that can appear
// neither in its Norwegian nor in a technical token.
var englishMarkers = []string{
	"Nothing", "nothing", "Leave with", "Limits are", "Limits as", "order ID", "only you", "@you",
	"resendbot's", "Shown as", "type the command", "is optional", "lists the", "every outcome",
	"Sent", "not found", "on file", "Retry button", "For example", "Buttons", "Slack bot",
	"The audit message", "now reads", "Details (from", "just now", "alone opens", " every ", " per person",
}

// noEnglish fails if what the console itself wrote in Norwegian holds an
// English marker.
func noEnglish(t *testing.T, what, got string) {
	t.Helper()
	for _, m := range englishMarkers {
		if strings.Contains(got, m) {
			t.Errorf("%s: English %q in:\n%s", what, m, got)
		}
	}
}

// TestConsoleSpeaksNorwegian: with RESEND_LANGUAGE=nb, the console's own
// lines (banner, help, the form's note, the marks of what only you see and
// of an edit) are in bokmål. The core's answers are not checked here.
func TestConsoleSpeaksNorwegian(t *testing.T) {
	t.Parallel()
	send := frontpaytest.UUIDAccepted + " email=kari@example.com"
	env := map[string]string{"RESEND_LANGUAGE": "nb"}
	out, _, err := runConsoleMain(t, []string{"console"}, env, "help\n/resend\n"+send+"\nstatus "+frontpaytest.UUIDPaid+"\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	banner, secs := transcript(out)
	if len(secs) != 4 {
		t.Fatalf("got %d command sections, want 4:\n%s", len(secs), out)
	}
	inOrder(t, "banner", banner,
		"resendbot-konsollen: skriv en /resend-kommando (du kan sløyfe «/resend»), «hjelp» eller «avslutt».",
		"DEMO Front Payment – ingenting når en ekte kunde.",
		"Grensene er romsligere i demoen, så du kan prøve alle utfallene: 60 forespørsler per minutt, og en sendt lenke kan gå til samme adresse eller nummer igjen etter 10 sekunder.",
		"Slack-boten bruker de konfigurerte grensene: 5 per minutt for hver person (RESEND_RATE_PER_USER), 60 per minutt for alle til sammen (RESEND_RATE_GLOBAL), og en sendt lenke går til samme adresse eller nummer igjen først etter 2 minutter (RESEND_COOLDOWN).",
		"Du er @deg i #console.",
	)
	noEnglish(t, "banner", banner)

	// What help adds after the core's usage is the console's own.
	_, help, ok := strings.Cut(secs[0].out, "\nDEMO Front Payment:")
	if !ok {
		t.Fatalf("help lacks the demo's list:\n%s", secs[0].out)
	}
	help = "DEMO Front Payment:" + help
	inOrder(t, "help", help,
		"DEMO Front Payment: ID-en til reservasjonen eller ordren bestemmer svaret.",
		"  "+frontpaytest.UUIDAccepted+"  «accepted» (202): sendt",
		"  "+frontpaytest.UUIDTimeout+"  ingen svar innen 3 sekunder: Front Payment svarte ikke (med «Prøv igjen»-knapp)",
		"  alle andre ID-er                      «accepted» (202): sendt",
		"For eksempel: "+frontpaytest.UUIDNotFound+" email=kari@example.com",
		"«status <ID>» viser en reservasjon eller en ordre",
		"  alle andre ID-er                      en åpen reservasjon",
		"Grensene er romsligere i demoen",
		"Slack-boten bruker de konfigurerte grensene:",
		"Knappene er nummerert, f.eks. [1: Prøv igjen]: skriv nummeret for å trykke på knappen.",
		"Skriv «avslutt» (eller quit), eller trykk Ctrl-D, for å gå ut.",
	)
	noEnglish(t, "help", help)
	if !strings.HasPrefix(secs[0].out, "(bare for deg) ") {
		t.Errorf("the usage is not marked as only for the caller:\n%s", secs[0].out)
	}

	form, _, _ := strings.Cut(secs[1].out, "\n")
	if want := "I Slack åpner /resend alene et skjema; her skriver du kommandoen:"; form != want {
		t.Errorf("/resend alone: got %q, want %q", form, want)
	}
	if !strings.Contains(secs[2].out, "\n  ✎ Meldingen i #console er nå endret til: ") {
		t.Errorf("the edit is not marked in Norwegian:\n%s", secs[2].out)
	}
	if !strings.HasPrefix(secs[3].out, "(bare for deg) ") {
		t.Errorf("the lookup is not marked as only for the caller:\n%s", secs[3].out)
	}

	// Interrupted: the note on stderr.
	cfg, err := bot.LoadConfig(func(k string) string { return env[k] }, bot.ModeConsole)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stderr bytes.Buffer
	if err := Run(ctx, IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr}, func(string) string { return "" }, cfg, false); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := "resendbot: avbrutt; gjør ferdig utsendinger som pågår\n"; stderr.String() != want {
		t.Errorf("interrupted: stderr %q, want %q", stderr.String(), want)
	}
}

// TestConsoleSurfaceInNorwegian: the console's own words around the core's
// messages, whatever language those are in: the detail line from the log,
// a Norwegian time as "akkurat nå", the console's user as @deg.
func TestConsoleSurfaceInNorwegian(t *testing.T) {
	words, err := i18n.New(i18n.NB)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s := newConsoleSurface(&out, words, nil)
	s.noteDetail(errors.New("frontpay: resend: unexpected (HTTP 200)"))
	if _, err := s.Post(t.Context(), consoleChannel, "", bot.Message{
		Text: "Front Payment gave an answer (the details are in resendbot's log).",
		Note: "Bedt om av <@" + consoleUser + "> · 2. desember 2026 kl. 14:05",
	}); err != nil {
		t.Fatal(err)
	}
	want := "#console  Front Payment gave an answer (the details, which the Slack bot only logs, are below).\n" +
		"    Bedt om av @deg · akkurat nå\n" +
		"    Detaljer (fra resendbots logg): frontpay: resend: unexpected (HTTP 200)\n"
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// In Norwegian too, a reply that sends an admin to the log points at the
// detail line the console shows instead.
func TestConsoleShowsWhatTheLogHasInNorwegian(t *testing.T) {
	t.Parallel()
	out, _, err := runConsoleMain(t, []string{"console"}, map[string]string{"RESEND_LANGUAGE": "nb"},
		frontpaytest.UUIDGarbage+" email=kari@example.com\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	if !strings.Contains(out, "detaljene, som Slack-boten bare logger, står nedenfor") || strings.Contains(out, "detaljene står i resendbots logg") {
		t.Errorf("the nb reply does not point at the detail line:\n%s", out)
	}
	if !strings.Contains(out, "Detaljer (fra resendbots logg): frontpay: ") {
		t.Errorf("no detail line:\n%s", out)
	}
}

// The console's English words, for the tests that read its lists.
var (
	english      = bot.English()
	demoOutcomes = demoOutcomesIn(english)
	demoLookups  = demoLookupsIn(english)
)

// plainText renders mrkdwn as the English console does.
func plainText(s string) string { return renderText(s, english.T("console.you")) }

// "avslutt" leaves the console as "quit" does.
func TestConsoleAvsluttLeaves(t *testing.T) {
	t.Parallel()
	out, _, err := runConsoleMain(t, []string{"console"}, map[string]string{"RESEND_LANGUAGE": "nb"},
		"avslutt\n"+demofp.UUIDAccepted+" email=kari@example.com\n")
	if err != nil {
		t.Fatalf("Main: %v", err)
	}
	if strings.Contains(out, "Sendt") {
		t.Errorf("a command after avslutt was run:\n%s", out)
	}
}

// TestConsoleConfirms: with the default configuration, an address that is
// not the one on file is asked about, and the person types which one; a
// number presses any button shown last, and a Retry asks first as its
// dialog does in Slack.
func TestConsoleConfirms(t *testing.T) {
	on := map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": "true"}
	typo := demofp.UUIDAccepted + " email=kari.nordmann@exmaple.com"
	out, _, err := runConsoleMain(t, []string{"console"}, on, strings.Join([]string{
		typo, "1", "1", // the typed one, then the same button again
		demofp.UUIDAccepted + " phone=99887766", "2", // the number on file
		demofp.UUIDInvalid + " email=x@example.com", "3", // cancel
		"7",
		demofp.UUIDServerError + " email=kari.nordmann@example.com", "1", "no", "1", "yes",
	}, "\n")+"\n")
	if err != nil {
		t.Fatal(err)
	}
	_, s := transcript(out)
	if len(s) != 13 {
		t.Fatalf("%d sections, want 13:\n%s", len(s), out)
	}
	inOrder(t, "asked", s[0].out,
		"(only you) Nothing sent yet: what you typed for reservation "+demofp.UUIDAccepted+" is not the contact Front Payment has on file.",
		"    • Email: you typed kari.nordmann@exmaple.com, on file is k***@example.com",
		"    [1: Send to kari.nordmann@exmaple.com] [2: Send to the one on file (k***@example.com)] [3: Cancel] (type a button's number to press it)")
	if strings.Contains(s[0].out, "#console") {
		t.Errorf("something was posted before a choice:\n%s", s[0].out)
	}
	if !strings.Contains(s[1].out, "by email to k***@exmaple.com (not the contact on file; @you confirmed it). ⏳ Sending…") || !strings.Contains(s[1].out, "↳ ✅ Sent") {
		t.Errorf("1 did not send to the typed address:\n%s", s[1].out)
	}
	if !strings.Contains(s[2].out, "already used") || strings.Contains(s[2].out, "Sent") {
		t.Errorf("1 again:\n%s", s[2].out)
	}
	if !strings.Contains(s[3].out, "• SMS: you typed +47 998 87 766, on file is +47 ****4567") {
		t.Errorf("phone not asked about:\n%s", s[3].out)
	}
	if !strings.Contains(s[4].out, "by SMS to +47 ****4567. ⏳ Sending…") || strings.Contains(s[4].out, "not the contact on file") {
		t.Errorf("2 did not send to the number on file:\n%s", s[4].out)
	}
	if want := "(only you) Cancelled: nothing was sent for reservation " + demofp.UUIDInvalid + "."; !strings.Contains(s[6].out, want) || strings.Contains(s[6].out, "#console") {
		t.Errorf("3 did not cancel:\n%s", s[6].out)
	}
	if !strings.Contains(s[7].out, "There is no button 7 here.") {
		t.Errorf("7: %s", s[7].out)
	}
	if !strings.Contains(s[8].out, "[1: Retry]") || strings.Contains(s[8].out, "Nothing sent yet") {
		t.Errorf("the address on file was asked about, or no Retry:\n%s", s[8].out)
	}
	if !strings.Contains(s[9].out, "Send the link again?") || !strings.Contains(s[9].out, "Type yes for “Retry”") {
		t.Errorf("Retry did not ask first:\n%s", s[9].out)
	}
	if !strings.Contains(s[10].out, "Not pressed: nothing was sent.") {
		t.Errorf("no:\n%s", s[10].out)
	}
	if !strings.Contains(s[12].out, "retried the resend") {
		t.Errorf("yes did not retry:\n%s", s[12].out)
	}
}
