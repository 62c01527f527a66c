package slackbot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"resendbot/bot/command"
	"resendbot/frontpay/frontpaytest"
)

// hostile is text from outside that would ping the channel and show a
// disguised link if it went into mrkdwn raw.
const hostile = `<!channel> <https://evil.example|Verify here> & <@U0BOSS>`

// assertNoOutsideMarkup fails when text carries the hostile markup as
// Slack would read it.
func assertNoOutsideMarkup(t *testing.T, where, text string) {
	t.Helper()
	for _, bad := range []string{"<!channel>", "<https://evil.example", "<@U0BOSS>"} {
		if strings.Contains(text, bad) {
			t.Errorf("%s carries %q as markup: %s", where, bad, text)
		}
	}
}

// sectionTexts are the texts of the section blocks in blocks.
func sectionTexts(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	var bs []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	var out []string
	for _, b := range bs {
		if b.Type == "section" && b.Text != nil {
			out = append(out, b.Text.Text)
		}
	}
	return out
}

func TestFrontPaymentsFieldErrorsAreEscaped(t *testing.T) {
	h := start(t, nil)
	errs, _ := json.Marshal(map[string][]string{"email": {hostile}})
	h.fp.SetAnswer(uuidA, frontpaytest.Invalid(string(errs)))
	h.command(agent, uuidA+" email=kari@example.com")
	_, reply := h.thread()

	assertNoOutsideMarkup(t, "reply text", reply.Text)
	for _, s := range sectionTexts(t, reply.Blocks) {
		assertNoOutsideMarkup(t, "reply section", s)
	}
	if !strings.Contains(reply.Text, "&lt;!channel&gt; &lt;https://evil.example|Verify here&gt; &amp; &lt;@U0BOSS&gt;") {
		t.Errorf("reply does not quote Front Payment's reason, escaped: %s", reply.Text)
	}
}

func TestReservationDetailsAreEscaped(t *testing.T) {
	h := start(t, nil)
	d := frontpaytest.SampleDetails(uuidA)
	d.CustomerDetails.Name, d.Status, d.PaymentLinkDueDate = hostile, hostile, hostile
	h.fp.SetDetails(uuidA, d)
	p := h.answered(h.slash(agent, "status "+uuidA))
	assertNoOutsideMarkup(t, "status answer", p.Text)
	if !strings.Contains(p.Text, "Customer: &lt;!channel&gt;") {
		t.Errorf("status answer does not show the name, escaped:\n%s", p.Text)
	}
}

func TestTypedValuesAreEscapedInAnswers(t *testing.T) {
	h := start(t, nil)
	got := h.command(agent, uuidA+" email=<!channel>")
	if got == "" {
		t.Fatal("a bad address was accepted")
	}
	assertNoOutsideMarkup(t, "refusal", got)
	if !strings.Contains(got, "&lt;!channel&gt;") {
		t.Errorf("refusal does not repeat what was typed, escaped: %s", got)
	}
}

var codeSpan = regexp.MustCompile("`[^`\n]*`")

// starsOutsideCode counts the '*' that Slack could read as bold.
func starsOutsideCode(mrkdwn string) int {
	return strings.Count(codeSpan.ReplaceAllString(mrkdwn, ""), "*")
}

func TestMasksRenderLiterally(t *testing.T) {
	h := start(t, nil)
	h.command(agent, uuidA+" phone=+47 41234567 email=kari@example.com")
	root, reply := h.thread()
	last := root.Updates[len(root.Updates)-1]
	for where, text := range map[string]string{"root": root.Text, "root updated": last.Text} {
		if n := starsOutsideCode(text); n != 0 {
			t.Errorf("%s has %d stars outside code marks, which Slack may read as bold: %s", where, n, text)
		}
	}
	// The reply's only bold is its headline.
	if n := starsOutsideCode(reply.Text); n != 2 || !strings.Contains(reply.Text, "*Sent*") {
		t.Errorf("reply has %d stars outside code marks, want the headline's 2: %s", n, reply.Text)
	}
	for _, want := range []string{"`+47 ****4567`", "`k***@example.com`"} {
		if !strings.Contains(root.Text, want) {
			t.Errorf("root lacks %s: %s", want, root.Text)
		}
	}
}

func TestMaskEmailHidesAFormattingFirstCharacter(t *testing.T) {
	for _, addr := range []string{"`kari@example.com", "*kari@example.com", "_kari@example.com"} {
		if got := command.MaskEmail(addr); got != "****@example.com" {
			t.Errorf("command.MaskEmail(%q) = %q, want ****@example.com", addr, got)
		}
	}
}

func TestALong417KeepsTheOutcomeAndSaysWhatWasLeftOut(t *testing.T) {
	h := start(t, nil)
	reasons := map[string][]string{}
	for i := range 20 {
		reasons[fmt.Sprintf("field%02d", i)] = []string{strings.Repeat("x", 290) + " <end>"}
	}
	errs, _ := json.Marshal(reasons)
	h.fp.SetAnswer(uuidA, frontpaytest.Invalid(string(errs)))
	h.command(agent, uuidA+" email=kari@example.com")
	_, reply := h.thread()

	for _, s := range sectionTexts(t, reply.Blocks) {
		if n := utf8.RuneCountInString(s); n > 3000 {
			t.Errorf("a section holds %d characters; Slack refuses more than 3000", n)
		}
	}
	for _, want := range []string{"contact details rejected", "field00: xxx", "more not shown", "Check the email address"} {
		if !strings.Contains(reply.Text, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply.Text)
		}
	}
}
