package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
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
