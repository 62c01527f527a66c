package fakeslack

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// users.info answers as Slack documents it: the user object with team_id,
// is_restricted / is_ultra_restricted for guests, is_stranger and the
// other organisation's team_id for someone of another one, and
// enterprise_user on Enterprise Grid; user_not_found for nobody; and the
// scope users:read.
func TestUsersInfo(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	ctx := context.Background()

	u, err := api.GetUserInfoContext(ctx, "U0ANYONE")
	if err != nil || u.ID != "U0ANYONE" || u.TeamID != TeamID || u.IsRestricted || u.IsUltraRestricted || u.IsStranger || u.Enterprise.EnterpriseID != "" {
		t.Fatalf("a member: %+v, %v", u, err)
	}
	s.SetUser(User{ID: "U0MULTI", Restricted: true})
	s.SetUser(User{ID: "U0SINGLE", UltraRestricted: true})
	s.SetUser(User{ID: "U0PARTNER", TeamID: "T0OTHER", Stranger: true})
	if u, _ := api.GetUserInfoContext(ctx, "U0MULTI"); !u.IsRestricted || u.IsUltraRestricted {
		t.Errorf("multi-channel guest: %+v", u)
	}
	// A single-channel guest is restricted too ("is_ultra_restricted …
	// indicates whether or not the user is a single-channel guest").
	if u, _ := api.GetUserInfoContext(ctx, "U0SINGLE"); !u.IsRestricted || !u.IsUltraRestricted {
		t.Errorf("single-channel guest: %+v", u)
	}
	if u, _ := api.GetUserInfoContext(ctx, "U0PARTNER"); !u.IsStranger || u.TeamID != "T0OTHER" {
		t.Errorf("someone of another organisation: %+v", u)
	}
	_, m := rawCall(t, s, MethodUsersInfo, url.Values{"user": {"U0ANYONE"}})
	if _, ok := m["user"].(map[string]any)["is_stranger"]; ok {
		t.Errorf("is_stranger on a member: %v", m)
	}

	s.RemoveUser("U0GONE")
	_, err = api.GetUserInfoContext(ctx, "U0GONE")
	wantSlackErr(t, err, "user_not_found", "")

	s.SetEnterprise("E0GRID")
	if u, _ := api.GetUserInfoContext(ctx, "U0ANYONE"); u.Enterprise.EnterpriseID != "E0GRID" {
		t.Errorf("a member on Enterprise Grid: %+v", u.Enterprise)
	}
	if u, _ := api.GetUserInfoContext(ctx, "U0PARTNER"); u.Enterprise.EnterpriseID != "" {
		t.Errorf("another organisation's member in ours: %+v", u.Enterprise)
	}
	at, err := api.AuthTestContext(ctx)
	if err != nil || at.TeamID != TeamID || at.EnterpriseID != "E0GRID" {
		t.Fatalf("auth.test on Enterprise Grid: %+v, %v", at, err)
	}

	s.SetScopes("commands", "chat:write")
	_, err = api.GetUserInfoContext(ctx, "U0ANYONE")
	wantSlackErr(t, err, "missing_scope", "")
}

// subteam_members_changed as the reference page writes it, counts as
// strings: slack-go cannot decode it.
func TestSubteamCountsAsTheReferencePageWritesThem(t *testing.T) {
	s, _ := userGroupsFake(t)
	startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	s.SetSubteamCountsAsStrings(true)
	id := s.SendSubteamMembersChanged("S0AGENTS", []string{"U2", "U3", "U4", "U5"}, EventOpts{})
	env, _ := s.Envelope(id)
	var wire struct {
		Event map[string]json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(env.Payload, &wire); err != nil {
		t.Fatal(err)
	}
	if string(wire.Event["added_users_count"]) != `"3"` || string(wire.Event["removed_users_count"]) != `"1"` {
		t.Fatalf("counts = %s, %s; want \"3\", \"1\"", wire.Event["added_users_count"], wire.Event["removed_users_count"])
	}
	if _, err := slackevents.ParseEvent(env.Payload, slackevents.OptionNoVerifyToken()); err == nil {
		t.Error("slack-go decoded the reference page's string counts; the bot's test of them proves nothing")
	}
}

// An interaction payload carries the person's own workspace, as Slack
// always sends it: user.team_id is TeamID unless the test says another.
func TestInteractionsCarryTheUsersTeam(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{TeamID, "T0OTHER"} {
		user := map[string]any{"id": "U1"}
		if want != TeamID {
			user["team_id"] = want
		}
		s.Interactive(map[string]any{"type": "block_actions", "user": user}, 0)
		cb := c.next(t, "interactive").Data.(slack.InteractionCallback)
		if cb.User.TeamID != want || cb.Team.ID != TeamID {
			t.Errorf("user.team_id = %q, team = %q; want %q, %q", cb.User.TeamID, cb.Team.ID, want, TeamID)
		}
	}
}
