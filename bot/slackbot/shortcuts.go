package slackbot

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"resendbot/bot"
	"resendbot/bot/command"
	"resendbot/bot/i18n"
)

// The shortcuts' callback IDs, as the manifest declares them.
const (
	shortcutMessage = "resend_from_message" // "Resend payment link" on a message
	shortcutGlobal  = "resend_form"         // "Resend a payment link" from anywhere
)

// formChannel is the global shortcut's form's channel picker, and
// noneChosen the value of a choice that sends nothing on that channel.
const (
	formChannel = "channel"
	noneChosen  = "none"
)

// Slack's limits on a static_select's option ("text … Maximum length for
// the text in this field is 75 characters", "value … Maximum length for
// this field is 150 characters") and on how long the app has to answer a
// view_submission (3 s), of which the channel check takes at most
// channelCheckTimeout.
const (
	maxOptionText       = 75
	maxOptionValue      = 150
	channelCheckTimeout = 2 * time.Second
)

// onShortcut routes a shortcut, by its callback_id, after the ack: Slack
// reads nothing from a shortcut's ack.
func (b *Bot) onShortcut(ctx context.Context, cb slack.InteractionCallback) {
	if handle, ok := b.routes.shortcuts[cb.CallbackID]; ok {
		handle(ctx, cb)
		return
	}
	b.log.Debug("unknown shortcut", "callback_id", cb.CallbackID)
}

// onMessageShortcut opens the form filled in from the message it was used
// on, for a presser who may resend in that channel; anyone else is told
// why, only them, and nothing opens. The resend's audit message goes in the
// message's thread.
func (b *Bot) onMessageShortcut(ctx context.Context, cb slack.InteractionCallback) {
	thread := cb.Message.ThreadTimestamp
	if thread == "" {
		thread = cb.Message.Timestamp
	}
	if thread == "" {
		thread = cb.MessageTs
	}
	o := bot.Origin{UserID: cb.User.ID, UserTeam: cb.User.TeamID, ChannelID: cb.Channel.ID, ThreadTS: thread, ResponseURL: cb.ResponseURL, Source: bot.SourceShortcut}
	words := bot.ShortcutWords(b.d.Words)
	if o.ChannelID == "" || thread == "" {
		b.log.Warn("a message shortcut came without its channel or message; nothing opened", "user", o.UserID)
		b.engine.TellLater(o, bot.Message{Text: words.Unreadable})
		return
	}
	if refusal := b.engine.MayStart(ctx, o); refusal != "" {
		b.engine.TellLater(o, bot.Message{Text: refusal})
		return
	}
	msg := cb.Message
	b.openForm(ctx, o, cb.TriggerID, func() slack.ModalViewRequest {
		return b.messageForm(o, b.engine.Find(messageTexts(msg)...))
	}, words.NotOpened)
}

// onGlobalShortcut opens the empty form with a channel picker for a
// presser the user lists let in; anyone else sees why in its place. Where
// the audit message may go is checked when the form is sent.
func (b *Bot) onGlobalShortcut(ctx context.Context, cb slack.InteractionCallback) {
	o := bot.Origin{UserID: cb.User.ID, UserTeam: cb.User.TeamID, Source: bot.SourceShortcut}
	if refusal := b.engine.MayUse(ctx, o.UserID); refusal != "" {
		// A global shortcut has no response_url and no channel: the refusal
		// takes the form's place.
		notice := func() slack.ModalViewRequest { return noticeView(b.d.Words, refusal) }
		if !b.engine.SubmitPrompt(&openFormTask{b: b, o: o, trigger: cb.TriggerID, form: notice}) {
			b.log.Warn("prompt lane full; a refusal was not shown", "user", o.UserID)
		}
		return
	}
	b.openForm(ctx, o, cb.TriggerID, func() slack.ModalViewRequest { return b.channelForm(o) }, "")
}

// openForm opens form on the prompt lane, within the trigger's 3 s even
// when sends fill the queue; notOpened is what the caller is told when it
// cannot open ("" when they cannot be told: no response_url).
func (b *Bot) openForm(ctx context.Context, o bot.Origin, trigger string, form func() slack.ModalViewRequest, notOpened string) {
	if !b.engine.SubmitPrompt(&openFormTask{b: b, o: o, trigger: trigger, form: form, notOpened: notOpened}) {
		b.log.Warn("prompt lane full; a form did not open", "user", o.UserID)
		if notOpened != "" {
			b.engine.TellLater(o, bot.Message{Text: notOpened})
		}
		return
	}
	b.engine.Shown(ctx, o, "form")
}

// messageForm is the form filled in with found, for o's message.
func (b *Bot) messageForm(o bot.Origin, found command.Found) slack.ModalViewRequest {
	words := bot.ShortcutWords(b.d.Words)
	head := words.FromMessage
	if found.Empty() {
		head = words.NothingFound
	}
	return b.form(o, found, slack.NewContextBlock("resend_source", plain(head)))
}

// channelForm is the empty form with a required picker of the channel the
// audit message goes to: public and private channels, no shared or
// external ones, the one it was used in first.
func (b *Bot) channelForm(o bot.Origin) slack.ModalViewRequest {
	f := bot.ShortcutWords(b.d.Words).Channel
	picker := &slack.SelectBlockElement{
		Type: slack.OptTypeConversations, ActionID: formValue, Placeholder: plain(f.Placeholder),
		DefaultToCurrentConversation: true,
		Filter: &slack.SelectBlockElementFilter{Include: []string{"public", "private"},
			ExcludeExternalSharedChannels: true, ExcludeBotUsers: true},
	}
	view := b.form(o, command.Found{}, nil)
	view.Blocks.BlockSet = append(view.Blocks.BlockSet, slack.NewInputBlock(formChannel, plain(f.Label), plain(f.Hint), picker))
	return view
}

// noticeView is a modal that only says text.
func noticeView(w *i18n.Words, text string) slack.ModalViewRequest {
	words := bot.FormWords(w)
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain(words.Title), Close: plain(words.Cancel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}},
	}
}

// choiceInput is a field offering values found in the message: a choice
// among them, the first chosen, and none when none is not "". A value too
// long for an option is left out; IDs always fit, and the fields whose
// values may not (addresses) always have none.
func choiceInput(id string, f bot.Field, hint string, values []string, none string) *slack.InputBlock {
	var options []*slack.OptionBlockObject
	for _, v := range values {
		if len(v) <= maxOptionValue {
			options = append(options, slack.NewOptionBlockObject(v, plain(shorten(v, maxOptionText)), nil))
		}
	}
	if none != "" {
		options = append(options, slack.NewOptionBlockObject(noneChosen, plain(none), nil))
	}
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(f.Placeholder), formValue, options...)
	el.InitialOption = options[0]
	block := slack.NewInputBlock(id, plain(f.Label), plain(hint), el)
	block.Optional = f.Optional
	return block
}

// shorten cuts s to at most n characters, the last one "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// messageTexts are the texts of m the form's values are looked for in:
// its text, its attachments' pretext, title, text, fields and fallback, and
// the text of its blocks (sections, context, headers, rich text).
func messageTexts(m slack.Message) []string {
	texts := []string{m.Text}
	for _, a := range m.Attachments {
		texts = append(texts, a.Pretext, a.Title, a.Text)
		for _, f := range a.Fields {
			texts = append(texts, f.Title, f.Value)
		}
		texts = append(texts, a.Fallback)
		texts = append(texts, blockTexts(a.Blocks.BlockSet)...)
	}
	return append(texts, blockTexts(m.Blocks.BlockSet)...)
}

func blockTexts(blocks []slack.Block) []string {
	var texts []string
	text := func(t *slack.TextBlockObject) {
		if t != nil {
			texts = append(texts, t.Text)
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			text(b.Text)
			for _, f := range b.Fields {
				text(f)
			}
		case *slack.ContextBlock:
			for _, el := range b.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					text(t)
				}
			}
		case *slack.HeaderBlock:
			text(b.Text)
		case *slack.MarkdownBlock:
			texts = append(texts, b.Text)
		case *slack.RichTextBlock:
			for _, el := range b.Elements {
				texts = append(texts, richTexts(el)...)
			}
		}
	}
	return texts
}

// richTexts are a rich text element's texts, one per section: a number
// whose groups are styled apart ("412 " and a bold "34 567") stays whole.
func richTexts(el slack.RichTextElement) []string {
	switch el := el.(type) {
	case *slack.RichTextSection:
		return []string{sectionText(el.Elements)}
	case *slack.RichTextQuote:
		return []string{sectionText(el.Elements)}
	case *slack.RichTextPreformatted:
		return []string{sectionText(el.Elements)}
	case *slack.RichTextList:
		var texts []string
		for _, item := range el.Elements {
			texts = append(texts, richTexts(item)...)
		}
		return texts
	}
	return nil
}

// linkURLEscaper percent-encodes what would end a URL in a Slack link
// (<url|label>) early.
var linkURLEscaper = strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20", "\t", "%09", "\n", "%0A", "\r", "%0D")

func sectionText(els []slack.RichTextSectionElement) string {
	var s strings.Builder
	for _, el := range els {
		switch el := el.(type) {
		case *slack.RichTextSectionTextElement:
			s.WriteString(command.Escape(el.Text)) // as Slack writes typed text
		case *slack.RichTextSectionLinkElement:
			// As Slack writes a link in a message's text, so that Find
			// never offers a target its label hides: nothing in the URL
			// may end it or start its label, nor the label end the link.
			s.WriteString(" <" + linkURLEscaper.Replace(el.URL) + "|" + command.Escape(el.Text) + "> ")
		default:
			s.WriteString(" ")
		}
	}
	return s.String()
}

// checkChannelTask checks, on the prompt lane, the channel chosen in the
// global shortcut's form, and runs the form when Slack says the audit
// message can go there; the view_submission is acknowledged from here,
// with the field's error or with nothing (the form closes).
type checkChannelTask struct {
	b       *Bot
	o       bot.Origin
	values  formValues
	respond func(answer any)
}

func (t *checkChannelTask) Run(ctx context.Context) {
	if problem := t.b.channelProblem(ctx, t.o.ChannelID); problem != "" {
		t.respond(slack.NewErrorsViewSubmissionResponse(map[string]string{formChannel: problem}))
		return
	}
	t.respond(t.b.runForm(ctx, t.o, t.values))
}

func (t *checkChannelTask) Abandon(context.Context) {
	t.respond(slack.NewErrorsViewSubmissionResponse(map[string]string{formChannel: bot.ShortcutWords(t.b.d.Words).Unchecked}))
}

// channelProblem is why the audit message cannot go to channel, for the
// picker to show, or "": Slack's conversations.info must show a channel
// the bot is in, of our own organisation. Anything else, or no answer in
// time, is refused.
func (b *Bot) channelProblem(ctx context.Context, channel string) string {
	words := bot.ShortcutWords(b.d.Words)
	ctx, cancel := context.WithTimeout(ctx, channelCheckTimeout)
	defer cancel()
	ch, err := b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	switch code := slackErrorCode(err); {
	case code == "channel_not_found" || code == "not_in_channel":
		// A private channel the bot is not in does not exist for it.
		return words.NotMember
	case err != nil:
		b.metrics.slackCall("conversations.info", err, false)
		b.log.Warn("could not check the form's channel; refused", "err", err, "channel", channel)
		return words.Unchecked
	case ch.IsExtShared || ch.IsPendingExtShared || ch.IsShared && !ch.IsOrgShared:
		return words.Shared
	case ch.IsIM || ch.IsMpIM || !ch.IsMember:
		return words.NotMember
	}
	return ""
}
