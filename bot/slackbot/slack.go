package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"resendbot/bot"
	"resendbot/bot/command"
)

// Bot is resendbot connected to Slack over Socket Mode.
type Bot struct {
	cfg       *bot.Config
	log       *slog.Logger
	api       *slack.Client
	sm        *socketmode.Client
	d         bot.Deps // with its defaults
	engine    *bot.Core
	surface   *slackSurface
	metrics   *slackMetrics
	connected atomic.Bool
	received  time.Time    // when the envelope being dispatched arrived; the event loop's own
	lastEvent atomic.Int64 // when the latest Socket Mode event arrived, in UnixNano
	quiet     *quietGC
	routes    routes
	groups    *userGroups // nil: RESEND_ALLOWED_USERGROUPS is empty
	steps     *steps      // workflow steps' completions; set by Run
	people    *people
	// whoKnown are envelopes that waited for users.info, back to the event
	// loop once their requester is known.
	whoKnown chan waited
	// acked counts, by envelope ID, the deliveries acknowledged before they
	// were handled (waitForRequester): their handlers' acks become answers
	// through response_url (answerLater). A redelivery is a delivery too.
	acked earlyAcks
	// earlyAcked, when set (by tests), is told of each envelope
	// acknowledged early (answered false), then of its answer, "" for none.
	earlyAcked func(envelopeID string, answered bool, text string)
	token      *botToken
	// loopTurned is when the event loop last turned, in UnixNano; 0 while
	// it is not running (start-up and shutdown have bounds of their own).
	loopTurned atomic.Int64
	stallSaid  atomic.Bool // the current stall has been logged
}

// waited is an envelope that waited for users.info, and when it arrived.
type waited struct {
	evt      socketmode.Event
	received time.Time
}

// New builds the bot from its configuration. It does not connect yet.
func New(cfg *bot.Config, d bot.Deps) *Bot {
	d.SetDefaults()
	metrics := newSlackMetrics(d.Metrics)
	httpClient := &http.Client{
		Timeout: d.SlackTimeout,
		Transport: timedTransport{latency: metrics.slackLatency, next: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			// Every worker may be posting at once; keep that many
			// connections to Slack instead of redialling in a burst.
			MaxIdleConns:        cfg.MaxInflight + 8,
			MaxIdleConnsPerHost: cfg.MaxInflight + 8,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}},
	}
	api := slack.New(cfg.SlackBotToken,
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionHTTPClient(httpClient),
		slack.OptionLog(slogOutput{d.Log}),
	)
	sm := socketmode.New(api, socketmode.OptionLog(slogOutput{d.Log}))
	token := &botToken{log: d.Log, gauge: metrics.tokenRejected}
	surface := &slackSurface{api: api, http: httpClient, attempts: 8, backoff: d.Backoff, budget: slackRetryBudget, metrics: metrics, token: token,
		pace: newPacer(d.SlackPostInterval)}
	var groups *userGroups
	if len(cfg.AllowedUserGroups) > 0 {
		groups = newUserGroups(api, d, surface)
		d.Groups = groups
	}
	people := newPeople(api, d)
	people.called = surface.called
	d.People = people
	b := &Bot{
		cfg:      cfg,
		log:      d.Log,
		api:      api,
		sm:       sm,
		d:        d,
		surface:  surface,
		metrics:  metrics,
		groups:   groups,
		people:   people,
		token:    token,
		whoKnown: make(chan waited),
		engine:   bot.NewCore(cfg, d, surface),
	}
	b.routes = b.routeTable()
	b.quiet = newQuietGC(d.QuietGap, d.Now, b.engine.Busy, d.Collect)
	b.engine.OnEachTask(b.settle, func() { b.quiet.touch(d.Now()) })
	return b
}

// Web API work waits for a lull in incoming envelopes, at most settleMax,
// so that in a burst the Socket Mode reader gets the CPU and acks stay
// quick; the order of what is posted does not change.
const (
	settleGap = 5 * time.Millisecond
	settleMax = 100 * time.Millisecond
)

// settle returns once no envelope has arrived for settleGap, or after
// settleMax, or when ctx is done.
func (b *Bot) settle(ctx context.Context) {
	now := b.d.Now()
	deadline := now.Add(settleMax)
	for {
		idle := now.Sub(time.Unix(0, b.lastEvent.Load()))
		if idle >= settleGap || !now.Before(deadline) {
			return
		}
		t := time.NewTimer(min(settleGap-idle, deadline.Sub(now)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		now = b.d.Now()
	}
}

// Connected reports whether the Socket Mode connection is up.
func (b *Bot) Connected() bool { return b.connected.Load() }

// Ready is /readyz: connected to Slack, Slack accepts the bot token, and
// the shared state, if any, answers (a replica that cannot check limits
// refuses every resend). The shared state is checked whatever else is
// wrong: resendbot_shared_state_up is what this check found.
func (b *Bot) Ready(ctx context.Context) error {
	stateErr := b.checkState(ctx)
	switch {
	case !b.Connected():
		return errNotConnected
	case b.token.err() != nil:
		return b.token.err()
	}
	return stateErr
}

// logLoopStuck is logged, at error, when /healthz first finds a stall.
const logLoopStuck = "the Socket Mode event loop is stuck; /healthz fails so that the orchestrator restarts the bot"

// checkState asks the shared state, if any, whether it answers, and
// records the answer in resendbot_shared_state_up.
func (b *Bot) checkState(ctx context.Context) error {
	health := b.d.State.Health
	if health == nil {
		return nil
	}
	err := health(ctx)
	b.d.Metrics.SharedStateUp(err == nil)
	return err
}

// stateCheckEvery is how often the bot checks the shared state by itself,
// so that resendbot_shared_state_up follows Redis where nothing probes
// /readyz (compose) and while nobody types.
const stateCheckEvery = 15 * time.Second

// watchState checks the shared state every so often until ctx ends.
func (b *Bot) watchState(every time.Duration) func(context.Context) {
	return func(ctx context.Context) {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				checkCtx, cancel := context.WithTimeout(ctx, bot.ReadyTimeout)
				_ = b.checkState(checkCtx)
				cancel()
			}
		}
	}
}

// errLoopStalled is /healthz's answer while the event loop does not turn.
var errLoopStalled = errors.New("the Socket Mode event loop has not turned")

// Alive is /healthz: the Socket Mode event loop turned within LoopStall.
// A wedged loop acknowledges nothing, so Slack shows every caller an
// error; a restart is the way out. The first failed check of a stall is
// logged at error.
func (b *Bot) Alive() error {
	turned := b.loopTurned.Load()
	if turned == 0 {
		return nil
	}
	stalled := b.d.Now().Sub(time.Unix(0, turned))
	if stalled <= b.d.LoopStall {
		b.stallSaid.Store(false)
		return nil
	}
	err := fmt.Errorf("%w for %s (more than %s)", errLoopStalled, stalled.Round(time.Second), b.d.LoopStall)
	if b.stallSaid.CompareAndSwap(false, true) {
		b.log.Error(logLoopStuck, "err", err)
	}
	return err
}

// turned records that the event loop turned.
func (b *Bot) turned() { b.loopTurned.Store(b.d.Now().UnixNano()) }

// Once-only keys of what Slack may deliver twice: an envelope (by its
// envelope_id), an Events API event (by its event_id).
const (
	onceEnvelope = "envelope:"
	onceEvent    = "event:"
)

// goUntilStopped runs run in a goroutine until ctx ends or the returned
// stop is called; stop returns once run has.
func goUntilStopped(ctx context.Context, run func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// errNotConnected is /readyz's answer while Socket Mode is down.
var errNotConnected = errors.New("not connected to Slack")

// ErrSlackAuth is returned by Run when Slack refuses the bot's tokens for good.
var ErrSlackAuth = errors.New("slack refused the tokens")

// Run connects to Slack and handles commands until ctx is cancelled, then
// shuts down: it closes the Socket Mode connection, tells the callers of
// queued requests that nothing was sent, and lets calls in flight finish
// within ShutdownGrace. It returns nil after a clean shutdown.
func (b *Bot) Run(ctx context.Context) error {
	if err := b.learnHome(ctx); err != nil {
		return startProblem(ctx, err)
	}
	if b.groups != nil {
		if err := b.groups.resolve(ctx, b.surface.patient(), b.cfg.AllowedUserGroups); err != nil {
			return startProblem(ctx, err)
		}
		b.log.Info("allowed user groups read", "groups", strings.Join(b.groups.Handles(), ","))
		defer goUntilStopped(ctx, b.groups.run)()
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.steps = newSteps(workCtx, b.api, b.surface, b.log, func(id string) string { return b.d.Words.T(id) })
	b.engine.Start(workCtx)

	// Start-up leaves megabytes of garbage (libphonenumber alone decodes
	// 2.5 MB of metadata, and compiles its patterns on first use: warm
	// them), and the GC would collect it in the middle of the first burst
	// of commands, competing with their acks. Collect it now, before Slack
	// can send anything; later, whenever the bot goes quiet after work
	// (quietGC).
	b.engine.WarmUp()
	b.d.Collect()
	defer goUntilStopped(ctx, b.quiet.run)()
	defer goUntilStopped(ctx, b.people.run)()
	if b.d.State.Health != nil {
		defer goUntilStopped(ctx, b.watchState(stateCheckEvery))()
	}

	smCtx, cancelSM := context.WithCancel(ctx)
	defer cancelSM()
	runErr := make(chan error, 1)
	go func() { runErr <- b.sm.RunContext(smCtx) }()

	var err error
	running := true
	heartbeat := time.NewTicker(max(b.d.LoopStall/6, time.Millisecond))
	b.turned()
	for running {
		select {
		case <-ctx.Done():
			running = false
		case err = <-runErr:
			runErr = nil
			running = false
		case <-heartbeat.C:
			b.turned()
		case evt := <-b.sm.Events:
			b.received = b.d.Now()
			b.lastEvent.Store(b.received.UnixNano())
			b.turned()
			b.quiet.touch(b.received)
			if !b.waitForRequester(ctx, evt) {
				b.dispatchSafely(ctx, evt)
			}
		case w := <-b.whoKnown:
			b.received = w.received
			b.dispatchSafely(ctx, w.evt)
		}
	}
	heartbeat.Stop()
	b.loopTurned.Store(0)
	cancelSM()
	if runErr != nil {
		<-runErr
	}
	b.setConnected(false)
	b.log.Info("socket mode closed; finishing work in flight", "grace_ms", b.cfg.ShutdownGrace.Milliseconds())
	b.engine.Stop(workCtx, b.cfg.ShutdownGrace, cancelWork)
	b.steps.stop(stepsDrain)

	if err != nil && !errors.Is(err, context.Canceled) {
		if isAuthError(err) {
			return fmt.Errorf("%w: Slack answered %q when connecting. Check SLACK_APP_TOKEN (app-level token with connections:write) and that Socket Mode is on", ErrSlackAuth, err.Error())
		}
		return fmt.Errorf("socket mode: %w", err)
	}
	b.log.Info("stopped")
	return nil
}

// learnHome asks Slack (auth.test) whether SLACK_BOT_TOKEN is good, and
// which organisation the bot belongs to, before the bot connects: with a
// wrong token it would connect (the app token is another), say it is
// ready, and fail every command; without its organisation it could not
// tell people of another one. A refused token is ErrSlackAuth; a Slack that
// limits or fails is waited out (startBudget).
func (b *Bot) learnHome(ctx context.Context) error {
	var at *slack.AuthTestResponse
	err := b.surface.patient().retry(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		at, err = b.api.AuthTestContext(ctx)
		return err
	})
	switch {
	case err == nil:
		b.people.learnHome(at)
		b.log.Info("slack workspace", "team", at.TeamID, "enterprise", at.EnterpriseID)
		return nil
	case isAuthError(err):
		return fmt.Errorf("%w: Slack answered %q to auth.test. Check SLACK_BOT_TOKEN (the app's Bot User OAuth Token, xoxb-…, from its installation)", ErrSlackAuth, err.Error())
	}
	return fmt.Errorf("auth.test: %w", err)
}

// ErrSlackUnavailable is returned by Run when Slack kept failing or
// limiting the bot's start-up reads for longer than startBudget: not a
// configuration problem, and worth starting again.
var ErrSlackUnavailable = errors.New("slack did not answer at start")

// startProblem is what Run returns for a start-up read that failed: nil
// when the bot was stopped meanwhile, a configuration problem as it is,
// and anything else as ErrSlackUnavailable.
func startProblem(ctx context.Context, err error) error {
	var cfgErr *bot.ConfigError
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrSlackAuth), errors.As(err, &cfgErr):
		return err
	}
	return fmt.Errorf("%w (waited up to %s): %w", ErrSlackUnavailable, startBudget, err)
}

func isAuthError(err error) bool {
	if tokenRefusals[err.Error()] {
		return true
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code == http.StatusNotFound
}

// dispatchSafely is dispatch that survives a handler's panic: no payload
// may stop the bot. The panic is logged with its stack but
// not the payload (it may hold a customer's contact), the envelope is
// acknowledged so that Slack does not redeliver it, and the caller, when
// there is a response_url, is told nothing was sent.
func (b *Bot) dispatchSafely(ctx context.Context, evt socketmode.Event) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		b.log.Error("a Slack event's handler failed; the bot goes on", "event", string(evt.Type),
			"panic", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			b.sm.Ack(*evt.Request)
		}
		if url := responseURLOf(evt); url != "" {
			b.engine.TellLater(bot.Origin{ResponseURL: url}, bot.Message{Text: b.d.Words.T(bot.MsgHandlerFailed)})
		}
	}()
	b.dispatch(ctx, evt)
}

// waitForRequester holds back an envelope of someone the bot does not know
// yet (users.info, which the guard asks) until people has read them, so
// that the event loop never waits on Slack's Web API: it reports true
// when the envelope comes back later through whoKnown, to be handled then.
//
// Its acknowledgement does not wait for Slack's answer about the person:
// an envelope whose ack says nothing (an event, a button) or whose answer
// can travel through its response_url instead (a slash command) is
// acknowledged at once, so that a burst of commands from people not seen
// for minutes is acknowledged as fast as any other. Only a form's
// submission, whose ack is its answer, waits.
func (b *Bot) waitForRequester(ctx context.Context, evt socketmode.Event) bool {
	received := b.received
	early := acksEarly(evt)
	waits := b.people.whenKnown(requesterOf(evt), func(ctx context.Context) {
		select {
		case b.whoKnown <- waited{evt, received}:
		case <-ctx.Done():
			if early {
				// Acknowledged, and dropped at shutdown: the caller is told
				// now, for the queue no longer takes work.
				tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownAnswerTime)
				defer cancel()
				b.answerNow(tctx, evt, b.d.Words.T(bot.MsgShutdown))
			}
		}
	})
	if waits && early {
		if b.earlyAcked != nil {
			b.earlyAcked(evt.Request.EnvelopeID, false, "")
		}
		b.sendAck(ctx, evt, nil, received)
		// Its handler runs on this loop later, once whoKnown brings it back.
		b.acked.add(evt.Request.EnvelopeID)
	}
	return waits
}

// earlyAcks counts deliveries acknowledged early, by envelope ID.
type earlyAcks struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *earlyAcks) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[string]int{}
	}
	a.n[id]++
}

// take reports whether a delivery of id was acknowledged early, and
// counts it handled.
func (a *earlyAcks) take(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[id] == 0 {
		return false
	}
	if a.n[id]--; a.n[id] == 0 {
		delete(a.n, id)
	}
	return true
}

// acksEarly reports whether evt may be acknowledged before it is handled:
// an envelope with an ID whose ack carries nothing a later answer could
// not (all but a form's submission, whose ack is its errors).
func acksEarly(evt socketmode.Event) bool {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return false
	}
	cb, ok := evt.Data.(slack.InteractionCallback)
	return !ok || cb.Type != slack.InteractionTypeViewSubmission
}

// answerLater sends what would have been an envelope's ack payload, for an
// envelope acknowledged early: a slash command's answer goes to its
// response_url; anything else said nothing.
func (b *Bot) answerLater(evt socketmode.Event, payload any) {
	if o, ok := commandOrigin(evt); ok {
		if e, isText := payload.(ephemeral); isText && e.Text != "" {
			b.engine.TellLater(o, bot.Message{Text: e.Text})
		}
	}
}

// answerNow ends an envelope acknowledged early and dropped at shutdown,
// at once (the queue no longer takes work): a slash command or a mention
// is the core's to end (Core.Dropped: its audit line, and the caller told
// in the words of what they asked); a button pressed or a message
// shortcut, whose caller has a response_url, is told text; a workflow
// step fails with text.
func (b *Bot) answerNow(ctx context.Context, evt socketmode.Event, text string) {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		b.engine.Dropped(ctx, slashOrigin(d), d.Text)
	case slack.InteractionCallback:
		if d.ResponseURL != "" {
			b.engine.Tell(ctx, bot.Origin{UserID: d.User.ID, ChannelID: d.Channel.ID, ResponseURL: d.ResponseURL}, bot.Message{Text: text})
		}
	case slackevents.EventsAPIEvent:
		switch e := d.InnerEvent.Data.(type) {
		case *slackevents.FunctionExecutedEvent:
			b.abandonStep(ctx, e, text)
		case *slackevents.AppMentionEvent:
			if o, ok := mentionOrigin(e); ok {
				typed, _ := command.StripMention(e.Text)
				b.engine.Dropped(ctx, o, typed)
			}
		}
	}
}

// shutdownAnswerTime bounds telling a caller at shutdown that their
// command was not handled.
const shutdownAnswerTime = 5 * time.Second

// commandOrigin is the origin of a slash command's envelope, whose answers
// go to its response_url; false for any other envelope.
func commandOrigin(evt socketmode.Event) (bot.Origin, bool) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	return slashOrigin(cmd), ok
}

// slashOrigin is where cmd came from; its caller-only answers go to its
// response_url.
func slashOrigin(cmd slack.SlashCommand) bot.Origin {
	return bot.Origin{UserID: cmd.UserID, ChannelID: cmd.ChannelID, ResponseURL: cmd.ResponseURL, Source: bot.SourceSlash}
}

// requesterOf is the user an envelope asks something for: the guard will
// check them. "" for envelopes that ask nothing.
func requesterOf(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return d.UserID
	case slack.InteractionCallback:
		switch d.Type {
		case slack.InteractionTypeBlockActions, slack.InteractionTypeViewSubmission,
			slack.InteractionTypeMessageAction, slack.InteractionTypeShortcut:
			return d.User.ID
		}
	case slackevents.EventsAPIEvent:
		switch e := d.InnerEvent.Data.(type) {
		case *slackevents.AppMentionEvent:
			if e.BotID == "" {
				return e.User
			}
		case *slackevents.FunctionExecutedEvent:
			return stepRequesterOf(e.Inputs)
		}
	}
	return ""
}

// responseURLOf is the caller's response_url of an event, if it has one.
func responseURLOf(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case slack.SlashCommand:
		return d.ResponseURL
	case slack.InteractionCallback:
		return d.ResponseURL
	}
	return ""
}

func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) {
	if handle, ok := b.routes.envelopes[evt.Type]; ok {
		handle(ctx, evt)
		return
	}
	b.log.Debug("slack event ignored", "event", string(evt.Type))
}

func (b *Bot) onConnecting(context.Context, socketmode.Event) { b.log.Debug("connecting to Slack") }

func (b *Bot) onConnected(_ context.Context, evt socketmode.Event) {
	b.setConnected(true)
	if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok && c.ConnectionCount > 0 {
		b.metrics.reconnects.Inc()
		if b.groups != nil {
			b.groups.reread() // events may have been missed while disconnected
		}
	}
	b.log.Info("connected to Slack")
}

func (b *Bot) onConnectionProblem(_ context.Context, evt socketmode.Event) {
	b.setConnected(false)
	if evt.Type == socketmode.EventTypeConnectionError {
		b.metrics.connectFailures.Inc()
	}
	b.log.Warn("slack connection problem; reconnecting", "event", string(evt.Type), "detail", eventDetail(evt))
}

func (b *Bot) onDisconnect(context.Context, socketmode.Event) {
	b.setConnected(false)
	b.log.Info("slack asked us to reconnect")
}

// setConnected records whether Socket Mode is up, for /readyz and the
// resendbot_slack_connected gauge.
func (b *Bot) setConnected(up bool) {
	b.connected.Store(up)
	if up {
		b.metrics.connected.Set(1)
	} else {
		b.metrics.connected.Set(0)
	}
}

// onHello reads how many Socket Mode connections Slack holds for the app.
// Several without a shared state means several replicas each keeping their
// own limits, cooldowns and once-only buttons: say so, loudly.
func (b *Bot) onHello(_ context.Context, evt socketmode.Event) {
	b.setConnected(true)
	n := 0
	if evt.Request != nil {
		n = evt.Request.NumConnections
	}
	m := b.metrics
	m.slackConnections.Set(float64(n))
	if n > 1 && b.d.State.Health == nil {
		m.unsharedState.Set(1)
		b.log.Warn("Slack holds several connections for this app but REDIS_URL is not set: each replica keeps its own rate limits, cooldowns and once-only buttons, so a double click can text a customer twice and the limits multiply by the replicas. Set REDIS_URL, or run one replica (a rolling update shows this briefly)",
			"num_connections", n)
		return
	}
	m.unsharedState.Set(0)
}

func eventDetail(evt socketmode.Event) string {
	switch d := evt.Data.(type) {
	case *slack.ConnectionErrorEvent:
		return d.Error()
	case *slack.IncomingEventError:
		return d.Error()
	}
	return ""
}

// ack answers Slack's envelope; a redelivered envelope (same envelope_id)
// is acknowledged again but not acted on, and firstDelivery says which.
func (b *Bot) ack(ctx context.Context, evt socketmode.Event, payload any) {
	b.ackSince(ctx, evt, payload, b.received)
}

// ackSince is ack for an envelope that arrived at received, from any
// goroutine.
func (b *Bot) ackSince(ctx context.Context, evt socketmode.Event, payload any, received time.Time) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	if b.acked.take(evt.Request.EnvelopeID) {
		b.answerLater(evt, payload)
		if b.earlyAcked != nil {
			e, _ := payload.(ephemeral)
			b.earlyAcked(evt.Request.EnvelopeID, true, e.Text)
		}
		return
	}
	b.sendAck(ctx, evt, payload, received)
}

// sendAck acknowledges evt with payload.
func (b *Bot) sendAck(ctx context.Context, evt socketmode.Event, payload any, received time.Time) {
	if err := b.sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
		b.log.Error("acknowledging a slack envelope", "err", err, "envelope", evt.Request.EnvelopeID)
	}
	b.metrics.ackLatency.Observe(b.d.Now().Sub(received).Seconds())
}

func (b *Bot) firstDelivery(ctx context.Context, evt socketmode.Event) bool {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return true
	}
	first, err := b.d.State.Once.First(ctx, onceEnvelope+evt.Request.EnvelopeID, time.Hour)
	if err != nil {
		// Without the shared record we cannot tell a redelivery: acting
		// could send twice, so the request is refused by the guard anyway.
		b.log.Error("envelope dedupe unavailable", "err", err)
		return true
	}
	if first {
		return true
	}
	b.log.Info("redelivered envelope ignored", "envelope", evt.Request.EnvelopeID, "retry_attempt", evt.Request.RetryAttempt)
	return false
}

func (b *Bot) onSlashCommand(ctx context.Context, evt socketmode.Event) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok || !b.firstDelivery(ctx, evt) {
		b.ack(ctx, evt, nil)
		return
	}
	o := slashOrigin(cmd)
	if strings.TrimSpace(cmd.Text) == "" && cmd.TriggerID != "" {
		// Nobody fills in a form to be refused.
		if refusal := b.engine.MayStart(ctx, o); refusal != "" {
			b.ack(ctx, evt, ephemeral{ResponseType: "ephemeral", Text: refusal})
			return
		}
		// The form has 3 s to open: it takes the prompt lane, never the
		// queue behind Front Payment calls. If even that lane is full, the
		// ack itself carries the usage.
		var payload any
		usage := command.Usage(b.d.Words)
		form := func() slack.ModalViewRequest { return b.resendForm(o) }
		if !b.engine.SubmitPrompt(&openFormTask{b: b, o: o, trigger: cmd.TriggerID, form: form, notOpened: usage}) {
			payload = ephemeral{ResponseType: "ephemeral", Text: usage}
		}
		b.ack(ctx, evt, payload)
		b.engine.Shown(ctx, o, "form")
		return
	}
	reply := b.engine.Command(ctx, o, cmd.Text)
	var payload any
	if reply.Answer != "" {
		payload = ephemeral{ResponseType: "ephemeral", Text: reply.Answer}
	}
	b.ack(ctx, evt, payload)
}

// ephemeral is an answer only the caller sees, in an ack.
type ephemeral struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func (b *Bot) onEventsAPI(ctx context.Context, evt socketmode.Event) {
	b.ack(ctx, evt, nil)
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || !b.firstDelivery(ctx, evt) {
		return
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		if first, err := b.d.State.Once.First(ctx, onceEvent+cb.EventID, time.Hour); err == nil && !first {
			b.log.Info("redelivered event ignored", "event_id", cb.EventID)
			return
		}
	}
	if handle, ok := b.routes.events[ev.InnerEvent.Type]; ok {
		handle(ctx, ev.InnerEvent.Data)
	}
}

// onUndecodable handles an envelope slack-go could not decode (Slack's own
// reference writes some counts as strings, which slack-go's types refuse):
// it is acknowledged by its envelope_id, so that Slack does not deliver it
// again and again, logged at warn, and what it may have changed is read
// again: an Events API envelope may have been a user group's change.
// Nothing else is acted on, the bot does not guess at what it cannot read;
// a command's or a press's caller (its response_url) is told nothing was
// sent, a form stays open saying it could not be read, and a workflow step
// fails.
func (b *Bot) onUndecodable(ctx context.Context, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		EnvelopeID string          `json:"envelope_id"`
		Type       string          `json:"type"`
		Payload    json.RawMessage `json:"payload"`
	}
	var payload struct {
		Type        string          `json:"type"`
		Event       json.RawMessage `json:"event"`
		ResponseURL string          `json:"response_url"`
		View        struct {
			CallbackID string `json:"callback_id"`
		} `json:"view"`
	}
	var event struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &env) // what can be read of it
	_ = json.Unmarshal(env.Payload, &payload)
	_ = json.Unmarshal(payload.Event, &event)
	b.metrics.undecodable.Inc()
	b.log.Warn("a Slack envelope could not be decoded; acknowledged and not acted on",
		"envelope", env.EnvelopeID, "type", env.Type, "event", event.Type, "err", bad.Cause)
	if env.EnvelopeID != "" {
		var answer any
		if payload.Type == string(slack.InteractionTypeViewSubmission) && payload.View.CallbackID == formID {
			// Acknowledged empty, the form would close as if sent: it
			// stays open, saying it could not be read.
			answer = slack.NewErrorsViewSubmissionResponse(map[string]string{formReservation: b.d.Words.T(bot.MsgFormUnreadable)})
		}
		b.ack(ctx, socketmode.Event{Request: &socketmode.Request{EnvelopeID: env.EnvelopeID}}, answer)
	}
	if env.Type == string(socketmode.RequestTypeEventsAPI) && b.groups != nil {
		b.groups.reread()
	}
	if event.Type == string(slackevents.FunctionExecuted) {
		b.failUndecodableStep(ctx, payload.Event)
	}
	if payload.ResponseURL != "" {
		// A command or a press that came to nothing: its caller is told.
		b.engine.TellLater(bot.Origin{ResponseURL: payload.ResponseURL}, bot.Message{Text: b.d.Words.T(bot.MsgHandlerFailed)})
	}
}

// onHomeOpened refreshes the App Home tab of whoever opened it.
func (b *Bot) onHomeOpened(_ context.Context, data any) {
	home, ok := data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.Tab != "home" {
		return
	}
	if !b.engine.Submit(&publishHomeTask{b: b, user: home.User}) {
		b.log.Warn("queue full; App Home not refreshed", "user", home.User)
	}
}

// onSubteam follows a change of a user group's members.
func (b *Bot) onSubteam(_ context.Context, data any) {
	if b.groups != nil {
		b.groups.onSubteamEvent(data)
	}
}

// onMention runs "@resendbot resend …" in its thread.
func (b *Bot) onMention(ctx context.Context, data any) {
	m, ok := data.(*slackevents.AppMentionEvent)
	if !ok {
		return
	}
	o, ok := mentionOrigin(m)
	if !ok {
		if m.Edited != nil {
			// Slack sends an edited message that mentions the bot again, as
			// a new event (new event_id): the command was acted on when
			// written.
			b.log.Info("edited mention ignored", "user", m.User, "channel", m.Channel, "ts", m.TimeStamp)
		}
		return
	}
	text, _ := command.StripMention(m.Text)
	if reply := b.engine.Command(ctx, o, text); reply.Answer != "" {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
	}
}

// mentionOrigin is where a mention of the bot came from, and whether it
// is a person's command to act on: not a bot's post, nor an edit.
func mentionOrigin(m *slackevents.AppMentionEvent) (bot.Origin, bool) {
	if m.BotID != "" || m.Edited != nil {
		return bot.Origin{}, false
	}
	// A mention at the top level of a channel has no thread yet: the audit
	// message starts one under it, and until then Slack would not show a
	// caller-only answer posted in it.
	thread, inThread := m.ThreadTimeStamp, m.ThreadTimeStamp != ""
	if !inThread {
		thread = m.TimeStamp
	}
	return bot.Origin{UserID: m.User, UserTeam: m.UserTeam, ChannelID: m.Channel, ThreadTS: thread, ThreadExists: inThread, Source: bot.SourceMention}, true
}

// slogOutput routes slack-go's own log lines to our debug log.
type slogOutput struct{ l *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.l.Debug(strings.TrimSpace(msg), "component", "slack-go")
	return nil
}
