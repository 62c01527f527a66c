package fakeslack

import "strings"

// People, as Slack's Web API documents them: users.info ("Gets
// information about a user"; scope users:read) answers {"ok":true,
// "user":{…}} with the user object: "id", "team_id", "name", "deleted",
// "real_name", "tz", "is_admin", "is_owner", "is_primary_owner",
// "is_restricted" (a multi-channel guest), "is_ultra_restricted" (a
// single-channel guest), "is_bot", "is_app_user", "updated", "profile",
// and, on Enterprise Grid, "enterprise_user" {"id", "enterprise_id",
// "enterprise_name", "is_admin", "is_owner", "teams"}; a person of another
// organisation seen through a shared channel carries their own team_id
// and "is_stranger": true. Its errors include user_not_found ("Value
// passed for user was invalid.") and user_not_visible.

// Users the fake serves.
const (
	MethodUsersInfo = "users.info"
	// ScopeUsersRead is what users.info needs: "Bot token: users:read".
	ScopeUsersRead = "users:read"
)

// User is a person as users.info describes them. A user ID the fake was
// told nothing of is a full member of TeamID.
type User struct {
	ID string
	// TeamID is their own workspace; default TeamID.
	TeamID string
	// EnterpriseID is their Enterprise Grid organisation (enterprise_user),
	// "" for none.
	EnterpriseID string
	// Restricted is a multi-channel guest, UltraRestricted a
	// single-channel one.
	Restricted, UltraRestricted bool
	// Stranger is someone of another organisation (is_stranger).
	Stranger bool
}

// SetUser adds or replaces u.
func (s *Server) SetUser(u User) {
	if u.TeamID == "" {
		u.TeamID = TeamID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	delete(s.noUsers, u.ID)
}

// RemoveUser makes users.info answer user_not_found for id.
func (s *Server) RemoveUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
	s.noUsers[id] = true
}

// SetEnterprise puts the fake's workspace in Enterprise Grid organisation
// id: auth.test answers it as enterprise_id, and users of TeamID carry it
// in enterprise_user. "" (the default) is a workspace of its own.
func (s *Server) SetEnterprise(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enterprise = id
}

func (s *Server) authTest() answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := map[string]any{
		"url": "https://fake.slack.com/", "team": "Fake", "user": "resendbot",
		"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID, "is_enterprise_install": false,
	}
	if s.enterprise != "" {
		body["enterprise_id"] = s.enterprise
	}
	return okAnswer(body)
}

func (s *Server) usersInfo(call Call) answer {
	id := call.Form.Get("user")
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" || s.noUsers[id] {
		return errAnswer("user_not_found")
	}
	u, ok := s.users[id]
	if !ok {
		u = &User{ID: id, TeamID: TeamID}
	}
	name := strings.ToLower(id)
	user := map[string]any{
		"id": id, "team_id": u.TeamID, "name": name, "deleted": false, "real_name": name,
		"tz": "Europe/Oslo", "is_admin": false, "is_owner": false, "is_primary_owner": false,
		"is_restricted": u.Restricted || u.UltraRestricted, "is_ultra_restricted": u.UltraRestricted,
		"is_bot": false, "is_app_user": false, "updated": 1700000000,
		"profile": map[string]any{"real_name": name, "display_name": name, "team": u.TeamID},
	}
	if u.Stranger {
		user["is_stranger"] = true
	}
	enterprise := u.EnterpriseID
	if enterprise == "" && u.TeamID == TeamID {
		enterprise = s.enterprise
	}
	if enterprise != "" {
		user["enterprise_user"] = map[string]any{"id": id, "enterprise_id": enterprise, "enterprise_name": "Fake Grid",
			"is_admin": false, "is_owner": false, "teams": []string{u.TeamID}}
	}
	return okAnswer(map[string]any{"user": user})
}
