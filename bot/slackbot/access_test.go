package slackbot

import (
	"strings"
	"testing"
	"time"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// Who may use the bot (CONTRACT §2): people of its own organisation only,
// guests only when listed by ID, and nobody Slack cannot say anything of.

const (
	otherTeam = "T0OTHERORG" // a Slack Connect partner's workspace
	outsider  = "U0PARTNER"  // someone of it, in a shared channel
	guest     = "U0GUEST"
)

// press sends a button press by user of team (user.team_id, as Slack
// sends it) and waits for its ack.
func (h *harness) pressAs(user, team, actionID, blockID, value string) {
	h.t.Helper()
	id := h.slack.Interactive(map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": fakeslack.TeamID},
		"user":         map[string]any{"id": user, "team_id": team},
		"channel":      map[string]any{"id": room},
		"response_url": h.slack.ResponseURL("press-" + actionID + "-" + user),
		"container":    map[string]any{"type": "message", "is_ephemeral": true},
		"actions":      []map[string]any{{"type": "button", "action_id": actionID, "block_id": blockID, "value": value}},
	}, 0)
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		h.t.Fatal(err)
	}
}

// mentionAs sends "@resendbot resend …" by user of team (user_team).
func (h *harness) mentionAs(user, team, text string) {
	h.t.Helper()
	h.slack.EventsAPI(map[string]any{"type": "app_mention", "user": user, "user_team": team, "source_team": team,
		"channel": room, "ts": "1700000009.000100", "text": "<@" + fakeslack.BotUserID + "> " + text}, fakeslack.EventOpts{})
}

// ephemeralSays waits for a chat.postEphemeral to user containing want.
func (h *harness) ephemeralSays(user, want string) {
	h.t.Helper()
	if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, e := range s.Ephemerals {
			if e.User == user && strings.Contains(e.Text, want) {
				return true
			}
		}
		return false
	}, wait); err != nil {
		h.t.Errorf("%s was not told %q: %v", user, want, err)
	}
}

// homeSays opens user's App Home and returns what it shows.
func (h *harness) homeSays(user string) string {
	h.t.Helper()
	before := len(h.slack.Calls("views.publish"))
	h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": user, "channel": "D2", "tab": "home"}, fakeslack.EventOpts{})
	views, err := h.slack.WaitCalls("views.publish", before+1, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	return views[before].Form.Get("view")
}

// Someone of another organisation is refused on every entry point, even
// when RESEND_ALLOWED_USERS names them: as users.info says (their own
// team_id, is_stranger) and as the payload says (user_team,
// user.team_id).
func TestPeopleOfAnotherOrganisationAreRefusedEverywhere(t *testing.T) {
	const refused = "belong to another one"
	s := fakeslack.New(t)
	s.SetUser(fakeslack.User{ID: outsider, TeamID: otherTeam, Stranger: true})
	h := startOn(t, confirming(map[string]string{"RESEND_ALLOWED_USERS": agent + "," + outsider}), s, frontpaytest.NewServer(t), bot.State{})

	// What agent leaves for others to press: a Retry, an offer, a confirmation.
	h.fp.SetAnswer(uuidA, frontpaytest.ServerFailure())
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	h.fp.SetDetails(uuidOther, frontpaytest.SampleDetails(uuidOther))
	_, reply := h.thread2(agent, uuidA+" email="+emailOnFile)
	offer := offerButtons(t, h.answered(h.slash(agent, uuidOther)))
	_, choices := h.asked(0, agent, uuidOther+" email="+emailTypo)
	calls := h.fp.Calls()

	h.refused(outsider, uuidA+" email=kari@example.com", refused)
	h.refused(outsider, "status "+uuidA, refused)
	h.refused(outsider, "", refused) // the form does not open
	if n := len(s.Calls("views.open")); n != 0 {
		t.Errorf("views.open calls = %d: the form opened for someone of another organisation", n)
	}
	h.mentionAs(outsider, otherTeam, "resend "+uuidA+" email=kari@example.com")
	h.ephemeralSays(outsider, refused)

	// A member of this workspace by users.info, writing as another
	// organisation's (the payload says so), is refused too.
	for _, press := range []struct{ action, block, value string }{
		{actionRetry, blockRetry, retryButton(t, reply)},
		{actionOffer + "_0", "resend_offer_actions", offer["Both"]},
		{choices[0].actionID, blockConfirm, choices[0].value}, // send to the typed one
	} {
		h.pressAs(agent2, otherTeam, press.action, press.block, press.value)
		h.pressAs(outsider, otherTeam, press.action, press.block, press.value)
	}
	if _, err := s.WaitFor(func(s fakeslack.Snapshot) bool {
		n := 0
		for _, p := range s.ResponseURLPosts {
			if strings.HasPrefix(p.ID, "press-") && strings.Contains(p.Text, refused) {
				n++
			}
		}
		return n == 6
	}, wait); err != nil {
		t.Errorf("six presses by people of another organisation were not all refused: %v", err)
	}
	metadata := `{"channel":"` + room + `","response_url":"` + s.ResponseURL("form-outsider") + `"}`
	if p := h.submitForm(outsider, metadata, uuidA, "kari@example.com", ""); len(p) != 0 && string(p) != "null" {
		t.Errorf("form ack %s", p)
	}
	if home := h.homeSays(outsider); !strings.Contains(home, refused) || strings.Contains(home, "latest resends") {
		t.Errorf("App Home of someone of another organisation: %s", home)
	}
	if n := h.fp.Calls(); n != calls {
		t.Errorf("front payment calls = %d, want still %d", n, calls)
	}
	// The buttons still work for agent, of this organisation.
	h.pressAs(agent, fakeslack.TeamID, choices[0].actionID, blockConfirm, choices[0].value)
	if _, err := s.WaitFor(func(fakeslack.Snapshot) bool { return len(h.resends()) == 2 }, wait); err != nil {
		t.Errorf("agent's own confirmation was not sent: %v", err)
	}
	for _, l := range h.auditLines() {
		if l["user"] == outsider && l["outcome"] == "refused" && l["reason"] != bot.ReasonOutsider {
			t.Errorf("audit line %v, want reason %s", l, bot.ReasonOutsider)
		}
	}
}

// Guests, single- or multi-channel, are refused unless listed by ID.
func TestGuestsAreRefusedUnlessListedByID(t *testing.T) {
	const refused = "Guests in this Slack"
	s := fakeslack.New(t)
	s.SetUser(fakeslack.User{ID: guest, Restricted: true})
	s.SetUser(fakeslack.User{ID: "U0SINGLE", Restricted: true, UltraRestricted: true})
	h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
	h.refused(guest, uuidA+" email=kari@example.com", refused)
	h.refused("U0SINGLE", uuidA+" email=kari@example.com", refused)
	h.refused(guest, "", refused)
	if n := len(s.Calls("views.open")); n != 0 {
		t.Errorf("the form opened for a guest")
	}
	h.sent(agent, uuidA+" email=kari@example.com")

	s = fakeslack.New(t)
	s.SetUser(fakeslack.User{ID: guest, UltraRestricted: true})
	h = startOn(t, map[string]string{"RESEND_ALLOWED_USERS": guest + "," + agent}, s, frontpaytest.NewServer(t), bot.State{})
	h.sent(guest, uuidOther+" email=kari@example.com")
}

// When users.info cannot be read, only people listed by ID get in; the
// others are told that who may resend cannot be checked right now.
func TestWhenSlackCannotSayWhoSomeoneIsOnlyListedPeopleGetIn(t *testing.T) {
	for _, fault := range []fakeslack.Fault{
		{SlackError: "internal_error"},
		{HTTPStatus: 429, RetryAfter: 30},
		{SlackError: "missing_scope"},
	} {
		for _, listed := range []string{"", agent} {
			s := fakeslack.New(t)
			h := startOn(t, map[string]string{"RESEND_ALLOWED_USERS": listed}, s, frontpaytest.NewServer(t), bot.State{})
			s.FailNext(fakeslack.MethodUsersInfo, -1, fault)
			if listed != "" {
				h.sent(agent, uuidA+" email=kari@example.com")
				continue
			}
			h.refused(agent, uuidA+" email=kari@example.com", "can't check who may resend right now")
			waitForSeries(t, h, "resendbot_users_info_failures_total", func(v string) bool { return v != "0" })
		}
	}
}

// users.info is read once per person for minutes, not per request.
func TestWhoSomeoneIsIsReadOnceForMinutes(t *testing.T) {
	s := fakeslack.New(t)
	h := startOn(t, map[string]string{"RESEND_COOLDOWN": "0"}, s, frontpaytest.NewServer(t), bot.State{})
	h.sent(agent, uuidA+" email=kari@example.com")
	h.sent(agent, uuidA+" email=kari@example.com")
	if n := len(s.Calls(fakeslack.MethodUsersInfo)); n != 1 {
		t.Errorf("users.info calls = %d for two requests, want 1", n)
	}
	// A guest now: after the cache's minutes the bot knows.
	s.SetUser(fakeslack.User{ID: agent, Restricted: true})
	h.later.Store(int64(11 * time.Minute))
	h.refused(agent, uuidA+" email=kari@example.com", "Guests")
}

// On Enterprise Grid, people of another workspace of the same enterprise
// are of the organisation; people of another enterprise are not.
func TestEnterpriseGridIsOneOrganisation(t *testing.T) {
	s := fakeslack.New(t)
	s.SetEnterprise("E0GRID")
	s.SetUser(fakeslack.User{ID: agent2, TeamID: "T0SISTER", EnterpriseID: "E0GRID"})
	s.SetUser(fakeslack.User{ID: outsider, TeamID: otherTeam, EnterpriseID: "E0ELSE"})
	h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
	h.mentionAs(agent2, "T0SISTER", "resend "+uuidA+" email=kari@example.com")
	if _, err := s.WaitFor(func(fakeslack.Snapshot) bool { return len(h.resends()) == 1 }, wait); err != nil {
		t.Errorf("a colleague of a sister workspace was not let in: %v", err)
	}
	h.refused(outsider, uuidA+" email=kari@example.com", "belong to another one")
}

// "/resend" with no text opens the form only for people who may use it
// there; the others read why in the ack, and nothing opens.
func TestTheFormOpensOnlyForPeopleWhoMayUseIt(t *testing.T) {
	s := fakeslack.New(t)
	h := startOn(t, map[string]string{"RESEND_ALLOWED_USERS": agent, "RESEND_ALLOWED_CHANNELS": room}, s, frontpaytest.NewServer(t), bot.State{})
	h.refused(agent2, "", "not on the list")
	id := s.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: "C0ELSEWHERE"})
	if got := h.answerTo(id); !strings.Contains(got, "RESEND_ALLOWED_CHANNELS") {
		t.Errorf("form in a channel not allowed: ack %q", got)
	}
	if n := len(s.Calls("views.open")); n != 0 {
		t.Fatalf("views.open calls = %d, want none for people refused", n)
	}
	if got := h.command(agent, ""); got != "" {
		t.Errorf("the form's opener got %q", got)
	}
	if _, err := s.WaitCalls("views.open", 1, wait); err != nil {
		t.Errorf("the form did not open for someone allowed: %v", err)
	}
}

// Someone Slack is slow to describe (users.info) holds up nobody else: the
// Socket Mode loop does not wait for the read, so a known colleague's
// command is acknowledged and handled meanwhile; theirs is acknowledged at
// once too, and handled once the read is done.
func TestASlowUsersInfoHoldsUpNobodyElse(t *testing.T) {
	s := fakeslack.New(t)
	h := startOn(t, map[string]string{"RESEND_COOLDOWN": "0"}, s, frontpaytest.NewServer(t), bot.State{})
	h.sent(agent, uuidA+" email=kari@example.com") // agent is known from now on
	s.FailNext(fakeslack.MethodUsersInfo, 1, fakeslack.Fault{Delay: 700 * time.Millisecond})
	slow := s.SlashCommand(fakeslack.SlashCommand{UserID: agent2, ChannelID: room, Text: uuidA + " email=ola@example.com"})
	quick := s.SlashCommand(fakeslack.SlashCommand{UserID: agent, ChannelID: room, Text: "help"})
	if _, err := s.WaitAck(quick, wait); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(slow, wait); err != nil {
		t.Fatalf("the envelope that waits for users.info was not acknowledged: %v", err)
	}
	if _, err := s.WaitFor(func(fakeslack.Snapshot) bool { return len(h.resends()) == 2 }, wait); err != nil {
		t.Errorf("the slowly described colleague's resend was not sent: %v", err)
	}
}

// A command from someone Slack has not described yet is acknowledged at
// once, not after users.info: users.info here answers only after the
// test's own deadline. Its answer, once the bot knows who asked, comes
// through the command's response_url; one still waiting at shutdown is
// told nothing was sent.
func TestACommandIsAcknowledgedBeforeSlackSaysWhoSentIt(t *testing.T) {
	s := fakeslack.New(t)
	h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
	s.FailNext(fakeslack.MethodUsersInfo, 1, fakeslack.Fault{Delay: 3 * wait})
	id := s.SlashCommand(fakeslack.SlashCommand{UserID: agent2, ChannelID: room, Text: "help"})
	ack, err := s.WaitAck(id, wait)
	if err != nil {
		t.Fatalf("the command waited for users.info: %v", err)
	}
	if got := ackText(t, ack.Payload); got != "" {
		t.Errorf("early ack says %q, want nothing yet", got)
	}
	h.stop()
	h.responseURLSays("Nothing was sent: resendbot was restarting")
	if n := h.fp.Calls(); n != 0 {
		t.Errorf("Front Payment calls = %d, want none", n)
	}
}

// A 429 from users.info is honoured: Slack is not asked about that person
// again before its Retry-After, and meanwhile they are told the bot can't
// check; after it, they are read again and let in.
func TestUsersInfoRateLimitIsHonoured(t *testing.T) {
	s := fakeslack.New(t)
	h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
	s.FailNext(fakeslack.MethodUsersInfo, 1, fakeslack.Fault{RetryAfter: 60})
	h.refused(agent, uuidA+" email=kari@example.com", "can't check who may resend right now")
	h.later.Store(int64(45 * time.Second))
	h.refused(agent, uuidA+" email=kari@example.com", "can't check who may resend right now")
	if n := len(s.Calls(fakeslack.MethodUsersInfo)); n != 1 {
		t.Errorf("users.info calls = %d within its Retry-After, want 1", n)
	}
	h.later.Store(int64(61 * time.Second))
	h.sent(agent, uuidA+" email=kari@example.com")
}

// The global shortcut refuses people of another organisation and guests
// before its form opens: the view says why and holds no form. (The message
// shortcut and the workflow step: TestMessageShortcutRefusedBeforeTheFormOpens,
// TestWorkflowStepFailsWithTheCallersWords.)
func TestOutsidersAndGuestsAreRefusedAtTheGlobalShortcut(t *testing.T) {
	for _, c := range []struct {
		name, user, refused string
	}{
		{"another organisation", outsider, "belong to another one"},
		{"a guest", guest, "Guests in this Slack"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := fakeslack.New(t)
			s.SetUser(fakeslack.User{ID: outsider, TeamID: otherTeam, Stranger: true})
			s.SetUser(fakeslack.User{ID: guest, Restricted: true})
			h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
			s.GlobalShortcut(fakeslack.GlobalShortcut{CallbackID: shortcutGlobal, UserID: c.user})
			if v := h.openedForm(1); v.Submit != nil || v.element(formReservation) != nil || !strings.Contains(v.text(), c.refused) {
				t.Errorf("global shortcut's view %+v, want %q and no form", v, c.refused)
			}
		})
	}
}
