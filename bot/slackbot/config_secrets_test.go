package slackbot

import (
	"strings"
	"testing"

	"resendbot/frontpay/frontpaytest"
)

// An unexpected answer to a status lookup names its HTTP status.
func TestStatusOnAnUnexpectedAnswerShowsTheHTTPStatus(t *testing.T) {
	h := start(t, nil)
	h.fp.SetDetailsAnswer(uuidA, frontpaytest.Garbage(418))
	p := h.answered(h.slash(agent, "status "+uuidA))
	if !strings.Contains(p.Text, "HTTP 418") {
		t.Errorf("status answer lacks the HTTP status: %s", p.Text)
	}
}
