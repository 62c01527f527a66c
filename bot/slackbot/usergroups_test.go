package slackbot

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay"
	"resendbot/frontpay/frontpaytest"
)

const supportGroup = "S0SUPPORT"

// withSupportGroup is a fake Slack whose workspace has @support-agents,
// with members.
func withSupportGroup(t *testing.T, members ...string) *fakeslack.Server {
	t.Helper()
	s := fakeslack.New(t)
	s.AddUserGroup(fakeslack.UserGroup{ID: supportGroup, Handle: "support-agents", Name: "Support agents", Users: members})
	return s
}

func startWithGroups(t *testing.T, s *fakeslack.Server, env map[string]string) *harness {
	t.Helper()
	vars := map[string]string{"RESEND_ALLOWED_USERGROUPS": "@support-agents", "RESEND_COOLDOWN": "0"}
	for k, v := range env {
		vars[k] = v
	}
	return startOn(t, vars, s, frontpaytest.NewServer(t), bot.State{})
}

func TestAUserGroupsMemberMayResendAndOthersMayNot(t *testing.T) {
	h := startWithGroups(t, withSupportGroup(t, agent), nil)
	h.sent(agent, uuidA+" email=kari@example.com")
	var line map[string]any
	for _, l := range h.auditLines() {
		if l["outcome"] == "sent" {
			line = l
		}
	}
	if line["allowed_by"] != "usergroup:"+supportGroup {
		t.Errorf("audit line says %v let the request in, want usergroup:%s", line["allowed_by"], supportGroup)
	}
	got := h.command(agent2, uuidA+" email=kari@example.com")
	if !strings.Contains(got, "Only members of @support-agents") || strings.Contains(got, agent) {
		t.Errorf("a non-member was told %q; want who to ask, and no member named", got)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

// Someone outside the groups is refused wherever they come in, and nothing
// is sent for them.
func TestNonMembersAreRefusedOnEveryEntryPoint(t *testing.T) {
	h := startWithGroups(t, withSupportGroup(t, agent), map[string]string{"RESEND_ALLOWED_USERS": "U0LISTED"})
	const refused = "Only members of @support-agents"

	// A failed send of a member's, to press its Retry; an offer of theirs.
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	_, reply := h.thread2(agent, uuidA+" email=kari@example.com")
	h.fp.SetDetails(uuidOther, frontpaytest.SampleDetails(uuidOther))
	offer := offerButtons(t, h.answered(h.slash(agent, uuidOther)))
	calls := len(h.fp.Resends())

	if got := h.command(agent2, uuidA+" email=kari@example.com"); !strings.Contains(got, refused) {
		t.Errorf("slash command: %q", got)
	}
	if got := h.command(agent2, "status "+uuidA); !strings.Contains(got, refused) {
		t.Errorf("status: %q", got)
	}
	h.slack.EventsAPI(map[string]any{"type": "app_mention", "user": agent2, "channel": room, "ts": "1700000009.000100",
		"text": "<@" + fakeslack.BotUserID + "> resend " + uuidA + " email=kari@example.com"}, fakeslack.EventOpts{})
	h.ephemeralSays(agent2, refused)
	h.press(agent2, reply, retryButton(t, reply))
	h.pressOffer(agent2, offer["Both"])
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		n := 0
		for _, p := range s.ResponseURLPosts {
			if strings.Contains(p.Text, refused) {
				n++
			}
		}
		return n >= 2
	}, wait); err != nil {
		t.Errorf("Retry and offer presses: %v", err)
	}
	if _, err := h.slack.WaitCalls("views.open", 0, wait); err != nil {
		t.Fatal(err)
	}
	ack := h.submitForm(agent2, `{"channel":"`+room+`"}`, uuidA, "kari@example.com", "")
	if len(ack) != 0 && string(ack) != "null" {
		t.Errorf("form ack %s", ack)
	}
	h.responseURLSays(refused)
	h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": agent2, "channel": "D2", "tab": "home"}, fakeslack.EventOpts{})
	views, err := h.slack.WaitCalls("views.publish", 1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if home := string(views[0].JSON) + views[0].Form.Get("view"); !strings.Contains(home, refused) || strings.Contains(home, "Your latest resends") {
		t.Errorf("App Home for a non-member: %s", home)
	}
	if n := len(h.fp.Resends()); n != calls {
		t.Errorf("front payment calls = %d, want still %d", n, calls)
	}
	// A user listed by ID still may.
	h.sent("U0LISTED", uuidOther+" email=kari@example.com")
}

// Membership follows Slack's events within seconds.
func TestMembershipFollowsSubteamEvents(t *testing.T) {
	s := withSupportGroup(t, agent)
	h := startWithGroups(t, s, nil)
	if got := h.command(agent2, uuidA+" email=kari@example.com"); got == "" {
		t.Fatal("agent2 was let in before being added")
	}
	s.SendSubteamMembersChanged(supportGroup, []string{agent, agent2}, fakeslack.EventOpts{})
	h.sent(agent2, uuidA+" email=kari@example.com")
	s.SendSubteamMembersChanged(supportGroup, []string{agent}, fakeslack.EventOpts{})
	if got := h.command(agent2, uuidA+" email=ola@example.com"); !strings.Contains(got, "Only members of") {
		t.Errorf("agent2 removed from the group was told %q", got)
	}
	// subteam_updated makes the bot read the members again.
	g, _ := s.UserGroup(supportGroup)
	g.Users = []string{agent, agent2}
	s.SendSubteamUpdated(g, fakeslack.EventOpts{})
	h.eventually(agent2, uuidA+" email=per@example.com", accepted, "agent2 added by subteam_updated")
}

// runBot runs a bot on s with env and returns what Run returned, or fails
// when it connects instead.
func runBot(t *testing.T, s *fakeslack.Server, env map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	return runBotCtx(t, ctx, s, env)
}

// runBotCtx is runBot until ctx ends.
func runBotCtx(t *testing.T, ctx context.Context, s *fakeslack.Server, env map[string]string) error {
	t.Helper()
	vars := map[string]string{"SLACK_APP_TOKEN": fakeslack.AppToken, "SLACK_BOT_TOKEN": fakeslack.BotToken,
		"SLACK_API_URL": s.APIURL(), "FRONTPAYMENT_TOKEN": "fp-token"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := bot.LoadConfig(func(k string) string { return vars[k] }, bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	log, audit := bot.NewLoggers(cfg, io.Discard)
	fps := frontpaytest.NewServer(t)
	fp, err := frontpay.NewClient(frontpay.Config{BaseURL: fps.URL, Token: fps.Token})
	if err != nil {
		t.Fatal(err)
	}
	b := New(cfg, bot.Deps{Resender: fp, Log: log, Audit: audit, Backoff: func(int) time.Duration { return time.Millisecond }})
	return b.Run(ctx)
}

// A group the bot cannot use stops it at once, with one line naming the
// variable and what to do.
func TestUserGroupsThatCannotBeUsedStopTheBot(t *testing.T) {
	for _, c := range []struct {
		name, groups string
		setup        func(*fakeslack.Server)
		want         string
	}{
		{"unknown handle", "@nobody", func(*fakeslack.Server) {}, "@nobody"},
		{"unknown ID", "S0NOSUCH", func(*fakeslack.Server) {}, "S0NOSUCH"},
		{"missing scope", "@support-agents", func(s *fakeslack.Server) { s.SetScopes("commands", "chat:write", "app_mentions:read") }, "usergroups:read"},
		{"plan", "@support-agents", func(s *fakeslack.Server) { s.SetUserGroupsUnavailable(fakeslack.ErrPlanUpgradeRequired) }, "plan has no user groups"},
		{"old plan answer", "@support-agents", func(s *fakeslack.Server) { s.SetUserGroupsUnavailable(fakeslack.ErrPaidTeamsOnly) }, "plan has no user groups"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := withSupportGroup(t, agent)
			c.setup(s)
			err := runBot(t, s, map[string]string{"RESEND_ALLOWED_USERGROUPS": c.groups})
			var ce *bot.ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], "RESEND_ALLOWED_USERGROUPS ") ||
				!strings.Contains(ce.Problems[0], c.want) {
				t.Fatalf("Run = %v; want one line naming RESEND_ALLOWED_USERGROUPS and %q", err, c.want)
			}
			if s.OpenSockets() != 0 {
				t.Error("connected to Slack although the groups cannot be used")
			}
		})
	}
}

// A 429 at start is waited out, not fatal.
func TestUserGroupsRateLimitedAtStartIsWaitedOut(t *testing.T) {
	s := withSupportGroup(t, agent)
	s.FailNext(fakeslack.MethodUserGroupsList, 1, fakeslack.Fault{HTTPStatus: 429, RetryAfter: 1})
	h := startWithGroups(t, s, nil)
	h.sent(agent, uuidA+" email=kari@example.com")
}

// When the groups cannot be re-read, the last read serves for an hour;
// after that only RESEND_ALLOWED_USERS get in, and others are told why.
func TestMembershipThatCannotBeReReadServesForAnHour(t *testing.T) {
	s := withSupportGroup(t, agent)
	h := startWithGroups(t, s, map[string]string{"RESEND_ALLOWED_USERS": "U0LISTED"})
	s.FailNext(fakeslack.MethodUserGroupsUsersList, 1_000_000, fakeslack.Fault{SlackError: "internal_error"})
	waitForSeries(t, h, "resendbot_usergroups_read_failures_total", func(v string) bool { return v != "0" })

	h.later.Store(int64(59 * time.Minute))
	h.sent(agent, uuidA+" email=kari@example.com")

	h.later.Store(int64(61 * time.Minute))
	if got := h.command(agent, uuidA+" email=ola@example.com"); !strings.Contains(got, "can't check who may resend right now") {
		t.Errorf("a member after an hour without a read was told %q", got)
	}
	h.sent("U0LISTED", uuidA+" email=kari@example.com")
	waitForSeries(t, h, "resendbot_usergroups_stale", func(v string) bool { return v == "1" })
	if !strings.Contains(h.logs.String(), "could not re-read the allowed user groups") {
		t.Error("no warning in the log")
	}

	// Slack answers again: the groups are read and serve at once.
	s.ClearFaults(fakeslack.MethodUserGroupsUsersList)
	waitForSeries(t, h, "resendbot_usergroups_stale", func(v string) bool { return v == "0" })
	h.sent(agent, uuidA+" email=per@example.com")
}

// waitForSeries waits until the series' value passes ok.
func waitForSeries(t *testing.T, h *harness, series string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		for _, line := range strings.Split(scrape(t, h.metrics), "\n") {
			if name, v, found := strings.Cut(line, " "); found && name == series && ok(v) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never passed", series)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// After a reconnect the members are read at once: events may have been
// missed meanwhile.
func TestUserGroupsAreReReadAfterAReconnect(t *testing.T) {
	s := withSupportGroup(t, agent)
	h := startOn(t, map[string]string{"RESEND_ALLOWED_USERGROUPS": "@support-agents"}, s, frontpaytest.NewServer(t), bot.State{},
		func(d *bot.Deps) { d.GroupRefresh = time.Hour })
	before := len(s.Calls(fakeslack.MethodUserGroupsUsersList))
	s.SetUserGroupMembers(supportGroup, []string{agent, agent2}) // changed while no event reaches the bot
	s.DropConnections()
	if _, err := s.WaitCalls(fakeslack.MethodUserGroupsUsersList, before+1, wait); err != nil {
		t.Fatalf("members not read again after the reconnect: %v", err)
	}
	h.eventually(agent2, uuidA+" email=kari@example.com", accepted, "a member added while disconnected")
}
