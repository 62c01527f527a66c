package slackbot

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// manifestStep is the workflow step as slack-app-manifest.yaml declares
// it: the fake Slack delivers it and checks its outputs by that
// declaration, so the manifest and the code cannot drift apart.
func manifestStep(t *testing.T) fakeslack.Function {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "slack-app-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Type        string `yaml:"type"`
		Name        string `yaml:"name"`
		Title       string `yaml:"title"`
		Description string `yaml:"description"`
		IsRequired  bool   `yaml:"is_required"`
	}
	var m struct {
		Functions map[string]struct {
			Title       string           `yaml:"title"`
			Description string           `yaml:"description"`
			Inputs      map[string]param `yaml:"input_parameters"`
			Outputs     map[string]param `yaml:"output_parameters"`
		} `yaml:"functions"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	fn, ok := m.Functions[stepCallbackID]
	if !ok {
		t.Fatalf("the manifest declares no function %s", stepCallbackID)
	}
	list := func(ps map[string]param) []fakeslack.FunctionParam {
		var out []fakeslack.FunctionParam
		for name, p := range ps {
			out = append(out, fakeslack.FunctionParam{Name: name, Type: p.Type, Title: p.Title, Description: p.Description, IsRequired: p.IsRequired})
		}
		slices.SortFunc(out, func(a, b fakeslack.FunctionParam) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	return fakeslack.Function{CallbackID: stepCallbackID, Title: fn.Title, Description: fn.Description,
		Inputs: list(fn.Inputs), Outputs: list(fn.Outputs)}
}

// stepInputs are a step's inputs as a workflow passes them: the requester
// is "Person who used this workflow", a user_context Slack fills in.
func stepInputs(user, email string) map[string]any {
	return map[string]any{stepID: uuidA, stepEmail: email, stepChannel: room, stepRequester: userContext(user)}
}

// userContext is a slack#/types/user_context value as Slack passes it.
func userContext(user string) map[string]any {
	return map[string]any{"id": user, "secret": "c2VjcmV0LW9mLXRoZS1ydW4"}
}

// step runs the workflow step with inputs on socket conn and returns its
// execution ID.
func (h *harness) step(inputs map[string]any, conn int) string {
	h.t.Helper()
	_, exec := h.slack.FunctionExecuted(manifestStep(h.t), "", inputs, fakeslack.EventOpts{Conn: conn})
	return exec
}

// completed waits for the only completion of the step's execution.
func (h *harness) completed(exec string) fakeslack.FunctionCompletion {
	h.t.Helper()
	done, err := h.slack.WaitCompletions(1, wait)
	if err != nil {
		h.t.Fatalf("the step was not completed: %v", err)
	}
	if len(done) != 1 || done[0].ExecutionID != exec {
		h.t.Fatalf("completions = %+v, want one of %s", done, exec)
	}
	return done[0]
}

// failed checks that the step failed with words (in the language people
// read), sending and posting nothing.
func (h *harness) failed(exec string, words ...string) {
	h.t.Helper()
	c := h.completed(exec)
	if c.Success {
		h.t.Fatalf("step completed with success %v, want an error", c.Outputs)
	}
	for _, w := range words {
		if !strings.Contains(c.Error, w) {
			h.t.Errorf("step error %q lacks %q", c.Error, w)
		}
	}
	if n := len(h.fp.Resends()); n != 0 {
		h.t.Errorf("front payment resends = %d, want 0", n)
	}
}

func TestWorkflowStepSendsAndCompletesWithItsOutputs(t *testing.T) {
	h := start(t, nil)
	exec := h.step(stepInputs(agent, "kari@example.com"), 0)
	c := h.completed(exec)
	root, reply := h.thread()
	if !c.Success {
		t.Fatalf("step failed: %q", c.Error)
	}
	want := map[string]any{"outcome": "sent", "sent": "true", "http_status": "202",
		"audit_message": "https://fake.slack.com/archives/" + room + "/p" + strings.ReplaceAll(root.TS, ".", "")}
	for k, v := range want {
		if c.Outputs[k] != v {
			t.Errorf("output %s = %#v, want %#v", k, c.Outputs[k], v)
		}
	}
	if root.Channel != room || !strings.Contains(root.Text, "<@"+agent+">") || reply.ThreadTS != root.TS {
		t.Errorf("audit message %+v / reply %+v: want the requester's audit message in the step's channel, the outcome in its thread", root, reply)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
	line := h.waitAudit(1)[0]
	if line["source"] != bot.SourceWorkflow || line["execution_id"] != exec || line["user"] != agent || line["outcome"] != "sent" {
		t.Errorf("audit line %v: want source workflow, the execution ID, the requester and the outcome", line)
	}
}

// Every answer Front Payment gave, and none in time, completes the step
// with success: the workflow branches on outcome.
func TestWorkflowStepCompletesWithEveryFrontPaymentAnswer(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		answer  frontpaytest.Answer
		outcome string
		status  string
	}{
		{"not found", nil, frontpaytest.NotFound(), "not_found", "404"},
		{"cancelled", nil, frontpaytest.Cancelled(), "cancelled", "400"},
		{"server error", nil, frontpaytest.ServerFailure(), "server_error", "510"},
		{"timeout", map[string]string{"FRONTPAYMENT_TIMEOUT": "200ms"}, frontpaytest.Answer{Status: 202, Delay: time.Minute}, "timeout", "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, c.env)
			h.fp.SetAnswer(uuidA, c.answer)
			done := h.completed(h.step(stepInputs(agent, "kari@example.com"), 0))
			if !done.Success {
				t.Fatalf("step failed: %q", done.Error)
			}
			if done.Outputs["outcome"] != c.outcome || done.Outputs["sent"] != "false" || done.Outputs["http_status"] != c.status {
				t.Errorf("outputs = %v, want outcome %s, sent false, http_status %s", done.Outputs, c.outcome, c.status)
			}
			if done.Outputs["audit_message"] == "" {
				t.Error("no link to the audit message")
			}
			if n := len(h.fp.Resends()); n != 1 {
				t.Errorf("front payment calls = %d, want 1: nothing is retried on its own", n)
			}
			if c.outcome == "timeout" {
				// No answer in time: the thread says it may have arrived.
				if _, reply := h.thread(); !strings.Contains(reply.Text, "may or may not have reached the customer") {
					t.Errorf("outcome reply %q: want it to say the link may or may not have arrived", reply.Text)
				}
			}
		})
	}
}

// Whatever stops a step before Front Payment is asked fails it with the
// words the caller would read.
func TestWorkflowStepFailsWithTheCallersWords(t *testing.T) {
	t.Run("requester not allowed", func(t *testing.T) {
		h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent2})
		h.failed(h.step(stepInputs(agent, "kari@example.com"), 0), "not on the list")
		if n := len(h.slack.Messages()); n != 0 {
			t.Errorf("channel messages = %d, want none", n)
		}
	})
	t.Run("channel not allowed", func(t *testing.T) {
		h := start(t, map[string]string{"RESEND_ALLOWED_CHANNELS": "C0ELSEWHERE"})
		h.failed(h.step(stepInputs(agent, "kari@example.com"), 0), "RESEND_ALLOWED_CHANNELS")
		if n := len(h.slack.Messages()); n != 0 {
			t.Errorf("channel messages = %d, want none", n)
		}
	})
	t.Run("guest requester", func(t *testing.T) {
		s := fakeslack.New(t)
		s.SetUser(fakeslack.User{ID: agent, UltraRestricted: true})
		h := startOn(t, nil, s, frontpaytest.NewServer(t), bot.State{})
		h.failed(h.step(stepInputs(agent, "kari@example.com"), 0), "Guests")
	})
	t.Run("requester of another organisation", func(t *testing.T) {
		s := fakeslack.New(t)
		s.SetUser(fakeslack.User{ID: agent, TeamID: otherTeam, Stranger: true})
		h := startOn(t, map[string]string{"RESEND_ALLOWED_USERS": agent}, s, frontpaytest.NewServer(t), bot.State{})
		h.failed(h.step(stepInputs(agent, "kari@example.com"), 0), "another one")
	})
	t.Run("rate limit", func(t *testing.T) {
		start(t, map[string]string{"RESEND_RATE_PER_USER": "1/1h", "RESEND_COOLDOWN": "0"}).secondStepFails("a lot of requests")
	})
	t.Run("bad email", func(t *testing.T) {
		h := start(t, nil)
		h.failed(h.step(stepInputs(agent, "kari@"), 0), "Nothing was sent")
	})
	t.Run("no requester", func(t *testing.T) {
		h := start(t, nil)
		h.failed(h.step(stepInputs("", "kari@example.com"), 0), "Person who used this workflow")
	})
	t.Run("requester of the wrong type", func(t *testing.T) {
		h := start(t, nil)
		in := stepInputs(agent, "kari@example.com")
		in[stepRequester] = []any{agent}
		h.failed(h.step(in, 0), "Person who used this workflow")
	})
	// A bare user ID is what an app created from an older manifest gets:
	// there a builder could name anyone, an allowed colleague included, as
	// the requester. Only Slack's user_context says who ran the workflow.
	for name, requester := range map[string]any{
		"requester as a bare user ID":          agent,
		"requester without its context secret": map[string]any{"id": agent},
	} {
		t.Run(name, func(t *testing.T) {
			h := start(t, map[string]string{"RESEND_ALLOWED_USERS": agent})
			in := stepInputs(agent, "kari@example.com")
			in[stepRequester] = requester
			h.failed(h.step(in, 0), "Person who used this workflow")
			if n := len(h.slack.Messages()); n != 0 {
				t.Errorf("channel messages = %d, want none", n)
			}
		})
	}
	t.Run("bot not in the channel", func(t *testing.T) {
		h := start(t, nil)
		h.slack.SetMember(room, false)
		h.failed(h.step(stepInputs(agent, "kari@example.com"), 0), "/invite @resendbot")
	})
	t.Run("cooldown", func(t *testing.T) {
		start(t, nil).secondStepFails("already sent")
	})
}

// secondStepFails runs the same step twice: the first sends, the second
// fails with words (a limit the first used up), sending nothing more.
func (h *harness) secondStepFails(words string) {
	h.t.Helper()
	if c := h.completed(h.step(stepInputs(agent, "kari@example.com"), 0)); !c.Success {
		h.t.Fatalf("first step failed: %q", c.Error)
	}
	exec := h.step(stepInputs(agent, "kari@example.com"), 0)
	cs, err := h.slack.WaitCompletions(2, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	if cs[1].ExecutionID != exec || cs[1].Success || !strings.Contains(cs[1].Error, words) {
		h.t.Errorf("second step = %+v, want it failed with %q", cs[1], words)
	}
	if n := len(h.fp.Resends()); n != 1 {
		h.t.Errorf("front payment resends = %d, want 1", n)
	}
}

// A workflow cannot confirm a destination that differs from the contact on
// file: the step fails saying how to send it from Slack.
func TestWorkflowStepDoesNotSendToADestinationNotOnFile(t *testing.T) {
	h := start(t, confirming(nil))
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	exec := h.step(stepInputs(agent, emailTypo), 0)
	h.failed(exec, "/resend reservation "+uuidA+" email="+emailTypo, "not the contact Front Payment has on file")
	if n := len(h.slack.Messages()); n != 0 {
		t.Errorf("channel messages = %d, want none", n)
	}
	if line := h.auditWith("refused"); line["reason"] != bot.ReasonNotOnFile {
		t.Errorf("audit line %v, want reason %s", line, bot.ReasonNotOnFile)
	}

	// In Norwegian, for an order: the command it suggests says «ordre».
	h = start(t, confirming(map[string]string{"RESEND_LANGUAGE": "nb"}))
	in := stepInputs(agent, emailTypo)
	in[stepID] = frontpaytest.OrderAccepted
	h.failed(h.step(in, 0), "/resend ordre "+frontpaytest.OrderAccepted+" email="+emailTypo, "for ordre `"+frontpaytest.OrderAccepted+"`")
}

// Slack may deliver one execution again (a new envelope and event): it is
// acted on and completed once.
func TestWorkflowStepRunsOncePerExecution(t *testing.T) {
	h := start(t, map[string]string{"RESEND_COOLDOWN": "0"})
	fn := manifestStep(t)
	_, exec := h.slack.FunctionExecuted(fn, "", stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{})
	h.completed(exec)
	env, _ := h.slack.FunctionExecuted(fn, exec, stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{})
	if _, err := h.slack.WaitAck(env, wait); err != nil {
		t.Fatal(err)
	}
	h.waitLog("workflow step delivered again")
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment resends = %d, want 1", n)
	}
	if n := len(h.slack.Completions()); n != 1 {
		t.Errorf("completions = %d, want 1", n)
	}
}

// A completion Slack does not take at once is retried; one Slack says was
// already made is not.
func TestWorkflowStepCompletionIsRetried(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext(fakeslack.MethodCompleteSuccess, 1, fakeslack.Fault{HTTPStatus: 503})
	h.slack.FailNext(fakeslack.MethodCompleteSuccess, 1, fakeslack.RateLimited(1))
	exec := h.step(stepInputs(agent, "kari@example.com"), 0)
	if c := h.completed(exec); !c.Success {
		t.Fatalf("step failed: %q", c.Error)
	}
	if n := len(h.slack.Calls(fakeslack.MethodCompleteSuccess)); n != 3 {
		t.Errorf("completeSuccess calls = %d, want 3 (a 503, a 429, then taken)", n)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment resends = %d, want 1: a completion's retry never resends", n)
	}
}

// A step still queued at shutdown is not sent: it fails, saying so.
func TestWorkflowStepAbandonedAtShutdownFails(t *testing.T) {
	h, hold := busyWithOneSend(t)
	// Envelopes of people the bot knows are handled in order: with agent2
	// known, once the help that follows the step is answered, the step is
	// in the queue (TestWorkflowStepWaitingForItsRequesterAtShutdownFails
	// has the step of someone not known yet).
	h.callerAnswer(agent2, "help")
	exec := h.step(stepInputs(agent2, "second@example.com"), 0) // queued behind the first
	h.command(agent, "help")
	h.stop() // SIGTERM
	c := h.completed(exec)
	close(hold)
	h.stopped()
	if c.Success || !strings.Contains(c.Error, "restarting") {
		t.Errorf("step = %+v, want it failed as abandoned at shutdown", c)
	}
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment calls = %d, want 1", n)
	}
}

// A step of someone the bot has not read yet is acknowledged at once and
// waits for users.info; stopped meanwhile, it fails, so that the workflow
// does not show it running for good.
func TestWorkflowStepWaitingForItsRequesterAtShutdownFails(t *testing.T) {
	h := startWhileSlackSaysNothingOfPeople(t)
	env, exec := h.slack.FunctionExecuted(manifestStep(t), "", stepInputs(agent2, "kari@example.com"), fakeslack.EventOpts{})
	if _, err := h.slack.WaitAck(env, wait); err != nil {
		t.Fatal(err)
	}
	if _, early := h.early.Load(env); !early {
		t.Fatal("the step was not acknowledged before its requester was read")
	}
	h.stop() // SIGTERM, users.info not answered yet
	c := h.completed(exec)
	h.stopped()
	if c.Success || !strings.Contains(c.Error, "restarting") {
		t.Errorf("step = %+v, want it failed as abandoned at shutdown", c)
	}
	if n := len(h.fp.Requests()); n != 0 {
		t.Errorf("front payment calls = %d, want none", n)
	}
}

// Two replicas with Redis, each handed the same execution: one resend, one
// completion.
func TestReplicasRunAWorkflowStepOnce(t *testing.T) {
	hs, _ := replicas(t, 2, map[string]string{"RESEND_COOLDOWN": "0"})
	h := hs[0]
	fn := manifestStep(t)
	_, exec := h.slack.FunctionExecuted(fn, "", stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{Conn: 0})
	env, _ := h.slack.FunctionExecuted(fn, exec, stepInputs(agent, "kari@example.com"), fakeslack.EventOpts{Conn: 1})
	if _, err := h.slack.WaitAck(env, wait); err != nil {
		t.Fatal(err)
	}
	h.completed(exec)
	waitLogAny(t, hs, "workflow step delivered again")
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("front payment resends = %d, want 1", n)
	}
	if n := len(h.slack.Completions()); n != 1 {
		t.Errorf("completions = %d, want 1", n)
	}
}

// waitLog waits until the bot's log says text.
func (h *harness) waitLog(text string) {
	h.t.Helper()
	waitLogAny(h.t, []*harness{h}, text)
}

// waitLogAny waits until the log of one of hs says text.
func waitLogAny(t *testing.T, hs []*harness, text string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		for _, h := range hs {
			if strings.Contains(h.logs.String(), text) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log says %q", text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A completion Slack keeps refusing for now does not hold shutdown up: it
// is given up once the work in flight is done.
func TestWorkflowStepCompletionRetriesEndAtShutdown(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext(fakeslack.MethodCompleteSuccess, 8, fakeslack.RateLimited(60))
	h.step(stepInputs(agent, "kari@example.com"), 0)
	if _, err := h.slack.WaitCalls(fakeslack.MethodCompleteSuccess, 1, wait); err != nil {
		t.Fatal(err)
	}
	if err := h.shutdown(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if !strings.Contains(h.logs.String(), "given up") {
		t.Errorf("the log does not say the completion was given up:\n%s", h.logs.String())
	}
}

// Without a permalink from Slack, audit_message is built from the channel
// and the message's ts.
func TestWorkflowStepLinksTheAuditMessageWithoutAPermalink(t *testing.T) {
	h := start(t, nil)
	h.slack.FailNext("chat.getPermalink", 1, fakeslack.Fault{SlackError: "channel_not_found"})
	c := h.completed(h.step(stepInputs(agent, "kari@example.com"), 0))
	root, _ := h.thread()
	if want := "https://slack.com/archives/" + room + "/p" + strings.ReplaceAll(root.TS, ".", ""); c.Outputs["audit_message"] != want {
		t.Errorf("audit_message = %v, want %s", c.Outputs["audit_message"], want)
	}
}

// Front Payment's records answering for it — no reservation or order with
// the ID, or one already paid or cancelled — are outcomes Front Payment
// gave, not refusals: the step succeeds with them, so that a workflow can
// branch on outcome, though nothing was sent, no resend was asked and
// there is no audit message to link.
func TestWorkflowStepCompletesWithWhatFrontPaymentsRecordsSay(t *testing.T) {
	for _, c := range []struct {
		name, id, outcome, status string
	}{
		{"paid order", frontpaytest.OrderPaid, "completed", "200"},
		{"cancelled reservation", frontpaytest.UUIDDetailsCancelled, "cancelled", "200"},
		{"neither", frontpaytest.UUIDNotFound, "not_found", "404"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, nil)
			in := stepInputs(agent, "kari@example.com")
			in[stepID] = c.id
			done := h.completed(h.step(in, 0))
			if !done.Success {
				t.Fatalf("step failed: %q", done.Error)
			}
			want := map[string]any{"outcome": c.outcome, "sent": "false", "http_status": c.status}
			for k, v := range want {
				if done.Outputs[k] != v {
					t.Errorf("output %s = %#v, want %#v", k, done.Outputs[k], v)
				}
			}
			if link, ok := done.Outputs["audit_message"]; ok {
				t.Errorf("audit_message = %#v, want none: nothing was posted", link)
			}
			if n, m := len(h.fp.Resends()), len(h.slack.Messages()); n != 0 || m != 0 {
				t.Errorf("%d resends, %d channel messages; want none", n, m)
			}
		})
	}
}

// An app created from an older manifest, where audit_message is required,
// refuses the outputs of a step that posted nothing: the step still ends,
// failing with the words the caller would read, rather than shown running
// for good.
func TestWorkflowStepWhoseOutputsSlackRefusesStillEnds(t *testing.T) {
	h := start(t, nil)
	fn := manifestStep(t)
	for i := range fn.Outputs {
		fn.Outputs[i].IsRequired = true
	}
	in := stepInputs(agent, "kari@example.com")
	in[stepID] = frontpaytest.OrderPaid
	_, exec := h.slack.FunctionExecuted(fn, "", in, fakeslack.EventOpts{})
	c := h.completed(exec)
	if c.Success || !strings.Contains(c.Error, "already paid") {
		t.Errorf("step = %+v, want it failed with the outcome's words", c)
	}
	if calls := h.slack.Calls(fakeslack.MethodCompleteSuccess); len(calls) != 1 || calls[0].Error != "parameter_validation_failed" {
		t.Errorf("completeSuccess calls %+v, want one, refused", calls)
	}
}
