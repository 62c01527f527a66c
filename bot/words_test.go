package bot

import (
	"strings"
	"testing"
	"time"

	"resendbot/frontpay"
)

// The console replaces these words with the detail line they point to.
func TestUnexpectedOutcomePointsToTheLog(t *testing.T) {
	o := outcomeOf(English(), &frontpay.Error{Kind: frontpay.KindUnexpected, StatusCode: 200}, "email", time.Second)
	if !strings.Contains(o.detail, "(the details are in resendbot's log)") {
		t.Errorf("detail = %q", o.detail)
	}
}
