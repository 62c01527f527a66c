package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"resendbot/bot"
	"time"
)

// ErrUnhealthy is returned by the healthcheck command when /healthz does
// not answer 200.
var ErrUnhealthy = errors.New("unhealthy")

// healthcheck probes the /healthz of the resendbot serving on HTTP_ADDR in
// the same environment: the distroless image has no shell or curl, so
// Docker's HEALTHCHECK runs the binary itself. It reads only HTTP_ADDR, so
// it needs no tokens.
func healthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	addr, err := bot.LoadHTTPAddr(getenv)
	if err != nil {
		return err
	}
	if addr == "" {
		return &bot.ConfigError{Problems: []string{"HTTP_ADDR is required for healthcheck (the bot serves /healthz there)"}}
	}
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnhealthy, err)
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}} // never through HTTPS_PROXY
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s did not answer: %v", ErrUnhealthy, url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrUnhealthy, url, resp.StatusCode)
	}
	fmt.Fprintf(stdout, "ok: %s\n", url)
	return nil
}
