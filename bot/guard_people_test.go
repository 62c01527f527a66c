package bot

import (
	"context"
	"errors"
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
