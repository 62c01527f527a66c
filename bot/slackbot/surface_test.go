package slackbot

import (
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"resendbot/bot"
	"resendbot/bot/internal/fakeslack"
)

// A response_url that refuses a message is noticed, whether Slack says so
// in a 200 body ({"ok":false,"error":…}) or with a 4xx: the caller's answer
// must not be taken as delivered when it was not.
func TestResponseURLRefusalsAreNoticed(t *testing.T) {
	fs := fakeslack.New(t)
	s := &slackSurface{http: &http.Client{Timeout: wait}, attempts: 1, backoff: func(int) time.Duration { return 0 }}
	dup := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "a", false, false), nil, nil, slack.SectionBlockOptionBlockID("same")),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "b", false, false), nil, nil, slack.SectionBlockOptionBlockID("same")),
	}
	err := s.respondBlocks(t.Context(), fs.ResponseURL("dup"), "x", dup, false)
	if code := slackErrorCode(err); code != "invalid_blocks" {
		t.Errorf("duplicate block_ids: respond = %v, want Slack's invalid_blocks", err)
	}

	fs.FailNext(fakeslack.MethodResponseURL, 1, fakeslack.Fault{HTTPStatus: http.StatusNotFound, Body: "expired_url"})
	err = s.respond(t.Context(), fs.ResponseURL("gone"), bot.Message{Text: "x"})
	if code := slackErrorCode(err); code != "expired_url" {
		t.Errorf("404 expired_url: respond = %v, want the code", err)
	}

	if err := s.respond(t.Context(), fs.ResponseURL("fine"), bot.Message{Text: "x"}); err != nil {
		t.Errorf("a good message: %v", err)
	}
}
