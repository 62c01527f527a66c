package slackbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"regexp"
	"resendbot/bot"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// slackSurface posts through Slack's Web API. A post that Slack refuses for
// a while (429 with Retry-After, 5xx, a timeout) is retried with backoff so
// that no outcome is lost; an answer like not_in_channel is final.
type slackSurface struct {
	api      *slack.Client
	http     *http.Client
	attempts int
	backoff  bot.Backoff
	budget   time.Duration // the most one call waits between its attempts, in all
	metrics  *slackMetrics // nil: not counted
	token    *botToken     // nil: not followed
}

// slackRetryBudget bounds how long one post keeps trying: an outcome waits
// this long for Slack at most (it is in the audit log regardless), and an
// in-flight hold (holdTTL) outlasts it.
const slackRetryBudget = 2 * time.Minute

// startBudget bounds how long start-up waits out a Slack that limits (429,
// Retry-After honoured) or fails: the reads it needs before it takes
// requests (auth.test, the user groups) are not configuration problems.
const startBudget = 10 * time.Minute

// patient is s for start-up reads: retried until startBudget is spent.
func (s *slackSurface) patient() *slackSurface {
	p := *s
	p.attempts, p.budget = math.MaxInt, startBudget
	return &p
}

func (s *slackSurface) Post(ctx context.Context, channel, threadTS string, m bot.Message) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(blocksOf(m)...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	err := s.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = s.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("chat.postMessage in %s: %w", channel, cannotPost(channel, err))
	}
	return ts, nil
}

func (s *slackSurface) Update(ctx context.Context, channel, ts string, m bot.Message) error {
	return s.updateBlocks(ctx, channel, ts, m.Text, blocksOf(m))
}

// updateBlocks replaces the message at ts with text and blocks as they are.
func (s *slackSurface) updateBlocks(ctx context.Context, channel, ts, text string, blocks []slack.Block) error {
	err := s.retry(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts,
			slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		return err
	})
	if err != nil {
		return fmt.Errorf("chat.update %s in %s: %w", ts, channel, err)
	}
	return nil
}

// Tell answers through the command's response_url, which works even where
// the bot is not a member; chat.postEphemeral is the last resort.
func (s *slackSurface) Tell(ctx context.Context, o bot.Origin, m bot.Message) error {
	if o.ResponseURL != "" {
		err := s.retry(ctx, methodResponseURL, func(ctx context.Context) error { return s.respond(ctx, o.ResponseURL, m) })
		if err == nil {
			return nil
		}
		if o.ChannelID == "" {
			return fmt.Errorf("response_url: %w", err)
		}
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if blocks := blocksOf(m); len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if o.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(o.ThreadTS))
	}
	err := s.retry(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := s.api.PostEphemeralContext(ctx, o.ChannelID, o.UserID, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("chat.postEphemeral in %s: %w", o.ChannelID, err)
	}
	return nil
}

func (s *slackSurface) respond(ctx context.Context, url string, m bot.Message) error {
	return s.respondBlocks(ctx, url, m.Text, blocksOf(m), m.ReplaceOriginal)
}

// respondBlocks posts an ephemeral answer with blocks as they are.
func (s *slackSurface) respondBlocks(ctx context.Context, url, text string, blocks []slack.Block, replace bool) error {
	payload := map[string]any{"response_type": "ephemeral", "replace_original": replace, "text": text}
	if len(blocks) > 0 {
		payload["blocks"] = blocks
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("response_url request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	}
	// Slack answers "ok", or a JSON body; a refusal (invalid_blocks,
	// expired_url, …) may come with 200 and "ok": false, or with a 4xx.
	var refused struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(answer, &refused) == nil && refused.OK != nil && !*refused.OK {
		return slack.SlackErrorResponse{Err: refused.Error}
	}
	if resp.StatusCode != http.StatusOK {
		if code := strings.TrimSpace(string(answer)); slackCode.MatchString(code) {
			return fmt.Errorf("response_url answered HTTP %d: %w", resp.StatusCode, slack.SlackErrorResponse{Err: code})
		}
		return fmt.Errorf("response_url answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// slackCode is what an error code of Slack's looks like: invalid_blocks.
var slackCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// retry runs op, the Web API call method, until it succeeds, fails for
// good, or runs out of attempts; each retry and the final failure are
// counted.
func (s *slackSurface) retry(ctx context.Context, method string, op func(context.Context) error) error {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			s.token.observe(method, nil)
			return nil
		}
		wait, again := retryable(err)
		wait = max(wait, s.backoff(attempt))
		if !again || attempt >= s.attempts || ctx.Err() != nil || waited+wait > s.budget {
			s.failed(method, err)
			return err
		}
		if s.metrics != nil {
			s.metrics.slackCall(method, err, true)
		}
		waited += wait
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// failed counts a call that failed for good, and follows what its error
// says of the bot token.
// called notes the result of one Web API call made outside retry (a
// users.info read): a failure is counted, and either way the bot token's
// state follows it.
func (s *slackSurface) called(method string, err error) {
	if err != nil {
		s.failed(method, err)
		return
	}
	s.token.observe(method, nil)
}

func (s *slackSurface) failed(method string, err error) {
	if s.metrics != nil {
		s.metrics.slackCall(method, err, false)
	}
	s.token.observe(method, err)
}

// retryable says whether Slack may take the same call later, and the least
// wait it asked for.
func retryable(err error) (time.Duration, bool) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return 0, sc.Code == http.StatusTooManyRequests || sc.Code >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return 0, true
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return 0, se.Err == "internal_error" || se.Err == "fatal_error" || se.Err == "service_unavailable" || se.Err == "request_timeout"
	}
	return 0, false
}

// cannotPost adds the core's own error to Slack's answer when it means
// the bot may not post in channel.
func cannotPost(channel string, err error) error {
	switch slackErrorCode(err) {
	case "not_in_channel", "channel_not_found", "is_archived":
		if strings.HasPrefix(channel, "D") {
			return fmt.Errorf("%w: %w", bot.ErrDirectMessage, err)
		}
		return fmt.Errorf("%w: %w", bot.ErrNotInChannel, err)
	}
	return err
}

// slackErrorCode is Slack's error string ("not_in_channel") when err carries one.
func slackErrorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
