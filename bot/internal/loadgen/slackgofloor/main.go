// Command slackgofloor is the slack-go ack-only floor of resendbot's load
// benchmark (bot/slackbot/load_test.go) in a process of its own. The benchmark builds
// it as it builds resendbot's binary and runs it the same way, so that the
// binary is compared with a floor that has, like it, its own heap, GC and
// RSS, rather than one sharing the test process with the fakes.
//
// It reads SLACK_API_URL, SLACK_APP_TOKEN and SLACK_BOT_TOKEN, acks every
// Socket Mode request with an empty payload until SIGTERM or SIGINT, and
// then exits 0; it exits 1, with a message on stderr, if the client failed.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"resendbot/bot/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := loadgen.RunSlackGoFloor(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "slackgofloor:", err)
		stop()
		os.Exit(1)
	}
}
