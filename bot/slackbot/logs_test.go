package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"resendbot/frontpay/frontpaytest"
)

// logLines are the operational log's JSON lines so far whose msg is msg.
func (h *harness) logLines(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg && m["log"] != "audit" {
			out = append(out, m)
		}
	}
	return out
}

// An outcome Front Payment gives is logged at the level its kind calls for:
// INFO for what the reservation or contact explains, WARN for transient
// trouble, ERROR for what an admin must fix.
func TestFrontPaymentOutcomeLogLevels(t *testing.T) {
	cases := []struct {
		name   string
		answer frontpaytest.Answer
		level  string
	}{
		{"404 not found", frontpaytest.NotFound(), "INFO"},
		{"400 completed", frontpaytest.Completed(), "INFO"},
		{"400 cancelled", frontpaytest.Cancelled(), "INFO"},
		{"417 invalid", frontpaytest.Invalid(`{"email":["The email must be a valid email address."]}`), "INFO"},
		{"429 rate limited", frontpaytest.RateLimited(30), "WARN"},
		{"510 server error", frontpaytest.ServerFailure(), "WARN"},
		{"401 unauthorized", frontpaytest.Unauthorized(), "ERROR"},
		{"418 unexpected", frontpaytest.Garbage(418), "ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, nil)
			h.fp.SetAnswer(uuidA, c.answer)
			h.command(agent, uuidA+" email=kari@example.com")
			h.waitAudit(1) // written after the outcome's log line
			assertOneLineAt(t, h, "front payment did not send", c.level)
		})
	}
}

// A status lookup's failure is logged by the same rule.
func TestFrontPaymentDetailsLogLevels(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer frontpaytest.Answer
		level  string
	}{
		{"404 not found", frontpaytest.NotFound(), "INFO"},
		{"510 server error", frontpaytest.ServerFailure(), "WARN"},
		{"401 unauthorized", frontpaytest.Unauthorized(), "ERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, nil)
			h.fp.SetDetailsAnswer(uuidA, c.answer)
			h.answered(h.slash(agent, "status "+uuidA)) // told after the outcome's log line
			assertOneLineAt(t, h, "front payment details failed", c.level)
		})
	}
}

func assertOneLineAt(t *testing.T, h *harness, msg, level string) {
	t.Helper()
	lines := h.logLines(msg)
	if len(lines) != 1 {
		t.Fatalf("%d lines say %q, want 1:\n%s", len(lines), msg, h.logs.String())
	}
	if lines[0]["level"] != level {
		t.Errorf("level = %v, want %s: %v", lines[0]["level"], level, lines[0])
	}
}

// Durations are logged in milliseconds, the unit in the key.
func TestShutdownLogsGraceInMilliseconds(t *testing.T) {
	h := shutDownWithAHeldCall(t, "150ms")
	for _, msg := range []string{"socket mode closed; finishing work in flight", "shutdown grace ran out; cancelling work in flight"} {
		lines := h.logLines(msg)
		if len(lines) != 1 {
			t.Fatalf("%d lines say %q, want 1:\n%s", len(lines), msg, h.logs.String())
		}
		if _, ok := lines[0]["grace"]; ok || lines[0]["grace_ms"] != 150.0 {
			t.Errorf("%q: grace_ms = %v, grace = %v; want grace_ms 150 and no grace", msg, lines[0]["grace_ms"], lines[0]["grace"])
		}
	}
}

// An audit line is marked once, by "log":"audit".
func TestAuditLinesAreMarkedOnlyByLog(t *testing.T) {
	h := start(t, nil)
	h.command(agent, uuidA+" email=kari@example.com") // sent
	h.thread()
	h.command(agent, "not-a-uuid email=kari@example.com") // refused
	h.command(agent, "help")                              // shown
	h.answered(h.slash(agent, "status "+uuidA))           // looked up
	for _, line := range h.waitAudit(4) {
		if _, ok := line["audit"]; ok {
			t.Errorf("audit line has an \"audit\" field besides \"log\":\"audit\": %v", line)
		}
	}
}

// Audit lines are written whatever LOG_LEVEL says (CONTRACT §2): at
// LOG_LEVEL=error a request sent and one refused each still write theirs,
// while the operational log keeps to errors.
func TestAuditLinesWhateverTheLogLevel(t *testing.T) {
	h := start(t, map[string]string{"LOG_LEVEL": "error"})
	h.sent(agent, uuidA+" email=kari@example.com")
	h.refused(agent, uuidA+" email=kari", "doesn't look like an email address")
	lines := h.waitAudit(2)
	if len(lines) != 2 || lines[0]["outcome"] != "sent" || lines[1]["outcome"] != "refused" {
		t.Errorf("audit lines = %v, want the sent one and the refused one", lines)
	}
	for _, l := range lines {
		if l["level"] != "INFO" {
			t.Errorf("audit line at %v, want INFO: %v", l["level"], l)
		}
	}
	for line := range strings.Lines(h.logs.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["log"] != "audit" && m["level"] != "ERROR" {
			t.Errorf("LOG_LEVEL=error logged %v: %s", m["level"], line)
		}
	}
}
