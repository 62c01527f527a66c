package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
// said. It is the core's bot.Groups. Each group is read, and goes stale,
// on its own: a group Slack cannot read for a while, or one disabled, does
// not keep the others from being read and used.
type userGroups struct {
	api     *slack.Client
	log     *slog.Logger
	now     func() time.Time
	retry   func(ctx context.Context, method string, op func(context.Context) error) error
	metrics *groupMetrics
	refresh time.Duration

	handles map[string]string // group ID → "@handle", fixed at start
	ids     []string          // the groups' IDs, sorted: the order Member tries them in
	poke    chan struct{}     // re-read now

	mu     sync.Mutex
	groups map[string]*groupState // by ID
}

// groupState is what is known of one group.
type groupState struct {
	members map[string]bool
	readAt  time.Time // its last complete read
	// disabled: Slack disabled or deleted it while the bot ran
	// (subteam_updated with date_delete, or no_such_subteam on a read).
	// It has no members from then on.
	disabled bool
}

var _ bot.Groups = (*userGroups)(nil)

// ErrUserGroups is returned, wrapped in a *bot.ConfigError, when the
// groups of RESEND_ALLOWED_USERGROUPS cannot be used.
var ErrUserGroups = errors.New("user groups unusable")

// newUserGroups knows no members until resolve has read them: until then
// it vouches for no one.
func newUserGroups(api *slack.Client, d bot.Deps, s *slackSurface) *userGroups {
	g := &userGroups{api: api, log: d.Log, now: d.Now, retry: s.retry, metrics: newGroupMetrics(d.Metrics),
		refresh: d.GroupRefresh, handles: map[string]string{}, poke: make(chan struct{}, 1), groups: map[string]*groupState{}}
	if g.refresh == 0 {
		g.refresh = groupRefresh
	}
	return g
}

// resolve finds the groups entries names (IDs or "@handles") and reads
// their members, through start's patient retries: a Slack that limits or
// fails is waited out. A group that does not exist (or is disabled), a
// missing scope or a plan without user groups is a configuration problem:
// the line names RESEND_ALLOWED_USERGROUPS and what to do.
func (g *userGroups) resolve(ctx context.Context, start *slackSurface, entries []string) error {
	var all []slack.UserGroup
	err := start.retry(ctx, "usergroups.list", func(ctx context.Context) error {
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
		return noSuchGroups(missing)
	}
	g.ids = slices.Sorted(maps.Keys(g.handles))
	for _, id := range g.ids {
		g.groups[id] = &groupState{}
		members, err := g.readGroup(ctx, start.retry, id)
		switch {
		case slackErrorCode(err) == "no_such_subteam":
			return noSuchGroups([]string{g.handles[id]}) // disabled since it was listed
		case err != nil:
			return groupsProblem(err)
		}
		g.groups[id] = &groupState{members: members, readAt: g.now()}
	}
	return nil
}

// noSuchGroups is the configuration problem of groups Slack does not have.
func noSuchGroups(names []string) error {
	return &bot.ConfigError{Problems: []string{fmt.Sprintf(
		"RESEND_ALLOWED_USERGROUPS names %s, which this workspace has no user group for (or it is disabled); check the handle or ID in Slack (People → User groups)",
		strings.Join(names, ", "))}}
}

// groupsProblem words a start-up failure to read user groups: a
// configuration problem when the app or the workspace cannot have them,
// and Slack's error as it is otherwise (it was waited out already).
func groupsProblem(err error) error {
	var why string
	switch slackErrorCode(err) {
	case "missing_scope":
		why = "the app lacks the usergroups:read scope: add it (slack-app-manifest.yaml has it) and reinstall the app"
	case "plan_upgrade_required", "paid_teams_only":
		why = "this workspace's Slack plan has no user groups: list people in RESEND_ALLOWED_USERS instead"
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive":
		why = "Slack refused SLACK_BOT_TOKEN"
	default:
		return fmt.Errorf("reading RESEND_ALLOWED_USERGROUPS: %w", err)
	}
	return fmt.Errorf("%w: %w", ErrUserGroups, &bot.ConfigError{Problems: []string{"RESEND_ALLOWED_USERGROUPS cannot be used: " + why}})
}

// readGroup reads the members of group id.
func (g *userGroups) readGroup(ctx context.Context, retry func(context.Context, string, func(context.Context) error) error, id string) (map[string]bool, error) {
	var users []string
	err := retry(ctx, "usergroups.users.list", func(ctx context.Context) error {
		var err error
		users, err = g.api.GetUserGroupMembersContext(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", g.handles[id], err)
	}
	members := make(map[string]bool, len(users))
	for _, u := range users {
		members[u] = true
	}
	return members, nil
}

// read reads the members of every group that is not disabled, each on its
// own: a group Slack says does not exist (no_such_subteam: disabled or
// deleted) is disabled from then on; a group that cannot be read keeps
// what was known of it. It returns the reads that failed.
func (g *userGroups) read(ctx context.Context) error {
	var errs []error
	for _, id := range g.ids {
		g.mu.Lock()
		disabled := g.groups[id].disabled
		g.mu.Unlock()
		if disabled {
			continue
		}
		members, err := g.readGroup(ctx, g.retry, id)
		g.mu.Lock()
		st := g.groups[id]
		switch {
		case slackErrorCode(err) == "no_such_subteam":
			st.members, st.disabled = nil, true
			g.log.Warn("an allowed user group is disabled or deleted in Slack; its members may no longer resend", "group", g.handles[id])
		case err != nil:
			errs = append(errs, err)
		case !st.disabled: // a subteam_updated may have disabled it meanwhile
			st.members, st.readAt = members, g.now()
		}
		g.mu.Unlock()
	}
	if g.oldestRead() <= groupStale {
		g.metrics.stale.Set(0)
	}
	return errors.Join(errs...)
}

// oldestRead is how long ago the group read least recently (disabled ones
// aside) was read.
func (g *userGroups) oldestRead() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now, oldest := g.now(), time.Duration(0)
	for _, st := range g.groups {
		if !st.disabled {
			oldest = max(oldest, now.Sub(st.readAt))
		}
	}
	return oldest
}

// Member implements bot.Groups: the first group (by ID) that lets user in.
// A disabled group lets no one in; one not read for groupStale cannot
// vouch for anyone, and when user is in no group that can, known is false.
func (g *userGroups) Member(user string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now, known := g.now(), true
	for _, id := range g.ids {
		st := g.groups[id]
		switch {
		case st.disabled:
		case now.Sub(st.readAt) > groupStale:
			known = false
		case st.members[user]:
			return id, true
		}
	}
	return "", known
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
// ctx ends. A group whose read fails keeps what was known of it (Member
// stops vouching for it after groupStale) and is tried again sooner.
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
			age := g.oldestRead()
			if age > groupStale {
				g.metrics.stale.Set(1)
			}
			g.log.Warn("could not re-read the allowed user groups; the last read of each serves for up to an hour after it",
				"err", err, "last_read_age_ms", age.Milliseconds())
			wait = min(g.refresh, time.Minute)
			continue
		}
		wait = g.refresh
	}
}

// onSubteamEvent follows Slack's subteam_members_changed and
// subteam_updated: a listed group's members are updated at once, a group
// disabled (date_delete set) has none from then on, and the groups are
// re-read to be sure.
func (g *userGroups) onSubteamEvent(data any) {
	switch ev := data.(type) {
	case *slackevents.SubteamMembersChangedEvent:
		g.change(ev.SubteamID, func(st *groupState) {
			if st.disabled {
				return
			}
			members := maps.Clone(st.members)
			if members == nil {
				members = map[string]bool{}
			}
			for _, u := range ev.RemovedUsers {
				delete(members, u)
			}
			for _, u := range ev.AddedUsers {
				members[u] = true
			}
			st.members = members
		})
	case *slackevents.SubteamUpdatedEvent:
		g.change(ev.Subteam.ID, func(st *groupState) {
			if ev.Subteam.DateDelete != 0 {
				st.members, st.disabled = nil, true
				g.log.Warn("an allowed user group was disabled in Slack; its members may no longer resend", "group", g.handles[ev.Subteam.ID])
				return
			}
			st.disabled = false // enabled again: the re-read fills it
		})
	}
}

// change applies to a listed group's state, then has every group re-read
// (a member removed from one group may be in another).
func (g *userGroups) change(id string, apply func(*groupState)) {
	if _, ours := g.handles[id]; !ours {
		return
	}
	g.mu.Lock()
	apply(g.groups[id])
	g.mu.Unlock()
	g.reread()
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
