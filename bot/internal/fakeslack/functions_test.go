package fakeslack

import (
	"errors"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

var testStep = Function{
	CallbackID: "step", Title: "A step", Description: "Does it",
	Inputs: []FunctionParam{{Name: "who", Type: "slack#/types/user_id", IsRequired: true}},
	Outputs: []FunctionParam{
		{Name: "word", Type: "string", IsRequired: true},
		{Name: "flag", Type: "boolean"},
	},
}

// slackCode is the Slack error code in err, "" when none.
func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// function_executed reaches the real slack-go client as its typed event,
// with the function, its inputs and the execution's IDs.
func TestFunctionExecutedIsDeliveredAsSlackDocumentsIt(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	id, exec := s.FunctionExecuted(testStep, "", map[string]any{"who": "U1"}, EventOpts{})
	evt := c.next(t, socketmode.EventTypeEventsAPI)
	ev := evt.Data.(slackevents.EventsAPIEvent)
	fe, ok := ev.InnerEvent.Data.(*slackevents.FunctionExecutedEvent)
	if !ok {
		t.Fatalf("inner event = %#v", ev.InnerEvent.Data)
	}
	if fe.Function.CallbackID != "step" || fe.FunctionExecutionID != exec || fe.WorkflowExecutionID == "" ||
		fe.Inputs["who"] != "U1" || fe.BotAccessToken == "" || fe.EventTs == "" ||
		len(fe.Function.InputParameters) != 1 || fe.Function.InputParameters[0].Type != "slack#/types/user_id" ||
		len(fe.Function.OutputParameters) != 2 {
		t.Fatalf("function_executed = %+v", fe)
	}
	if _, err := s.WaitAck(id, wait); err != nil {
		t.Fatal(err)
	}
}

// functions.completeSuccess and completeError: once per execution, with
// Slack's errors for a second completion, an unknown execution, a wrong
// token, missing arguments and outputs that do not match the declaration.
func TestFunctionCompletions(t *testing.T) {
	s := New(t)
	c := startClient(t, s)
	if err := s.WaitConnected(1, wait); err != nil {
		t.Fatal(err)
	}
	api := c.api
	_, exec := s.FunctionExecuted(testStep, "", nil, EventOpts{})
	_, other := s.FunctionExecuted(testStep, "", nil, EventOpts{})

	outputs := func(m map[string]string) slack.FunctionCompleteSuccessRequestOption {
		return slack.FunctionCompleteSuccessRequestOptionOutput(m)
	}
	if err := api.FunctionCompleteSuccess("Fx-unknown", outputs(map[string]string{"word": "x"})); slackCode(err) != "function_execution_not_found" {
		t.Errorf("unknown execution: %v, want function_execution_not_found", err)
	}
	wrong := slack.New("xoxb-not-the-bot", slack.OptionAPIURL(s.APIURL()))
	if err := wrong.FunctionCompleteError(exec, "no"); slackCode(err) != "invalid_auth" {
		t.Errorf("wrong token: %v, want invalid_auth", err)
	}
	if err := api.FunctionCompleteSuccess(exec, outputs(map[string]string{"word": "x", "flag": "true"})); slackCode(err) != "parameter_validation_failed" {
		t.Errorf("a boolean output sent as a string (slack-go sends strings): %v, want parameter_validation_failed", err)
	}
	if err := api.FunctionCompleteSuccess(exec, outputs(map[string]string{"flag2": "x"})); slackCode(err) != "parameter_validation_failed" {
		t.Errorf("an undeclared output, a required one missing: %v, want parameter_validation_failed", err)
	}
	if err := api.FunctionCompleteSuccess(exec); slackCode(err) != "invalid_arguments" {
		t.Errorf("no outputs: %v, want invalid_arguments", err)
	}
	if err := api.FunctionCompleteError(other, ""); slackCode(err) != "invalid_arguments" {
		t.Errorf("no error message: %v, want invalid_arguments", err)
	}
	if err := api.FunctionCompleteSuccess(exec, outputs(map[string]string{"word": "done"})); err != nil {
		t.Fatalf("completeSuccess: %v", err)
	}
	if err := api.FunctionCompleteSuccess(exec, outputs(map[string]string{"word": "again"})); slackCode(err) != "execution_not_in_running_state" {
		t.Errorf("second completion: %v, want execution_not_in_running_state", err)
	}
	if err := api.FunctionCompleteError(exec, "late"); slackCode(err) != "execution_not_in_running_state" {
		t.Errorf("an error after success: %v, want execution_not_in_running_state", err)
	}
	if err := api.FunctionCompleteError(other, "it failed"); err != nil {
		t.Fatalf("completeError: %v", err)
	}
	done := s.Completions()
	if len(done) != 2 || !done[0].Success || done[0].Outputs["word"] != "done" || done[1].Success || done[1].Error != "it failed" {
		t.Errorf("completions = %+v", done)
	}
}

// chat.getPermalink links a message the fake holds, and only such a one.
func TestGetPermalink(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
	if err != nil {
		t.Fatal(err)
	}
	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: ts})
	if err != nil || link == "" {
		t.Fatalf("permalink = %q, %v", link, err)
	}
	if _, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: "1.2"}); slackCode(err) != "message_not_found" {
		t.Errorf("unknown message: %v, want message_not_found", err)
	}
}
