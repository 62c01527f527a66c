package slackbot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

const billingGroup = "S0BILLING"

// withTwoGroups is a fake Slack with @support-agents (agent) and
// @billing (agent2 and U0THIRD).
func withTwoGroups(t *testing.T) *fakeslack.Server {
	t.Helper()
	s := withSupportGroup(t, agent)
	s.AddUserGroup(fakeslack.UserGroup{ID: billingGroup, Handle: "billing", Name: "Billing", Users: []string{agent2, "U0THIRD"}})
	return s
}

func startWithTwoGroups(t *testing.T, s *fakeslack.Server, opts ...func(*bot.Deps)) *harness {
	t.Helper()
	return startOn(t, map[string]string{"RESEND_ALLOWED_USERGROUPS": "@support-agents,@billing", "RESEND_COOLDOWN": "0"},
		s, frontpaytest.NewServer(t), bot.State{}, opts...)
}

// eventually repeats the command until its answer passes ok, within the
// generous wait: the bot follows Slack's changes within seconds.
func (h *harness) eventually(user, text string, ok func(answer string) bool, what string) {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := h.command(user, text)
		if ok(got) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: %q still answered %q", what, text, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func refusedAs(want string) func(string) bool {
	return func(a string) bool { return strings.Contains(a, want) }
}

// accepted is an answer that refuses nothing: the request is on its way.
func accepted(answer string) bool { return answer == "" }

// A group disabled in Slack (subteam_updated with date_delete set) has no
// members from then on, while the other group keeps letting its members
// in; the re-reads that follow (usergroups.users.list answers
// no_such_subteam for it) neither fail nor bring it back.
func TestADisabledGroupHasNoMembersAndTheOthersGoOn(t *testing.T) {
	s := withTwoGroups(t)
	h := startWithTwoGroups(t, s)
	g, _ := s.UserGroup(supportGroup)
	g.Disabled = true
	s.SendSubteamUpdated(g, fakeslack.EventOpts{})
	h.eventually(agent, uuidA+" email=kari@example.com", refusedAs("Only members of"), "a member of a disabled group")
	h.sent(agent2, uuidA+" email=kari@example.com")

	// The re-reads go on for billing: a removal from it counts.
	reads := len(s.Calls(fakeslack.MethodUserGroupsUsersList))
	s.SetUserGroupMembers(billingGroup, []string{agent2})
	if _, err := s.WaitCalls(fakeslack.MethodUserGroupsUsersList, reads+2, wait); err != nil {
		t.Fatal(err)
	}
	h.eventually("U0THIRD", uuidA+" email=kari@example.com", refusedAs("Only members of"), "someone removed from billing")
	if got := h.command(agent, uuidA+" email=kari@example.com"); !strings.Contains(got, "Only members of") {
		t.Errorf("a member of the disabled group, after re-reads: %q", got)
	}
	waitForSeries(t, h, "resendbot_usergroups_read_failures_total", func(v string) bool { return v == "0" })
}

// A group disabled without an event reaching the bot is found out on the
// next re-read (no_such_subteam), and only it loses its members.
func TestAGroupDisabledQuietlyIsFoundOutOnReRead(t *testing.T) {
	s := withTwoGroups(t)
	h := startWithTwoGroups(t, s)
	h.sent(agent, uuidA+" email=kari@example.com")
	s.SetUserGroupDisabled(supportGroup, true)
	h.eventually(agent, uuidA+" email=kari@example.com", refusedAs("Only members of"), "a member of a group disabled quietly")
	h.sent(agent2, uuidA+" email=kari@example.com")
	if !strings.Contains(h.logs.String(), "disabled or deleted in Slack") {
		t.Error("the log does not say the group was disabled")
	}
}

// A group whose members cannot be re-read serves for an hour; after it,
// only that group's members are refused ("can't check"), and the other
// group's members still get in.
func TestAfterAnHourOnlyTheUnreadableGroupsMembersAreAffected(t *testing.T) {
	s := withTwoGroups(t)
	h := startWithTwoGroups(t, s)
	s.Handle(fakeslack.MethodUserGroupsUsersList, func(c fakeslack.Call) any {
		if c.Form.Get("usergroup") == billingGroup {
			return map[string]any{"ok": false, "error": "internal_error"}
		}
		return map[string]any{"ok": true, "users": []string{agent}}
	})
	waitForSeries(t, h, "resendbot_usergroups_read_failures_total", func(v string) bool { return v != "0" })
	h.later.Store(int64(61 * time.Minute))
	waitForSeries(t, h, "resendbot_usergroups_stale", func(v string) bool { return v == "1" })
	h.sent(agent, uuidA+" email=kari@example.com")
	for _, user := range []string{agent2, "U0NOBODY"} {
		if got := h.command(user, uuidA+" email=kari@example.com"); !strings.Contains(got, "can't check who may resend right now") {
			t.Errorf("%s after an hour without reading billing: %q", user, got)
		}
	}
}

// A restart with a listed group disabled fails as for a group that does
// not exist: one line naming RESEND_ALLOWED_USERGROUPS and the group.
func TestARestartWithADisabledGroupStops(t *testing.T) {
	s := withTwoGroups(t)
	s.SetUserGroupDisabled(billingGroup, true)
	err := runBot(t, s, map[string]string{"RESEND_ALLOWED_USERGROUPS": "@support-agents,@billing"})
	var ce *bot.ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "RESEND_ALLOWED_USERGROUPS ") ||
		!strings.Contains(ce.Problems[0], "@billing") {
		t.Fatalf("Run = %v; want one line naming RESEND_ALLOWED_USERGROUPS and @billing", err)
	}
}

// subteam_members_changed exactly as Slack's reference page shows it
// (counts as strings) cannot be decoded by slack-go: the envelope is still
// acknowledged, logged at warn, and the members are read again at once, so
// the removal counts within seconds.
func TestAnEnvelopeThatCannotBeDecodedIsAcknowledgedAndReRead(t *testing.T) {
	s := withTwoGroups(t)
	s.SetSubteamCountsAsStrings(true)
	h := startWithTwoGroups(t, s, func(d *bot.Deps) { d.GroupRefresh = time.Hour })
	reads := len(s.Calls(fakeslack.MethodUserGroupsUsersList))
	id := s.SendSubteamMembersChanged(billingGroup, []string{"U0THIRD"}, fakeslack.EventOpts{})
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatalf("the undecodable envelope was never acknowledged: %v", err)
	}
	if _, err := s.WaitCalls(fakeslack.MethodUserGroupsUsersList, reads+1, wait); err != nil {
		t.Fatalf("the members were not read again: %v", err)
	}
	h.eventually(agent2, uuidA+" email=kari@example.com", refusedAs("Only members of"), "someone removed by an undecodable event")
	var warned bool
	for _, l := range h.logLines("a Slack envelope could not be decoded; acknowledged and not acted on") {
		warned = l["level"] == "WARN" && l["envelope"] == id && l["event"] == "subteam_members_changed"
	}
	if !warned {
		t.Error("no warning naming the envelope and its event in the log")
	}
	waitForSeries(t, h, "resendbot_slack_undecodable_envelopes_total", func(v string) bool { return v == "1" })
}

// A 429 from Slack at start, on auth.test or the user groups, however
// many times, is waited out (Retry-After honoured): the bot connects. It
// is not a configuration problem.
func TestRateLimitsAtStartAreWaitedOut(t *testing.T) {
	s := withSupportGroup(t, agent)
	s.FailNext("auth.test", 12, fakeslack.Fault{HTTPStatus: 429})
	s.FailNext("auth.test", 1, fakeslack.Fault{RetryAfter: 1})
	s.FailNext(fakeslack.MethodUserGroupsList, 12, fakeslack.Fault{HTTPStatus: 429})
	s.FailNext(fakeslack.MethodUserGroupsUsersList, 12, fakeslack.Fault{HTTPStatus: 503})
	h := startWithGroups(t, s, nil)
	h.sent(agent, uuidA+" email=kari@example.com")
	if n := len(s.Calls("auth.test")); n != 14 {
		t.Errorf("auth.test calls = %d, want 14 (13 limited, then the one answered)", n)
	}
}

// A start-up wait is cancellable: stopped meanwhile, the bot exits cleanly
// without connecting, and it is no configuration problem.
func TestAStartUpWaitEndsWhenTheBotIsStopped(t *testing.T) {
	s := withSupportGroup(t, agent)
	s.FailNext(fakeslack.MethodUserGroupsList, -1, fakeslack.Fault{RetryAfter: 120})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runBotCtx(t, ctx, s, map[string]string{"RESEND_ALLOWED_USERGROUPS": "@support-agents"})
	}()
	if _, err := s.WaitCalls(fakeslack.MethodUserGroupsList, 1, wait); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil: stopped while waiting out a 429", err)
		}
	case <-time.After(wait):
		t.Fatal("the bot did not stop while waiting out a 429")
	}
	if s.OpenSockets() != 0 {
		t.Error("connected although stopped")
	}
}

// A press slack-go cannot decode (here a user written as a string) is
// acknowledged, sends nothing, and its presser is told so.
func TestAPressThatCannotBeDecodedTellsThePresser(t *testing.T) {
	h := start(t, nil)
	id := h.slack.Interactive(`{"type":"block_actions","user":"`+agent+`","response_url":"`+h.slack.ResponseURL("garbled")+`",`+
		`"actions":[{"type":"button","action_id":"`+actionRetry+`","value":"x"}]}`, 0)
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		t.Fatalf("the undecodable press was never acknowledged: %v", err)
	}
	h.responseURLSays("nothing was sent")
	if n := h.fp.Calls(); n != 0 {
		t.Errorf("front payment calls = %d, want 0", n)
	}
}
