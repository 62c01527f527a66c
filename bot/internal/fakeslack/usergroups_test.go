package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func userGroupsFake(t *testing.T) (*Server, *slack.Client) {
	t.Helper()
	s := New(t)
	s.AddUserGroup(UserGroup{
		ID: "S0AGENTS", Handle: "support-agents", Name: "Support agents",
		Description: "The people who resend links", Users: []string{"U1", "U2"},
		DateCreate: 1700000000,
	})
	s.AddUserGroup(UserGroup{ID: "S0EMPTY", Handle: "nobody", Name: "Nobody"})
	s.AddUserGroup(UserGroup{ID: "S0OLD", Handle: "old-agents", Name: "Old agents", Users: []string{"U9"}, Disabled: true})
	return s, slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
}

func ids(gs []slack.UserGroup) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

// rawCall posts form to method with the bot token and decodes the answer.
func rawCall(t *testing.T, s *Server, method string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+BotToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s answered %q: %v", method, b, err)
	}
	return resp.StatusCode, m
}

func TestUserGroupsList(t *testing.T) {
	s, api := userGroupsFake(t)
	ctx := context.Background()

	// Without options: the enabled groups, with neither users nor a count.
	gs, err := api.GetUserGroupsContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(gs); !slices.Equal(got, []string{"S0AGENTS", "S0EMPTY"}) {
		t.Fatalf("groups = %v", got)
	}
	g := gs[0]
	if g.Handle != "support-agents" || g.Name != "Support agents" || g.Description != "The people who resend links" ||
		g.TeamID != TeamID || !g.IsUserGroup || g.IsExternal || g.DateCreate != 1700000000 || g.DateDelete != 0 ||
		g.Users != nil || g.UserCount != 0 {
		t.Fatalf("group = %+v", g)
	}

	// include_users and include_count.
	gs, err = api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true), slack.GetUserGroupsOptionIncludeCount(true))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gs[0].Users, []string{"U1", "U2"}) || gs[0].UserCount != 2 {
		t.Fatalf("with users: %+v", gs[0])
	}
	if gs[1].Users == nil || len(gs[1].Users) != 0 || gs[1].UserCount != 0 {
		t.Fatalf("empty group with users: %+v", gs[1])
	}

	// include_disabled adds the disabled group, with its date_delete.
	gs, err = api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeDisabled(true))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(gs); !slices.Equal(got, []string{"S0AGENTS", "S0EMPTY", "S0OLD"}) || gs[2].DateDelete == 0 {
		t.Fatalf("with disabled = %v, %+v", got, gs[2])
	}

	// The raw answer has the documented fields and no pagination.
	_, m := rawCall(t, s, MethodUserGroupsList, url.Values{})
	if _, ok := m["response_metadata"]; ok {
		t.Fatalf("usergroups.list does not paginate, got %v", m["response_metadata"])
	}
	first := m["usergroups"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "team_id", "is_usergroup", "name", "description", "handle", "is_external",
		"date_create", "date_update", "date_delete", "auto_type", "created_by", "updated_by", "deleted_by", "prefs"} {
		if _, ok := first[k]; !ok {
			t.Errorf("usergroup lacks %q: %v", k, first)
		}
	}
	for _, k := range []string{"users", "user_count"} {
		if _, ok := first[k]; ok {
			t.Errorf("usergroup has %q without asking: %v", k, first)
		}
	}

	// A removed group is gone; members set quietly show at once.
	s.RemoveUserGroup("S0EMPTY")
	s.SetUserGroupMembers("S0AGENTS", []string{"U3"})
	gs, err = api.GetUserGroupsContext(ctx, slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(gs); !slices.Equal(got, []string{"S0AGENTS"}) || !slices.Equal(gs[0].Users, []string{"U3"}) {
		t.Fatalf("after changes = %v %+v", got, gs)
	}
}

func TestUserGroupCountAsDocumentedString(t *testing.T) {
	// usergroups.list's documented example writes "user_count": "2";
	// slack-go v0.35.0 cannot read that.
	s, api := userGroupsFake(t)
	s.SetUserGroupCountsAsStrings(true)
	_, err := api.GetUserGroupsContext(context.Background(), slack.GetUserGroupsOptionIncludeCount(true))
	var ute *json.UnmarshalTypeError
	if !errors.As(err, &ute) {
		t.Fatalf("err = %T %v, want a JSON type error on user_count", err, err)
	}
	_, m := rawCall(t, s, MethodUserGroupsList, url.Values{"include_count": {"true"}})
	if c := m["usergroups"].([]any)[0].(map[string]any)["user_count"]; c != "2" {
		t.Fatalf("user_count = %#v", c)
	}
}

func TestUserGroupMembers(t *testing.T) {
	s, api := userGroupsFake(t)
	ctx := context.Background()

	users, err := api.GetUserGroupMembersContext(ctx, "S0AGENTS")
	if err != nil || !slices.Equal(users, []string{"U1", "U2"}) {
		t.Fatalf("members = %v, %v", users, err)
	}
	users, err = api.GetUserGroupMembersContext(ctx, "S0EMPTY")
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("empty members = %#v, %v", users, err)
	}

	// Unknown, and disabled without include_disabled: no_such_subteam.
	for _, id := range []string{"S0NOPE", "S0OLD"} {
		_, err = api.GetUserGroupMembersContext(ctx, id)
		wantSlackErr(t, err, "no_such_subteam", "")
	}
	users, err = api.GetUserGroupMembersContext(ctx, "S0OLD", slack.GetUserGroupMembersOptionIncludeDisabled(true))
	if err != nil || !slices.Equal(users, []string{"U9"}) {
		t.Fatalf("disabled members = %v, %v", users, err)
	}
	s.SetUserGroupDisabled("S0OLD", false)
	if _, err = api.GetUserGroupMembersContext(ctx, "S0OLD"); err != nil {
		t.Fatalf("re-enabled: %v", err)
	}
	s.RemoveUserGroup("S0OLD")
	_, err = api.GetUserGroupMembersContext(ctx, "S0OLD", slack.GetUserGroupMembersOptionIncludeDisabled(true))
	wantSlackErr(t, err, "no_such_subteam", "")

	// usergroup is required.
	_, err = api.GetUserGroupMembersContext(ctx, "")
	wantSlackErr(t, err, "invalid_arguments", "")

	// No pagination in the answer.
	_, m := rawCall(t, s, MethodUserGroupsUsersList, url.Values{"usergroup": {"S0AGENTS"}})
	if _, ok := m["response_metadata"]; ok || m["ok"] != true {
		t.Fatalf("answer = %v", m)
	}
}

func TestUserGroupsMissingScope(t *testing.T) {
	s, api := userGroupsFake(t)
	ctx := context.Background()
	s.SetScopes("commands", "chat:write", "app_mentions:read")

	_, err := api.GetUserGroupsContext(ctx)
	wantSlackErr(t, err, "missing_scope", "")
	_, err = api.GetUserGroupMembersContext(ctx, "S0AGENTS")
	wantSlackErr(t, err, "missing_scope", "")

	for _, method := range []string{MethodUserGroupsList, MethodUserGroupsUsersList} {
		status, m := rawCall(t, s, method, url.Values{"usergroup": {"S0AGENTS"}})
		if status != http.StatusOK || m["ok"] != false || m["error"] != "missing_scope" ||
			m["needed"] != "usergroups:read" || m["provided"] != "commands,chat:write,app_mentions:read" {
			t.Fatalf("%s: %d %v", method, status, m)
		}
	}
	// Other methods do not check scopes.
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}
	// A handler does not get around it either.
	s.Handle(MethodUserGroupsList, func(Call) any { return map[string]any{"ok": true, "usergroups": []any{}} })
	_, err = api.GetUserGroupsContext(ctx)
	wantSlackErr(t, err, "missing_scope", "")

	s.SetScopes(DefaultBotScopes...)
	if _, err := api.GetUserGroupMembersContext(ctx, "S0AGENTS"); err != nil {
		t.Fatal(err)
	}
	calls := s.Snapshot().CallsTo(MethodUserGroupsUsersList)
	if len(calls) != 3 || calls[0].Error != "missing_scope" || calls[2].Error != "" {
		t.Fatalf("calls = %+v", calls)
	}
}

func TestUserGroupsUnavailable(t *testing.T) {
	s, api := userGroupsFake(t)
	ctx := context.Background()
	for _, code := range []string{ErrPlanUpgradeRequired, ErrPaidTeamsOnly} {
		s.SetUserGroupsUnavailable(code)
		_, err := api.GetUserGroupsContext(ctx)
		wantSlackErr(t, err, code, "")
		_, err = api.GetUserGroupMembersContext(ctx, "S0AGENTS")
		wantSlackErr(t, err, code, "")
	}
	// A missing scope is told before the plan.
	s.SetScopes("chat:write")
	_, err := api.GetUserGroupsContext(ctx)
	wantSlackErr(t, err, "missing_scope", "")
	s.SetScopes(DefaultBotScopes...)

	s.SetUserGroupsUnavailable("")
	if _, err := api.GetUserGroupsContext(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestUserGroupsRateLimited(t *testing.T) {
	s, api := userGroupsFake(t)
	ctx := context.Background()
	s.FailNext(MethodUserGroupsList, 1, RateLimited(7))
	s.FailNext(MethodUserGroupsUsersList, 1, RateLimited(3))

	_, err := api.GetUserGroupsContext(ctx)
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("list err = %T %v", err, err)
	}
	_, err = api.GetUserGroupMembersContext(ctx, "S0AGENTS")
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("members err = %T %v", err, err)
	}
	// The fault is used up; the next calls answer.
	if _, err := api.GetUserGroupsContext(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S0AGENTS"); err != nil {
		t.Fatal(err)
	}
	calls := s.Snapshot().CallsTo(MethodUserGroupsList)
	if len(calls) != 2 || !calls[0].Faulted || calls[0].Status != http.StatusTooManyRequests || calls[1].Faulted {
		t.Fatalf("calls = %+v", calls)
	}
}

func nextInner(t *testing.T, c *botClient) (slackevents.EventsAPIEvent, string) {
	t.Helper()
	evt := c.next(t, socketmode.EventTypeEventsAPI)
	ev := evt.Data.(slackevents.EventsAPIEvent)
	if ev.Type != slackevents.CallbackEvent {
		t.Fatalf("event = %+v", ev)
	}
	return ev, evt.Request.EnvelopeID
}

func TestSubteamEvents(t *testing.T) {
	s, api := userGroupsFake(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	before, _ := s.UserGroup("S0AGENTS")

	// subteam_members_changed: the delta, and the fake's state follows.
	id := s.SendSubteamMembersChanged("S0AGENTS", []string{"U2", "U3", "U4"}, EventOpts{EventID: "EvMembers"})
	ev, envID := nextInner(t, c)
	if envID != id || ev.Data.(*slackevents.EventsAPICallbackEvent).EventID != "EvMembers" {
		t.Fatalf("envelope %s / %+v", envID, ev.Data)
	}
	mc, ok := ev.InnerEvent.Data.(*slackevents.SubteamMembersChangedEvent)
	if !ok {
		t.Fatalf("inner = %#v", ev.InnerEvent.Data)
	}
	if mc.Type != "subteam_members_changed" || mc.SubteamID != "S0AGENTS" || mc.TeamID != TeamID ||
		!slices.Equal(mc.AddedUsers, []string{"U3", "U4"}) || mc.AddedUsersCount != 2 ||
		!slices.Equal(mc.RemovedUsers, []string{"U1"}) || mc.RemovedUsersCount != 1 ||
		int64(mc.DatePreviousUpdate) != before.DateUpdate || mc.DateUpdate <= int64(mc.DatePreviousUpdate) {
		t.Fatalf("subteam_members_changed = %+v (before %+v)", mc, before)
	}
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
	users, err := api.GetUserGroupMembersContext(context.Background(), "S0AGENTS")
	if err != nil || !slices.Equal(users, []string{"U2", "U3", "U4"}) {
		t.Fatalf("members after = %v, %v", users, err)
	}
	after, _ := s.UserGroup("S0AGENTS")
	if after.DateUpdate != mc.DateUpdate {
		t.Fatalf("date_update %d, event said %d", after.DateUpdate, mc.DateUpdate)
	}
	// Nothing removed: empty lists, not null.
	env := s.Envelopes()
	id = s.SendSubteamMembersChanged("S0AGENTS", []string{"U2", "U3", "U4", "U5"}, EventOpts{})
	ev, _ = nextInner(t, c)
	mc = ev.InnerEvent.Data.(*slackevents.SubteamMembersChangedEvent)
	if !slices.Equal(mc.AddedUsers, []string{"U5"}) || mc.RemovedUsers == nil || mc.RemovedUsersCount != 0 {
		t.Fatalf("add only = %+v", mc)
	}
	raw, _ := s.Envelope(id)
	var wire struct {
		Event map[string]json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(raw.Payload, &wire); err != nil {
		t.Fatal(err)
	}
	if string(wire.Event["removed_users"]) != "[]" || string(wire.Event["added_users_count"]) != "1" || len(wire.Event["event_ts"]) == 0 {
		t.Fatalf("wire event = %v", wire.Event)
	}
	if len(s.Envelopes()) != len(env)+1 {
		t.Fatalf("envelopes")
	}

	// subteam_updated: the whole object, and the fake's state follows.
	id = s.SendSubteamUpdated(UserGroup{
		ID: "S0AGENTS", Handle: "agents", Name: "Agents", Description: "Renamed",
		Users: []string{"U7"}, UpdatedBy: "UADMIN",
	}, EventOpts{})
	ev, envID = nextInner(t, c)
	up, ok := ev.InnerEvent.Data.(*slackevents.SubteamUpdatedEvent)
	if !ok || envID != id {
		t.Fatalf("inner = %#v", ev.InnerEvent.Data)
	}
	st := up.Subteam
	if up.Type != "subteam_updated" || st.ID != "S0AGENTS" || st.TeamID != TeamID || !st.IsUsergroup ||
		st.Handle != "agents" || st.Name != "Agents" || st.Description != "Renamed" || st.UpdatedBy != "UADMIN" ||
		!slices.Equal(st.Users, []string{"U7"}) || st.UserCount != 1 || st.DateDelete != 0 || st.DateUpdate <= mc.DateUpdate {
		t.Fatalf("subteam_updated = %+v", up)
	}
	gs, err := api.GetUserGroupsContext(context.Background(), slack.GetUserGroupsOptionIncludeUsers(true))
	if err != nil || gs[0].Handle != "agents" || !slices.Equal(gs[0].Users, []string{"U7"}) {
		t.Fatalf("after update = %+v, %v", gs, err)
	}

	// Disabled through subteam_updated: date_delete set, gone from the list.
	big := make([]string, 600)
	for i := range big {
		big[i] = fmt.Sprintf("U%04d", i)
	}
	s.SendSubteamUpdated(UserGroup{ID: "S0AGENTS", Handle: "agents", Name: "Agents", Users: big, Disabled: true}, EventOpts{})
	ev, _ = nextInner(t, c)
	st = ev.InnerEvent.Data.(*slackevents.SubteamUpdatedEvent).Subteam
	if st.DateDelete == 0 || len(st.Users) != 500 || st.UserCount != 600 {
		t.Fatalf("disabled subteam: date_delete %d, %d users, user_count %d", st.DateDelete, len(st.Users), st.UserCount)
	}
	gs, err = api.GetUserGroupsContext(context.Background())
	if err != nil || slices.Contains(ids(gs), "S0AGENTS") {
		t.Fatalf("disabled still listed: %v, %v", ids(gs), err)
	}
}
