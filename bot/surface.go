package bot

import (
	"context"
	"errors"
	"time"
)

// Surface is where the bot's messages appear: Slack in production, the
// terminal in console mode.
type Surface interface {
	// Post posts m in channel (in threadTS's thread when set) and returns its ts.
	Post(ctx context.Context, channel, threadTS string, m Message) (string, error)
	// Update replaces the message at ts.
	Update(ctx context.Context, channel, ts string, m Message) error
	// Tell shows m only to the caller of o.
	Tell(ctx context.Context, o Origin, m Message) error
}

// Backoff is how long to wait before retry number attempt (1, 2, …).
type Backoff func(attempt int) time.Duration

// DefaultBackoff doubles from 500 ms up to 30 s.
func DefaultBackoff(attempt int) time.Duration {
	return min(500*time.Millisecond<<min(attempt-1, 6), 30*time.Second)
}

// Errors a Surface's Post wraps when it may not post where it was asked.
var (
	ErrNotInChannel  = errors.New("the bot is not a member of the channel")
	ErrDirectMessage = errors.New("the channel is a direct message between people")
	// ErrMaybePosted: the post may have landed, but Slack did not say so
	// (it timed out, or answered fatal_error). It is not repeated: a second
	// audit message would be left "Sending…".
	ErrMaybePosted = errors.New("slack did not confirm the post; it may or may not exist")
)
