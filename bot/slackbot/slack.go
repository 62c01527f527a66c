package slackbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
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
}

// New builds the bot from its configuration. It does not connect yet.
func New(cfg *bot.Config, d bot.Deps) *Bot {
	d.SetDefaults()
	httpClient := &http.Client{
		Timeout: d.SlackTimeout,
		Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			// Every worker may be posting at once; keep that many
			// connections to Slack instead of redialling in a burst.
			MaxIdleConns:        cfg.MaxInflight + 8,
			MaxIdleConnsPerHost: cfg.MaxInflight + 8,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
	}
	api := slack.New(cfg.SlackBotToken,
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionHTTPClient(httpClient),
		slack.OptionLog(slogOutput{d.Log}),
	)
	sm := socketmode.New(api, socketmode.OptionLog(slogOutput{d.Log}))
	metrics := newSlackMetrics(d.Metrics)
	surface := &slackSurface{api: api, http: httpClient, attempts: 8, backoff: d.Backoff, budget: slackRetryBudget, metrics: metrics}
	var groups *userGroups
	if len(cfg.AllowedUserGroups) > 0 {
		groups = newUserGroups(api, d, surface)
		d.Groups = groups
	}
	b := &Bot{
		cfg:     cfg,
		log:     d.Log,
		api:     api,
		sm:      sm,
		d:       d,
		surface: surface,
		metrics: metrics,
		groups:  groups,
		engine:  bot.NewCore(cfg, d, surface),
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

// Ready is /readyz: connected to Slack, and the shared state, if any,
// answers (a replica that cannot check limits refuses every resend).
func (b *Bot) Ready(ctx context.Context) error {
	if !b.Connected() {
		return errNotConnected
	}
	if health := b.d.State.Health; health != nil {
		return health(ctx)
	}
	return nil
}

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
	if err := b.checkBotToken(ctx); err != nil {
		return err
	}
	if b.groups != nil {
		if err := b.groups.resolve(ctx, b.cfg.AllowedUserGroups); err != nil {
			return err
		}
		b.log.Info("allowed user groups read", "groups", strings.Join(b.groups.Handles(), ","))
		defer goUntilStopped(ctx, b.groups.run)()
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
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

	smCtx, cancelSM := context.WithCancel(ctx)
	defer cancelSM()
	runErr := make(chan error, 1)
	go func() { runErr <- b.sm.RunContext(smCtx) }()

	var err error
	running := true
	for running {
		select {
		case <-ctx.Done():
			running = false
		case err = <-runErr:
			runErr = nil
			running = false
		case evt := <-b.sm.Events:
			b.received = b.d.Now()
			b.lastEvent.Store(b.received.UnixNano())
			b.quiet.touch(b.received)
			b.dispatchSafely(ctx, evt)
		}
	}
	cancelSM()
	if runErr != nil {
		<-runErr
	}
	b.setConnected(false)
	b.log.Info("socket mode closed; finishing work in flight", "grace_ms", b.cfg.ShutdownGrace.Milliseconds())
	b.engine.Stop(workCtx, b.cfg.ShutdownGrace, cancelWork)

	if err != nil && !errors.Is(err, context.Canceled) {
		if isAuthError(err) {
			return fmt.Errorf("%w: Slack answered %q when connecting. Check SLACK_APP_TOKEN (app-level token with connections:write) and that Socket Mode is on", ErrSlackAuth, err.Error())
		}
		return fmt.Errorf("socket mode: %w", err)
	}
	b.log.Info("stopped")
	return nil
}

// checkBotToken asks Slack whether SLACK_BOT_TOKEN is good before the bot
// connects: with a wrong one it would connect (the app token is another),
// say it is ready, and fail every command. A refused token is ErrSlackAuth;
// when Slack cannot answer for now, the bot goes on and Socket Mode's own
// retries take over.
func (b *Bot) checkBotToken(ctx context.Context) error {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		_, err := b.api.AuthTestContext(ctx)
		switch {
		case err == nil:
			return nil
		case isAuthError(err):
			return fmt.Errorf("%w: Slack answered %q to auth.test. Check SLACK_BOT_TOKEN (the app's Bot User OAuth Token, xoxb-…, from its installation)", ErrSlackAuth, err.Error())
		case ctx.Err() != nil:
			return nil
		case attempt == attempts:
			b.log.Warn("could not check SLACK_BOT_TOKEN with Slack; connecting anyway", "err", err)
			return nil
		}
		t := time.NewTimer(b.d.Backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func isAuthError(err error) bool {
	switch err.Error() {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "token_expired":
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
	o := bot.Origin{UserID: cmd.UserID, ChannelID: cmd.ChannelID, ResponseURL: cmd.ResponseURL, Source: bot.SourceSlash}
	if strings.TrimSpace(cmd.Text) == "" && cmd.TriggerID != "" {
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
	if !ok || m.BotID != "" {
		return
	}
	thread := m.ThreadTimeStamp
	if thread == "" {
		thread = m.TimeStamp
	}
	o := bot.Origin{UserID: m.User, ChannelID: m.Channel, ThreadTS: thread, Source: bot.SourceMention}
	text, _ := command.StripMention(m.Text)
	if reply := b.engine.Command(ctx, o, text); reply.Answer != "" {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
	}
}

// slogOutput routes slack-go's own log lines to our debug log.
type slogOutput struct{ l *slog.Logger }

func (s slogOutput) Output(_ int, msg string) error {
	s.l.Debug(strings.TrimSpace(msg), "component", "slack-go")
	return nil
}
