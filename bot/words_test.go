package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/bot/i18n/i18ntest"
	"resendbot/bot/internal/testkit"
	"resendbot/frontpay"
)

// The console replaces these words with the detail line they point to.
func TestUnexpectedOutcomePointsToTheLog(t *testing.T) {
	o := outcomeOf(English(), frontpay.LinkReservation, &frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 200}, "email", time.Second)
	if !strings.Contains(o.detail, "(the details are in resendbot's log)") {
		t.Errorf("detail = %q", o.detail)
	}
}

func norwegian(t testing.TB) *i18n.Words {
	t.Helper()
	w, err := i18n.New(i18n.NB)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Every kind of message the core words reads Norwegian in nb, with no
// English word, snake_case label or stable value outside quotes: every
// outcome (its reply, its audit message before and after, its buttons),
// every refusal and caller-only answer, every lookup, the status of each
// state, the offer, the form, App Home and the usage.
func TestNorwegianWordsHaveNoEnglish(t *testing.T) {
	nb, check := norwegian(t), i18ntest.New(t)
	dests := describe(nb, (&request{Reservation: coreUUID, Email: "kari@example.com",
		Phone: &command.Phone{CountryCode: "+47", National: "41234567", E164: "+4741234567"}}).destinations(), true)
	check.Check(t, "destinations", dests)
	errs := map[string]error{
		"sent":                         nil,
		"not found":                    &frontpay.Error{Kind: frontpay.KindNotFound, StatusCode: 404},
		"completed":                    &frontpay.Error{Kind: frontpay.KindCompleted, StatusCode: 400},
		"cancelled":                    &frontpay.Error{Kind: frontpay.KindCancelled, StatusCode: 400},
		"invalid":                      &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417, Errors: []string{"email: The email must be a valid email address."}},
		"invalid, many":                &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417, Errors: slices.Repeat([]string{strings.Repeat("The email is wrong. ", 10)}, 40)},
		"unauthorized":                 &frontpay.Error{Kind: frontpay.KindUnauthorized, StatusCode: 401},
		"rate limited":                 &frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429, RetryAfter: 90 * time.Second},
		"rate limited, no Retry-After": &frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429},
		"server error":                 &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 510},
		"timeout":                      &frontpay.Error{Kind: frontpay.KindUnreachable, Err: context.DeadlineExceeded},
		"unreachable":                  &frontpay.Error{Kind: frontpay.KindUnreachable, Err: errors.New("connection refused")},
		"unexpected":                   &frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 418},
		"a Go error":                   errors.New("frontpay: resend: unexpected EOF"),
	}
	at := time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)
	r := &request{Origin: Origin{UserID: "U0AGENT", Source: SourceSlash}, Link: frontpay.LinkOrder, Reservation: coreUUID, retriedBy: "U0OTHER", checked: checkConfirmedNew}
	retried := &request{Origin: Origin{UserID: "U0AGENT", Source: SourceRetry}, Link: frontpay.LinkReservation, Reservation: coreUUID, checked: checkNotCompared}
	var recent []RecentResend
	for name, err := range errs {
		o := outcomeOf(nb, frontpay.LinkOrder, err, dests, 15*time.Second)
		check.Check(t, name, o.headline+"\n"+o.detail)
		for _, r := range []*request{r, retried} {
			root, reply := rootMessage(nb, r, dests, &o, at), replyMessage(nb, r, dests, o, at, "key")
			check.Check(t, name+" audit message", root.Text+"\n"+root.Note)
			check.Check(t, name+" reply", reply.Text+"\n"+reply.Note)
			for _, b := range reply.Buttons {
				check.Check(t, name+" button", b.Label+"\n"+b.Confirm.Title+"\n"+b.Confirm.Text+"\n"+b.Confirm.OK+"\n"+b.Confirm.Cancel)
			}
		}
		if err != nil {
			check.Check(t, name+" lookup", lookupProblem(nb, found{kind: frontpay.LinkOrder, err: err}, coreUUID))
		}
		recent = append(recent, RecentResend{At: at, Reservation: coreUUID, Link: "order", Kind: o.kind.String(), TimedOut: o.timedOut,
			To: []RecentTarget{{"sms", "+47 ****4567"}, {"email", "k***@example.com"}}})
	}
	sending := rootMessage(nb, r, dests, nil, at)
	check.Check(t, "sending", sending.Text+"\n"+sending.Note)
	if !strings.Contains(sending.Note, "2. desember 2026 kl. 14:05") || strings.Contains(sending.Note, "UTC") {
		t.Errorf("nb time, in Oslo: %s", sending.Note)
	}
	for _, id := range []string{msgChannelNotAllowed, msgUserNotAllowed, msgUnexpected, msgNotInChannel, msgNotInDM,
		msgAuditFailed, msgStateDown, msgAlreadyPressed, msgRetryExpired, msgButtonExpired, msgQueueFull, MsgHandlerFailed,
		MsgFormUnreadable, MsgShutdown, "refusal.groups_unknown", "lookup.shutdown", "lookup.nothing_sent"} {
		check.Check(t, id, nb.T(id))
	}
	check.Check(t, "in flight", inFlight(nb, dests, "U1", 30*time.Second))
	check.Check(t, "cooldown", coolingDown(nb, dests, "U1", 30*time.Second, 90*time.Second))
	check.Check(t, "offer chosen", offerChosen(nb, &request{Link: frontpay.LinkOrder, Reservation: coreUUID}, dests))
	check.Check(t, "not in group", nb.T("refusal.not_in_group", "Groups", nb.Or([]string{"@support", "@payments"})))
	check.Check(t, "groups unknown", nb.T("refusal.groups_unknown"))
	for _, id := range []string{"refusal.rate_user", "refusal.rate_team", "refusal.rate_lookup"} {
		check.Check(t, id, nb.T(id, "Wait", nb.Duration(time.Minute, true)))
	}
	check.Check(t, "retry pressed", RetryPressedNote(nb, "U1"))
	check.Check(t, "cancelled confirmation", words(nb, "confirm.cancelled", frontpay.LinkOrder, coreUUID))
	check.Check(t, "no lookups here", nb.T("lookup.unavailable", "Reservation", coreUUID))

	cfg, err := LoadConfig(testkit.Env(testkit.MinimalEnv()), ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCore(cfg, Deps{Resender: newRecorder(), Words: nb}, newRecorder())
	for _, status := range []string{"pending", "captured", "reserved", "CANCELLED", "REFUNDED", "whatever", ""} {
		res := &frontpay.Record{Kind: frontpay.LinkOrder, Status: status, InvoiceNumber: "10042", GrandTotal: 1250.5, HasTotal: true,
			ReservationDate: "2025-06-02 10:15:00", ReservedAt: time.Date(2025, 6, 2, 10, 15, 0, 0, time.UTC),
			PaymentLinkDueDate: "neste fredag", SentBySMS: true,
			Customer: frontpay.Customer{Name: "Kari Nordmann", Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}}
		check.Check(t, "status "+status, c.statusText(res, &frontpay.OrderStatus{RefundedAmount: 100, HasRefunded: true}, coreUUID))
		offer := c.offerMessage(t.Context(), agentOrigin, res, coreUUID)
		check.Check(t, "offer "+status, offer.Text+"\n"+offer.Note)
		for _, b := range offer.Buttons {
			check.Check(t, "offer button", b.Label)
		}
		res.Customer = frontpay.Customer{}
		check.Check(t, "no contact "+status, c.offerMessage(t.Context(), agentOrigin, res, coreUUID).Text)
	}

	f := FormWords(nb)
	for _, s := range []string{f.Title, f.Submit, f.Cancel, f.Reservation.Label, f.Reservation.Hint, f.Email.Label, f.Email.Hint, f.Mobile.Label, f.Mobile.Hint} {
		check.Check(t, "the form", s)
	}
	for _, home := range []Home{HomePage(nb, nil), HomePage(nb, recent)} {
		check.Check(t, "App Home", home.Title+"\n"+home.Usage+"\n"+home.RecentTitle+"\n"+strings.Join(home.Recent, "\n"))
	}
}

// A Norwegian answer is as short as Slack needs: the longest 417 quote
// still fits a section.
func TestNorwegianRepliesFitSlack(t *testing.T) {
	nb := norwegian(t)
	reasons := make([]string, 30)
	for i := range reasons {
		reasons[i] = strings.Repeat("å", 300)
	}
	o := outcomeOf(nb, frontpay.LinkReservation, &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417, Errors: reasons}, "e-post til `k***@example.com`", time.Second)
	m := replyMessage(nb, &request{Reservation: coreUUID}, "x", o, time.Now(), "k")
	if n := utf8.RuneCountInString(m.Text); n > 3000 {
		t.Errorf("nb reply of a long 417 is %d characters, over a section's 3000", n)
	}
}

// App Home words its lines when it is drawn, in the language of that
// moment (nb review, L14); a line an older version kept shows its words.
func TestAppHomeWordsLinesWhenDrawn(t *testing.T) {
	at := time.Date(2026, 12, 2, 13, 5, 0, 0, time.UTC)
	recent := []RecentResend{
		{At: at, Reservation: coreUUID, Link: "order", Kind: "sent", To: []RecentTarget{{"sms", "+47 ****4567"}}},
		{At: at, Reservation: coreUUID, Link: "reservation", Kind: "unreachable", TimedOut: true, To: []RecentTarget{{"email", "k***@example.com"}}},
		{At: at, Reservation: coreUUID, Outcome: "Sent", Emoji: ":white_check_mark:", Destination: "email to `k***@example.com`"},
	}
	got := HomePage(norwegian(t), recent).Recent
	want := []string{
		":white_check_mark: *Sendt* – ordre `" + coreUUID + "`, SMS til `+47 ****4567`\n2. desember 2026 kl. 14:05",
		":electric_plug: *Front Payment svarte ikke* – reservasjon `" + coreUUID + "`, e-post til `k***@example.com`\n2. desember 2026 kl. 14:05",
		":white_check_mark: *Sent* – reservasjon `" + coreUUID + "`, email to `k***@example.com`\n2. desember 2026 kl. 14:05",
	}
	if !slices.Equal(got, want) {
		t.Errorf("App Home lines:\n got %q\nwant %q", got, want)
	}
}

// Each outcome's detail says what Front Payment's answer said: its 417
// reasons when it gave some, its Retry-After when it set one, the status
// of a server error, the timeout that ran out.
func TestOutcomeDetails(t *testing.T) {
	w := English()
	for _, tc := range []struct {
		name string
		err  error
		want []string
		not  []string
	}{
		{"invalid with reasons", &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417, Errors: []string{"msisdn: not a mobile 90123405"}},
			[]string{"rejected the contact details, so nothing was sent. Front Payment said (in its own words):\n• “msisdn: not a mobile 90123405”\nCheck"}, nil},
		{"invalid without", &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417},
			[]string{"rejected the contact details, so nothing was sent.\nCheck"}, []string{"its own words"}},
		{"rate limited, Retry-After", &frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429, RetryAfter: 90 * time.Second},
			[]string{"Try again in "}, []string{"a minute"}},
		{"rate limited", &frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429}, []string{"Try again in a minute."}, nil},
		{"server error", &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 503}, []string{"on its side (HTTP 503)."}, nil},
		{"no status", &frontpay.Error{Kind: frontpay.KindUnexpected}, []string{"doesn't understand, so"}, []string{"HTTP"}},
		{"timeout", &frontpay.Error{Kind: frontpay.KindUnreachable, Err: context.DeadlineExceeded}, []string{"did not answer within 15 seconds"}, nil},
		{"unreachable", &frontpay.Error{Kind: frontpay.KindUnreachable, Err: errors.New("connection refused")}, []string{"could not reach Front Payment"}, nil},
	} {
		o := outcomeOf(w, frontpay.LinkOrder, tc.err, "", 15*time.Second)
		for _, want := range tc.want {
			if !strings.Contains(o.detail, want) {
				t.Errorf("%s: %q lacks %q", tc.name, o.detail, want)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(o.detail, not) {
				t.Errorf("%s: %q has %q", tc.name, o.detail, not)
			}
		}
	}
}

// Shorten keeps a value of exactly n runes and cuts one of n+1 to n,
// counting runes, not bytes.
func TestShortenAtItsEdge(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"æøå90", 5, "æøå90"},
		{"æøå901", 5, "æøå9…"},
		{"Ab", 1, "…"},
	} {
		if got := Shorten(tc.s, tc.n); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// Front Payment's reasons are quoted while they fit, then counted.
func TestReasonsAreQuotedWhileTheyFit(t *testing.T) {
	w := English()
	line := func(r string) string { return w.T("outcome.invalid.reason", "Reason", r) + "\n" }
	// Reasons of 100 runes; each quoted line is a little longer.
	reason := strings.Repeat("x", 99) + "9"
	per := len(line(reason))
	fit := maxReasonsText / per
	reasons := slices.Repeat([]string{reason}, fit+3)
	got := quoteReasons(w, reasons)
	if n := strings.Count(got, reason); n != fit {
		t.Errorf("%d reasons quoted, want %d", n, fit)
	}
	if !strings.HasSuffix(got, "…and 3 more not shown here (resendbot's log has the full list)") {
		t.Errorf("the rest not counted: %q", got[len(got)-100:])
	}
	// Exactly the room: all of them, nothing counted.
	last := strings.Repeat("y", maxReasonsText-fit*per-(per-len(reason))) // a line that fills what is left
	exact := append(slices.Repeat([]string{reason}, fit), last)
	if got := quoteReasons(w, exact); strings.Contains(got, "more not shown") || !strings.HasSuffix(got, last+"”") {
		t.Errorf("reasons filling the room exactly were cut: %q", got[len(got)-80:])
	}
}

// The audit message says "Sending…" until the outcome replaces it, names
// a Retry's presser and a retried attempt, and its small print is the
// request's time until Front Payment has answered.
func TestTheAuditMessageBeforeAndAfter(t *testing.T) {
	w := English()
	at := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	r := &request{Origin: Origin{UserID: "U0AGENT", Source: SourceSlash}, Link: frontpay.LinkOrder, Reservation: orderUUID}
	before := rootMessage(w, r, "email", nil, at)
	if !strings.HasPrefix(before.Text, "<@U0AGENT> asked to resend") || !strings.HasSuffix(before.Text, "Sending…") ||
		!strings.HasPrefix(before.Note, "Requested ") {
		t.Errorf("before: %+v", before)
	}
	o := outcomeOf(w, frontpay.LinkOrder, nil, "email", time.Second)
	after := rootMessage(w, r, "email", &o, at)
	if strings.Contains(after.Text, "Sending") || !strings.Contains(after.Text, o.headline) ||
		!strings.HasPrefix(after.Note, "Front Payment: ") || !strings.Contains(after.Note, "(HTTP 202)") {
		t.Errorf("after: %+v", after)
	}
	if strings.Contains(after.Text, "after a Retry") {
		t.Errorf("not retried: %q", after.Text)
	}
	r.Source, r.retriedBy = SourceRetry, "U0OTHER"
	retried := rootMessage(w, r, "email", &o, at)
	if !strings.HasPrefix(retried.Text, "<@U0AGENT> retried the resend") || !strings.Contains(retried.Text, "(after a Retry by <@U0OTHER>, in the thread)") {
		t.Errorf("retried: %q", retried.Text)
	}
	none := outcomeOf(w, frontpay.LinkOrder, &frontpay.Error{Kind: frontpay.KindUnreachable}, "email", time.Second)
	if m := rootMessage(w, r, "email", &none, at); !strings.HasPrefix(m.Note, "Front Payment: no answer · ") {
		t.Errorf("no answer: %q", m.Note)
	}
}

// An outcome reply has a Retry button only with a key for it.
func TestTheReplyHasARetryButtonOnlyWithAKey(t *testing.T) {
	w := English()
	r := &request{Origin: Origin{UserID: "U0AGENT"}, Link: frontpay.LinkReservation, Reservation: coreUUID}
	o := outcomeOf(w, frontpay.LinkReservation, &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 502}, "email", time.Second)
	if m := replyMessage(w, r, "email", o, time.Now(), ""); len(m.Buttons) != 0 {
		t.Errorf("buttons without a key: %+v", m.Buttons)
	}
	if m := replyMessage(w, r, "email", o, time.Now(), "K9"); len(m.Buttons) != 1 || m.Buttons[0].Value != "K9" || m.Buttons[0].Action != ActionRetry {
		t.Errorf("buttons with a key: %+v", m.Buttons)
	}
}

// App Home lists the viewer's resends, each worded today, or says there
// are none; a line of an older version keeps its words.
func TestHomePageLines(t *testing.T) {
	w := English()
	if h := HomePage(w, nil); len(h.Recent) != 1 || h.Recent[0] != "_None yet._" {
		t.Errorf("no resends: %q", h.Recent)
	}
	at := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	h := HomePage(w, []RecentResend{
		{At: at, Reservation: orderUUID, Link: "order", Kind: "sent", To: []RecentTarget{{Channel: "sms", Masked: "+47 ****3405"}, {Channel: "email", Masked: "k***@example.com"}}},
		{At: at, Reservation: coreUUID, Outcome: "Sent (old words)", Emoji: ":x:", Destination: "SMS to +47 ****4567"},
	})
	if len(h.Recent) != 2 {
		t.Fatalf("lines %q", h.Recent)
	}
	if got := h.Recent[0]; !strings.Contains(got, "order `"+orderUUID+"`") || !strings.Contains(got, "`+47 ****3405`") || !strings.Contains(got, "`k***@example.com`") {
		t.Errorf("line 1: %q", got)
	}
	if got := h.Recent[1]; !strings.HasPrefix(got, ":x: *Sent (old words)* — reservation `"+coreUUID+"` by SMS to +47 ****4567") {
		t.Errorf("line 2: %q", got)
	}
}
