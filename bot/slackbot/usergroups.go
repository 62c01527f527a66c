package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"resendbot/bot"
)

// How user group membership is kept current: re-read every groupRefresh
// (and at once after a reconnect or a subteam event), and served for
// groupStale after the last good read when Slack cannot be read.
const (
	groupRefresh = 5 * time.Minute
	groupStale   = time.Hour
)

// userGroups are the members of RESEND_ALLOWED_USERGROUPS, as Slack last
// said. It is the core's bot.Groups.
type userGroups struct {
	api     *slack.Client
	log     *slog.Logger
	now     func() time.Time
	retry   func(ctx context.Context, method string, op func(context.Context) error) error
	metrics *groupMetrics
	refresh time.Duration

	handles map[string]string // group ID → "@handle", fixed at start
	poke    chan struct{}     // re-read now

	mu      sync.Mutex
	members map[string]string // user → the ID of a group that lets them in
	readAt  time.Time         // the last complete read
}

var _ bot.Groups = (*userGroups)(nil)

// ErrUserGroups is returned, wrapped in a *bot.ConfigError, when the
// groups of RESEND_ALLOWED_USERGROUPS cannot be used.
var ErrUserGroups = errors.New("user groups unusable")

// newUserGroups knows no members until resolve has read them: until then
// it vouches for no one.
func newUserGroups(api *slack.Client, d bot.Deps, s *slackSurface) *userGroups {
	g := &userGroups{api: api, log: d.Log, now: d.Now, retry: s.retry, metrics: newGroupMetrics(d.Metrics),
		refresh: d.GroupRefresh, handles: map[string]string{}, poke: make(chan struct{}, 1)}
	if g.refresh == 0 {
		g.refresh = groupRefresh
	}
	return g
}

// resolve finds the groups entries names (IDs or "@handles") and reads
// their members. A group that does not exist, a missing scope or a plan
// without user groups is a configuration problem: the line names
// RESEND_ALLOWED_USERGROUPS and what to do.
func (g *userGroups) resolve(ctx context.Context, entries []string) error {
	var all []slack.UserGroup
	err := g.retry(ctx, "usergroups.list", func(ctx context.Context) error {
		var err error
		all, err = g.api.GetUserGroupsContext(ctx)
		return err
	})
	if err != nil {
		return groupsProblem(err)
	}
	byID, byHandle := map[string]slack.UserGroup{}, map[string]slack.UserGroup{}
	for _, ug := range all {
		byID[ug.ID], byHandle["@"+strings.ToLower(ug.Handle)] = ug, ug
	}
	var missing []string
	for _, e := range entries {
		ug, ok := byID[e]
		if !ok {
			ug, ok = byHandle[strings.ToLower(e)]
		}
		if !ok {
			missing = append(missing, e)
			continue
		}
		g.handles[ug.ID] = "@" + ug.Handle
	}
	if len(missing) > 0 {
		return &bot.ConfigError{Problems: []string{fmt.Sprintf(
			"RESEND_ALLOWED_USERGROUPS names %s, which this workspace has no user group for (or it is disabled); check the handle or ID in Slack (People → User groups)",
			strings.Join(missing, ", "))}}
	}
	if err := g.read(ctx); err != nil {
		return groupsProblem(err)
	}
	return nil
}

// groupsProblem words a start-up failure to read user groups.
func groupsProblem(err error) error {
	why := fmt.Sprintf("Slack did not answer (%v)", err)
	switch slackErrorCode(err) {
	case "missing_scope":
		why = "the app lacks the usergroups:read scope: add it (slack-app-manifest.yaml has it) and reinstall the app"
	case "plan_upgrade_required", "paid_teams_only":
		why = "this workspace's Slack plan has no user groups: list people in RESEND_ALLOWED_USERS instead"
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive":
		why = "Slack refused SLACK_BOT_TOKEN"
	}
	return fmt.Errorf("%w: %w", ErrUserGroups, &bot.ConfigError{Problems: []string{"RESEND_ALLOWED_USERGROUPS cannot be used: " + why}})
}

// read reads every group's members and replaces what was known.
func (g *userGroups) read(ctx context.Context) error {
	members := map[string]string{}
	for id := range g.handles {
		var users []string
		err := g.retry(ctx, "usergroups.users.list", func(ctx context.Context) error {
			var err error
			users, err = g.api.GetUserGroupMembersContext(ctx, id)
			return err
		})
		if err != nil {
			return fmt.Errorf("members of %s: %w", g.handles[id], err)
		}
		for _, u := range users {
			if _, dup := members[u]; !dup {
				members[u] = id
			}
		}
	}
	g.mu.Lock()
	g.members, g.readAt = members, g.now()
	g.mu.Unlock()
	g.metrics.stale.Set(0)
	return nil
}

// Member implements bot.Groups.
func (g *userGroups) Member(user string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.now().Sub(g.readAt) > groupStale {
		return "", false
	}
	return g.members[user], true
}

// Handles implements bot.Groups.
func (g *userGroups) Handles() []string {
	out := make([]string, 0, len(g.handles))
	for _, h := range g.handles {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// reread asks run to read the members again at once.
func (g *userGroups) reread() {
	select {
	case g.poke <- struct{}{}:
	default:
	}
}

// run re-reads the members every refresh, and at once when poked, until
// ctx ends. A read that fails keeps what was known (Member stops vouching
// for it after groupStale) and is tried again sooner.
func (g *userGroups) run(ctx context.Context) {
	wait := g.refresh
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-g.poke:
			t.Stop()
		case <-t.C:
		}
		if err := g.read(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			g.metrics.failures.Inc()
			g.mu.Lock()
			age := g.now().Sub(g.readAt)
			g.mu.Unlock()
			if age > groupStale {
				g.metrics.stale.Set(1)
			}
			g.log.Warn("could not re-read the allowed user groups; the last read serves for up to an hour after it",
				"err", err, "last_read_age_ms", age.Milliseconds())
			wait = min(g.refresh, time.Minute)
			continue
		}
		wait = g.refresh
	}
}

// onSubteamEvent follows Slack's subteam_members_changed and
// subteam_updated: a listed group's members are updated at once, and
// re-read to be sure.
func (g *userGroups) onSubteamEvent(data any) {
	switch ev := data.(type) {
	case *slackevents.SubteamMembersChangedEvent:
		if _, ours := g.handles[ev.SubteamID]; !ours {
			return
		}
		g.mu.Lock()
		next := make(map[string]string, len(g.members))
		for u, id := range g.members {
			next[u] = id
		}
		for _, u := range ev.RemovedUsers {
			if next[u] == ev.SubteamID {
				delete(next, u)
			}
		}
		for _, u := range ev.AddedUsers {
			if _, in := next[u]; !in {
				next[u] = ev.SubteamID
			}
		}
		g.members = next
		g.mu.Unlock()
		g.reread() // a member removed from one group may be in another
	case *slackevents.SubteamUpdatedEvent:
		if _, ours := g.handles[ev.Subteam.ID]; ours {
			g.reread()
		}
	}
}

// groupMetrics say how fresh the membership is.
type groupMetrics struct {
	failures prometheus.Counter
	stale    prometheus.Gauge
}

func newGroupMetrics(m *bot.Metrics) *groupMetrics {
	g := &groupMetrics{
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "resendbot_usergroups_read_failures_total",
			Help: "Re-reads of RESEND_ALLOWED_USERGROUPS' members that failed (the last read keeps serving for up to an hour).",
		}),
		stale: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "resendbot_usergroups_stale",
			Help: "1 when the user groups' members could not be read for over an hour: only RESEND_ALLOWED_USERS may resend.",
		}),
	}
	m.MustRegister(g.failures, g.stale)
	return g
}
