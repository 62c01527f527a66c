package slackbot

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"resendbot/bot"
)

// The workflow step "Resend a payment link" (slack-app-manifest.yaml,
// functions.resend_payment_link): Slack sends function_executed when a
// workflow reaches it; the core runs the normal flow for the requester in
// the channel, and the step is completed, once, from how the core says the
// request ended.
const (
	stepCallbackID = "resend_payment_link"

	// The step's inputs, as the manifest names them.
	stepID        = "id"
	stepEmail     = "email"
	stepPhone     = "phone"
	stepChannel   = "channel"
	stepRequester = "requester"

	// onceExecution keeps an execution acted on once, across replicas.
	onceExecution = "function:"
	// executionTTL is how long that is remembered: well past any redelivery.
	executionTTL = 24 * time.Hour
	// The methods that end a step.
	methodCompleteSuccess = "functions.completeSuccess"
	methodCompleteError   = "functions.completeError"

	// stepsDrain is how long shutdown waits for completions still retrying
	// after the work in flight is done (RESEND_SHUTDOWN_GRACE is spent by
	// then; Kubernetes allows 30 s in all).
	stepsDrain = 3 * time.Second
)

// onFunctionExecuted runs the step for its execution, once.
func (b *Bot) onFunctionExecuted(ctx context.Context, data any) {
	ev, ok := data.(*slackevents.FunctionExecutedEvent)
	if !ok || ev.Function.CallbackID != stepCallbackID || ev.FunctionExecutionID == "" {
		if ok {
			b.log.Warn("workflow step ignored", "callback_id", ev.Function.CallbackID, "execution_id", ev.FunctionExecutionID)
		}
		return
	}
	o, first := b.takeStep(ctx, ev, b.steps.listener(ev.FunctionExecutionID, stepInput(ev.Inputs, stepChannel, true)))
	if !first {
		return
	}
	t := &stepTask{b: b, o: o, id: stepInput(ev.Inputs, stepID, false), email: stepInput(ev.Inputs, stepEmail, false), phone: stepInput(ev.Inputs, stepPhone, false)}
	if !b.engine.SubmitPrompt(t) {
		b.log.Warn("prompt lane full; a workflow step's channel was not checked", "execution_id", ev.FunctionExecutionID)
		t.refuse(ctx, bot.ReasonQueueFull, bot.ShortcutWords(b.d.Words).Unchecked)
	}
}

// stepTask runs a step once its channel is shown fit for the audit
// message, on the prompt lane (the check asks Slack). The channel is
// chosen in Workflow Builder, away from where the requester is, as the
// global shortcut's picker is: it passes the same check (channelProblem),
// so that a step never leaves its audit message in a direct message, a
// channel shared with another organisation, or one the bot is not in.
type stepTask struct {
	b                *Bot
	o                bot.Origin
	id, email, phone string
}

func (t *stepTask) Run(ctx context.Context) {
	// Someone who may not resend is told so by Step, as for a command,
	// before anything about the channel.
	if t.o.UserID != "" && t.o.ChannelID != "" && t.b.engine.MayUse(ctx, t.o.UserID) == "" {
		if problem := t.b.channelProblem(ctx, t.o.ChannelID); problem != "" {
			t.refuse(ctx, bot.ReasonChannel, problem)
			return
		}
	}
	t.b.engine.Step(ctx, t.o, t.id, t.email, t.phone)
}

func (t *stepTask) Abandon(ctx context.Context) {
	t.refuse(ctx, bot.ReasonShuttingDown, t.b.d.Words.T(bot.MsgShutdown))
}

// refuse ends the step, nothing sent, with words.
func (t *stepTask) refuse(ctx context.Context, reason, words string) {
	t.b.engine.Refuse(ctx, t.o, t.id, &bot.Refusal{Reason: reason, Message: words})
}

// abandonStep ends a step whose envelope was acknowledged early (its
// requester was not known yet) and dropped at shutdown: the step fails
// with text, at once, for the steps' own goroutines are stopping. Left
// alone, the workflow would show it running for good.
func (b *Bot) abandonStep(ctx context.Context, ev *slackevents.FunctionExecutedEvent, text string) {
	b.failStep(ctx, ev, b.steps.listenerNow, &bot.Refusal{Reason: bot.ReasonShuttingDown, Message: text})
}

// failUndecodableStep ends a step whose event slack-go could not decode
// (raw is its event as sent): what can be read of it (the execution, the
// step, its inputs) is, and the step fails with the words of a request
// that came to nothing; left alone, the workflow would show it running
// for good.
func (b *Bot) failUndecodableStep(ctx context.Context, raw json.RawMessage) {
	var lenient struct {
		Function struct {
			CallbackID string `json:"callback_id"`
		} `json:"function"`
		Inputs json.RawMessage `json:"inputs"`
		ID     string          `json:"function_execution_id"`
	}
	_ = json.Unmarshal(raw, &lenient) // what can be read of it
	ev := &slackevents.FunctionExecutedEvent{FunctionExecutionID: lenient.ID}
	ev.Function.CallbackID = lenient.Function.CallbackID
	_ = json.Unmarshal(lenient.Inputs, &ev.Inputs) // none, if they cannot be read
	b.failStep(ctx, ev, b.steps.listener, &bot.Refusal{Reason: bot.ReasonInvalidInput, Message: b.d.Words.T(bot.MsgHandlerFailed)})
}

// failStep ends ev's step, once, with r, told through the listener made
// by ended.
func (b *Bot) failStep(ctx context.Context, ev *slackevents.FunctionExecutedEvent, ended func(exec, channel string) bot.Listener, r *bot.Refusal) {
	if ev.Function.CallbackID != stepCallbackID || ev.FunctionExecutionID == "" {
		return
	}
	if o, first := b.takeStep(ctx, ev, ended(ev.FunctionExecutionID, stepInput(ev.Inputs, stepChannel, true))); first {
		b.engine.Refuse(ctx, o, stepInput(ev.Inputs, stepID, false), r)
	}
}

// takeStep is the origin of ev's request, told through ended, and whether
// this replica takes the execution: the first delivery of it anywhere. A
// step whose once-only record cannot be read is refused (ended is told).
func (b *Bot) takeStep(ctx context.Context, ev *slackevents.FunctionExecutedEvent, ended bot.Listener) (bot.Origin, bool) {
	exec := ev.FunctionExecutionID
	o := bot.Origin{
		UserID:     stepRequesterOf(ev.Inputs),
		ChannelID:  stepInput(ev.Inputs, stepChannel, true),
		Source:     bot.SourceWorkflow,
		Execution:  exec,
		Unattended: true,
		Ended:      ended,
	}
	first, err := b.d.State.Once.First(ctx, onceExecution+exec, executionTTL)
	switch {
	case err != nil:
		// Without the shared record a redelivered execution cannot be told
		// from a new one: nothing is sent, and the step fails.
		b.log.Error("workflow step once-check unavailable; refusing", "err", err, "execution_id", exec)
		b.engine.Refuse(ctx, o, stepInput(ev.Inputs, stepID, false), &bot.Refusal{Reason: bot.ReasonStateDown, Message: b.d.Words.T("msg.state_down")})
		return o, false
	case !first:
		b.log.Info("workflow step delivered again; ignored", "execution_id", exec)
		return o, false
	}
	return o, true
}

// stepRequesterOf is the person a step runs for: its requester input, a
// slack#/types/user_context ({"id": "U…", "secret": "…"}) that Slack fills
// in with the person who used the workflow and a builder cannot set.
// Anything else is "", which is refused: a bare user ID (an app created
// from an older manifest) could name anyone, an allowed colleague too.
func stepRequesterOf(inputs map[string]any) string {
	ctx, _ := inputs[stepRequester].(map[string]any)
	id, _ := ctx["id"].(string)
	if secret, _ := ctx["secret"].(string); secret == "" {
		return ""
	}
	return id
}

// stepInput is a step's input as text. A value of another JSON type is
// given as its JSON, so that the checks refuse it rather than read it as
// missing; for an ID (strict) it is "", which is refused.
func stepInput(inputs map[string]any, name string, strict bool) string {
	switch v := inputs[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		if strict {
			return ""
		}
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}

// steps completes workflow steps from how their requests ended. Each
// completion runs in its own goroutine, which the steps own: a completion
// that does not reach Slack is retried (a step never completed shows as
// stuck in the workflow), within the Web API retry budget and until stop.
type steps struct {
	api     *slack.Client
	surface *slackSurface
	log     *slog.Logger
	words   func(id string) string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newSteps(ctx context.Context, api *slack.Client, surface *slackSurface, log *slog.Logger, words func(string) string) *steps {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &steps{api: api, surface: surface, log: log, words: words, ctx: ctx, cancel: cancel}
}

// stop waits up to drain for completions under way, then cancels them and
// waits for them to end.
func (s *steps) stop(drain time.Duration) {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(drain)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("workflow step completions still retrying at shutdown; given up", "drain_ms", drain.Milliseconds())
	}
	s.cancel()
	<-done
}

// listener is the Listener of execution exec, whose audit message goes to
// channel.
func (s *steps) listener(exec, channel string) bot.Listener {
	return stepEnded{s: s, exec: exec, channel: channel}
}

type stepEnded struct {
	s             *steps
	exec, channel string
}

// Ended completes the step in the background: the core calls it on a
// worker or on the Socket Mode loop, neither of which may wait for Slack.
func (l stepEnded) Ended(_ context.Context, e bot.Ending) {
	l.s.wg.Go(func() { l.s.complete(l.s.ctx, l.exec, l.channel, e) })
}

// listenerNow is the Listener of execution exec ended at shutdown, by a
// goroutine that may wait: it completes the step before Ended returns,
// within Ended's context, since the steps' own goroutines are stopping.
func (s *steps) listenerNow(exec, channel string) bot.Listener {
	return stepEndedNow{stepEnded{s: s, exec: exec, channel: channel}}
}

type stepEndedNow struct{ stepEnded }

func (l stepEndedNow) Ended(ctx context.Context, e bot.Ending) {
	l.s.complete(ctx, l.exec, l.channel, e)
}

// complete ends execution exec as e says: an answer from Front Payment
// (to the resend, or its records saying there is nothing to send), or none
// in time, succeeds with the outputs a workflow can branch on; anything
// that stopped before Front Payment answered fails with the words the
// caller would have read.
func (s *steps) complete(ctx context.Context, exec, channel string, e bot.Ending) {
	words := e.Words
	if words == "" {
		words = s.words("msg.unexpected")
	}
	fail := func(ctx context.Context) error { return s.api.FunctionCompleteErrorContext(ctx, exec, words) }
	method, op := methodCompleteError, fail
	if e.Called || e.Answered {
		outputs := map[string]string{
			"outcome":     e.Outcome,
			"sent":        strconv.FormatBool(e.Sent),
			"http_status": strconv.Itoa(e.HTTPStatus),
		}
		// Without an audit message (the records answered first) the
		// optional output is left out.
		if link := s.link(ctx, channel, e.AuditTS); link != "" {
			outputs["audit_message"] = link
		}
		method, op = methodCompleteSuccess, func(ctx context.Context) error {
			return s.api.FunctionCompleteSuccessContext(ctx, exec, slack.FunctionCompleteSuccessRequestOptionOutput(outputs))
		}
	}
	err := s.surface.retry(ctx, method, op)
	if method == methodCompleteSuccess && slackErrorCode(err) == "parameter_validation_failed" {
		// The app's step declares other outputs (it was created from an
		// older manifest): the step still ends, with the words people read.
		s.log.Error("Slack refused the workflow step's outputs; failing it with its words instead (update the app from slack-app-manifest.yaml)",
			"err", err, "execution_id", exec, "outcome", e.Outcome)
		method = methodCompleteError
		err = s.surface.retry(ctx, method, fail)
	}
	switch {
	case err == nil:
		s.log.Info("workflow step completed", "execution_id", exec, "method", method, "outcome", e.Outcome, "reason", e.Reason)
	case slackErrorCode(err) == "execution_not_in_running_state":
		// An earlier attempt reached Slack though its answer was lost.
		s.log.Info("workflow step was already completed", "execution_id", exec, "method", method)
	default:
		s.log.Error("workflow step could not be completed; the workflow shows it as running", "err", err,
			"execution_id", exec, "method", method, "outcome", e.Outcome)
	}
}

// link is a link to the audit message at ts in channel: its permalink
// (chat.getPermalink needs no scope), or one built from channel and ts
// when Slack cannot be asked; "" when there is no audit message.
func (s *steps) link(ctx context.Context, channel, ts string) string {
	if ts == "" {
		return ""
	}
	var link string
	err := s.surface.retry(ctx, "chat.getPermalink", func(ctx context.Context) error {
		var err error
		link, err = s.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
		return err
	})
	if err == nil && link != "" {
		return link
	}
	s.log.Warn("no permalink for the audit message; building one", "err", err, "channel", channel, "ts", ts)
	return "https://slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}
