package command

import "strings"

// Slack's mrkdwn gives &, < and > meanings (entities, mentions, links):
// Slack sends them escaped in what people type, and text from outside must
// be escaped before it goes into a message.
var (
	mrkdwnEscaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	mrkdwnUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// Escape makes text from outside (Front Payment, the caller) plain text in
// mrkdwn: it can mention no one and link nowhere.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// Unescape reads text as Slack sent it ("tom&amp;jerry") as typed.
func Unescape(s string) string { return mrkdwnUnescaper.Replace(s) }
