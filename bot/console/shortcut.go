package console

import (
	"context"
	"strings"

	"resendbot/bot"
	"resendbot/bot/command"
)

// shortcutWord starts a line that simulates the message shortcut on the
// message pasted after it: "shortcut Kari never got her link, order 3f1c…".
const shortcutWord = "shortcut"

// shortcutText is the pasted message of a shortcut line, and whether line
// is one.
func shortcutText(line string) (string, bool) {
	line = strings.TrimSpace(line)
	if len(line) <= len(shortcutWord) || !strings.EqualFold(line[:len(shortcutWord)], shortcutWord) || line[len(shortcutWord)] != ' ' {
		return "", false
	}
	return strings.TrimSpace(line[len(shortcutWord):]), true
}

// shortcutForm is the form the message shortcut opened in the console:
// the first value found for each field, as Slack's form starts out.
type shortcutForm struct {
	o                         bot.Origin
	reservation, email, phone string
}

// openShortcut does what the message shortcut does on a message with the
// pasted text: it checks the person may start, then shows the form filled
// in from what it found (each field's first value, and the others found),
// and returns it for the next line to send or close; nil when refused.
func openShortcut(ctx context.Context, e *bot.Core, out *consoleSurface, o bot.Origin, pasted string) *shortcutForm {
	o.Source = bot.SourceShortcut
	if refusal := e.MayStart(ctx, o); refusal != "" {
		out.print(out.onlyYou+" ", refusal)
		return nil
	}
	w := out.words
	found := e.Find(command.Escape(pasted)) // as Slack would send the message's text
	words, more := bot.FormWords(w), bot.ShortcutWords(w)
	head := more.FromMessage
	if found.Empty() {
		head = more.NothingFound
	}
	lines := []string{w.T("console.shortcut.title", "Title", words.Title), head}
	field := func(label string, values []string) string {
		if len(values) == 0 {
			lines = append(lines, w.T("console.shortcut.field", "Label", label, "Value", w.T("console.shortcut.empty")))
			return ""
		}
		lines = append(lines, w.T("console.shortcut.field", "Label", label, "Value", values[0]))
		if len(values) > 1 {
			lines = append(lines, w.T("console.shortcut.others", "Others", strings.Join(values[1:], ", ")))
		}
		return values[0]
	}
	f := &shortcutForm{o: o}
	f.reservation = field(words.Reservation.Label, found.Reservations)
	f.email = field(words.Email.Label, found.Emails)
	f.phone = field(words.Mobile.Label, found.Phones)
	lines = append(lines, w.T("console.shortcut.how", "Send", w.T("console.shortcut.send_word")))
	out.print(out.onlyYou+" ", strings.Join(lines, "\n"))
	e.Shown(ctx, o, "form")
	return f
}

// send submits the form as shown, as Slack's submit does.
func (f *shortcutForm) send(ctx context.Context, e *bot.Core, out *consoleSurface) {
	ie, reply := e.Form(ctx, f.o, f.reservation, f.email, f.phone)
	switch {
	case ie != nil:
		out.print(out.onlyYou+" ", out.words.T("console.shortcut.refused", "Problem", ie.Message))
	case reply.Answer != "":
		out.print(out.onlyYou+" ", reply.Answer)
	}
}
