package bot

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"resendbot/bot/command"
	"resendbot/bot/i18n"
	"resendbot/frontpay"
)

// Resender sends the payment link of a reservation or an order (kind)
// again. *frontpay.Client is the production one; it returns nil when Front
// Payment accepted the resend and a *frontpay.Error otherwise.
type Resender interface {
	Resend(ctx context.Context, kind frontpay.LinkKind, uuid string, to frontpay.Contact) error
}

var _ Resender = (*frontpay.Client)(nil)

// Deps are the parts a Bot is built from; zero fields get defaults.
type Deps struct {
	Resender Resender
	Log      *slog.Logger     // operational log
	Audit    *slog.Logger     // one line per request, whatever LOG_LEVEL says
	Now      func() time.Time // default time.Now
	Backoff  Backoff          // waits between retries of Slack calls; default DefaultBackoff
	State    State            // guardrail state; default MemoryState
	Metrics  *Metrics         // default: a registry nobody serves
	Details  DetailsReader    // default: Resender, when it reads details too
	// OrderStatus reads an order's status for `status`; default: Resender,
	// when it reads that too. Without it `status` shows no refunds.
	OrderStatus OrderStatusReader
	Words       *i18n.Words // the language people read; default English
	// Groups are the members of RESEND_ALLOWED_USERGROUPS, kept current by
	// the Slack side; nil with groups listed lets no one in through them.
	Groups Groups
	// People says who a Slack user is (their organisation, whether a
	// guest); nil (the console) checks neither.
	People People
	// GroupRefresh is how often the Slack side re-reads them; default 5m.
	GroupRefresh time.Duration
	// SlackTimeout bounds one Slack Web API call; a call that times out is
	// retried with Backoff. Default 30s.
	SlackTimeout time.Duration
	// SlackPostInterval is how far apart posts in a channel go once Slack
	// has rate-limited posting there; default 1s (Slack's about one message
	// per second per channel).
	SlackPostInterval time.Duration
	// Collect runs a garbage collection (default runtime.GC): at start-up,
	// and once the bot goes quiet for QuietGap (default 1s) after work.
	Collect  func()
	QuietGap time.Duration
	// LoopStall is how long the Socket Mode event loop may go without
	// turning before /healthz fails (default 60s).
	LoopStall time.Duration
}

// DefaultLoopStall is Deps.LoopStall's default: far above anything the
// loop waits for (it hands work to the queue and acks), well below what a
// liveness probe's failures add up to.
const DefaultLoopStall = 60 * time.Second

func (d *Deps) SetDefaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Backoff == nil {
		d.Backoff = DefaultBackoff
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Audit == nil {
		d.Audit = d.Log
	}
	if d.SlackTimeout == 0 {
		d.SlackTimeout = 30 * time.Second
	}
	if d.SlackPostInterval == 0 {
		d.SlackPostInterval = time.Second
	}
	if d.Collect == nil {
		d.Collect = runtime.GC
	}
	if d.QuietGap == 0 {
		d.QuietGap = time.Second
	}
	if d.LoopStall == 0 {
		d.LoopStall = DefaultLoopStall
	}
	if d.Details == nil {
		d.Details, _ = d.Resender.(DetailsReader)
	}
	if d.OrderStatus == nil {
		d.OrderStatus, _ = d.Resender.(OrderStatusReader)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Words == nil {
		d.Words = English()
	}
	if d.State.Limiter == nil {
		d.State = MemoryState(d.Now)
	}
}

// Task is queued work: Run it, or, when shutdown comes first, Abandon it
// and tell its caller.
type Task interface {
	Run(ctx context.Context)
	Abandon(ctx context.Context)
}

// Core is a request's life: it turns a command into checks, an
// audit-first message, one Front Payment call and its outcome, through a
// bounded queue and its workers. It knows nothing of how messages reach
// people: that is its Surface.
type Core struct {
	cfg     *Config
	d       Deps
	surface Surface
	guard   *guard
	parser  *command.Parser // what people type, in cfg's language and default region

	queue chan Task
	// prompt is the lane for work Slack times (opening a form must happen
	// within 3 s of the command): it never waits behind Front Payment calls.
	prompt   chan Task
	pending  atomic.Int64 // tasks queued or running
	stopping chan struct{}
	workers  sync.WaitGroup
	// settle, when set, is called before each task: it holds Web API work
	// back while Socket Mode envelopes are pouring in.
	settle func(context.Context)
	// finished, when set, is called after each task, run or abandoned.
	finished func()
}

// OnEachTask sets what runs before each task of the main queue (before:
// an adapter holds Web API work back while envelopes pour in) and after
// each task of either lane, run or abandoned. Call it before Start.
func (e *Core) OnEachTask(before func(context.Context), after func()) {
	e.settle, e.finished = before, after
}

// queuePerWorker sizes the bounded queue: a burst of a few hundred
// commands waits instead of being refused.
const queuePerWorker = 16

// promptWorkers serve the prompt lane; its queue holds promptQueue tasks.
const (
	promptWorkers = 2
	promptQueue   = 64
)

func NewCore(cfg *Config, d Deps, s Surface) *Core {
	d.SetDefaults()
	e := &Core{
		cfg:      cfg,
		d:        d,
		surface:  s,
		guard:    newGuard(cfg, d.State, d.Now, d.Words, d.Groups, d.People),
		parser:   command.NewParser(d.Words, cfg.DefaultRegion),
		queue:    make(chan Task, queuePerWorker*cfg.MaxInflight),
		prompt:   make(chan Task, promptQueue),
		stopping: make(chan struct{}),
	}
	d.Metrics.observeQueue(func() (int, int) { return len(e.queue), cap(e.queue) })
	return e
}

// WarmUp prepares what the first commands would otherwise pay for before
// their acks: the default region's phone number rules. An adapter calls
// it before it takes commands.
func (e *Core) WarmUp() { e.parser.Warm() }

// start runs MaxInflight workers on the queue and promptWorkers on the
// prompt lane until stop. ctx is the work context: it outlives the signal
// that stops the bot, so work in flight can finish.
func (e *Core) Start(ctx context.Context) {
	for range e.cfg.MaxInflight {
		e.workers.Go(func() { e.serve(ctx, e.queue, e.settle) })
	}
	for range promptWorkers {
		e.workers.Go(func() { e.serve(ctx, e.prompt, nil) })
	}
}

// serve runs the tasks of one lane until stop; settle, when set, runs
// before each task.
func (e *Core) serve(ctx context.Context, lane <-chan Task, settle func(context.Context)) {
	for {
		select {
		case <-e.stopping:
			return
		case t := <-lane:
			select {
			case <-e.stopping:
				t.Abandon(ctx)
			default:
				if settle != nil {
					settle(ctx)
				}
				e.runSafely(ctx, t)
			}
			e.done()
		}
	}
}

// stop takes no new work, tells the callers of queued work that nothing was
// sent, and waits for work in flight for up to grace before cancelling it
// through cancelWork.
func (e *Core) Stop(ctx context.Context, grace time.Duration, cancelWork context.CancelFunc) {
	close(e.stopping)
	e.d.Log.Debug("stopping: no new work is begun")
	done := make(chan struct{})
	go func() {
		e.workers.Wait()
		close(done)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for {
		select {
		case t := <-e.queue:
			e.abandon(ctx, t)
		case t := <-e.prompt:
			e.abandon(ctx, t)
		case <-done:
			e.abandonQueued(ctx)
			return
		case <-timer.C:
			e.d.Log.Warn("shutdown grace ran out; cancelling work in flight", "grace_ms", grace.Milliseconds())
			cancelWork()
			<-done
			e.abandonQueued(ctx)
			return
		}
	}
}

// stoppingNow reports whether Stop has been called.
func (e *Core) stoppingNow() bool {
	select {
	case <-e.stopping:
		return true
	default:
		return false
	}
}

func (e *Core) abandon(ctx context.Context, t Task) {
	t.Abandon(ctx)
	e.done()
}

// abandonQueued abandons what is still queued in either lane.
func (e *Core) abandonQueued(ctx context.Context) {
	for {
		select {
		case t := <-e.queue:
			e.abandon(ctx, t)
		case t := <-e.prompt:
			e.abandon(ctx, t)
		default:
			return
		}
	}
}

// notQueued is why a Submit that returned false took nothing: the engine
// is stopping (work handed on from the prompt lane meets it), or the
// queue is full.
func (e *Core) notQueued() *Refusal {
	if e.stoppingNow() {
		return &Refusal{ReasonShuttingDown, e.d.Words.T(MsgShutdown)}
	}
	return &Refusal{ReasonQueueFull, e.d.Words.T(msgQueueFull)}
}

// submit queues t without waiting; false when the queue is full or the
// engine is stopping.
func (e *Core) Submit(t Task) bool { return e.submitTo(e.queue, t) }

// submitPrompt queues t on the prompt lane, for work Slack times.
func (e *Core) SubmitPrompt(t Task) bool { return e.submitTo(e.prompt, t) }

func (e *Core) submitTo(lane chan<- Task, t Task) bool {
	if e.stoppingNow() {
		return false
	}
	e.pending.Add(1)
	select {
	case lane <- t:
		return true
	default:
		e.pending.Add(-1)
		return false
	}
}

// QueueCapacity is how many tasks may wait in the main queue.
func (e *Core) QueueCapacity() int { return cap(e.queue) }

// done accounts for a task taken off the queue and finished.
func (e *Core) done() {
	e.pending.Add(-1)
	if e.finished != nil {
		e.finished()
	}
}

// busy reports whether tasks are queued or running.
func (e *Core) Busy() bool { return e.pending.Load() > 0 }

// runSafely runs t; a panic in it is logged (its type and stack, never the
// task's data) and the worker goes on with the next task.
func (e *Core) runSafely(ctx context.Context, t Task) {
	defer func() {
		if v := recover(); v != nil {
			e.d.Log.Error("a queued task failed; the worker goes on", "task", fmt.Sprintf("%T", t),
				"panic", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
		}
	}()
	t.Run(ctx)
}

// Reply is what a command gets at once: an answer only its caller sees,
// or word that the work is queued and its messages follow.
type Reply struct {
	Answer string // for the caller only; "" when Queued
	Queued bool   // accepted: the audit message, the outcome or the lookup follow
	Usage  bool   // Answer is the usage: help was asked for, or nothing typed
}

// queuedOr is the Reply of work that was queued unless refused.
func queuedOr(refusal string) Reply {
	if refusal != "" {
		return Reply{Answer: refusal}
	}
	return Reply{Queued: true}
}

// Command handles the text of one /resend (or mention). It never blocks
// on Slack or Front Payment.
func (e *Core) Command(ctx context.Context, o Origin, text string) Reply {
	// Who and where come first: the text of someone who may not resend is
	// not parsed at all, however long it is.
	if _, r := e.guard.allowed(ctx, o); r != nil {
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(text), nil, r)
		return Reply{Answer: r.Message}
	}
	cmd, err := e.parser.Parse(text)
	var ie *command.InputError
	switch {
	case errors.As(err, &ie):
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(text), nil, &Refusal{ReasonInvalidInput, ie.Message})
		return Reply{Answer: e.d.Words.T("refusal.input", "Problem", ie.Message)}
	case err != nil:
		e.d.Log.Error("parsing command", "err", err)
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(text), nil, &Refusal{ReasonInvalidInput, e.d.Words.T(msgUnexpected)})
		return Reply{Answer: e.d.Words.T(msgUnexpected)}
	}
	switch cmd.Kind {
	case command.KindUsage, command.KindHelp:
		e.Shown(ctx, o, "help")
		return Reply{Answer: command.Usage(e.d.Words), Usage: true}
	case command.KindOffer:
		return queuedOr(e.lookup(ctx, o, cmd.Link, cmd.Reservation, true))
	case command.KindStatus:
		return queuedOr(e.lookup(ctx, o, cmd.Link, cmd.Reservation, false))
	}
	return queuedOr(e.resend(ctx, newRequest(o, cmd)))
}

// MayUse is "" when user may use the bot (by the user lists and who they
// are in Slack; channels aside, for places such as App Home that have
// none), and otherwise what they read instead.
func (e *Core) MayUse(ctx context.Context, user string) string {
	if _, r := e.guard.userAllowed(ctx, Origin{UserID: user}); r != nil {
		return r.Message
	}
	return ""
}

// MayStart is "" when o's user may use the bot in o's channel, by every
// check a command makes before it is parsed (the channel, their
// organisation, guests, the user lists and groups), and otherwise what
// they read instead. A door calls it before it opens a form, so that
// nobody fills one in to be refused. A refusal is audited.
func (e *Core) MayStart(ctx context.Context, o Origin) string {
	if _, r := e.guard.allowed(ctx, o); r != nil {
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, "", nil, r)
		return r.Message
	}
	return ""
}

// Form runs a submitted form: its fields are checked as a command's are.
// A field that is wrong comes back, for the form to show next to it, and
// nothing is queued; otherwise the Reply says what became of the resend.
func (e *Core) Form(ctx context.Context, o Origin, reservation, email, phone string) (*command.InputError, Reply) {
	cmd, err := e.parser.Resend(reservation, email, phone)
	var ie *command.InputError
	if errors.As(err, &ie) {
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(reservation), nil, &Refusal{ReasonInvalidInput, e.d.Words.T("refusal.input", "Problem", ie.Message)})
		return ie, Reply{}
	}
	if err != nil {
		e.d.Log.Error("reading the form", "err", err)
		ie = &command.InputError{Field: "reservation", Message: e.d.Words.T(MsgFormUnreadable)}
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(reservation), nil, &Refusal{ReasonInvalidInput, ie.Message})
		return ie, Reply{}
	}
	return nil, queuedOr(e.resend(ctx, newRequest(o, cmd)))
}

// Step runs a workflow step's resend for o (Source, Execution, Unattended
// and Ended set by the adapter): the form's checks of its fields, then the
// normal flow. How it ends reaches o.Ended, whatever the path; a step
// without a requester or a channel is refused, since no one could be
// checked or told.
func (e *Core) Step(ctx context.Context, o Origin, reservation, email, phone string) {
	if o.UserID == "" || o.ChannelID == "" {
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(reservation), nil, &Refusal{ReasonInvalidInput, e.d.Words.T("workflow.no_requester")})
		return
	}
	if _, r := e.guard.allowed(ctx, o); r != nil {
		e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(reservation), nil, r)
		return
	}
	e.Form(ctx, o, reservation, email, phone)
}

// Dropped ends a command that was acknowledged but never handled: the bot
// stopped while Slack was still saying who sent it. It writes its audit
// line and tells the caller nothing was done, in the words of what they
// asked (a status lookup, or anything else: a resend).
func (e *Core) Dropped(ctx context.Context, o Origin, text string) {
	msg := e.d.Words.T(MsgShutdown)
	cmd, err := e.parser.Parse(text)
	if err == nil && cmd.Kind == command.KindStatus {
		msg = words(e.d.Words, "lookup.shutdown", cmd.Link, cmd.Reservation)
	}
	e.auditRefusal(ctx, o, cmd.Link, command.TypedReservation(text), nil, &Refusal{ReasonShuttingDown, msg})
	e.Tell(ctx, o, Message{Text: msg})
}

// Refuse ends a request an adapter cannot take (its once-only record is
// unreadable): it writes its audit line and tells o.Ended.
func (e *Core) Refuse(ctx context.Context, o Origin, reservation string, r *Refusal) {
	e.auditRefusal(ctx, o, frontpay.LinkUnknown, command.TypedReservation(reservation), nil, r)
}

// resend admits r through the guard and queues it. It returns the caller's
// refusal, or "" when r is on its way.
func (e *Core) resend(ctx context.Context, r *request) string { return e.resendOnce(ctx, r, "") }

// resendOnce is resend for a button press: once r has passed every check,
// it takes the once-only key (when not "") and is refused if the key was
// taken before. A press that is refused for any other reason leaves the
// button usable.
func (e *Core) resendOnce(ctx context.Context, r *request, once string) string {
	dests := r.destinations()
	var t *ticket
	var refusal *Refusal
	if once != "" {
		// A button used before says so, whatever the checks would say now.
		refusal = e.pressedBefore(ctx, once)
	}
	if refusal == nil {
		var err error
		if t, refusal, err = e.guard.admit(ctx, r.Origin, dests, e.cfg.MaskContacts); err != nil {
			e.d.Log.Error("guardrail state unavailable; refusing", "err", err)
		}
	}
	if refusal == nil && once != "" {
		if refusal = e.firstPress(ctx, once); refusal != nil {
			e.release(ctx, t)
		}
	}
	if refusal == nil && !e.Submit(&resendTask{e: e, r: r, dests: dests, ticket: t}) {
		e.release(ctx, t)
		refusal = e.notQueued()
	}
	if refusal != nil {
		e.auditRefusal(ctx, r.Origin, r.Link, r.Reservation, dests, refusal)
		return refusal.Message
	}
	return ""
}

// pressedBefore looks at a button's once-only key without taking it.
func (e *Core) pressedBefore(ctx context.Context, key string) *Refusal {
	seen, err := e.d.State.Once.Seen(ctx, key)
	return e.pressRefusal(seen, err)
}

// firstPress takes a button's once-only key: nil the first time.
func (e *Core) firstPress(ctx context.Context, key string) *Refusal {
	first, err := e.d.State.Once.First(ctx, key, retryTTL)
	return e.pressRefusal(!first, err)
}

// pressRefusal is what a press is told when its button was used before, or
// the once-only record cannot be read; nil otherwise.
func (e *Core) pressRefusal(used bool, err error) *Refusal {
	switch {
	case err != nil:
		e.d.Log.Error("button once-check unavailable", "err", err)
		return &Refusal{ReasonStateDown, e.d.Words.T(msgStateDown)}
	case used:
		return &Refusal{ReasonAlreadyPressed, e.d.Words.T(msgAlreadyPressed)}
	}
	return nil
}

// resendTask is one admitted resend on its way through the queue.
type resendTask struct {
	e      *Core
	r      *request
	dests  []destination
	ticket *ticket
}

// run finds the kind and checks the record (check), posts the audit
// message, and only once it exists calls Front Payment, exactly once;
// then it posts the outcome in the message's thread and updates the
// message.
func (t *resendTask) Run(ctx context.Context) {
	e, r := t.e, t.r
	if t.check(ctx) {
		return // nothing to send, or the caller confirms first
	}
	if e.stoppingNow() {
		// SIGTERM came during the comparison's read: a resend begun now
		// could be cut off by the grace with its audit message "Sending…".
		t.Abandon(ctx)
		return
	}
	mask := e.cfg.MaskContacts
	shown := describe(e.d.Words, t.dests, mask)
	rootTS, err := e.surface.Post(ctx, r.ChannelID, r.ThreadTS, rootMessage(e.d.Words, r, shown, nil, e.d.Now()))
	if err != nil {
		e.release(ctx, t.ticket)
		msg, reason := e.d.Words.T(msgAuditFailed), ReasonAuditPostError
		switch {
		case errors.Is(err, ErrMaybePosted):
			msg, reason = e.d.Words.T(msgAuditUncertain), ReasonAuditUncertain
		case errors.Is(err, ErrDirectMessage):
			msg = e.d.Words.T(msgNotInDM)
		case errors.Is(err, ErrNotInChannel):
			msg = e.d.Words.T(msgNotInChannel)
		}
		e.d.Log.Error("audit message could not be posted; nothing sent", "err", err, "channel", r.ChannelID)
		e.auditRefusal(ctx, r.Origin, r.Link, r.Reservation, t.dests, &Refusal{reason, msg})
		e.tell(ctx, r.Origin, msg)
		return
	}
	if e.stoppingNow() {
		// SIGTERM came while the audit message was being posted (a slow or
		// limiting Slack): Front Payment is not asked now, for the grace
		// could cut the call off; the message says nothing was sent.
		if err := e.surface.Update(ctx, r.ChannelID, rootTS, stoppedRoot(e.d.Words, r, shown, e.d.Now())); err != nil {
			e.d.Log.Error("audit message could not be updated; it still says sending", "err", err, "channel", r.ChannelID, "ts", rootTS,
				"reservation", r.Reservation)
		}
		t.Abandon(ctx)
		return
	}

	start := e.d.Now()
	e.d.Metrics.inFlight.Inc()
	sendErr := e.d.Resender.Resend(ctx, r.Link, r.Reservation, r.contact())
	e.d.Metrics.inFlight.Dec()
	latency := e.d.Now().Sub(start)
	e.d.Metrics.frontPayment(endpointResend, r.Link, latency, sendErr)
	o := outcomeOf(e.d.Words, r.Link, sendErr, shown, e.cfg.FrontPaymentTimeout)
	e.d.Metrics.requests.WithLabelValues(o.kind.String(), r.Link.String()).Inc()
	if err := t.ticket.finish(ctx, o.kind == frontpay.KindSent); err != nil {
		e.d.Log.Error("could not record the cooldown", "err", err, "reservation", r.Reservation)
	}
	if sendErr != nil {
		e.d.Log.Log(ctx, o.kind.LogLevel(), "front payment did not send", "err", sendErr, "reservation", r.Reservation,
			"kind", r.Link.String(), "outcome", o.kind.String())
	}
	// The audit line is written as soon as Front Payment has answered, not
	// after the posts to Slack, which may retry for a while.
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, "resend", append(auditAttrs(r.Origin, r.Link, r.Reservation, t.dests),
		slog.String("outcome", o.kind.String()),
		slog.String("allowed_by", t.ticket.rule),
		slog.String("destination_check", r.checked),
		slog.Int("http_status", o.status),
		slog.Int64("latency_ms", latency.Milliseconds()),
		slog.String("root_ts", rootTS),
	)...)
	r.ended(ctx, Ending{Outcome: o.name(), Words: o.headline + "\n" + o.detail, Called: true,
		Sent: o.kind == frontpay.KindSent, HTTPStatus: o.status, AuditTS: rootTS})

	thread := r.ThreadTS
	if thread == "" {
		thread = rootTS
	}
	now := e.d.Now()
	// Both are retried until they land (Surface); what still fails is
	// counted, for the root may show "Sending…" while the log knows better.
	unposted := false
	if _, err := e.surface.Post(ctx, r.ChannelID, thread, replyMessage(e.d.Words, r, shown, o, now, e.stashRetry(ctx, r, thread, rootTS, o))); err != nil {
		// One that may have landed is not repeated: the root shows the outcome anyway.
		unposted = !errors.Is(err, ErrMaybePosted)
		e.d.Log.Error("outcome reply could not be posted", "err", err, "channel", r.ChannelID, "reservation", r.Reservation, "outcome", o.kind.String())
	}
	if err := e.surface.Update(ctx, r.ChannelID, rootTS, rootMessage(e.d.Words, r, shown, &o, now)); err != nil {
		unposted = true
		e.d.Log.Error("audit message could not be updated; it still says sending", "err", err, "channel", r.ChannelID, "ts", rootTS,
			"reservation", r.Reservation, "outcome", o.kind.String())
	}
	if unposted {
		e.d.Metrics.outcomesUnposted.Inc()
	}
	if p := r.retries; p != nil {
		prior := *r
		prior.UserID, prior.Source, prior.retries, prior.retriedBy = p.By, "", nil, r.UserID
		if err := e.surface.Update(ctx, r.ChannelID, p.TS, rootMessage(e.d.Words, &prior, shown, &o, now)); err != nil {
			e.d.Log.Error("retried audit message could not be updated", "err", err, "channel", r.ChannelID, "ts", p.TS)
		}
	}
	to := make([]RecentTarget, len(t.dests))
	for i, d := range t.dests {
		to[i] = RecentTarget{Channel: d.channel, Masked: d.masked()}
	}
	if err := e.d.State.Recent.Add(ctx, r.UserID, RecentResend{At: now, Reservation: r.Reservation, Link: r.Link.String(),
		Kind: o.kind.String(), TimedOut: o.timedOut, To: to}); err != nil {
		e.d.Log.Warn("recording the resend for App Home", "err", err)
	}
}

// stashRetry keeps what a Retry of a transient failure would send and
// returns its key for the button ("" for no button).
func (e *Core) stashRetry(ctx context.Context, r *request, thread, rootTS string, o outcome) string {
	if !o.kind.Transient() {
		return ""
	}
	key := randomKey()
	p := pendingOf(r)
	p.Thread, p.Audit, p.By, p.Confirmed = thread, rootTS, r.UserID, r.checked == checkConfirmedNew
	value, err := json.Marshal(p)
	if err == nil {
		err = e.d.State.Stash.Put(ctx, stashRetry+key, value, retryTTL)
	}
	if err != nil {
		e.d.Log.Error("could not keep the retry; the reply gets no Retry button", "err", err)
		return ""
	}
	return key
}

func (t *resendTask) Abandon(ctx context.Context) {
	t.e.release(ctx, t.ticket)
	t.e.auditRefusal(ctx, t.r.Origin, t.r.Link, t.r.Reservation, t.dests, &Refusal{ReasonShuttingDown, t.e.d.Words.T(MsgShutdown)})
	t.e.tell(ctx, t.r.Origin, t.e.d.Words.T(MsgShutdown))
}

// release gives back what admit took for a request that was not sent.
func (e *Core) release(ctx context.Context, t *ticket) {
	if err := t.cancel(ctx); err != nil {
		e.d.Log.Error("could not release a guardrail hold", "err", err)
	}
}

// tellLater answers a caller from the queue, so the Socket Mode loop never
// waits on Slack's Web API.
func (e *Core) TellLater(o Origin, m Message) {
	if !e.Submit(&tellTask{e: e, o: o, m: m}) {
		e.d.Log.Warn("queue full; an answer to the caller was dropped", "user", o.UserID, "channel", o.ChannelID)
	}
}

func (e *Core) tell(ctx context.Context, o Origin, text string) {
	e.Tell(ctx, o, Message{Text: text})
}

// Tell shows m to o's caller alone. An unattended request's caller (a
// workflow) is told through its Ended listener instead.
func (e *Core) Tell(ctx context.Context, o Origin, m Message) {
	if o.Unattended {
		return
	}
	if err := e.surface.Tell(ctx, o, m); err != nil {
		e.d.Log.Error("could not answer the caller", "err", err, "user", o.UserID, "channel", o.ChannelID)
	}
}

func (e *Core) auditRefusal(ctx context.Context, o Origin, kind frontpay.LinkKind, reservation string, dests []destination, r *Refusal) {
	e.d.Metrics.refusals.WithLabelValues(r.Reason).Inc()
	e.auditUnsent(ctx, o, kind, reservation, dests, Ending{Outcome: "refused", Reason: r.Reason, Words: r.Message}, slog.String("reason", r.Reason))
}

// Shown records a request that only showed something (usage, the form):
// nothing was looked up or sent.
func (e *Core) Shown(ctx context.Context, o Origin, what string) {
	e.auditUnsent(ctx, o, frontpay.LinkUnknown, "", nil, Ending{Outcome: what})
}

// auditUnsent writes the audit line of a request that ended before any
// resend call to Front Payment: its outcome, then attrs; and tells o's
// listener.
func (e *Core) auditUnsent(ctx context.Context, o Origin, kind frontpay.LinkKind, reservation string, dests []destination, end Ending, attrs ...slog.Attr) {
	line := append(auditAttrs(o, kind, reservation, dests), slog.String("outcome", end.Outcome))
	line = append(line, attrs...)
	e.d.Audit.LogAttrs(ctx, slog.LevelInfo, "resend", append(line, slog.Int("http_status", 0), slog.Int64("latency_ms", 0))...)
	o.ended(ctx, end)
}

// auditAttrs are the fields every audit line has. Destinations are always
// masked here: the log outlives the channel's retention. kind is
// "unknown" until Front Payment has said, or a kind word.
func auditAttrs(o Origin, kind frontpay.LinkKind, reservation string, dests []destination) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("user", o.UserID),
		slog.String("channel", o.ChannelID),
		slog.String("source", o.Source),
		slog.String("reservation", reservation),
		slog.String("kind", kind.String()),
		slog.Any("channels", channelsOf(dests)),
		slog.Any("destinations", maskedOf(dests)),
	}
	if o.Execution != "" {
		attrs = append(attrs, slog.String("execution_id", o.Execution))
	}
	return attrs
}

// pendingResend is a request kept for a button press: a Retry, or a
// contact-on-file offer.
type pendingResend struct {
	Reservation string         `json:"reservation"`
	Kind        string         `json:"kind,omitempty"` // frontpay.LinkKind's String; "" for unknown
	Email       string         `json:"email,omitempty"`
	Phone       *command.Phone `json:"phone,omitempty"`
	Channel     string         `json:"channel"`
	Thread      string         `json:"thread,omitempty"`
	// For a Retry: the failed attempt's audit message and its requester.
	Audit string `json:"audit,omitempty"`
	By    string `json:"by,omitempty"`
	// Confirmed: the destination is not on file and was confirmed; a Retry
	// repeats it without asking again.
	Confirmed bool `json:"confirmed,omitempty"`
}

// pendingOf is what a button keeps of r to send it again: its request,
// channel and thread.
func pendingOf(r *request) pendingResend {
	return pendingResend{Reservation: r.Reservation, Kind: kindName(r.Link), Email: r.Email, Phone: r.Phone, Channel: r.ChannelID, Thread: r.ThreadTS}
}

// kindName is kind as a pending request keeps it: "" while unknown.
func kindName(kind frontpay.LinkKind) string {
	if kind == frontpay.LinkUnknown {
		return ""
	}
	return kind.String()
}

// retryTTL is how long a Retry button works.
const retryTTL = 24 * time.Hour

func randomKey() string { return rand.Text() }

// tellTask answers a caller after the acknowledgement.
type tellTask struct {
	e *Core
	o Origin
	m Message
}

func (t *tellTask) Run(ctx context.Context)     { t.e.Tell(ctx, t.o, t.m) }
func (t *tellTask) Abandon(ctx context.Context) { t.e.Tell(ctx, t.o, t.m) }
