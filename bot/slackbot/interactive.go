package slackbot

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"resendbot/bot"
	"resendbot/bot/command"
	"resendbot/bot/i18n"
)

// Identifiers of the bot's interactive parts, as Slack sends them back.
const (
	formID = "resend_form"

	formReservation = "reservation"
	formEmail       = "email"
	formPhone       = "phone"
	formValue       = "value"
)

// onInteractive routes button presses, form submissions and shortcuts.
func (b *Bot) onInteractive(ctx context.Context, evt socketmode.Event) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || !b.firstDelivery(ctx, evt) {
		b.ack(ctx, evt, nil)
		return
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		b.ack(ctx, evt, nil)
		for _, a := range cb.ActionCallback.BlockActions {
			if handle := b.routes.action(a.ActionID); handle != nil {
				handle(ctx, cb, a.Value)
			} else {
				b.log.Debug("unknown button", "action_id", a.ActionID)
			}
		}
	case slack.InteractionTypeViewSubmission:
		handle, ok := b.routes.views[cb.View.CallbackID]
		if !ok {
			b.ack(ctx, evt, nil)
			return
		}
		// Slack reads a form's answer from the ack, which may come from
		// the prompt lane after a check (received is the loop's own).
		received := b.received
		handle(ctx, cb, func(answer any) { b.ackSince(ctx, evt, answer, received) })
	case slack.InteractionTypeMessageAction, slack.InteractionTypeShortcut:
		b.ack(ctx, evt, nil)
		b.onShortcut(ctx, cb)
	default:
		b.ack(ctx, evt, nil)
	}
}

// onRetry runs a Retry press. Once the core accepts it, the button is
// replaced by who pressed it.
func (b *Bot) onRetry(ctx context.Context, cb slack.InteractionCallback, key string) {
	o := pressOrigin(cb)
	if reply := b.engine.Press(ctx, o, bot.ActionRetry, key); !reply.Queued {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
		return
	}
	used := &buttonsUsedTask{b: b, channel: cb.Channel.ID, ts: cb.Message.Timestamp, text: cb.Message.Text,
		blocks: usedButtons(cb.Message.Blocks.BlockSet, bot.RetryPressedNote(b.d.Words, o.UserID))}
	if !b.engine.Submit(used) {
		b.log.Warn("queue full; a used button stays shown", "channel", used.channel, "ts", used.ts)
	}
}

// pressOrigin is who pressed a button, and where: the presser's own team
// (user.team_id) comes along, for the guard.
func pressOrigin(cb slack.InteractionCallback) bot.Origin {
	return bot.Origin{UserID: cb.User.ID, UserTeam: cb.User.TeamID, ChannelID: cb.Channel.ID, ResponseURL: cb.ResponseURL}
}

// buttonsUsedTask replaces a pressed message's buttons with who pressed them.
type buttonsUsedTask struct {
	b                 *Bot
	channel, ts, text string
	blocks            []slack.Block
}

func (t *buttonsUsedTask) Run(ctx context.Context) {
	if err := t.b.surface.updateBlocks(ctx, t.channel, t.ts, t.text, t.blocks); err != nil {
		t.b.log.Warn("updating a message", "err", err, "channel", t.channel, "ts", t.ts)
	}
}

func (t *buttonsUsedTask) Abandon(ctx context.Context) { t.Run(ctx) }

// onConfirm runs the press of a confirmation's button: the destination
// typed, the one on file, or cancel.
func (b *Bot) onConfirm(ctx context.Context, cb slack.InteractionCallback, value string) {
	o := pressOrigin(cb)
	if reply := b.engine.Press(ctx, o, bot.ActionConfirm, value); !reply.Queued {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
	}
}

// onOffer runs the press of a contact-on-file button.
func (b *Bot) onOffer(ctx context.Context, cb slack.InteractionCallback, key string) {
	o := pressOrigin(cb)
	if reply := b.engine.Press(ctx, o, bot.ActionOffer, key); !reply.Queued {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
	}
}

// openFormTask opens a form; when Slack will not, the caller is told
// notOpened (if they can be: the form's door has a response_url).
type openFormTask struct {
	b         *Bot
	o         bot.Origin
	trigger   string
	form      func() slack.ModalViewRequest // built here, after the ack
	notOpened string
}

func (t *openFormTask) Run(ctx context.Context) {
	// No retry: the trigger expires 3 s after the command, and works once.
	_, err := t.b.api.OpenViewContext(ctx, t.trigger, t.form())
	if err != nil {
		t.b.surface.failed("views.open", err)
		t.b.log.Warn("could not open the form", "err", err, "user", t.o.UserID)
		t.Abandon(ctx)
	}
}

func (t *openFormTask) Abandon(ctx context.Context) {
	if t.notOpened != "" {
		t.b.engine.Tell(ctx, t.o, bot.Message{Text: t.notOpened})
	}
}

// formOrigin is where a form was opened from, kept in the view's
// private_metadata: the channel its resend goes to ("" for the global
// shortcut's form, which asks), the thread (a message shortcut's), the
// door, and the command's or shortcut's response_url (valid 30 minutes),
// so that the caller can be told what happened even where the bot cannot
// post.
type formOrigin struct {
	Channel     string `json:"channel"`
	Thread      string `json:"thread,omitempty"`
	Source      string `json:"source,omitempty"` // "" is bot.SourceForm
	ResponseURL string `json:"response_url,omitempty"`
}

// readFormOrigin reads private_metadata; a form opened by an earlier
// version holds the bare channel ID.
func readFormOrigin(metadata string) formOrigin {
	var f formOrigin
	if json.Unmarshal([]byte(metadata), &f) != nil {
		return formOrigin{Channel: metadata}
	}
	return f
}

// origin is the request of a form submitted by user.
func (f formOrigin) origin(user, team string) bot.Origin {
	source := f.Source
	if source == "" {
		source = bot.SourceForm
	}
	return bot.Origin{UserID: user, UserTeam: team, ChannelID: f.Channel, ThreadTS: f.Thread, ResponseURL: f.ResponseURL, Source: source}
}

// resendForm is the /resend form: empty fields.
func (b *Bot) resendForm(o bot.Origin) slack.ModalViewRequest { return b.form(o, command.Found{}, nil) }

// form is the form for o: its fields filled in with found (a field with
// several values offers a choice among them), under head when not nil.
func (b *Bot) form(o bot.Origin, found command.Found, head slack.Block) slack.ModalViewRequest {
	metadata, _ := json.Marshal(formOrigin{Channel: o.ChannelID, Thread: o.ThreadTS, ResponseURL: o.ResponseURL, Source: o.Source})
	w := b.d.Words
	words, more := bot.FormWords(w), bot.ShortcutWords(w)
	input := func(id string, f bot.Field, values []string, none string) *slack.InputBlock {
		if len(values) > 1 {
			return choiceInput(id, f, bot.Several(w, len(values)), values, none)
		}
		el := slack.NewPlainTextInputBlockElement(plain(f.Placeholder), formValue)
		if len(values) == 1 {
			el.InitialValue = values[0]
		}
		block := slack.NewInputBlock(id, plain(f.Label), plain(f.Hint), el)
		block.Optional = f.Optional
		return block
	}
	var blocks []slack.Block
	if head != nil {
		blocks = append(blocks, head)
	}
	blocks = append(blocks,
		input(formReservation, words.Reservation, found.Reservations, ""),
		input(formEmail, words.Email, found.Emails, more.NoEmail),
		input(formPhone, words.Mobile, found.Phones, more.NoSMS),
	)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      formID,
		PrivateMetadata: string(metadata),
		Title:           plain(words.Title),
		Submit:          plain(words.Submit),
		Close:           plain(words.Cancel),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// formValues are a submitted form's fields, trimmed; a choice of none is "".
type formValues struct {
	reservation, email, phone string
}

// onFormSubmit validates a form and answers through respond, which
// acknowledges the submission: errors go back next to the field they
// concern; a valid form runs the normal flow in the channel (and thread)
// the form was opened from, or the one its picker chose once Slack has
// shown the audit message can go there, and the ack closes the form.
func (b *Bot) onFormSubmit(ctx context.Context, cb slack.InteractionCallback, respond func(answer any)) {
	unreadable := func(why string) {
		b.log.Warn(why+"; nothing sent", "user", cb.User.ID)
		respond(slack.NewErrorsViewSubmissionResponse(map[string]string{formReservation: b.d.Words.T(bot.MsgFormUnreadable)}))
	}
	if cb.View.State == nil {
		unreadable("a form submission came without its state")
		return
	}
	state := cb.View.State.Values
	value := func(block string) string {
		v := state[block][formValue]
		if v.Type == slack.ActionType(slack.OptTypeStatic) {
			if v.SelectedOption.Value == noneChosen {
				return ""
			}
			return strings.TrimSpace(v.SelectedOption.Value)
		}
		return strings.TrimSpace(v.Value)
	}
	values := formValues{value(formReservation), value(formEmail), value(formPhone)}
	o := readFormOrigin(cb.View.PrivateMetadata).origin(cb.User.ID, cb.User.TeamID)
	if _, picked := state[formChannel]; !picked {
		if o.ChannelID == "" {
			// Only the global form has no channel of its own, and it asks.
			unreadable("a form submission came without its channel")
			return
		}
		respond(b.runForm(ctx, o, values))
		return
	}
	// The global shortcut's form: the picked channel must pass the checks
	// a command there would, and Slack must show the bot can post there.
	o.ChannelID = state[formChannel][formValue].SelectedConversation
	words := bot.ShortcutWords(b.d.Words)
	refusal := words.Channel.Placeholder
	if o.ChannelID != "" {
		refusal = b.engine.MayStart(ctx, o)
	}
	if refusal != "" {
		respond(slack.NewErrorsViewSubmissionResponse(map[string]string{formChannel: refusal}))
		return
	}
	if !b.engine.SubmitPrompt(&checkChannelTask{b: b, o: o, values: values, respond: respond}) {
		respond(slack.NewErrorsViewSubmissionResponse(map[string]string{formChannel: words.Unchecked}))
	}
}

// runForm runs a form's values for o through the core and returns the
// ack: the errors to show next to the fields, or nil (the form closes).
func (b *Bot) runForm(ctx context.Context, o bot.Origin, v formValues) any {
	ie, reply := b.engine.Form(ctx, o, v.reservation, v.email, v.phone)
	if ie != nil {
		errs := map[string]string{formBlockFor(ie.Field): ie.Message}
		if ie.Field == "email" && v.email == "" && v.phone == "" {
			errs[formPhone] = ie.Message // either field answers it
		}
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	if !reply.Queued {
		b.engine.TellLater(o, bot.Message{Text: reply.Answer})
	}
	return nil
}

func formBlockFor(field string) string {
	switch field {
	case "email":
		return formEmail
	case "phone", "country", "msisdn":
		return formPhone
	}
	return formReservation
}

// publishHome shows the App Home tab: how to use the bot, and the viewer's
// own latest resends (only theirs: others' may come from channels the
// viewer cannot see).
type publishHomeTask struct {
	b    *Bot
	user string
}

func (t *publishHomeTask) Run(ctx context.Context) {
	recent, err := t.b.d.State.Recent.List(ctx, t.user)
	if err != nil {
		t.b.log.Warn("reading recent resends for App Home", "err", err)
	}
	blocks := homeBlocks(t.b.d.Words, recent)
	if refusal := t.b.engine.MayUse(ctx, t.user); refusal != "" {
		// Someone who may not resend sees why, not how to.
		blocks = []slack.Block{slack.NewSectionBlock(mrkdwn(refusal), nil, nil)}
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	err = t.b.surface.retry(ctx, "views.publish", func(ctx context.Context) error {
		_, err := t.b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: t.user, View: view})
		return err
	})
	if err != nil {
		t.b.log.Warn("publishing App Home", "err", err, "user", t.user)
	}
}

func (t *publishHomeTask) Abandon(context.Context) {}

func homeBlocks(w *i18n.Words, recent []bot.RecentResend) []slack.Block {
	h := bot.HomePage(w, recent)
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(h.Title)),
		slack.NewSectionBlock(mrkdwn(h.Usage), nil, nil),
		slack.NewDividerBlock(),
		slack.NewHeaderBlock(plain(h.RecentTitle)),
	}
	for _, line := range h.Recent {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(line), nil, nil))
	}
	return blocks
}
