package slackbot

import (
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// errBotTokenRejected is /readyz's answer while Slack refuses the bot token.
var errBotTokenRejected = errors.New("slack refuses the bot token (SLACK_BOT_TOKEN)")

// botToken follows whether Slack accepts SLACK_BOT_TOKEN while the bot
// runs: a token revoked after start-up (the app uninstalled, the token
// rotated) fails every post, so nothing can be audited and nothing is
// sent. The bot then reports unready, sets resendbot_slack_token_rejected
// and logs it at error once, not once per request; a later call that
// Slack accepts clears it.
type botToken struct {
	log      *slog.Logger
	gauge    prometheus.Gauge
	rejected atomic.Bool
}

// logTokenRefused is logged, at error, when Slack starts refusing the token.
const logTokenRefused = "Slack refuses SLACK_BOT_TOKEN: nothing can be posted, so every request fails and nothing is sent; /readyz reports unready"

// tokenRefusals are Slack's answers that mean the token itself is refused.
var tokenRefusals = map[string]bool{"invalid_auth": true, "token_revoked": true, "account_inactive": true,
	"not_authed": true, "token_expired": true}

// observe takes the result of one Web API call with the bot token
// (response_url posts need no token and are ignored). Safe on a nil t.
func (t *botToken) observe(method string, err error) {
	if t == nil || method == methodResponseURL {
		return
	}
	switch code := slackErrorCode(err); {
	case err == nil:
		if t.rejected.CompareAndSwap(true, false) {
			t.gauge.Set(0)
			t.log.Info("Slack accepts SLACK_BOT_TOKEN again", "method", method)
		}
	case tokenRefusals[code]:
		if t.rejected.CompareAndSwap(false, true) {
			t.gauge.Set(1)
			t.log.Error(logTokenRefused, "method", method, "error", code,
				"fix", "reinstall the app, or put its current Bot User OAuth Token (xoxb-…) in SLACK_BOT_TOKEN and restart")
		}
	}
}

// err is errBotTokenRejected while Slack refuses the token.
func (t *botToken) err() error {
	if t.rejected.Load() {
		return errBotTokenRejected
	}
	return nil
}
