// Command resendbot is a Slack bot that resends a Front Payment
// reservation's payment link by SMS or email. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the image is distroless: RESEND_TIMEZONE needs the zones inside the binary

	"resendbot/bot"
	"resendbot/bot/app"
)

// version and revision are stamped at build time:
// -ldflags "-X main.version=1.2.3 -X main.revision=$(git rev-parse HEAD)".
var (
	version  = "dev"
	revision = ""
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		var cfgErr *bot.ConfigError
		if errors.As(err, &cfgErr) {
			fmt.Fprintln(os.Stderr, "resendbot: the configuration has problems:")
			for _, p := range cfgErr.Problems {
				fmt.Fprintln(os.Stderr, "  "+p)
			}
			fmt.Fprintln(os.Stderr, "See README.md (Configuration) and .env.example.")
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "resendbot:", err)
		os.Exit(1)
	}
}

// run is the whole program: tests call it with their own environment and
// streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Main(ctx, app.Program{
		Args:     args,
		Getenv:   getenv,
		Stdin:    stdin,
		Stdout:   stdout,
		Stderr:   stderr,
		Version:  version,
		Revision: revision,
	})
}
