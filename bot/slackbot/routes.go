package slackbot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// routes is every Slack entry point and who answers it: Socket Mode
// envelope types, Events API event types, button action IDs, form
// callback IDs and shortcut callback IDs. Anything not here is
// acknowledged and ignored.
type routes struct {
	envelopes map[socketmode.EventType]func(context.Context, socketmode.Event)
	events    map[string]func(ctx context.Context, data any)
	// actions are matched by action ID, or by prefix when it ends in "_"
	// (an offer's buttons are resend_offer_0, resend_offer_1, …).
	actions map[string]func(ctx context.Context, cb slack.InteractionCallback, value string)
	// views answer a form's submission through respond, which acks it.
	views map[string]func(ctx context.Context, cb slack.InteractionCallback, respond func(answer any))
	// shortcuts are matched by callback_id.
	shortcuts map[string]func(ctx context.Context, cb slack.InteractionCallback)
}

func (b *Bot) routeTable() routes {
	return routes{
		envelopes: map[socketmode.EventType]func(context.Context, socketmode.Event){
			socketmode.EventTypeConnecting:      b.onConnecting,
			socketmode.EventTypeConnected:       b.onConnected,
			socketmode.EventTypeHello:           b.onHello,
			socketmode.EventTypeConnectionError: b.onConnectionProblem,
			socketmode.EventTypeIncomingError:   b.onConnectionProblem,
			socketmode.EventTypeDisconnect:      b.onDisconnect,
			socketmode.EventTypeSlashCommand:    b.onSlashCommand,
			socketmode.EventTypeEventsAPI:       b.onEventsAPI,
			socketmode.EventTypeInteractive:     b.onInteractive,
			socketmode.EventTypeErrorBadMessage: b.onUndecodable,
		},
		events: map[string]func(context.Context, any){
			string(slackevents.AppMention):            b.onMention,
			string(slackevents.AppHomeOpened):         b.onHomeOpened,
			string(slackevents.SubteamMembersChanged): b.onSubteam,
			string(slackevents.SubteamUpdated):        b.onSubteam,
			string(slackevents.FunctionExecuted):      b.onFunctionExecuted,
		},
		actions: map[string]func(context.Context, slack.InteractionCallback, string){
			actionRetry:         b.onRetry,
			actionOffer + "_":   b.onOffer,
			actionConfirm + "_": b.onConfirm,
		},
		views: map[string]func(context.Context, slack.InteractionCallback, func(any)){
			formID: b.onFormSubmit,
		},
		shortcuts: map[string]func(context.Context, slack.InteractionCallback){
			shortcutMessage: b.onMessageShortcut,
			shortcutGlobal:  b.onGlobalShortcut,
		},
	}
}

// action is the handler of a button's action ID, nil for none.
func (r routes) action(id string) func(context.Context, slack.InteractionCallback, string) {
	if handle, ok := r.actions[id]; ok {
		return handle
	}
	if i := strings.LastIndexByte(id, '_'); i >= 0 {
		return r.actions[id[:i+1]]
	}
	return nil
}
