package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// answered waits for the caller-only answer to the command sent as envelope
// id (its response_url) and returns it.
func (h *harness) answered(id string) fakeslack.ResponseURLPost {
	h.t.Helper()
	snap, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
		for _, p := range s.ResponseURLPosts {
			if p.ID == id {
				return true
			}
		}
		return false
	}, wait)
	if err != nil {
		h.t.Fatalf("no answer to %s: %v", id, err)
	}
	for _, p := range snap.ResponseURLPosts {
		if p.ID == id {
			return p
		}
	}
	panic("unreachable")
}

func (h *harness) slash(user, text string) string {
	h.t.Helper()
	id := h.slack.SlashCommand(fakeslack.SlashCommand{UserID: user, ChannelID: room, Text: text})
	ack, err := h.slack.WaitAck(id, wait)
	if err != nil {
		h.t.Fatal(err)
	}
	if got := ackText(h.t, ack.Payload); got != "" {
		h.t.Fatalf("%q answered at once: %q", text, got)
	}
	return id
}

func TestStatusShowsStateAndMaskedContactOnlyToTheCaller(t *testing.T) {
	h := start(t, nil)
	d := frontpaytest.SampleDetails(uuidA)
	d.Status, d.GrandTotal, d.PaymentLinkDueDate = "sent", 1250.5, "2026-12-01"
	d.SendOrderBy = frontpaytest.SendOrderBy{SMS: true}
	h.fp.SetDetails(uuidA, d)
	p := h.answered(h.slash(agent, "status "+uuidA))
	for _, want := range []string{"Not paid yet", "awaiting payment (“sent”)", "NOK\u00a01,250.50", "Payment due: 1 December 2026", "First sent by: SMS",
		"SMS `+47 ****4567`", "`k***@example.com`", "/resend " + uuidA} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("status answer lacks %q:\n%s", want, p.Text)
		}
	}
	if p.ResponseType != "ephemeral" || strings.Contains(p.Text, "41234567") || strings.Contains(p.Text, "kari.nordmann@") {
		t.Errorf("status answer not caller-only or not masked: %+v", p)
	}
	if n := len(h.slack.Messages()); n != 0 {
		t.Errorf("status posted %d channel messages", n)
	}
	for _, r := range h.fp.Requests() {
		if r.Method != "GET" {
			t.Errorf("status made a %s %s", r.Method, r.Path)
		}
	}
	if line := h.waitAudit(1)[0]; line["msg"] != "status" || line["outcome"] != "found" || line["reservation"] != uuidA {
		t.Errorf("audit line = %v", line)
	}
}

func TestStatusIsRateLimitedPerUser(t *testing.T) {
	h := start(t, map[string]string{"RESEND_RATE_PER_USER": "1/1h"})
	h.answered(h.slash(agent, "status "+uuidA))
	if got := h.command(agent, "status "+uuidA); !strings.Contains(got, "Try again in") {
		t.Errorf("second lookup answered %q, want a rate-limit refusal", got)
	}
}

// offerButtons returns the buttons of a caller-only offer.
func offerButtons(t *testing.T, p fakeslack.ResponseURLPost) map[string]string {
	t.Helper()
	out := map[string]string{}
	if len(p.Blocks) == 0 {
		return out
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(p.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && strings.HasPrefix(btn.ActionID, actionOffer+"_") {
					out[btn.Text.Text] = btn.Value
				}
			}
		}
	}
	return out
}

func (h *harness) pressOffer(user, value string) {
	h.t.Helper()
	id := h.slack.Interactive(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"channel":      map[string]any{"id": room},
		"response_url": h.slack.ResponseURL("offer-press"),
		"container":    map[string]any{"type": "message", "is_ephemeral": true},
		"actions":      []map[string]any{{"type": "button", "action_id": actionOffer + "_0", "block_id": "resend_offer_actions", "value": value}},
	}, 0)
	if _, err := h.slack.WaitAck(id, wait); err != nil {
		h.t.Fatal(err)
	}
}

func TestOfferContactOnFile(t *testing.T) {
	h := start(t, nil)
	h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
	p := h.answered(h.slash(agent, uuidA))
	buttons := offerButtons(t, p)
	if len(buttons) != 3 || buttons["SMS to +47 ****4567"] == "" || buttons["Both"] == "" {
		t.Fatalf("buttons = %v; want SMS, email and both, masked", buttons)
	}
	if strings.Contains(string(p.Blocks), "41234567") {
		t.Error("the offer carries the unmasked number")
	}
	if len(h.fp.Resends()) != 0 {
		t.Fatal("an offer sent something before any button was pressed")
	}
	if len(h.slack.Messages()) != 0 {
		t.Fatal("an offer posted in the channel")
	}

	h.pressOffer(agent, buttons["SMS to +47 ****4567"])
	root, reply := h.thread()
	if !strings.Contains(root.Text, "<@"+agent+">") || !strings.Contains(root.Text, "SMS to `+47 ****4567`") || !strings.Contains(reply.Text, "Sent") {
		t.Errorf("offer flow: root %q reply %q", root.Text, reply.Text)
	}
	posts := h.fp.Resends()
	if len(posts) != 1 || string(posts[0].Body) != `{"countryCode":"+47","msisdn":"41234567","email":null}` {
		t.Fatalf("resends = %v, want one SMS to the number on file", posts)
	}

	// Pressed again, or another button of the same offer: nothing more.
	h.pressOffer(agent, buttons["SMS to +47 ****4567"])
	h.pressOffer(agent, buttons["Both"])
	h.responseURLSays("already used")
	if n := len(h.fp.Resends()); n != 1 {
		t.Errorf("resends after pressing again = %d, want 1", n)
	}
}

func TestOfferForPaidOrCancelledHasNoButtons(t *testing.T) {
	h := start(t, nil)
	for uuid, want := range map[string]string{
		frontpaytest.UUIDPaid:             "Paid",
		frontpaytest.UUIDDetailsCancelled: "Cancelled",
		frontpaytest.UUIDNoContact:        "no usable phone number or email",
	} {
		p := h.answered(h.slash(agent, uuid))
		if !strings.Contains(p.Text, want) {
			t.Errorf("%s: answer %q lacks %q", uuid, p.Text, want)
		}
		if b := offerButtons(t, p); len(b) != 0 {
			t.Errorf("%s: buttons %v offered", uuid, b)
		}
	}
	if n := h.fp.Calls(); n != 3 {
		t.Errorf("front payment calls = %d, want only the 3 lookups", n)
	}
}

func TestOfferForUnknownReservation(t *testing.T) {
	h := start(t, nil)
	p := h.answered(h.slash(agent, frontpaytest.UUIDNotFound))
	if !strings.Contains(p.Text, "has no reservation or order") {
		t.Errorf("answer = %q", p.Text)
	}
}

func TestOfferWithALongEmailOnFileStillReachesTheCaller(t *testing.T) {
	h := start(t, map[string]string{"RESEND_MASK_CONTACTS": "false"})
	d := frontpaytest.SampleDetails(uuidA)
	d.CustomerDetails.Email = strings.Repeat("k", 64) + "@" + strings.Repeat("long-domain.", 10) + "example.com"
	h.fp.SetDetails(uuidA, d)
	p := h.answered(h.slash(agent, uuidA))
	buttons := offerButtons(t, p)
	if len(buttons) != 3 {
		t.Fatalf("buttons = %v; want SMS, email and both", buttons)
	}
	for label := range buttons {
		if n := len([]rune(label)); n > 75 {
			t.Errorf("button %q has %d characters; Slack refuses more than 75", label, n)
		}
	}
}
