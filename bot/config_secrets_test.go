package bot

import (
	"maps"
	"strings"
	"testing"

	"resendbot/frontpay/frontpaytest"
)

// A bad URL is quoted without its user and password.
func TestConfigErrorsNeverQuoteAPassword(t *testing.T) {
	for _, raw := range []string{"ftp://u:pw-s3cret@h.example", "https://u:pw-s3cret@", "http://u:pw-s3cret@%zz"} {
		vars := maps.Clone(minimalEnv)
		vars["FRONTPAYMENT_BASE_URL"] = raw
		_, err := LoadConfig(env(vars), ModeBot)
		if err == nil {
			t.Fatalf("%q was accepted", raw)
		}
		if strings.Contains(err.Error(), "pw-s3cret") {
			t.Errorf("config error quotes the password: %v", err)
		}
		if !strings.Contains(err.Error(), "FRONTPAYMENT_BASE_URL") {
			t.Errorf("config error does not name the variable: %v", err)
		}
	}
}

// An unexpected answer to a status lookup names its HTTP status.
func TestStatusOnAnUnexpectedAnswerShowsTheHTTPStatus(t *testing.T) {
	h := start(t, nil)
	h.fp.SetDetailsAnswer(uuidA, frontpaytest.Garbage(418))
	p := h.answered(h.slash(agent, "status "+uuidA))
	if !strings.Contains(p.Text, "HTTP 418") {
		t.Errorf("status answer lacks the HTTP status: %s", p.Text)
	}
}

// A Redis error that quotes the password in another letter case still
// does not show it.
func TestRedactIgnoresLetterCase(t *testing.T) {
	const pw = "s3cret-Passw0rd"
	got := redact("WRONGPASS for s3cret-passw0rd and S3CRET-PASSW0RD and "+pw, pw)
	if strings.Contains(strings.ToLower(got), strings.ToLower(pw)) {
		t.Errorf("redact left the password: %q", got)
	}
}
