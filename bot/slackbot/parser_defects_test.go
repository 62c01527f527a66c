package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"resendbot/bot/internal/fakeslack"
)

// A mention arrives entity-escaped, as Slack sends message text: the
// address reaches Front Payment as the agent typed it.
func TestMentionWithAnAmpersandIsReadUnescaped(t *testing.T) {
	h := start(t, nil)
	// Slack links the address and escapes its "&", inside the link too.
	text := "<@" + fakeslack.BotUserID + "> resend " + uuidA +
		" email=<mailto:tom&amp;jerry@example.com|tom&amp;jerry@example.com>"
	h.slack.EventsAPI(map[string]any{
		"type": "app_mention", "user": agent, "channel": room, "ts": "1700000001.000300", "text": text,
	}, fakeslack.EventOpts{})
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool { return len(s.Messages) >= 2 }, wait); err != nil {
		t.Fatalf("no audit message and outcome: %v", err)
	}
	reqs := h.fp.Resends()
	if len(reqs) != 1 {
		t.Fatalf("front payment calls = %d, want 1", len(reqs))
	}
	var body struct{ Email string }
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || body.Email != "tom&jerry@example.com" {
		t.Errorf("body = %s (%v), want the email tom&jerry@example.com", reqs[0].Body, err)
	}
}

// A refusal's audit line names the reservation that was typed.
func TestRefusalAuditNamesTheTypedReservation(t *testing.T) {
	h := start(t, nil)
	if got := h.command(agent, strings.ToUpper(uuidA)+" email=nope"); got == "" {
		t.Fatal("a bad address was accepted")
	}
	line := h.waitAudit(1)[0]
	if line["reservation"] != uuidA {
		t.Errorf("audit reservation = %v, want %s", line["reservation"], uuidA)
	}
}

// Someone who may not resend gets the allowlist's answer, not a parse of
// their text, and the audit line still names the reservation.
func TestTheAllowlistIsCheckedBeforeParsing(t *testing.T) {
	h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent})
	got := h.command(agent2, uuidA+" email=nope")
	if !strings.Contains(got, "RESEND_ALLOWED_USERS") || strings.Contains(got, "nope") {
		t.Errorf("answer = %q; want the allowlist refusal", got)
	}
	if line := h.waitAudit(1)[0]; line["reservation"] != uuidA {
		t.Errorf("audit reservation = %v, want %s", line["reservation"], uuidA)
	}
}
