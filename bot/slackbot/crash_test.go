package slackbot

import (
	"context"
	"strings"
	"testing"
	"time"

	"resendbot/frontpay/frontpaytest"
)

// A view_submission without "state" used to panic the process and lose
// the outcome of a resend in flight.
func TestAFormWithoutStateCrashesNothing(t *testing.T) {
	h := start(t, nil)
	hold := make(chan struct{})
	h.fp.SetAnswer(uuidA, frontpaytest.Answer{Status: 202, Body: `{"status_code":202,"message":"resentOrderSuccessfully"}`, Hold: hold})
	h.command(agent, uuidA+" email=kari@example.com")
	h.fp.WaitForResends(1, wait)

	id := h.slack.Interactive(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": agent},
		"view": map[string]any{"id": "V1", "callback_id": formID, "private_metadata": room},
	}, 0)
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), "couldn't read this form") {
		t.Errorf("ack = %s; want the form to say it couldn't be read", ack.Payload)
	}
	close(hold)
	_, reply := h.thread()
	if !strings.Contains(reply.Text, "Sent") {
		t.Errorf("the resend in flight lost its outcome: %q", reply.Text)
	}
	// And the bot still answers.
	if got := h.command(agent, "help"); !strings.Contains(got, "Resend a payment link") {
		t.Errorf("help after the bad payload = %q", got)
	}
}

type panickingTask struct{ ran chan struct{} }

func (p *panickingTask) Run(context.Context)     { close(p.ran); panic("boom") }
func (p *panickingTask) Abandon(context.Context) {}

// A task that panics is logged and the worker goes on with the next one.
func TestAPanickingTaskLeavesTheWorkerRunning(t *testing.T) {
	h := start(t, nil)
	p := &panickingTask{ran: make(chan struct{})}
	if !h.bot.engine.Submit(p) {
		t.Fatal("queue refused the task")
	}
	select {
	case <-p.ran:
	case <-time.After(wait):
		t.Fatal("the task never ran")
	}
	h.command(agent, uuidA+" email=kari@example.com")
	if _, reply := h.thread(); !strings.Contains(reply.Text, "Sent") {
		t.Errorf("after a panicking task: %q", reply.Text)
	}
	if !strings.Contains(h.logs.String(), "a queued task failed") {
		t.Error("the panic was not logged")
	}
}
