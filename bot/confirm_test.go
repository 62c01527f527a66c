package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"resendbot/frontpay"
)

// paidReader reads every record as paid by its flag, whatever its status
// word says (status).
type paidReader struct {
	*recorder
	status string
}

func (r paidReader) Details(_ context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	r.note("read " + uuid)
	return &frontpay.Record{Kind: kind, UUID: uuid, IsPaid: true, Status: r.status}, nil
}

// A paid record without a status word is told as such: the status is
// "unknown", never an empty pair of quotes.
func TestAPaidRecordWithoutAStatusWord(t *testing.T) {
	for status, want := range map[string]string{"": "status “unknown”", " \t": "status “unknown”", "Captured9": "status “Captured9”"} {
		rec := newRecorder()
		c := startCoreOn(t, Deps{Resender: paidReader{rec, status}}, rec, nil)
		c.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
		rec.waitFor(t, "tell", 1)
		rec.mu.Lock()
		told := rec.tells[0].Text
		rec.mu.Unlock()
		if !strings.Contains(told, "already paid") || !strings.Contains(told, want) {
			t.Errorf("status %q: told %q, want %q in it", status, told, want)
		}
		if n := rec.count("resend") + rec.count("post"); n != 0 {
			t.Errorf("status %q: %d posts and resends for a paid record", status, n)
		}
	}
}

// A contact on file that cannot be read is worth fixing at Front Payment:
// the log says so (without the contact), and only then.
func TestAnUnreadableContactOnFileIsLogged(t *testing.T) {
	for _, c := range []struct {
		onFile frontpay.Customer
		logged bool
	}{
		{frontpay.Customer{Email: "Kari <kari@example.com>"}, true},
		{frontpay.Customer{Email: "kari@example.com"}, false},
		{frontpay.Customer{Email: "ola@example.com"}, false},
	} {
		var buf bytes.Buffer
		var mu sync.Mutex
		rec := newRecorder()
		core := startReading(t, Deps{Resender: heldReader{rec, c.onFile}, Log: slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))}, rec)
		core.Command(t.Context(), agentOrigin, coreUUID+" email=kari@example.com")
		if c.onFile.Email == "kari@example.com" {
			rec.waitFor(t, "update", 1)
		} else {
			rec.waitFor(t, "tell", 1)
		}
		mu.Lock()
		log := buf.String()
		mu.Unlock()
		if got := strings.Contains(log, "contact on file cannot be read"); got != c.logged {
			t.Errorf("on file %q: logged %v, want %v:\n%s", c.onFile.Email, got, c.logged, log)
		}
		if strings.Contains(log, "kari@") {
			t.Errorf("the log holds the contact:\n%s", log)
		}
	}
}

// Each way a request meets the contact on file is its audit line's
// destination_check: the comparison off, the one on file, nothing on file
// for the channel, a record that cannot be read, a record that says paid
// (nothing sent), a confirmation asked and then answered.
func TestTheAuditLineSaysHowTheDestinationWasChecked(t *testing.T) {
	press := func(choice string) func(*testing.T, *Core, *recorder) {
		return func(t *testing.T, c *Core, rec *recorder) {
			value := rec.confirmChoice(t, choice)
			if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, value); !reply.Queued {
				t.Fatalf("press %s: %+v", choice, reply)
			}
			if choice != choiceCancel { // a cancel's line is written before the press returns
				rec.waitFor(t, "update", 1)
			}
		}
	}
	sent := func(t *testing.T, _ *Core, rec *recorder) { rec.waitFor(t, "update", 1) }
	told := func(t *testing.T, _ *Core, rec *recorder) { rec.waitFor(t, "tell", 1) }
	for _, tc := range []struct {
		name    string
		compare string // RESEND_CONFIRM_NEW_DESTINATION
		onFile  frontpay.Customer
		fail    bool // the read fails
		paid    bool // the record says paid
		typed   string
		then    func(*testing.T, *Core, *recorder)
		want    []string // the destination_check of each audit line, in order
	}{
		{"off", "false", frontpay.Customer{Email: "kari@example.com"}, false, false, "email=ola@example.com", sent, []string{checkOff}},
		{"on file, either case", "true", frontpay.Customer{Email: "kari@example.com"}, false, false, "email=KARI@Example.COM", sent, []string{checkMatched}},
		{"nothing on file", "true", frontpay.Customer{}, false, false, "phone=+4790123405", sent, []string{checkNoContact}},
		{"not read", "true", frontpay.Customer{}, true, false, "email=kari@example.com", sent, []string{checkNotCompared}},
		{"paid", "true", frontpay.Customer{}, false, true, "email=kari@example.com", told, []string{checkClosed}},
		{"asked, typed chosen", "true", frontpay.Customer{CountryCode: "+47", MSISDN: "41234567"}, false, false, "phone=+47 90 12 34 05",
			press(choiceTyped), []string{checkAsked, checkConfirmedNew}},
		{"asked, the file chosen", "true", frontpay.Customer{Email: "kari@example.com"}, false, false, "email=ola@example.com",
			press(choiceFile), []string{checkAsked, checkMatched}},
		{"asked, cancelled", "true", frontpay.Customer{Email: "kari@example.com"}, false, false, "email=ola@example.com",
			press(choiceCancel), []string{checkAsked, checkAsked}},
		{"unreadable, cancelled", "true", frontpay.Customer{Email: "<kari@example.com>,"}, false, false, "email=ola@example.com",
			press(choiceCancel), []string{checkUnreadable, checkUnreadable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			var audit auditLines
			var reads DetailsReader = heldReader{rec, tc.onFile}
			if tc.fail {
				reads = failingReader{rec}
			}
			if tc.paid {
				reads = paidReader{rec, "Paid"}
			}
			c := startCoreOn(t, Deps{Resender: rec, Details: reads, Audit: audit.logger()}, rec,
				map[string]string{"RESEND_CONFIRM_NEW_DESTINATION": tc.compare})
			c.Command(t.Context(), agentOrigin, coreUUID+" "+tc.typed)
			tc.then(t, c, rec)
			var got []string
			for _, l := range audit.lines(t) {
				s, _ := l["destination_check"].(string)
				got = append(got, s)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("destination_check %q, want %q", got, tc.want)
			}
		})
	}
}

// failingReader cannot read any record.
type failingReader struct{ *recorder }

func (r failingReader) Details(_ context.Context, kind frontpay.LinkKind, uuid string) (*frontpay.Record, error) {
	r.note("read " + uuid)
	return nil, &frontpay.Error{Op: frontpay.OpDetails, Link: kind, Kind: frontpay.KindServerError, StatusCode: 503}
}

// "Send to the one on file" replaces only what differs: a channel not
// asked for stays out, one that matched is sent as typed.
func TestSendingToTheFileReplacesOnlyWhatDiffers(t *testing.T) {
	onFile := frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}
	for _, tc := range []struct {
		typed string
		want  frontpay.Contact
	}{
		{"phone=+47 90 12 34 05", frontpay.Contact{CountryCode: "+47", MSISDN: "41234567"}},
		{"email=ola@example.com", frontpay.Contact{Email: "kari@example.com"}},
		{"phone=+4790123405 email=KARI@Example.com", frontpay.Contact{Email: "KARI@Example.com", CountryCode: "+47", MSISDN: "41234567"}},
		{"phone=+4741234567 email=ola@example.com", frontpay.Contact{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}},
	} {
		rec := newRecorder()
		c := startReading(t, Deps{Resender: heldReader{rec, onFile}}, rec)
		c.Command(t.Context(), agentOrigin, coreUUID+" "+tc.typed)
		value := rec.confirmChoice(t, choiceFile)
		if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, value); !reply.Queued {
			t.Fatalf("%s: press: %+v", tc.typed, reply)
		}
		rec.waitFor(t, "update", 1)
		rec.mu.Lock()
		got := rec.sentTo
		rec.mu.Unlock()
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: sent to %+v, want %+v", tc.typed, got, tc.want)
		}
		// What was chosen from the file is sent as chosen: it is not
		// compared with the file again (which could ask again, or find
		// Front Payment failing and note "not_compared").
		if n := rec.count("read "); n != 1 {
			t.Errorf("%s: the record was read %d times, want once (for the confirmation)", tc.typed, n)
		}
	}
}

// A Retry repeats what was confirmed without asking again, and compares a
// destination that was not confirmed again.
func TestARetryKeepsWhatWasConfirmed(t *testing.T) {
	onFile := frontpay.Customer{Email: "kari@example.com"}
	for _, tc := range []struct {
		typed string
		reads int
		want  []string // destination_check of each audit line
	}{
		{"email=ola@example.com", 1, []string{checkAsked, checkConfirmedNew, checkConfirmedNew}},
		{"email=Kari@Example.com", 2, []string{checkMatched, checkMatched}},
	} {
		rec := newRecorder()
		rec.answer = func() error { return &frontpay.Error{Kind: frontpay.KindServerError, StatusCode: 503} }
		var audit auditLines
		c := startReading(t, Deps{Resender: heldReader{rec, onFile}, Audit: audit.logger()}, rec)
		c.Command(t.Context(), agentOrigin, coreUUID+" "+tc.typed)
		if tc.want[0] == checkAsked {
			rec.waitFor(t, "tell", 1)
			rec.mu.Lock()
			typed := rec.tells[0].Buttons[0].Value
			rec.mu.Unlock()
			if reply := c.Press(t.Context(), agentOrigin, ActionConfirm, typed); !reply.Queued {
				t.Fatalf("press: %+v", reply)
			}
		}
		rec.waitFor(t, "update", 1)
		retry := rec.retryKey()
		if reply := c.Press(t.Context(), agentOrigin, ActionRetry, retry); !reply.Queued {
			t.Fatalf("%s: retry: %+v", tc.typed, reply)
		}
		rec.waitFor(t, "resend", 2)
		rec.waitFor(t, "update", 3) // the retry's message, and the first attempt's
		var got []string
		for _, l := range audit.lines(t) {
			s, _ := l["destination_check"].(string)
			got = append(got, s)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: destination_check %q, want %q", tc.typed, got, tc.want)
		}
		if n := rec.count("read"); n != tc.reads {
			t.Errorf("%s: %d reads, want %d", tc.typed, n, tc.reads)
		}
		asked := 0
		rec.mu.Lock()
		for _, m := range rec.tells {
			if len(m.Buttons) > 0 {
				asked++
			}
		}
		rec.mu.Unlock()
		if want := len(tc.want) - 2; asked != want {
			t.Errorf("%s: asked %d times, want %d", tc.typed, asked, want)
		}
	}
}

// A workflow step whose destination differs from the contact on file is
// refused, and told the command that would send it from Slack.
func TestAStepCannotConfirm(t *testing.T) {
	for _, tc := range []struct{ email, phone, want string }{
		{"ola@example.com", "+47 90 12 34 05", "`/resend reservation " + coreUUID + " email=ola@example.com phone=+4790123405`"},
		{"Ola@Example.com", "", "`/resend reservation " + coreUUID + " email=Ola@Example.com`"},
		{"", "+4790123405", "`/resend reservation " + coreUUID + " phone=+4790123405`"},
	} {
		rec := newRecorder()
		c := startReading(t, Deps{Resender: heldReader{rec, frontpay.Customer{Email: "kari@example.com", CountryCode: "+47", MSISDN: "41234567"}}}, rec)
		l := newEndings()
		o := Origin{UserID: "U0AGENT", ChannelID: "C0SUPPORT", Source: SourceWorkflow, Unattended: true, Execution: "Fx1", Ended: l}
		c.Step(t.Context(), o, coreUUID, tc.email, tc.phone)
		end := l.first(t)
		if end.Reason != ReasonNotOnFile || !strings.Contains(end.Words, tc.want) {
			t.Errorf("%s %s: ending %+v, want %s in its words", tc.email, tc.phone, end, tc.want)
		}
		if n := rec.count("resend") + rec.count("post") + rec.count("tell"); n != 0 {
			t.Errorf("%s %s: %d posts, resends and tells", tc.email, tc.phone, n)
		}
	}
}
