package bot

import (
	"context"
	"errors"
	"resendbot/bot/i18n"
	"time"
)

// Refusal is why a request was not accepted: Reason is a stable label for
// logs and metrics, Message the plain words the caller reads.
type Refusal struct {
	Reason  string
	Message string
}

// Refusal reasons, as they appear in audit lines and metrics.
const (
	ReasonInvalidInput   = "invalid_input"
	ReasonChannel        = "channel_not_allowed"
	ReasonUser           = "user_not_allowed"
	ReasonCooldown       = "cooldown"
	ReasonInFlight       = "in_flight"
	ReasonRateUser       = "rate_limited_user"
	ReasonRateGlobal     = "rate_limited_global"
	ReasonQueueFull      = "queue_full"
	ReasonStateDown      = "state_unavailable"
	ReasonShuttingDown   = "shutting_down"
	ReasonAuditPostError = "audit_post_failed"
	ReasonAuditUncertain = "audit_post_uncertain" // Slack did not confirm the audit message: it may exist
	ReasonAlreadyPressed = "already_pressed"
	ReasonGroupsUnknown  = "usergroups_unknown" // membership could not be read for too long
	ReasonNotOnFile      = "not_on_file"        // differs from the contact on file, and nobody can confirm it
	ReasonOutsider       = "other_organisation" // Slack Connect: a person of another organisation
	ReasonGuest          = "guest"              // a guest not listed in RESEND_ALLOWED_USERS
	ReasonPersonUnknown  = "user_unknown"       // users.info could not be read
)

// guard is the one place a request is checked before anything is sent:
// allowlists, the reservation+destination cooldown (with its in-flight
// hold), and the rate limits, in that order so that refusals spend no
// rate tokens.
type guard struct {
	channels map[string]bool // empty: any
	users    map[string]bool // empty: any, unless groups are listed
	groups   Groups          // nil: no user groups listed
	people   People          // nil: no Slack to ask (the console)
	grouped  bool            // RESEND_ALLOWED_USERGROUPS lists some
	perUser  Rate
	global   Rate
	cooldown time.Duration
	holdTTL  time.Duration // how long an in-flight hold lives if its owner dies
	now      func() time.Time
	state    State
	w        *i18n.Words // the refusals' language
}

func newGuard(cfg *Config, state State, now func() time.Time, w *i18n.Words, groups Groups, people People) *guard {
	return &guard{
		groups:   groups,
		people:   people,
		grouped:  len(cfg.AllowedUserGroups) > 0,
		channels: set(cfg.AllowedChannels),
		users:    set(cfg.AllowedUsers),
		perUser:  cfg.RatePerUser,
		global:   cfg.RateGlobal,
		cooldown: cfg.Cooldown,
		holdTTL:  cfg.FrontPaymentTimeout + holdMargin,
		now:      now,
		state:    state,
		w:        w,
	}
}

// holdMargin is what an in-flight hold lasts beyond the Front Payment
// call: the wait in the queue and the audit post's retries
// (slackRetryBudget). A hold is always ended explicitly; the TTL only
// matters when a process dies mid-request, and then a stale hold refusing
// a resend for a few minutes is the safe side of a double send.
const holdMargin = 10 * time.Minute

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

const globalKey = "rate:global"

func userKey(user string) string { return "rate:user:" + user }

// allowed checks the allowlists and who o's user is. It returns the rule
// that lets them in: "anyone" (no list), "user" (RESEND_ALLOWED_USERS) or
// "usergroup:S0…" (a member of that group).
func (g *guard) allowed(ctx context.Context, o Origin) (string, *Refusal) {
	if len(g.channels) > 0 && !g.channels[o.ChannelID] {
		return "", &Refusal{ReasonChannel, g.w.T(msgChannelNotAllowed)}
	}
	return g.userAllowed(ctx, o)
}

// userAllowed checks o's user wherever they are: their organisation as the
// payload says, the user lists, and then what Slack says of them
// (users.info), last so that people the lists refuse cost no call.
func (g *guard) userAllowed(ctx context.Context, o Origin) (string, *Refusal) {
	if g.people != nil && !g.people.Home().mayInclude(o.UserTeam) {
		return "", g.outsider()
	}
	rule, r := g.listed(o.UserID)
	if r != nil {
		return "", r
	}
	if r := g.person(ctx, o.UserID); r != nil {
		return "", r
	}
	return rule, nil
}

// listed checks the user lists alone: RESEND_ALLOWED_USERS and the
// members of RESEND_ALLOWED_USERGROUPS.
func (g *guard) listed(user string) (string, *Refusal) {
	switch {
	case len(g.users) == 0 && !g.grouped:
		return "anyone", nil
	case g.users[user]:
		return "user", nil
	case !g.grouped:
		return "", &Refusal{ReasonUser, g.w.T(msgUserNotAllowed)}
	}
	group, known := "", false
	if g.groups != nil {
		group, known = g.groups.Member(user)
	}
	switch {
	case group != "":
		return "usergroup:" + group, nil
	case !known:
		// Nothing is sent to someone whose membership is unknown.
		return "", &Refusal{ReasonGroupsUnknown, g.w.T("refusal.groups_unknown")}
	}
	return "", &Refusal{ReasonUser, g.w.T("refusal.not_in_group", "Groups", g.w.Or(g.groups.Handles()))}
}

// person checks what Slack says of user: a person of another organisation
// is refused whatever the lists say; a guest unless RESEND_ALLOWED_USERS
// names them. When Slack cannot say, only people listed by ID get in.
func (g *guard) person(ctx context.Context, user string) *Refusal {
	if g.people == nil {
		return nil
	}
	p, err := g.people.Person(ctx, user)
	byID := g.users[user]
	switch {
	case err != nil && byID:
		return nil
	case err != nil:
		return &Refusal{ReasonPersonUnknown, g.w.T("refusal.person_unknown")}
	case p.Stranger || !g.people.Home().includes(p.Org):
		return g.outsider()
	case p.Guest && !byID:
		return &Refusal{ReasonGuest, g.w.T("refusal.guest")}
	}
	return nil
}

func (g *guard) outsider() *Refusal {
	return &Refusal{ReasonOutsider, g.w.T("refusal.outsider")}
}

// admitLookup checks a reservation lookup: the allowlists and the caller's
// rate limit (a lookup reaches Front Payment, so it spends a token).
func (g *guard) admitLookup(ctx context.Context, o Origin) (string, *Refusal, error) {
	rule, r := g.allowed(ctx, o)
	if r != nil {
		return "", r, nil
	}
	wait, err := g.state.Limiter.Take(ctx, userKey(o.UserID), g.perUser)
	if err != nil {
		return "", &Refusal{ReasonStateDown, g.w.T(msgStateDown)}, err
	}
	if wait > 0 {
		return "", &Refusal{ReasonRateUser, g.w.T("refusal.rate_lookup", "Wait", g.w.Duration(wait, true))}, nil
	}
	return rule, nil, nil
}

// ticket is an admitted request's claim on the guard's state. Exactly one
// of finish or cancel must be called.
type ticket struct {
	g     *guard
	keys  []string
	user  string
	spent []string // limiter keys a token was taken from
	rule  string   // what let the request in, for the audit line
	// Room for both destinations and both limiters, so that admitting
	// allocates once.
	keyBuf, spentBuf [2]string
}

// finish ends the in-flight hold; a request Front Payment accepted starts
// the cooldown for each of its destinations.
func (t *ticket) finish(ctx context.Context, sent bool) error {
	at := t.g.now()
	var errs []error
	for _, k := range t.keys {
		if sent && t.g.cooldown > 0 {
			errs = append(errs, t.g.state.Cooldowns.Set(ctx, k, Hold{User: t.user, At: at, Until: at.Add(t.g.cooldown)}))
		} else {
			errs = append(errs, t.g.state.Cooldowns.Release(ctx, k))
		}
	}
	return errors.Join(errs...)
}

// cancel undoes admit for a request that never reached Front Payment: the
// holds are released and the rate tokens given back.
func (t *ticket) cancel(ctx context.Context) error {
	var errs []error
	for _, k := range t.spent {
		r := t.g.global
		if k != globalKey {
			r = t.g.perUser
		}
		errs = append(errs, t.g.state.Limiter.Refund(ctx, k, r))
	}
	for _, k := range t.keys {
		errs = append(errs, t.g.state.Cooldowns.Release(ctx, k))
	}
	return errors.Join(errs...)
}

// admit checks a request. It returns a ticket when the request may be sent,
// or the refusal the caller should read. When the shared state cannot be
// read, it refuses: a double send is worse than a delay.
func (g *guard) admit(ctx context.Context, o Origin, dests []destination, mask bool) (*ticket, *Refusal, error) {
	rule, r := g.allowed(ctx, o)
	if r != nil {
		return nil, r, nil
	}
	now := g.now()
	t := &ticket{g: g, user: o.UserID, rule: rule}
	t.keys, t.spent = t.keyBuf[:0], t.spentBuf[:0]
	stateDown := func(err error) (*ticket, *Refusal, error) {
		_ = t.cancel(ctx)
		return nil, &Refusal{ReasonStateDown, g.w.T(msgStateDown)}, err
	}
	for _, d := range dests {
		prev, ok, err := g.state.Cooldowns.Claim(ctx, d.key, Hold{User: o.UserID, At: now, Until: now.Add(g.holdTTL), InFlight: true})
		if err != nil {
			return stateDown(err)
		}
		if ok {
			t.keys = append(t.keys, d.key)
			continue
		}
		if err := t.cancel(ctx); err != nil {
			return stateDown(err)
		}
		shown := d.shown(g.w, mask)
		if prev.InFlight {
			return nil, &Refusal{ReasonInFlight, inFlight(g.w, shown, prev.User, now.Sub(prev.At))}, nil
		}
		return nil, &Refusal{ReasonCooldown, coolingDown(g.w, shown, prev.User, now.Sub(prev.At), prev.Until.Sub(now))}, nil
	}

	for _, l := range []struct {
		key    string
		rate   Rate
		reason string
		words  string
	}{
		{userKey(o.UserID), g.perUser, ReasonRateUser, "refusal.rate_user"},
		{globalKey, g.global, ReasonRateGlobal, "refusal.rate_team"},
	} {
		wait, err := g.state.Limiter.Take(ctx, l.key, l.rate)
		if err != nil {
			return stateDown(err)
		}
		if wait > 0 {
			if err := t.cancel(ctx); err != nil {
				return stateDown(err)
			}
			return nil, &Refusal{l.reason, g.w.T(l.words, "Wait", g.w.Duration(wait, true))}, nil
		}
		t.spent = append(t.spent, l.key)
	}
	return t, nil, nil
}

// Groups are the user groups whose members may resend.
type Groups interface {
	// Member reports the group (its ID) that lets user in, "" for none;
	// known is false when the membership could not be read for too long.
	Member(user string) (group string, known bool)
	// Handles are the groups as people know them: "@support-agents".
	Handles() []string
}

// People tells the guard who a Slack user is: only people of the bot's own
// organisation may resend, and guests only when listed by ID. The Slack
// side implements it (auth.test at start, users.info cached for minutes);
// the console has none.
type People interface {
	// Home is the bot's own organisation, as auth.test said at start.
	Home() Org
	// Person is what Slack says of user. An error means it cannot be told
	// now: then only people listed in RESEND_ALLOWED_USERS get in.
	Person(ctx context.Context, user string) (Person, error)
}

// Org is a Slack organisation: a workspace (team) and, on Enterprise Grid,
// the enterprise it belongs to.
type Org struct {
	Team, Enterprise string
}

// includes reports whether someone of team and enterprise p belongs to
// this organisation: the same workspace, or the same enterprise.
func (home Org) includes(p Org) bool {
	return (p.Team != "" && p.Team == home.Team) || (home.Enterprise != "" && p.Enterprise == home.Enterprise)
}

// mayInclude reports whether a payload's user team (team_id of the user
// as Slack sent it; "" when the payload has none) may be this
// organisation's. On Enterprise Grid another workspace of the same
// enterprise has another team ID, so there only users.info can tell.
func (home Org) mayInclude(team string) bool {
	return team == "" || team == home.Team || home.Enterprise != ""
}

// Person is what Slack says of a user.
type Person struct {
	Org           // the user's own workspace and enterprise
	Guest    bool // a single- or multi-channel guest (is_restricted, is_ultra_restricted)
	Stranger bool // Slack marks them of another organisation (is_stranger)
}
