package slackbot

import (
	"strings"
	"testing"

	"resendbot/bot/internal/fakeslack"
)

// Someone outside several allowed groups is told them as the language
// lists them: "@a eller @b", never "@a, @b" (nb review, L11).
func TestGroupsAreListedWithOr(t *testing.T) {
	s := withSupportGroup(t, agent)
	s.AddUserGroup(fakeslackGroup("S0PAYMENTS", "payments"))
	h := startWithGroups(t, s, map[string]string{"RESEND_LANGUAGE": "nb", "RESEND_ALLOWED_USERGROUPS": "@support-agents, @payments"})
	got := h.command(agent2, uuidA+" email=kari@example.com")
	if !strings.Contains(got, "Bare medlemmer av @payments eller @support-agents har lov til") {
		t.Errorf("a non-member of two groups was told %q", got)
	}
}

func fakeslackGroup(id, handle string) fakeslack.UserGroup {
	return fakeslack.UserGroup{ID: id, Handle: handle, Name: handle}
}
