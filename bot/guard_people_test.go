package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakePeople is what a Slack would say of people: by user ID, and an
// error for anyone not in it.
type fakePeople struct {
	home   Org
	people map[string]Person
}

func (f fakePeople) Home() Org { return f.home }

func (f fakePeople) Person(_ context.Context, user string) (Person, error) {
	p, ok := f.people[user]
	if !ok {
		return Person{}, errors.New("users.info: user_not_found")
	}
	return p, nil
}

// The guard's rule for who may use the bot, every case: the organisation
// (by payload and by users.info, Enterprise Grid included), guests,
// people Slack cannot describe, and the lists after them.
func TestWhoMayUseTheBot(t *testing.T) {
	home := Org{Team: "T1"}
	grid := Org{Team: "T1", Enterprise: "E1"}
	member := Person{Org: Org{Team: "T1"}}
	people := map[string]Person{
		"UMEMBER":  member,
		"UGUEST":   {Org: Org{Team: "T1"}, Guest: true},
		"UPARTNER": {Org: Org{Team: "T9"}, Stranger: true},
		"USISTER":  {Org: Org{Team: "T2", Enterprise: "E1"}},
		"UOTHERE":  {Org: Org{Team: "T3", Enterprise: "E3"}},
		"UNOTEAM":  {},
	}
	for _, c := range []struct {
		name  string
		home  Org
		users string // RESEND_ALLOWED_USERS
		o     Origin
		want  string // the refusal's reason, "" for allowed
	}{
		{"a member", home, "", Origin{UserID: "UMEMBER", UserTeam: "T1"}, ""},
		{"a member, the payload silent", home, "", Origin{UserID: "UMEMBER"}, ""},
		{"the payload says another team", home, "", Origin{UserID: "UMEMBER", UserTeam: "T9"}, ReasonOutsider},
		{"...even when listed", home, "UMEMBER", Origin{UserID: "UMEMBER", UserTeam: "T9"}, ReasonOutsider},
		{"users.info says a stranger", home, "", Origin{UserID: "UPARTNER"}, ReasonOutsider},
		{"...even when listed", home, "UPARTNER", Origin{UserID: "UPARTNER"}, ReasonOutsider},
		{"users.info says no team", home, "", Origin{UserID: "UNOTEAM"}, ReasonOutsider},
		{"a guest", home, "", Origin{UserID: "UGUEST"}, ReasonGuest},
		{"a guest listed by ID", home, "UGUEST", Origin{UserID: "UGUEST"}, ""},
		{"Slack cannot say", home, "", Origin{UserID: "UNKNOWN"}, ReasonPersonUnknown},
		{"Slack cannot say, listed by ID", home, "UNKNOWN", Origin{UserID: "UNKNOWN"}, ""},
		{"a sister workspace without a grid", home, "", Origin{UserID: "USISTER", UserTeam: "T2"}, ReasonOutsider},
		{"a sister workspace of the grid", grid, "", Origin{UserID: "USISTER", UserTeam: "T2"}, ""},
		{"another grid", grid, "", Origin{UserID: "UOTHERE", UserTeam: "T3"}, ReasonOutsider},
		{"not listed: the lists refuse first", home, "UMEMBER", Origin{UserID: "UGUEST"}, ReasonUser},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := LoadConfig(env(map[string]string{
				"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
				"RESEND_ALLOWED_USERS": c.users,
			}), ModeBot)
			if err != nil {
				t.Fatal(err)
			}
			g := newGuard(cfg, MemoryState(time.Now), time.Now, English(), nil, fakePeople{c.home, people})
			_, r := g.allowed(t.Context(), c.o)
			switch {
			case c.want == "" && r != nil:
				t.Errorf("refused: %s %q", r.Reason, r.Message)
			case c.want != "" && (r == nil || r.Reason != c.want):
				t.Errorf("got %+v, want reason %s", r, c.want)
			}
		})
	}
}

// fakeGroups says who is in which group; known false: the membership
// could not be read.
type fakeGroups struct {
	members map[string]string
	known   bool
}

func (f fakeGroups) Member(user string) (string, bool) { return f.members[user], f.known }
func (f fakeGroups) Handles() []string                 { return []string{"@support-agents", "@on-call9"} }

// The allowlists: channels, users and user groups, and the rule that let
// someone in.
func TestAllowlistsAndTheRuleThatLetsIn(t *testing.T) {
	groups := fakeGroups{members: map[string]string{"U0GROUPED": "S0AGENTS9"}, known: true}
	for _, c := range []struct {
		name                   string
		channels, users, group string
		groups                 Groups
		o                      Origin
		rule, refused          string // refused: the reason, "" for allowed
	}{
		{"no lists", "", "", "", nil, Origin{UserID: "U1", ChannelID: "C9"}, "anyone", ""},
		{"a listed channel", "C0SUPPORT,C1", "", "", nil, Origin{UserID: "U1", ChannelID: "C1"}, "anyone", ""},
		{"another channel", "C0SUPPORT,C1", "", "", nil, Origin{UserID: "U1", ChannelID: "C2"}, "", ReasonChannel},
		{"a listed user", "", "U0AGENT,U1", "", nil, Origin{UserID: "U1", ChannelID: "C2"}, "user", ""},
		{"another user", "", "U0AGENT,U1", "", nil, Origin{UserID: "U2", ChannelID: "C2"}, "", ReasonUser},
		{"a member of a group", "", "", "S0AGENTS9", groups, Origin{UserID: "U0GROUPED"}, "usergroup:S0AGENTS9", ""},
		{"listed and not in the group", "", "U1", "S0AGENTS9", groups, Origin{UserID: "U1"}, "user", ""},
		{"in no group", "", "U1", "S0AGENTS9", groups, Origin{UserID: "U2"}, "", ReasonUser},
		{"groups unread", "", "", "S0AGENTS9", fakeGroups{known: false}, Origin{UserID: "U2"}, "", ReasonGroupsUnknown},
		{"groups listed, none kept", "", "", "S0AGENTS9", nil, Origin{UserID: "U2"}, "", ReasonGroupsUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := LoadConfig(env(map[string]string{
				"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
				"RESEND_ALLOWED_CHANNELS": c.channels, "RESEND_ALLOWED_USERS": c.users, "RESEND_ALLOWED_USERGROUPS": c.group,
			}), ModeBot)
			if err != nil {
				t.Fatal(err)
			}
			g := newGuard(cfg, MemoryState(time.Now), time.Now, English(), c.groups, nil)
			rule, r := g.allowed(t.Context(), c.o)
			reason := ""
			if r != nil {
				reason = r.Reason
			}
			if rule != c.rule || reason != c.refused {
				t.Errorf("rule %q refusal %+v, want rule %q reason %q", rule, r, c.rule, c.refused)
			}
			if c.name == "in no group" && (r == nil || !strings.Contains(r.Message, "@support-agents") || !strings.Contains(r.Message, "@on-call9")) {
				t.Errorf("the refusal does not name the groups: %+v", r)
			}
		})
	}
}

// A lookup passes the allowlists and spends one of the caller's tokens.
func TestALookupSpendsATokenOfItsCaller(t *testing.T) {
	g, _, _ := guardWithSpy(t)
	ctx := t.Context()
	if rule, r, err := g.admitLookup(ctx, Origin{UserID: "U1", ChannelID: "C1"}); rule != "anyone" || r != nil || err != nil {
		t.Fatalf("first lookup: %q %+v %v", rule, r, err)
	}
	if _, r, err := g.admitLookup(ctx, Origin{UserID: "U1", ChannelID: "C1"}); r == nil || r.Reason != ReasonRateUser || err != nil {
		t.Errorf("second lookup within the hour: %+v %v", r, err)
	}
	if _, r, _ := g.admitLookup(ctx, Origin{UserID: "U2", ChannelID: "C1"}); r != nil {
		t.Errorf("another user's lookup: %+v", r)
	}
	down, _, _ := guardWithSpy(t, userKey("U3"))
	if _, r, err := down.admitLookup(ctx, Origin{UserID: "U3", ChannelID: "C1"}); r == nil || r.Reason != ReasonStateDown || err == nil {
		t.Errorf("state down: %+v %v", r, err)
	}
}

// MayUse and MayStart say "" to whom the lists let in, and otherwise the
// refusal; MayStart checks the channel too.
func TestMayUseAndMayStart(t *testing.T) {
	c := startCore(t, newRecorder(), map[string]string{"RESEND_ALLOWED_USERS": "U0AGENT", "RESEND_ALLOWED_CHANNELS": "C0SUPPORT"})
	ctx := t.Context()
	if got := c.MayUse(ctx, "U0AGENT"); got != "" {
		t.Errorf("MayUse(listed) = %q", got)
	}
	if got := c.MayUse(ctx, "U0OTHER"); got == "" {
		t.Error("MayUse(not listed) = \"\"")
	}
	if got := c.MayStart(ctx, Origin{UserID: "U0AGENT", ChannelID: "C0SUPPORT"}); got != "" {
		t.Errorf("MayStart(listed, listed channel) = %q", got)
	}
	if got := c.MayStart(ctx, Origin{UserID: "U0AGENT", ChannelID: "C0RANDOM"}); got == "" {
		t.Error("MayStart(another channel) = \"\"")
	}
}
