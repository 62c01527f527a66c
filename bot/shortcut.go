package bot

import (
	"resendbot/bot/command"
	"resendbot/bot/i18n"
)

// Find returns what texts (a message's text, its attachments' and its
// blocks') hold that the form can be filled in with, read as a command's
// values are: in the configured language and default region. It never
// blocks.
func (e *Core) Find(texts ...string) command.Found { return e.parser.Find(texts...) }

// ShortcutForm is what the shortcuts' forms say beyond the /resend form.
type ShortcutForm struct {
	// FromMessage or NothingFound heads the message shortcut's form.
	FromMessage, NothingFound string
	// NoEmail and NoSMS are the choices that send no email or no SMS,
	// when several addresses or numbers were found.
	NoEmail, NoSMS string
	// Channel is the global shortcut's picker of where the audit message goes.
	Channel Field
	// NotMember, Shared and Unchecked are that picker's refusals; a channel
	// outside RESEND_ALLOWED_CHANNELS gets the guard's own.
	NotMember, Shared, Unchecked string
	// NotOpened and Unreadable tell the presser of a message shortcut that
	// no form opened, and why.
	NotOpened, Unreadable string
}

// Several is the hint of a field offering a choice among count values
// found in the message.
func Several(w *i18n.Words, count int) string { return w.T("shortcut.several", "Count", count) }

// ShortcutWords is what the shortcuts' forms say.
func ShortcutWords(w *i18n.Words) ShortcutForm {
	return ShortcutForm{
		FromMessage: w.T("shortcut.from_message"), NothingFound: w.T("shortcut.nothing_found"),
		NoEmail: w.T("shortcut.no_email"), NoSMS: w.T("shortcut.no_sms"),
		Channel:   Field{Label: w.T("shortcut.channel"), Placeholder: w.T("shortcut.channel_placeholder"), Hint: w.T("shortcut.channel_hint")},
		NotMember: w.T("shortcut.not_member"), Shared: w.T("shortcut.shared"), Unchecked: w.T("shortcut.unchecked"),
		NotOpened: w.T("shortcut.not_opened"), Unreadable: w.T("shortcut.unreadable"),
	}
}
