package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// The console replaces these words with the detail line they point to.
func TestUnexpectedOutcomePointsToTheLog(t *testing.T) {
	o := outcomeOf(English(), frontpay.LinkReservation, &frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 200}, "email", time.Second)
	if !strings.Contains(o.detail, "(the details are in resendbot's log)") {
		t.Errorf("detail = %q", o.detail)
	}
}

// englishMarkers are words and phrases of English sentences that neither
// the Norwegian text nor the technical tokens it keeps (email=, /resend,
// FRONTPAYMENT_TOKEN, Front Payment) contain.
var englishMarkers = []string{" the ", "The ", "Nothing", "nothing", " was ", " is ", " you", "You", "Try ", " try ",
	" and ", " not ", "Sent", "Retry", "Check", "Ask ", " ask ", "doesn't", "isn't", "can't", "won't", " by ", "Requested",
	" in a ", " minute", " second", " hour", " ago", "Cancel", "Reservation ", " reservation", "already", "Only "}

func assertNorwegian(t *testing.T, what, text string) {
	t.Helper()
	for _, m := range englishMarkers {
		if strings.Contains(text, m) {
			t.Errorf("%s has English (%q): %s", what, m, text)
		}
	}
}

func norwegian(t *testing.T) *i18n.Words {
	t.Helper()
	w, err := i18n.New(i18n.NB)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Every outcome, refusal and caller-only answer reads Norwegian in nb.
func TestNorwegianWordsHaveNoEnglish(t *testing.T) {
	nb := norwegian(t)
	dests := describe(nb, (&request{Reservation: coreUUID, Email: "kari@example.com",
		Phone: &command.Phone{CountryCode: "+47", National: "41234567", E164: "+4741234567"}}).destinations(), true)
	assertNorwegian(t, "destinations", dests)
	errs := map[string]error{
		"sent":         nil,
		"not found":    &frontpay.Error{Kind: frontpay.KindNotFound, StatusCode: 404},
		"completed":    &frontpay.Error{Kind: frontpay.KindCompleted, StatusCode: 400},
		"cancelled":    &frontpay.Error{Kind: frontpay.KindCancelled, StatusCode: 400},
		"invalid":      &frontpay.Error{Kind: frontpay.KindInvalid, StatusCode: 417, Errors: make([]string, 40)},
		"unauthorized": &frontpay.Error{Kind: frontpay.KindUnauthorized, StatusCode: 401},
		"rate limited": &frontpay.Error{Kind: frontpay.KindRateLimited, StatusCode: 429, RetryAfter: 90 * time.Second},
		"server error": &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 510},
		"timeout":      &frontpay.Error{Kind: frontpay.KindUnreachable, Err: context.DeadlineExceeded},
		"unreachable":  &frontpay.Error{Kind: frontpay.KindUnreachable, Err: errors.New("connection refused")},
		"unexpected":   &frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 418},
	}
	at := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	r := &request{Origin: Origin{UserID: "U0AGENT", Source: SourceSlash}, Link: frontpay.LinkOrder, Reservation: coreUUID}
	for name, err := range errs {
		o := outcomeOf(nb, frontpay.LinkOrder, err, dests, 15*time.Second)
		assertNorwegian(t, name, o.headline+"\n"+o.detail)
		root, reply := rootMessage(nb, r, dests, &o, at), replyMessage(nb, r, dests, o, at, "key")
		assertNorwegian(t, name+" audit message", root.Text+"\n"+root.Note)
		assertNorwegian(t, name+" reply", reply.Text+"\n"+reply.Note)
		for _, b := range reply.Buttons {
			assertNorwegian(t, name+" button", b.Label+"\n"+b.Confirm.Title+"\n"+b.Confirm.Text+"\n"+b.Confirm.OK+"\n"+b.Confirm.Cancel)
		}
	}
	sending := rootMessage(nb, r, dests, nil, at)
	assertNorwegian(t, "sending", sending.Text+"\n"+sending.Note)
	if !strings.Contains(sending.Note, "2. desember 2026 kl. 14:05") {
		t.Errorf("nb time: %s", sending.Note)
	}
	for _, id := range []string{msgChannelNotAllowed, msgUserNotAllowed, msgUnexpected, msgNotInChannel, msgNotInDM,
		msgAuditFailed, msgStateDown, msgAlreadyPressed, msgRetryExpired, msgQueueFull, MsgHandlerFailed, MsgFormUnreadable, msgShutdown} {
		assertNorwegian(t, id, nb.T(id))
	}
	assertNorwegian(t, "in flight", inFlight(nb, dests, "U1", 30*time.Second))
	assertNorwegian(t, "cooldown", coolingDown(nb, dests, "U1", 30*time.Second, 90*time.Second))
	assertNorwegian(t, "offer chosen", offerChosen(nb, &request{Link: frontpay.LinkOrder, Reservation: coreUUID}, dests))
	assertNorwegian(t, "groups unknown", nb.T("refusal.groups_unknown"))
	assertNorwegian(t, "not in group", nb.T("refusal.not_in_group", "Groups", "@support-agents"))
	for _, id := range []string{"refusal.rate_user", "refusal.rate_team", "refusal.rate_lookup"} {
		assertNorwegian(t, id, nb.T(id, "Wait", nb.Duration(time.Minute, true)))
	}
	assertNorwegian(t, "retry pressed", RetryPressedNote(nb, "U1"))
	for _, err := range errs {
		if err != nil {
			assertNorwegian(t, "lookup problem", lookupProblem(nb, found{kind: frontpay.LinkOrder, err: err}, coreUUID))
		}
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
