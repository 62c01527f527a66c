package slackbot

import (
	"testing"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
)

// A workflow step's channel is chosen in Workflow Builder, away from the
// requester, as the global shortcut's picker is, and passes the same
// check: a direct message the bot is in (its own with someone), a channel
// shared with another organisation, or one Slack cannot be asked about
// is refused before anything is posted or sent. Before, the step sent
// the link with its only audit message in a DM nobody else reads.
func TestWorkflowStepChannelIsCheckedAsThePickersIs(t *testing.T) {
	const botDM = "D0BOTDM"
	for name, c := range map[string]struct {
		channel string
		setup   func(h *harness)
		words   string
		reason  string
	}{
		"the bot's own direct message": {botDM, func(h *harness) { h.slack.SetMember(botDM, true) }, "shortcut.not_member", bot.ReasonChannel},
		"a channel shared with another organisation": {sharedRoom, func(h *harness) {
			h.slack.SetChannel(sharedRoom, fakeslack.Channel{ExtShared: true, Shared: true})
		}, "shortcut.shared", bot.ReasonChannel},
		"Slack not answering about the channel": {room, func(h *harness) {
			h.slack.FailNext("conversations.info", -1, fakeslack.Fault{SlackError: "internal_error"})
		}, "shortcut.unchecked", bot.ReasonChannel},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, nil)
			c.setup(h)
			in := stepInputs(agent, "kari@example.com")
			in[stepChannel] = c.channel
			h.failed(h.step(in, 0), h.words().T(c.words))
			if n := len(h.slack.Messages()); n != 0 {
				t.Errorf("messages posted = %d, want none", n)
			}
			if line := h.auditWith("refused"); line["reason"] != c.reason {
				t.Errorf("audit line %v, want reason %s", line, c.reason)
			}
		})
	}
}
