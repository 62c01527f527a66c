package fakeslack

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Custom steps (Slack's "custom functions" for Bolt apps): Slack delivers a
// function_executed event when a workflow reaches the app's step, and the
// app ends the step once with functions.completeSuccess (outputs checked
// against the step's output_parameters) or functions.completeError. A
// second completion of one execution is refused with
// execution_not_in_running_state; an ID Slack never issued, with
// function_execution_not_found (Slack's reference of both methods).

// FunctionParam is one input or output parameter of a step, as the app's
// manifest declares it and the event repeats it.
type FunctionParam struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	IsRequired  bool   `json:"is_required"`
}

// Function is a step the app declares: its callback ID and parameters.
type Function struct {
	CallbackID  string
	Title       string
	Description string
	Inputs      []FunctionParam
	Outputs     []FunctionParam
	// Odd, when set, is merged into the event's "function" object as
	// given: a field of a shape a client may not expect (a date written as
	// a string), for an event it cannot decode.
	Odd map[string]any
}

// FunctionCompletion is one call to functions.completeSuccess or
// functions.completeError that Slack accepted.
type FunctionCompletion struct {
	ExecutionID string
	Success     bool
	Outputs     map[string]any // completeSuccess: the outputs, as JSON decoded them
	Error       string         // completeError: the message the person reads
	At          time.Time
}

// Method names of the completions.
const (
	MethodCompleteSuccess = "functions.completeSuccess"
	MethodCompleteError   = "functions.completeError"
)

// execution is one run of a step, from its event to its completion.
type execution struct {
	fn        Function
	completed bool
}

// FunctionExecuted delivers a function_executed event for fn with inputs,
// exactly as Slack documents it (an events_api envelope, the function's
// definition, inputs, function_execution_id, workflow_execution_id,
// event_ts and a bot_access_token), and returns its envelope ID. The
// execution is running until the app completes it. executionID "" makes a
// fresh one; one delivered again keeps its state.
func (s *Server) FunctionExecuted(fn Function, executionID string, inputs map[string]any, opts EventOpts) (envelopeID, execID string) {
	s.t.Helper()
	s.mu.Lock()
	s.eventTSSeq++
	seq := s.eventTSSeq
	if executionID == "" {
		executionID = fmt.Sprintf("Fx%010d", seq)
	}
	if s.executions[executionID] == nil {
		s.executions[executionID] = &execution{fn: fn}
	}
	s.mu.Unlock()
	function := map[string]any{
		"id": "Fn" + strings.ToUpper(fn.CallbackID), "callback_id": fn.CallbackID,
		"title": fn.Title, "description": fn.Description, "type": "app",
		"input_parameters": params(fn.Inputs), "output_parameters": params(fn.Outputs),
		"app_id": AppID, "date_created": 1694727597, "date_updated": 1698947481, "date_deleted": 0,
	}
	for k, v := range fn.Odd {
		function[k] = v
	}
	event := map[string]any{
		"type":                  "function_executed",
		"function":              function,
		"inputs":                inputs,
		"function_execution_id": executionID,
		"workflow_execution_id": "Wx" + executionID,
		"event_ts":              fmt.Sprintf("%d.%06d", time.Now().Unix(), seq%1000000),
		"bot_access_token":      "xwfp-" + executionID + "-just-in-time",
	}
	return s.EventsAPI(event, opts), executionID
}

func params(ps []FunctionParam) []FunctionParam {
	if ps == nil {
		return []FunctionParam{}
	}
	return ps
}

// Completions are the completions Slack accepted, in order.
func (s *Server) Completions() []FunctionCompletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]FunctionCompletion(nil), s.completions...)
}

// WaitCompletions waits until n completions were accepted and returns them.
func (s *Server) WaitCompletions(n int, timeout time.Duration) ([]FunctionCompletion, error) {
	if err := s.wait(timeout, func() bool { return len(s.completions) >= n }); err != nil {
		return s.Completions(), s.timeoutErr(fmt.Sprintf("%d function completions", n), timeout)
	}
	return s.Completions(), nil
}

// dispatchFunction serves functions.completeSuccess and
// functions.completeError.
func (s *Server) dispatchFunction(method string, call Call) answer {
	var body struct {
		ID      string          `json:"function_execution_id"`
		Outputs json.RawMessage `json:"outputs"`
		Error   *string         `json:"error"`
	}
	if len(call.JSON) > 0 {
		if err := json.Unmarshal(call.JSON, &body); err != nil {
			return errAnswer("invalid_json")
		}
	} else {
		body.ID = call.Form.Get("function_execution_id")
		body.Outputs = json.RawMessage(call.Form.Get("outputs"))
		if call.Form.Has("error") {
			e := call.Form.Get("error")
			body.Error = &e
		}
	}
	if body.ID == "" {
		return errAnswer("invalid_arguments")
	}
	done := FunctionCompletion{ExecutionID: body.ID, Success: method == MethodCompleteSuccess, At: call.At}
	s.mu.Lock()
	defer s.mu.Unlock()
	ex := s.executions[body.ID]
	switch {
	case ex == nil:
		return errAnswer("function_execution_not_found")
	case ex.completed:
		return errAnswer("execution_not_in_running_state")
	}
	if done.Success {
		if len(body.Outputs) == 0 || string(body.Outputs) == "null" {
			return errAnswer("invalid_arguments") // outputs is a required argument
		}
		if err := json.Unmarshal(body.Outputs, &done.Outputs); err != nil {
			return errAnswer("invalid_arguments")
		}
		if msgs := checkOutputs(ex.fn.Outputs, done.Outputs); len(msgs) > 0 {
			return errAnswerMessages("parameter_validation_failed", msgs)
		}
	} else {
		if body.Error == nil || *body.Error == "" {
			return errAnswer("invalid_arguments") // error is a required argument
		}
		done.Error = *body.Error
	}
	ex.completed = true
	s.completions = append(s.completions, done)
	return okAnswer(map[string]any{})
}

// checkOutputs validates outputs against the step's declared output
// parameters as Slack does: every required one present, none undeclared,
// each of its declared type.
func checkOutputs(declared []FunctionParam, outputs map[string]any) []string {
	var msgs []string
	byName := map[string]FunctionParam{}
	for _, p := range declared {
		byName[p.Name] = p
		if _, ok := outputs[p.Name]; !ok && p.IsRequired {
			msgs = append(msgs, fmt.Sprintf("[ERROR] missing required output %q", p.Name))
		}
	}
	for name, v := range outputs {
		p, ok := byName[name]
		if !ok {
			msgs = append(msgs, fmt.Sprintf("[ERROR] output %q is not declared", name))
			continue
		}
		if !ofType(p.Type, v) {
			msgs = append(msgs, fmt.Sprintf("[ERROR] output %q must be of type %s, not %T", name, p.Type, v))
		}
	}
	return msgs
}

// ofType reports whether a JSON value is of a Slack parameter type.
func ofType(typ string, v any) bool {
	switch typ {
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "number":
		_, ok := v.(float64)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	// string and the slack#/types/… IDs, timestamps and dates are strings.
	_, ok := v.(string)
	return ok
}

// permalink answers chat.getPermalink for a message the fake holds.
func (s *Server) permalink(call Call) answer {
	channel, ts := call.Form.Get("channel"), call.Form.Get("message_ts")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return okAnswer(map[string]any{"channel": channel,
				"permalink": "https://fake.slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")})
		}
	}
	return errAnswer("message_not_found")
}
