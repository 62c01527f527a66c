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

// slackSurface posts through Slack's Web API. A call that Slack refuses
// for a while (a rate limit, 5xx, a timeout) is retried with backoff so
// that no outcome is lost; an answer like not_in_channel is final, and a
// post that may have landed is never repeated (ErrMaybePosted).
type slackSurface struct {
	api      *slack.Client
	http     *http.Client
	attempts int // of a call Slack failed, rate limits aside
	backoff  bot.Backoff
	budget   time.Duration // the most one call keeps trying, waits included
	metrics  *slackMetrics // nil: not counted
	token    *botToken     // nil: not followed
	pace     *pacer
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

// Post posts m. A post that may have landed without Slack saying so (a
// timeout, fatal_error) is not repeated: it returns an error wrapping
// bot.ErrMaybePosted.
func (s *slackSurface) Post(ctx context.Context, channel, threadTS string, m bot.Message) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(blocksOf(m)...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	err := s.paced(ctx, "chat.postMessage", channel, func(ctx context.Context) error {
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
	err := s.paced(ctx, "chat.update", channel, func(ctx context.Context) error {
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
	if o.ThreadTS != "" && o.ThreadExists {
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
// good, or runs out of attempts or budget; each retry and the final failure
// are counted.
func (s *slackSurface) retry(ctx context.Context, method string, op func(context.Context) error) error {
	return s.paced(ctx, method, "", op)
}

// paced is retry for a call that posts in channel: it waits for the
// channel's turn when Slack has limited posting there (pacer), and a post
// that may have landed is not repeated.
func (s *slackSurface) paced(ctx context.Context, method, channel string, op func(context.Context) error) error {
	start := time.Now()
	failures := 0
	var last error // the latest failure, if any
	for {
		if err := s.pace.wait(ctx, method, channel); err != nil {
			if last != nil {
				s.count(method, last, false)
			}
			return errors.Join(last, err)
		}
		err := op(ctx)
		if err == nil {
			s.token.observe(method, nil)
			return nil
		}
		last = err
		v, wait := verdictOf(err)
		switch v {
		case limited:
			s.pace.limited(method, channel, wait)
		case maybeDone:
			if method == "chat.postMessage" {
				s.failed(method, err)
				return fmt.Errorf("%w: %w", bot.ErrMaybePosted, err)
			}
			failures++
		case failed:
			failures++
		}
		wait = max(wait, s.backoff(max(failures, 1)))
		if v == final || failures >= s.attempts || ctx.Err() != nil || time.Since(start)+wait > s.budget {
			s.count(method, err, false)
			return err
		}
		s.count(method, err, true)
		if s.pace != nil && channel != "" && v == limited {
			continue // the pacer waits out Retry-After, in the channel's turn
		}
		if sleep(ctx, wait) != nil {
			s.count(method, err, false)
			return errors.Join(err, ctx.Err())
		}
	}
}

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

// failed counts a call that failed for good, and follows what its error
// says of the bot token.
func (s *slackSurface) failed(method string, err error) {
	if s.metrics != nil {
		s.metrics.slackCall(method, err, false)
	}
	s.token.observe(method, err)
}

// count records a Slack Web API failure: retried says whether the call
// will be tried again.
func (s *slackSurface) count(method string, err error, retried bool) {
	if s.metrics != nil {
		s.metrics.slackCall(method, err, retried)
	}
}

// sleep waits d, or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// verdict is what a failed Slack call means for calling it again.
type verdict int

const (
	final     verdict = iota // Slack refused it for good: not_in_channel, invalid_blocks, …
	failed                   // Slack did not do it and may later: call again
	limited                  // over Slack's rate limit: call again after Retry-After
	maybeDone                // it may have taken effect (a timeout, fatal_error): call again only what is safe twice
)

// verdictOf judges err, and returns the least wait Slack asked for.
// Slack's chat.postMessage reference: fatal_error and internal_error mean
// "It's possible some aspect of the operation succeeded before the error
// was raised"; service_unavailable and request_timeout (the POST data was
// missing or truncated) mean it did nothing.
func verdictOf(err error) (verdict, time.Duration) {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return limited, rl.RetryAfter
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return limited, 0
		case sc.Code == http.StatusServiceUnavailable:
			return failed, 0
		case sc.Code >= 500:
			return maybeDone, 0 // a gateway's 502/504, a 500: Slack may have posted
		}
		return final, 0
	}
	switch slackErrorCode(err) {
	case "ratelimited", "rate_limited":
		return limited, 0
	case "service_unavailable", "request_timeout":
		return failed, 0
	case "fatal_error", "internal_error":
		return maybeDone, 0
	case "":
	default:
		return final, 0
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return failed, 0 // never reached Slack
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return maybeDone, 0 // sent, and no answer in time: it may have landed
	}
	return final, 0
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
