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

// onInteractive routes button presses and form submissions.
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
		var answer any
		if handle, ok := b.routes.views[cb.View.CallbackID]; ok {
			answer = handle(ctx, cb)
		}
		b.ack(ctx, evt, answer)
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

// openForm opens the /resend form; when Slack will not, the caller gets
// the usage text instead.
type openFormTask struct {
	b       *Bot
	o       bot.Origin
	trigger string
}

func (t *openFormTask) Run(ctx context.Context) {
	// No retry: the trigger expires 3 s after the command.
	_, err := t.b.api.OpenViewContext(ctx, t.trigger, resendForm(t.b.d.Words, t.o))
	if err != nil {
		t.b.surface.failed("views.open", err)
		t.b.log.Warn("could not open the form; showing usage", "err", err)
		t.b.engine.Tell(ctx, t.o, bot.Message{Text: command.Usage(t.b.d.Words)})
	}
}

func (t *openFormTask) Abandon(ctx context.Context) {
	t.b.engine.Tell(ctx, t.o, bot.Message{Text: command.Usage(t.b.d.Words)})
}

// formOrigin is where a form was opened from, kept in the view's
// private_metadata: the channel its resend goes to, and the command's
// response_url (valid 30 minutes), so that the caller can be told what
// happened even where the bot cannot post.
type formOrigin struct {
	Channel     string `json:"channel"`
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

func resendForm(w *i18n.Words, o bot.Origin) slack.ModalViewRequest {
	metadata, _ := json.Marshal(formOrigin{Channel: o.ChannelID, ResponseURL: o.ResponseURL})
	words := bot.FormWords(w)
	input := func(id string, f bot.Field) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(plain(f.Placeholder), formValue)
		block := slack.NewInputBlock(id, plain(f.Label), plain(f.Hint), el)
		block.Optional = f.Optional
		return block
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      formID,
		PrivateMetadata: string(metadata),
		Title:           plain(words.Title),
		Submit:          plain(words.Submit),
		Close:           plain(words.Cancel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			input(formReservation, words.Reservation),
			input(formEmail, words.Email),
			input(formPhone, words.Mobile),
		}},
	}
}

// onFormSubmit validates the form. Errors go back in the ack, next to the
// field they concern; a valid form runs the normal flow in the channel the
// form was opened from, and the ack closes the form.
func (b *Bot) onFormSubmit(ctx context.Context, cb slack.InteractionCallback) any {
	if cb.View.State == nil {
		b.log.Warn("a form submission came without its state; nothing sent", "user", cb.User.ID)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{formReservation: b.d.Words.T(bot.MsgFormUnreadable)})
	}
	value := func(block string) string {
		return strings.TrimSpace(cb.View.State.Values[block][formValue].Value)
	}
	reservation, email, phone := value(formReservation), value(formEmail), value(formPhone)
	from := readFormOrigin(cb.View.PrivateMetadata)
	o := bot.Origin{UserID: cb.User.ID, UserTeam: cb.User.TeamID, ChannelID: from.Channel, ResponseURL: from.ResponseURL, Source: bot.SourceForm}
	ie, reply := b.engine.Form(ctx, o, reservation, email, phone)
	if ie != nil {
		errs := map[string]string{formBlockFor(ie.Field): ie.Message}
		if ie.Field == "email" && email == "" && phone == "" {
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
