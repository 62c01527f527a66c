package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/redis/go-redis/v9"

	"resendbot/bot"
	"resendbot/bot/console"
	"resendbot/bot/redisstate"
	"resendbot/bot/slackbot"
	"resendbot/frontpay"
)

// Program is what the process gives the program: arguments without the
// program name, the environment, and its streams.
type Program struct {
	Args    []string
	Getenv  func(string) string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
	// Revision is the source revision the binary was built from ("":
	// the one Go stamped, if any).
	Revision string
	// DotEnv is the .env file to read first; "" means ".env".
	DotEnv string
}

// Main runs resendbot until ctx is cancelled: the Slack bot, or the console
// with "console". It returns a *ConfigError when the environment is wrong.
func Main(ctx context.Context, p Program) error {
	mode, err := parseArgs(p.Args)
	if err != nil {
		return err
	}
	switch mode {
	case modeVersion:
		fmt.Fprintf(p.Stdout, "resendbot %s\n", p.Version)
		return nil
	case modeHelp:
		fmt.Fprint(p.Stdout, usageText)
		return nil
	}
	getenv, err := withDotEnv(p.Getenv, p.DotEnv)
	if err != nil {
		return err
	}
	if mode == modeHealthcheck {
		return healthcheck(ctx, getenv, p.Stdout)
	}
	cfg, err := bot.LoadConfig(getenv, mode)
	if err != nil {
		return err
	}
	if mode != bot.ModeBot {
		// The console's stdout is for people; it logs to stderr.
		return console.Run(ctx, console.IO{Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr, Version: p.Version}, getenv, cfg, mode == bot.ModeConsoleLive)
	}
	log, audit := bot.NewLoggers(cfg, bot.RedactWriter(p.Stdout, cfg.Secrets()))
	if err := runBot(ctx, cfg, p, log, audit); err != nil {
		// main prints it on stderr too; the JSON log must not end silently.
		log.Error("resendbot stopped", "err", err)
		return err
	}
	return nil
}

// runBot wires the production bot: Front Payment, the guardrail state, the
// health and metrics server, and Slack.
func runBot(ctx context.Context, cfg *bot.Config, p Program, log, audit *slog.Logger) error {
	fp, err := frontpay.NewClient(frontpay.Config{
		BaseURL:   cfg.FrontPaymentBaseURL,
		Token:     cfg.FrontPaymentToken,
		Timeout:   cfg.FrontPaymentTimeout,
		UserAgent: "resendbot/" + p.Version,
		MaxConns:  cfg.MaxInflight,
	})
	if err != nil {
		return fmt.Errorf("front payment client: %w", err)
	}
	revision := revisionOf(p.Revision)
	logStart(log, cfg, p.Version, revision)
	metrics := bot.NewMetrics()
	metrics.SetBuild(p.Version, revision)
	var state bot.State // zero: in this process
	if cfg.RedisURL != "" {
		// go-redis logs dial failures through a package-level logger only;
		// route them into our JSON log, before the first dial, so every line
		// stays machine-readable.
		redis.SetLogger(redisLog{log})
		var closeState func() error
		if state, closeState, err = redisstate.Open(ctx, cfg.RedisURL, cfg.RedisPrefix, redisstate.OnFailure(metrics.SharedStateError)); err != nil {
			return err // names the address and REDIS_URL, never the password
		}
		defer closeState()
		log.Info("limits, cooldowns and dedupe are shared through Redis", "prefix", cfg.RedisPrefix)
	}
	words, err := bot.WordsFor(cfg)
	if err != nil {
		return err
	}
	b := slackbot.New(cfg, bot.Deps{Resender: fp, Log: log, Audit: audit, Metrics: metrics, State: state, Words: words})

	if cfg.HTTPAddr != "" {
		httpCtx, stopHTTP := context.WithCancel(context.WithoutCancel(ctx))
		wait, err := serveHTTP(httpCtx, cfg.HTTPAddr, bot.Health{Alive: b.Alive, Ready: b.Ready, Metrics: metrics}.Handler(), log)
		if err != nil {
			stopHTTP()
			return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		log.Info("serving /healthz, /readyz and /metrics", "addr", cfg.HTTPAddr)
		defer func() {
			stopHTTP()
			_ = wait()
		}()
	}
	return b.Run(ctx)
}

// Modes that are not a configuration's: they print or probe, and exit.
const (
	modeVersion bot.Mode = -1 - iota
	modeHelp
	modeHealthcheck
)

// usageText is what "resendbot help" prints.
const usageText = `usage: resendbot [command]

  (no command)     run the Slack bot until SIGINT/SIGTERM
  console          try /resend on standard input against a built-in demo
                   Front Payment (no Slack, no tokens needed)
  console --live   the same, against the Front Payment in FRONTPAYMENT_*
  healthcheck      GET /healthz on this process's HTTP_ADDR; exit 0 if it
                   answers 200, 1 otherwise (for Docker HEALTHCHECK)
  version          print the version
  help             print this

Configuration comes from the environment, and from a .env file in the
working directory if there is one (the environment wins). Every variable
is described in README.md ("Configuration") and in .env.example.
`

// logStart says, in one line, what the bot is about to talk to and every
// setting in effect but the secrets, and warns about settings an operator
// most likely did not mean for production.
func logStart(log *slog.Logger, cfg *bot.Config, version, revision string) {
	if len(cfg.AllowedChannels) == 0 && len(cfg.AllowedUsers) == 0 && len(cfg.AllowedUserGroups) == 0 {
		log.Warn("RESEND_ALLOWED_CHANNELS, RESEND_ALLOWED_USERS and RESEND_ALLOWED_USERGROUPS are all empty: anyone in the workspace can resend payment links from any channel the bot is in")
	}
	log.Info("starting", append([]any{"version", version, "revision", revision}, settings(cfg)...)...)
	if cfg.FrontPaymentBaseURL == bot.DemoFrontPaymentURL {
		log.Warn("FRONTPAYMENT_BASE_URL is Front Payment's demo API: resends reach no real customer. Set FRONTPAYMENT_BASE_URL to your production Front Payment origin (and its token) when you go live", "front_payment", cfg.FrontPaymentBaseURL)
	}
}

// settings are the effective non-secret settings, as log attributes: no
// token, and of REDIS_URL only its mode and hosts.
func settings(cfg *bot.Config) []any {
	redisMode, redisHosts := "off", ""
	if cfg.RedisURL != "" {
		t, _ := bot.ParseRedisURL(cfg.RedisURL) // LoadConfig checked it
		redisMode, redisHosts = redisModeName(t), t.String()
	}
	return []any{
		"front_payment", cfg.FrontPaymentBaseURL,
		"front_payment_timeout_ms", cfg.FrontPaymentTimeout.Milliseconds(),
		"slack_api", cfg.SlackAPIURL,
		"allowed_channels", strings.Join(cfg.AllowedChannels, ","),
		"allowed_users", strings.Join(cfg.AllowedUsers, ","),
		"allowed_usergroups", strings.Join(cfg.AllowedUserGroups, ","),
		"rate_per_user", cfg.RatePerUser.String(),
		"rate_global", cfg.RateGlobal.String(),
		"cooldown_ms", cfg.Cooldown.Milliseconds(),
		"max_inflight", cfg.MaxInflight,
		"default_region", cfg.DefaultRegion,
		"mask_contacts", cfg.MaskContacts,
		"confirm_new_destination", cfg.ConfirmNewDestination,
		"language", string(cfg.Language),
		"timezone", zoneName(cfg.Timezone),
		"shutdown_grace_ms", cfg.ShutdownGrace.Milliseconds(),
		"http_addr", cfg.HTTPAddr,
		"redis_mode", redisMode,
		"redis_hosts", redisHosts,
		"redis_prefix", cfg.RedisPrefix,
		"log_level", cfg.LogLevel.String(),
	}
}

// redisModeName names how REDIS_URL reaches Redis, for the start line.
func redisModeName(t bot.RedisTarget) string {
	mode := "single"
	switch t.Mode {
	case bot.RedisSentinel:
		mode = "sentinel"
	case bot.RedisCluster:
		mode = "cluster"
	}
	if t.TLS {
		mode += "+tls"
	}
	return mode
}

// revisionOf is the build's source revision: the one stamped with
// -ldflags, else the one Go stamped from the repository, else "".
func revisionOf(stamped string) string {
	if stamped != "" {
		return stamped
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return ""
}

// parseArgs returns the mode to run.
func parseArgs(args []string) (bot.Mode, error) {
	switch strings.Join(args, " ") {
	case "":
		return bot.ModeBot, nil
	case "console":
		return bot.ModeConsole, nil
	case "console --live", "console -live":
		return bot.ModeConsoleLive, nil
	case "version", "--version", "-version":
		return modeVersion, nil
	case "help", "--help", "-help", "-h":
		return modeHelp, nil
	case "healthcheck":
		return modeHealthcheck, nil
	}
	return 0, fmt.Errorf("unknown arguments %q; usage: resendbot [console [--live] | healthcheck | version | help]", strings.Join(args, " "))
}

// withDotEnv reads the .env file, if there is one, under the real
// environment: a variable set in the environment wins.
func withDotEnv(getenv func(string) string, path string) (func(string) string, error) {
	if path == "" {
		path = ".env"
	}
	file, err := godotenv.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return getenv, nil
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		// Opening or reading it failed (a directory where a file was
		// meant to be mounted, its permissions): the reason names no line.
		return nil, &bot.ConfigError{Problems: []string{fmt.Sprintf("%s cannot be read (%v); make it a readable file or remove it", path, pe.Err)}}
	}
	if err != nil {
		// godotenv's message may quote a line of the file, which may hold a secret.
		return nil, &bot.ConfigError{Problems: []string{fmt.Sprintf("%s is not a valid .env file (KEY=value lines); fix or remove it", path)}}
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	}, nil
}

// redisLog adapts our log to go-redis's logger.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	// go-redis starts most of its messages with "redis: " already.
	r.l.WarnContext(ctx, "redis: "+strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
}

// zoneName is loc's IANA name, "" when none is set.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	return loc.String()
}
