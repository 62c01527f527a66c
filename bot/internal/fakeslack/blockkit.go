package fakeslack

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Block Kit limits, from Slack's Block Kit reference
// (https://api.slack.com/reference/block-kit/blocks,
// .../block-elements, .../composition-objects, .../surfaces/modals):
//
//	section: "text … Maximum length for the text in this field is 3000
//	characters." "fields … Maximum number of items is 10. Maximum length for
//	the text in each item is 2000 characters." "block_id … Maximum length for
//	this field is 255 characters. block_id should be unique for each message
//	and each iteration of a message."
//	actions: "elements … There is a maximum of 25 elements in each action block."
//	context: "elements … Maximum number of items is 10."
//	header: "text … Maximum length for the text in this field is 150 characters."
//	input: "label … Maximum length … 2000 characters." "hint … 2000 characters."
//	button: "text … Maximum length for the text in this field is 75
//	characters." "action_id … Maximum length is 255 characters." "url …
//	Maximum length is 3000 characters." "value … Maximum length is 2000
//	characters." "action_id … should be unique among all other action_ids in
//	the containing block."
//	plain_text_input: "placeholder … Maximum length … 150 characters."
//	confirm: "title … Maximum length … 100 characters." "text … 300
//	characters." "confirm … 30 characters." "deny … 30 characters."
//	messages: "You can include up to 50 blocks in each message, and 100
//	blocks in modals or Home tabs."
//	modal: "title … Max length of 24 characters." "close … Max length of 24
//	characters." "submit … Max length of 24 characters."
//	text object: "type … Can be one of plain_text or mrkdwn." "text … The
//	minimum length is 1."
//
// Slack answers a message with bad blocks {"ok":false,"error":"invalid_blocks",
// "response_metadata":{"messages":["[ERROR] must be less than 3001 characters
// [json-pointer:/blocks/0/text/text]"]}}, and a views.* call with a bad view
// {"ok":false,"error":"invalid_arguments","response_metadata":{"messages":[…]}}
// (views.open reference, example error response).
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	// maxMessageText: chat.postMessage "text … The limit is 40,000
	// characters" — Slack truncates longer text; past it, fail loudly
	// (msg_too_long) rather than be kinder than Slack.
	maxMessageText = 40000
)

// knownBlocks are the block types Slack accepts in messages and views.
var knownBlocks = map[string]bool{
	"section": true, "actions": true, "context": true, "divider": true,
	"header": true, "image": true, "input": true, "file": true,
	"rich_text": true, "video": true, "markdown": true,
}

type validator struct {
	msgs []string
}

func (v *validator) errf(ptr, format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
}

func (v *validator) maxLen(ptr, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		v.errf(ptr, "must be less than %d characters", n+1)
	}
}

// text checks a text object at ptr; plainOnly refuses mrkdwn.
func (v *validator) text(ptr string, x any, maxChars int, plainOnly bool) {
	obj, ok := x.(map[string]any)
	if !ok {
		v.errf(ptr, "must be an object")
		return
	}
	typ, _ := obj["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
	case typ == "mrkdwn":
		v.errf(ptr+"/type", "must be plain_text")
	default:
		v.errf(ptr+"/type", "must provide a valid text object type")
	}
	s, ok := obj["text"].(string)
	if !ok || s == "" {
		v.errf(ptr+"/text", "must be more than 0 characters")
		return
	}
	v.maxLen(ptr+"/text", s, maxChars)
}

func (v *validator) confirm(ptr string, x any) {
	c, ok := x.(map[string]any)
	if !ok {
		v.errf(ptr, "must be an object")
		return
	}
	v.text(ptr+"/title", c["title"], 100, true)
	// confirm object: "text … A plain_text text object that defines the
	// explanatory text that appears in the confirm dialog."
	v.text(ptr+"/text", c["text"], 300, true)
	v.text(ptr+"/confirm", c["confirm"], 30, true)
	v.text(ptr+"/deny", c["deny"], 30, true)
}

// element checks an interactive element; actionIDs collects the action_ids
// of the containing block.
func (v *validator) element(ptr string, x any, actionIDs map[string]bool) {
	el, ok := x.(map[string]any)
	if !ok {
		v.errf(ptr, "must be an object")
		return
	}
	typ, _ := el["type"].(string)
	if id, ok := el["action_id"].(string); ok {
		v.maxLen(ptr+"/action_id", id, 255)
		if actionIDs[id] {
			// Slack: "action_id … should be unique among all other
			// action_ids in the containing block."
			v.errf(ptr+"/action_id", "non-unique action_id")
		}
		actionIDs[id] = true
	}
	if c, ok := el["confirm"]; ok {
		v.confirm(ptr+"/confirm", c)
	}
	switch typ {
	case "button":
		v.text(ptr+"/text", el["text"], 75, true)
		if s, ok := el["value"].(string); ok {
			v.maxLen(ptr+"/value", s, 2000)
		}
		if s, ok := el["url"].(string); ok {
			v.maxLen(ptr+"/url", s, 3000)
		}
	case "plain_text_input":
		if p, ok := el["placeholder"]; ok {
			v.text(ptr+"/placeholder", p, 150, true)
		}
		if s, ok := el["initial_value"].(string); ok {
			v.maxLen(ptr+"/initial_value", s, 3000)
		}
	case "static_select":
		v.staticSelect(ptr, el)
	case "conversations_select":
		v.conversationsSelect(ptr, el)
	case "":
		v.errf(ptr+"/type", "must provide a type")
	}
}

// validateBlocks checks blocks (the raw JSON array) for a surface holding at
// most maxBlocks blocks and returns Slack's messages, or nil when valid.
// prefix is the JSON pointer of the array ("/blocks" or "/view/blocks").
// staticSelect checks a static_select: "options … Maximum number of
// options is 100"; an option's "text … Maximum length for the text in
// this field is 75 characters" (plain_text only in a select) and "value …
// Maximum length for this field is 150 characters"; "initial_option … A
// single option that exactly matches one of the options within options".
func (v *validator) staticSelect(ptr string, el map[string]any) {
	if p, ok := el["placeholder"]; ok {
		v.text(ptr+"/placeholder", p, 150, true)
	}
	options := v.items(ptr+"/options", el["options"], 100)
	for i, o := range options {
		v.option(ptr+"/options/"+strconv.Itoa(i), o)
	}
	initial, ok := el["initial_option"]
	if !ok {
		return
	}
	v.option(ptr+"/initial_option", initial)
	for _, o := range options {
		if reflect.DeepEqual(o, initial) {
			return
		}
	}
	v.errf(ptr+"/initial_option", "must match one of the options")
}

func (v *validator) option(ptr string, x any) {
	o, ok := x.(map[string]any)
	if !ok {
		v.errf(ptr, "must be an object")
		return
	}
	v.text(ptr+"/text", o["text"], 75, true)
	value, _ := o["value"].(string)
	if value == "" {
		v.errf(ptr+"/value", "must be more than 0 characters")
	}
	v.maxLen(ptr+"/value", value, 150)
}

// conversationsSelect checks a conversations_select's filter: "include …
// an array of strings from the following options: im, mpim, private, and
// public. The array cannot be empty." "while none of the fields above are
// individually required, you must supply at least one of these fields."
func (v *validator) conversationsSelect(ptr string, el map[string]any) {
	if p, ok := el["placeholder"]; ok {
		v.text(ptr+"/placeholder", p, 150, true)
	}
	raw, ok := el["filter"]
	if !ok {
		return
	}
	f, ok := raw.(map[string]any)
	if !ok || len(f) == 0 {
		v.errf(ptr+"/filter", "must provide at least one of include, exclude_external_shared_channels, exclude_bot_users")
		return
	}
	if inc, ok := f["include"]; ok {
		kinds, _ := inc.([]any)
		if len(kinds) == 0 {
			v.errf(ptr+"/filter/include", "must provide at least 1 item")
		}
		for i, k := range kinds {
			switch k {
			case "im", "mpim", "private", "public":
			default:
				v.errf(ptr+"/filter/include/"+strconv.Itoa(i), "must be a valid enum value")
			}
		}
	}
}

func validateBlocks(raw json.RawMessage, prefix string, maxBlocks int) []string {
	var blocks []any
	v := &validator{}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		v.errf(prefix, "must be an array")
		return v.msgs
	}
	v.blocks(prefix, blocks, maxBlocks)
	return v.msgs
}

func (v *validator) blocks(prefix string, blocks []any, maxBlocks int) {
	if len(blocks) > maxBlocks {
		v.errf(prefix, "no more than %d items allowed", maxBlocks)
	}
	blockIDs := map[string]bool{}
	for i, x := range blocks {
		ptr := prefix + "/" + strconv.Itoa(i)
		b, ok := x.(map[string]any)
		if !ok {
			v.errf(ptr, "must be an object")
			continue
		}
		typ, _ := b["type"].(string)
		if !knownBlocks[typ] {
			v.errf(ptr+"/type", "must be a valid enum value")
			continue
		}
		if id, ok := b["block_id"].(string); ok {
			v.maxLen(ptr+"/block_id", id, 255)
			if blockIDs[id] {
				v.errf(ptr+"/block_id", "non-unique block_id")
			}
			blockIDs[id] = true
		}
		actionIDs := map[string]bool{}
		switch typ {
		case "section":
			_, hasText := b["text"]
			fields, hasFields := b["fields"].([]any)
			if !hasText && !hasFields {
				v.errf(ptr, "must provide text or fields")
			}
			if hasText {
				v.text(ptr+"/text", b["text"], 3000, false)
			}
			if len(fields) > 10 {
				v.errf(ptr+"/fields", "no more than 10 items allowed")
			}
			for j, f := range fields {
				v.text(ptr+"/fields/"+strconv.Itoa(j), f, 2000, false)
			}
			if acc, ok := b["accessory"]; ok {
				v.element(ptr+"/accessory", acc, actionIDs)
			}
		case "actions":
			els := v.items(ptr+"/elements", b["elements"], 25)
			for j, e := range els {
				v.element(ptr+"/elements/"+strconv.Itoa(j), e, actionIDs)
			}
		case "context":
			els := v.items(ptr+"/elements", b["elements"], 10)
			for j, e := range els {
				if m, ok := e.(map[string]any); ok && (m["type"] == "plain_text" || m["type"] == "mrkdwn") {
					v.text(ptr+"/elements/"+strconv.Itoa(j), e, 3000, false)
				}
			}
		case "header":
			v.text(ptr+"/text", b["text"], 150, true)
		case "input":
			v.text(ptr+"/label", b["label"], 2000, true)
			if h, ok := b["hint"]; ok {
				v.text(ptr+"/hint", h, 2000, true)
			}
			if _, ok := b["element"]; !ok {
				v.errf(ptr+"/element", "must provide an element")
			} else {
				v.element(ptr+"/element", b["element"], actionIDs)
			}
		}
	}
}

// validateMessage checks a message's text and blocks as chat.postMessage,
// chat.update, chat.postEphemeral and response_url do. It returns the Slack
// error code ("" when valid) and the response_metadata messages.
func validateMessage(text string, blocks json.RawMessage) (string, []string) {
	if utf8.RuneCountInString(text) > maxMessageText {
		return "msg_too_long", nil
	}
	if len(blocks) == 0 || string(blocks) == "null" {
		return "", nil
	}
	if msgs := validateBlocks(blocks, "/blocks", maxMessageBlocks); msgs != nil {
		return "invalid_blocks", msgs
	}
	return "", nil
}

// validateView checks a view as views.open/update/push/publish do and returns
// the response_metadata messages (nil when valid).
func validateView(view map[string]any) []string {
	v := &validator{}
	typ, _ := view["type"].(string)
	switch typ {
	case "modal":
		v.text("/view/title", view["title"], 24, true)
		if x, ok := view["submit"]; ok {
			v.text("/view/submit", x, 24, true)
		}
		if x, ok := view["close"]; ok {
			v.text("/view/close", x, 24, true)
		}
	case "home":
	default:
		v.errf("/view/type", "must be a valid enum value")
	}
	blocks, ok := view["blocks"].([]any)
	if !ok {
		v.errf("/view/blocks", "must provide an array")
	}
	v.blocks("/view/blocks", blocks, maxViewBlocks)
	return v.msgs
}

// items is the array at ptr, checked to hold 1 to max items.
func (v *validator) items(ptr string, raw any, max int) []any {
	els, _ := raw.([]any)
	if len(els) == 0 {
		v.errf(ptr, "must provide at least 1 item")
	}
	if len(els) > max {
		v.errf(ptr, "no more than %d items allowed", max)
	}
	return els
}
