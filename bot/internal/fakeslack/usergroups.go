package fakeslack

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// User groups, as Slack's Web API documents them (usergroups.list,
// usergroups.users.list, the usergroup object, and the
// subteam_members_changed / subteam_updated events).
//
// Neither method paginates: their documented arguments are token,
// include_count / include_disabled / include_users (usergroups.list) and
// usergroup / include_disabled (usergroups.users.list), plus team_id for
// org-level tokens, and no cursor or limit; both answer the whole list in
// one response ("This method returns a list of all User Groups in the
// team"; "This method returns a list of all users within a User Group").
// So the fake takes no cursor and answers no response_metadata.next_cursor.
// (Slack's generated error tables for both methods do carry an
// "invalid_cursor" row, with no cursor argument to go with it; the fake does
// not invent one.)

// Methods the fake serves for user groups.
const (
	MethodUserGroupsList      = "usergroups.list"
	MethodUserGroupsUsersList = "usergroups.users.list"
)

// ScopeUserGroupsRead is the scope both methods need: "Scopes — Bot token:
// usergroups:read, User token: usergroups:read" (usergroups.list and
// usergroups.users.list).
const ScopeUserGroupsRead = "usergroups:read"

// Error codes a workspace without user groups answers with.
const (
	// ErrPlanUpgradeRequired is the documented one, for both methods:
	// "plan_upgrade_required — This workspace does not have access to User
	// Groups, as that feature is only available on Standard and above
	// plans."
	ErrPlanUpgradeRequired = "plan_upgrade_required"
	// ErrPaidTeamsOnly is the older code for the same refusal. It is not in
	// the current error tables of usergroups.list or usergroups.users.list,
	// but Slack has answered usergroups.* with it ("For a good old token,
	// paid_teams_only can be returned", slackapi/java-slack-sdk's usergroups
	// tests), and clients in the wild check for both.
	ErrPaidTeamsOnly = "paid_teams_only"
)

// DefaultBotScopes are the scopes the fake's bot token carries until
// SetScopes changes them: the app manifest's bot scopes (commands,
// chat:write, app_mentions:read, users:read, channels:read, groups:read)
// and usergroups:read.
var DefaultBotScopes = []string{"commands", "chat:write", "app_mentions:read", ScopeUsersRead, ScopeChannelsRead, ScopeGroupsRead, ScopeUserGroupsRead}

// methodScopes is the scope each method needs. Only the user group
// methods and users.info are checked so far; other methods answer whatever
// the scopes.
var methodScopes = map[string]string{
	MethodUserGroupsList:      ScopeUserGroupsRead,
	MethodUserGroupsUsersList: ScopeUserGroupsRead,
	MethodUsersInfo:           ScopeUsersRead,
}

// UserGroup is a user group (Slack's "usergroup" object, ID "S…") in the
// fake's workspace.
type UserGroup struct {
	ID          string // "S…"
	Handle      string // mention handle, e.g. "support-agents"
	Name        string
	Description string
	Users       []string // member user IDs, in order
	// Disabled groups answer only to include_disabled=true, with a non-zero
	// date_delete.
	Disabled bool
	// DateCreate, DateUpdate and DateDelete are Unix seconds. AddUserGroup
	// fills DateCreate and DateUpdate in when zero; DateDelete is set when
	// the group is disabled.
	DateCreate, DateUpdate, DateDelete int64
	CreatedBy, UpdatedBy               string // default "USLACKBOT"
}

func (g UserGroup) clone() UserGroup {
	g.Users = slices.Clone(g.Users)
	return g
}

// AddUserGroup adds g to the workspace, replacing any group with its ID.
// The test fails if g.ID does not start with "S".
func (s *Server) AddUserGroup(g UserGroup) {
	s.t.Helper()
	if !strings.HasPrefix(g.ID, "S") {
		s.t.Errorf("fakeslack: AddUserGroup: ID %q is not a user group ID (S…)", g.ID)
		return
	}
	now := time.Now().Unix()
	if g.DateCreate == 0 {
		g.DateCreate = now
	}
	if g.DateUpdate == 0 {
		g.DateUpdate = g.DateCreate
	}
	if g.CreatedBy == "" {
		g.CreatedBy = "USLACKBOT"
	}
	if g.UpdatedBy == "" {
		g.UpdatedBy = g.CreatedBy
	}
	if g.Disabled && g.DateDelete == 0 {
		g.DateDelete = g.DateUpdate
	}
	if !g.Disabled {
		g.DateDelete = 0
	}
	g = g.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userGroups[g.ID] = &g
	s.notifyLocked()
}

// UserGroup returns the group with that ID as the fake holds it now.
func (s *Server) UserGroup(id string) (UserGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.userGroups[id]
	if !ok {
		return UserGroup{}, false
	}
	return g.clone(), true
}

// SetUserGroupMembers replaces the members of group id quietly (no event;
// see SendSubteamMembersChanged for the change as Slack announces it) and
// bumps its date_update. The test fails for an unknown group.
func (s *Server) SetUserGroupMembers(id string, users []string) {
	s.t.Helper()
	s.changeUserGroup("SetUserGroupMembers", id, func(g *UserGroup) { g.Users = slices.Clone(users) })
}

// SetUserGroupDisabled disables (or re-enables) group id quietly. A
// disabled group is listed only with include_disabled=true and answers
// usergroups.users.list only with include_disabled=true.
func (s *Server) SetUserGroupDisabled(id string, disabled bool) {
	s.t.Helper()
	s.changeUserGroup("SetUserGroupDisabled", id, func(g *UserGroup) {
		g.Disabled = disabled
		g.DateDelete = 0
		if disabled {
			g.DateDelete = g.DateUpdate
		}
	})
}

// changeUserGroup bumps group id's date_update and applies change to it,
// quietly; the test fails (naming caller) for an unknown group.
func (s *Server) changeUserGroup(caller, id string, change func(*UserGroup)) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.userGroups[id]
	if !ok {
		s.t.Errorf("fakeslack: %s: no user group %s", caller, id)
		return
	}
	g.DateUpdate = s.nextDateUpdateLocked(g)
	change(g)
	s.notifyLocked()
}

// RemoveUserGroup takes group id out of the workspace altogether: from then
// on it is an unknown ID (no_such_subteam), even with include_disabled.
// Slack itself only disables groups (usergroups.disable); use
// SetUserGroupDisabled for that.
func (s *Server) RemoveUserGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.userGroups, id)
	s.notifyLocked()
}

// SetUserGroupsUnavailable makes the workspace one without user groups (a
// free plan): both methods answer {"ok":false,"error":code}. code is
// normally ErrPlanUpgradeRequired (documented) or ErrPaidTeamsOnly (older);
// "" makes user groups available again.
func (s *Server) SetUserGroupsUnavailable(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userGroupsRefusal = code
}

// SetUserGroupCountsAsStrings makes usergroups.list send user_count as a
// JSON string ("2"), as the method's documented example response does,
// instead of a number (7, as the usergroup object in the subteam_updated
// example has it). slack-go v0.35.0 decodes user_count into an int and
// fails on the string form; this lets a test show that.
func (s *Server) SetUserGroupCountsAsStrings(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userCountStrings = on
}

// SetSubteamCountsAsStrings makes subteam_members_changed carry
// added_users_count and removed_users_count as JSON strings ("3", "1"),
// exactly as the event's reference page shows them, instead of the numbers
// delivered events carry. slack-go v0.35.0 decodes them into ints and
// cannot decode such an envelope at all.
func (s *Server) SetSubteamCountsAsStrings(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deltaStrings = on
}

// SetScopes replaces the scopes the bot token was granted (default
// DefaultBotScopes). A method whose scope is missing answers Slack's
// missing_scope: "The token used is not granted the specific scope
// permissions required to complete this request." (usergroups.users.list
// errors), with the scope it needed and the token's scopes, comma-joined:
// {"ok":false,"error":"missing_scope","needed":"usergroups:read",
// "provided":"commands,chat:write"} (the needed and provided fields of
// @slack/web-api's response types).
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = slices.Clone(scopes)
}

// scopeAnswer returns the missing_scope answer for method, if the bot token
// lacks the scope it needs.
func (s *Server) scopeAnswer(method string) (answer, bool) {
	need, ok := methodScopes[method]
	if !ok {
		return answer{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.scopes, need) {
		return answer{}, false
	}
	a := errAnswer("missing_scope")
	body := a.body.(map[string]any)
	body["needed"] = need
	body["provided"] = strings.Join(s.scopes, ",")
	return a, true
}

// nextDateUpdateLocked is a date_update for a change now: now, but always
// after the last one, so that date_previous_update < date_update.
func (s *Server) nextDateUpdateLocked(g *UserGroup) int64 {
	return max(time.Now().Unix(), g.DateUpdate+1)
}

// formBool reads a boolean argument as Slack does: "true" or "1".
func formBool(f url.Values, key string) bool {
	v := f.Get(key)
	return v == "true" || v == "1"
}

// userGroupJSONLocked is the usergroup object, with the fields of the
// documented usergroups.list response: "id", "team_id", "is_usergroup",
// "name", "description", "handle", "is_external", "date_create",
// "date_update", "date_delete", "auto_type", "created_by", "updated_by",
// "deleted_by", "prefs", and "user_count" (with include_count) and "users"
// (with include_users).
func (s *Server) userGroupJSONLocked(g *UserGroup, withCount, withUsers bool) map[string]any {
	out := map[string]any{
		"id":           g.ID,
		"team_id":      TeamID,
		"is_usergroup": true,
		"name":         g.Name,
		"description":  g.Description,
		"handle":       g.Handle,
		"is_external":  false,
		"date_create":  g.DateCreate,
		"date_update":  g.DateUpdate,
		"date_delete":  g.DateDelete,
		"auto_type":    nil,
		"created_by":   g.CreatedBy,
		"updated_by":   g.UpdatedBy,
		"deleted_by":   nil,
		"prefs":        map[string]any{"channels": []string{}, "groups": []string{}},
	}
	if withCount {
		if s.userCountStrings {
			out["user_count"] = fmt.Sprint(len(g.Users))
		} else {
			out["user_count"] = len(g.Users)
		}
	}
	if withUsers {
		out["users"] = nonNil(g.Users)
	}
	return out
}

func nonNil(users []string) []string {
	if users == nil {
		return []string{}
	}
	return slices.Clone(users)
}

func (s *Server) dispatchUserGroups(method string, call Call) answer {
	f := call.Form
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userGroupsRefusal != "" {
		return errAnswer(s.userGroupsRefusal)
	}
	includeDisabled := formBool(f, "include_disabled")
	switch method {
	case MethodUserGroupsList:
		// "This method returns a list of all User Groups in the team. This
		// can optionally include disabled User Groups." "Returns a list of
		// usergroup objects, in no particular order." The fake lists them
		// by ID, so that tests do not depend on map order.
		ids := make([]string, 0, len(s.userGroups))
		for id, g := range s.userGroups {
			if !g.Disabled || includeDisabled {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		groups := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			groups = append(groups, s.userGroupJSONLocked(s.userGroups[id], formBool(f, "include_count"), formBool(f, "include_users")))
		}
		return okAnswer(map[string]any{"usergroups": groups})

	case MethodUserGroupsUsersList:
		id := f.Get("usergroup")
		if id == "" {
			// usergroup is "Required"; the method's error table has no
			// code for it missing, so the fake answers what Slack answers
			// a call lacking a required argument.
			return errAnswerMessages("invalid_arguments", []string{"[ERROR] missing required field: usergroup"})
		}
		g, ok := s.userGroups[id]
		// "no_such_subteam — No usergroup found with the given Id";
		// include_disabled: "Allow results that involve disabled User
		// Groups." Without it a disabled group is not found.
		if !ok || (g.Disabled && !includeDisabled) {
			return errAnswer("no_such_subteam")
		}
		// {"ok": true, "users": ["U060R4BJ4", "W123A4BC5"]}
		return okAnswer(map[string]any{"users": nonNil(g.Users)})
	}
	return errAnswer("unknown_method")
}

// maxSubteamUsers: subteam_updated "The users field is truncated at 500,
// however the user_count field will still show the actual count."
const maxSubteamUsers = 500

// SendSubteamMembersChanged sets the members of group id to users and
// delivers the subteam_members_changed event Slack sends for it ("sent to
// all connections for a workspace when users are added or removed from an
// existing User Group"; "this only shows the delta of added or removed
// members and does not include a snapshot of the User Group"). Its fields:
// subteam_id, team_id, date_previous_update (the group's date_update
// before), date_update, added_users, added_users_count, removed_users,
// removed_users_count, event_ts. The counts are numbers, as Slack delivers
// them (a delivered payload in rickeyski/slack-api#96 has
// "added_users_count": 1, "removed_users": [], "removed_users_count": 0)
// and as @slack/types declares them, although the reference page's example
// writes "3" and "1". It returns the envelope ID; the test fails for an
// unknown group.
func (s *Server) SendSubteamMembersChanged(id string, users []string, opts EventOpts) string {
	s.t.Helper()
	s.mu.Lock()
	g, ok := s.userGroups[id]
	if !ok {
		s.mu.Unlock()
		s.t.Errorf("fakeslack: SendSubteamMembersChanged: no user group %s", id)
		return ""
	}
	added := []string{}
	for _, u := range users {
		if !slices.Contains(g.Users, u) && !slices.Contains(added, u) {
			added = append(added, u)
		}
	}
	removed := []string{}
	for _, u := range g.Users {
		if !slices.Contains(users, u) {
			removed = append(removed, u)
		}
	}
	prev := g.DateUpdate
	g.Users = slices.Clone(users)
	g.DateUpdate = s.nextDateUpdateLocked(g)
	event := map[string]any{
		"type":                 "subteam_members_changed",
		"subteam_id":           g.ID,
		"team_id":              TeamID,
		"date_previous_update": prev,
		"date_update":          g.DateUpdate,
		"added_users":          added,
		"added_users_count":    len(added),
		"removed_users":        removed,
		"removed_users_count":  len(removed),
		"event_ts":             s.nextEventTSLocked(),
	}
	if s.deltaStrings {
		event["added_users_count"], event["removed_users_count"] = strconv.Itoa(len(added)), strconv.Itoa(len(removed))
	}
	s.notifyLocked()
	s.mu.Unlock()
	return s.EventsAPI(event, opts)
}

// SendSubteamUpdated replaces group g.ID's name, handle, description,
// members and disabled state with g's and delivers the subteam_updated
// event Slack sends for it, with the whole usergroup object as "subteam"
// ("sent to all connections for a workspace when an existing User Group is
// updated. This event is triggered for changes to the User Group
// information (name, description, or handle) as well as the members of the
// group"; "This event type may also arise when a subteam has been
// disabled."). The object is the reference example's: the usergroups.list
// fields plus is_subteam, auto_provision, enterprise_subteam_id, users
// (truncated at 500), user_count (the actual count) and channel_count. It
// returns the envelope ID; the test fails for an unknown group.
func (s *Server) SendSubteamUpdated(g UserGroup, opts EventOpts) string {
	s.t.Helper()
	s.mu.Lock()
	cur, ok := s.userGroups[g.ID]
	if !ok {
		s.mu.Unlock()
		s.t.Errorf("fakeslack: SendSubteamUpdated: no user group %s", g.ID)
		return ""
	}
	cur.Name, cur.Handle, cur.Description = g.Name, g.Handle, g.Description
	cur.Users = slices.Clone(g.Users)
	if g.UpdatedBy != "" {
		cur.UpdatedBy = g.UpdatedBy
	}
	cur.DateUpdate = s.nextDateUpdateLocked(cur)
	cur.Disabled = g.Disabled
	cur.DateDelete = 0
	if g.Disabled {
		cur.DateDelete = cur.DateUpdate
	}
	sub := s.userGroupJSONLocked(cur, false, false)
	sub["is_subteam"] = true
	sub["auto_provision"] = false
	sub["enterprise_subteam_id"] = ""
	users := nonNil(cur.Users)
	if len(users) > maxSubteamUsers {
		users = users[:maxSubteamUsers]
	}
	sub["users"] = users
	sub["user_count"] = len(cur.Users)
	sub["channel_count"] = 0
	event := map[string]any{
		"type":     "subteam_updated",
		"subteam":  sub,
		"event_ts": s.nextEventTSLocked(),
	}
	s.notifyLocked()
	s.mu.Unlock()
	return s.EventsAPI(event, opts)
}

// nextEventTSLocked is an event_ts ("1526332273.000322" in a delivered
// subteam_members_changed).
func (s *Server) nextEventTSLocked() string {
	s.eventTSSeq++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.eventTSSeq%1000000)
}
