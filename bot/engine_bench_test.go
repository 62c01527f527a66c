package bot

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"resendbot/bot/command"
)

// nopSurface shows nothing: for measuring the engine alone.
type nopSurface struct{}

func (nopSurface) Post(context.Context, string, string, Message) (string, error) { return "1", nil }
func (nopSurface) Update(context.Context, string, string, Message) error         { return nil }
func (nopSurface) Tell(context.Context, Origin, Message) error                   { return nil }

// BenchmarkCommandAccepted is what the Socket Mode loop does for an
// accepted /resend before it acks: parse, checks, queue. The commands are
// written beforehand, each to its own reservation and destination.
func BenchmarkCommandAccepted(b *testing.B) {
	cfg, _ := LoadConfig(env(map[string]string{"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t",
		"RESEND_RATE_PER_USER": "1000000000/1s", "RESEND_RATE_GLOBAL": "1000000000/1s", "RESEND_COOLDOWN": "0"}), ModeBot)
	for _, tc := range []struct {
		name string
		text func(i int) string
	}{
		{"email", func(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x email=load%d@example.com", i, i, i) }},
		{"phone", func(i int) string {
			return fmt.Sprintf("%08x-0000-4000-8000-%012x phone=+47 4%02d %02d %03d", i, i, i/100000%100, i/1000%100, i%1000)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := NewCore(cfg, Deps{}, nopSurface{})
			ctx := b.Context()
			const distinct = 1 << 14
			texts := make([]string, distinct)
			users := make([]Origin, 1000)
			for i := range texts {
				texts[i] = tc.text(i)
			}
			for i := range users {
				users[i] = Origin{UserID: fmt.Sprint("U", i), ChannelID: "C1"}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if r := e.Command(ctx, users[i%len(users)], texts[i%distinct]); !r.Queued {
					b.Fatal(r)
				}
				var queued Task
				select { // no worker runs: the task is in the queue already, or never
				case queued = <-e.queue:
				default:
					b.Fatal("queued, but not in the queue")
				}
				if err := queued.(*resendTask).ticket.finish(ctx, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSweepIsAmortised(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	m := map[string]time.Time{}
	for i := range 3000 {
		m[fmt.Sprint(i)] = now.Add(time.Hour) // all live
	}
	m["old"] = now.Add(-time.Second)
	scans := 0
	until := func(v time.Time) time.Time { scans++; return v }
	next := 0
	sweep(m, &next, now, until)
	if _, ok := m["old"]; ok || len(m) != 3000 || next != 6000 {
		t.Fatalf("after a sweep: len %d, next %d, expired entry kept: %v", len(m), next, ok)
	}
	scans = 0
	for i := range 2999 {
		m[fmt.Sprint("new", i)] = now.Add(time.Hour)
		sweep(m, &next, now, until)
	}
	if scans != 0 {
		t.Errorf("%d entries scanned while the store had not doubled; want 0", scans)
	}
	m["one more"] = now
	sweep(m, &next, now, until)
	if scans != 6000 || next != 2*5999 {
		t.Errorf("doubling: scanned %d, next %d", scans, next)
	}
}

// BenchmarkCommandRefused is what the Socket Mode loop does for a command
// refused at once (here: an address without @) before it acks: parse, the
// refusal's words, its audit line through the production loggers into
// /dev/null (a write system call, as to a pipe or a file).
func BenchmarkCommandRefused(b *testing.B) {
	cfg, _ := LoadConfig(env(map[string]string{"SLACK_APP_TOKEN": "xapp-x", "SLACK_BOT_TOKEN": "xoxb-x", "FRONTPAYMENT_TOKEN": "t"}), ModeBot)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	log, audit := NewLoggers(cfg, RedactWriter(devnull, cfg.Secrets()))
	e := NewCore(cfg, Deps{Log: log, Audit: audit}, nopSurface{})
	ctx := b.Context()
	o := Origin{UserID: "U1", ChannelID: "C1", Source: SourceSlash}
	b.ReportAllocs()
	for b.Loop() {
		if r := e.Command(ctx, o, command.ExampleReservation+" email=kari-at-example.com"); r.Answer == "" {
			b.Fatal("accepted")
		}
	}
}
