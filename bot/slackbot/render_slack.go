package slackbot

import (
	"fmt"
	"resendbot/bot"

	"github.com/slack-go/slack"
)

// Block and action IDs of the buttons, as Slack sends them back. Slack
// refuses a block whose buttons share an action_id, so an offer's buttons
// are numbered: resend_offer_0, resend_offer_1, …
const (
	actionRetry = "resend_retry"
	blockRetry  = "resend_retry_actions"
	actionOffer = "resend_offer"
	blockOffer  = "resend_offer_actions"
	// A confirmation's buttons: resend_confirm_0 (typed), _1 (on file), _2 (cancel).
	actionConfirm = "resend_confirm"
	blockConfirm  = "resend_confirm_actions"
)

// blocksOf renders m as Block Kit: a section with the body, a context
// block with the small print, and an actions block with the buttons.
func blocksOf(m bot.Message) []slack.Block {
	if m.Note == "" && len(m.Buttons) == 0 {
		if m.Text == "" {
			return nil
		}
		return []slack.Block{slack.NewSectionBlock(mrkdwn(m.Text), nil, nil)}
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(m.Text), nil, nil)}
	if m.Note != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(m.Note)))
	}
	if len(m.Buttons) > 0 {
		blocks = append(blocks, buttonsBlock(m.Buttons))
	}
	return blocks
}

func buttonsBlock(buttons []bot.Button) *slack.ActionBlock {
	blockID := blockRetry
	elements := make([]slack.BlockElement, 0, len(buttons))
	for i, b := range buttons {
		actionID := actionRetry
		switch b.Action {
		case bot.ActionOffer:
			actionID, blockID = fmt.Sprintf("%s_%d", actionOffer, i), blockOffer
		case bot.ActionConfirm:
			actionID, blockID = fmt.Sprintf("%s_%d", actionConfirm, i), blockConfirm
		}
		el := slack.NewButtonBlockElement(actionID, b.Value, plain(b.Label))
		if b.Primary {
			el.Style = slack.StylePrimary
		}
		if c := b.Confirm; c != nil {
			// The dialog's text is plain_text, as Slack's confirm object requires.
			el.Confirm = slack.NewConfirmationBlockObject(plain(c.Title), plain(c.Text), plain(c.OK), plain(c.Cancel))
		}
		elements = append(elements, el)
	}
	return slack.NewActionBlock(blockID, elements...)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// usedButtons replaces the action blocks of a message whose button was
// pressed with a line saying who pressed it, so it cannot be pressed again.
func usedButtons(blocks []slack.Block, note string) []slack.Block {
	kept := make([]slack.Block, 0, len(blocks)+1)
	for _, b := range blocks {
		if b.BlockType() != slack.MBTAction {
			kept = append(kept, b)
		}
	}
	return append(kept, slack.NewContextBlock("", mrkdwn(note)))
}
