package bot

import (
	"encoding/json"
	"fmt"
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
	reqs := h.fp.Requests()
	if len(reqs) != 1 {
		t.Fatalf("front payment calls = %d, want 1", len(reqs))
	}
	var body struct{ Email string }
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || body.Email != "tom&jerry@example.com" {
		t.Errorf("body = %s (%v), want the email tom&jerry@example.com", reqs[0].Body, err)
	}
}

func TestParseCommandDecodesSlackEntities(t *testing.T) {
	cmd, err := ParseCommand(uuidA+" email=<mailto:tom&amp;jerry@example.com|tom&amp;jerry@example.com>", "NO")
	if err != nil || cmd.Email != "tom&jerry@example.com" {
		t.Fatalf("ParseCommand = %+v, %v; want tom&jerry@example.com", cmd, err)
	}
	// An escaped "<" is a character, never the start of a Slack link.
	if _, err := ParseCommand(uuidA+" email=&lt;kari@example.com phone=41234567", "NO"); err == nil {
		t.Fatal("an address starting with < was accepted")
	}
}

func TestATooLongCommandIsRefusedUnread(t *testing.T) {
	text := uuidA + " email=<mailto:kari@example.com" + strings.Repeat(" a=1", 600)
	_, err := ParseCommand(text, "NO")
	ie, ok := err.(*InputError)
	if !ok || !strings.Contains(ie.Message, "too long") {
		t.Fatalf("ParseCommand(%d bytes) = %v; want a too-long refusal", len(text), err)
	}
}

// BenchmarkSplitPairsUnclosedLink reads a value with a "<" that never
// closes followed by many key-like words: the cost per word stays flat
// (it grew with the length before, 773 ms for 40 KB).
func BenchmarkSplitPairsUnclosedLink(b *testing.B) {
	for _, n := range []int{250, 2500, 10000} {
		tokens := append([]string{"email=<mailto:kari@example.com"}, strings.Fields(strings.Repeat(" a=1", n))...)
		b.Run(fmt.Sprintf("%dB", 4*n), func(b *testing.B) {
			for b.Loop() {
				_, _ = splitPairs(tokens)
			}
		})
	}
}

func TestEmailLengthsFollowRFC5321(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{strings.Repeat("k", 65) + "@example.com", "before @"},
		{"kari@" + strings.Repeat("a", 64) + ".example.com", "part of the domain"},
		{"kari@" + strings.Repeat("abcdefghi.", 28) + "no", "characters"},
	} {
		_, err := ParseCommand(uuidA+" email="+c.addr, "NO")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("email of %d characters: err = %v; want one about %q", len(c.addr), err, c.want)
		}
	}
	ok := strings.Repeat("k", 64) + "@example.com"
	if _, err := ParseCommand(uuidA+" email="+ok, "NO"); err != nil {
		t.Errorf("a 64-character local part was refused: %v", err)
	}
}

func TestInvisibleCharactersAreRefused(t *testing.T) {
	for _, v := range []string{
		"email=ka\u200dri@example.com", // zero-width joiner
		"email=ka\u00adri@example.com", // soft hyphen
		"email=kari@exa\u202emple.com", // right-to-left override
		"email=kari\u2066@example.com", // left-to-right isolate
		"phone=+47 412\u200d34567",
	} {
		_, err := ParseCommand(uuidA+" "+v, "NO")
		if err == nil || !strings.Contains(err.Error(), "invisible character") {
			t.Errorf("%q: err = %v; want an invisible-character refusal", v, err)
		}
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
