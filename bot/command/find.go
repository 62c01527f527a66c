package command

import (
	"regexp"
	"strings"
)

// Found is what a message holds that the form can be filled in with: each
// reservation or order ID, email address and mobile number once, in the
// order they first appear, at most MaxFound of each. The values are typed
// values like any other: the form's submit checks them again.
type Found struct {
	Reservations []string // canonical lower-case UUIDs
	Emails       []string // as written
	Phones       []string // as FormatPhone writes them: "+47 41234567"
}

// Empty reports whether nothing was found.
func (f Found) Empty() bool {
	return len(f.Reservations) == 0 && len(f.Emails) == 0 && len(f.Phones) == 0
}

// MaxFound bounds each list of Found: a form offers a choice among a few
// values, not a message's every number.
const MaxFound = 10

// maxFindBytes bounds how much of a message is read, and maxPhoneTries
// how many candidate numbers libphonenumber is asked about, so that the
// form opens within Slack's 3 s whatever the message holds. A ticket's
// text is far within both; the rest of a larger message is not read.
const (
	maxFindBytes  = 64 << 10
	maxPhoneTries = 2000
)

// maxPhoneWords is how many space-separated groups one number may span:
// "(+47) 41 23 45 67" is five.
const maxPhoneWords = 6

var (
	uuidPattern = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	// emailPattern picks candidates of the everyday shape; each is then
	// checked as email= is. "|" and quotes are left out of the local part
	// so that Slack's <mailto:a@b.no|a@b.no> and 'a@b.no' give a@b.no.
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)
	// urlPattern is a link's address: what its path or query holds is no
	// destination (see idsOnly).
	urlPattern = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>|]+`)
	// phoneRun is a run of what a written number holds: digits, spaces,
	// "+", "-", dots and parentheses, starting and ending with a digit (or
	// a "+" or "(" before the first). libphonenumber decides which runs,
	// or which groups of a run, are numbers: the Go port has no matcher.
	phoneRun = regexp.MustCompile(`[+(]*[0-9][0-9 ()\-.\x{00a0}+]*[0-9]`)
)

// Find reads texts (a message's text, its attachments' and its blocks',
// as Slack sends them, entities and all) and returns every reservation or
// order ID, email address and phone number in them. A phone number is what
// phone= would accept: libphonenumber finds it valid in the Parser's
// default region (or its own, after a "+") and it can get an SMS.
func (pr *Parser) Find(texts ...string) Found {
	var f Found
	seen := map[string]bool{}
	add := func(list *[]string, key, v string) {
		if len(*list) < MaxFound && !seen[key] {
			seen[key] = true
			*list = append(*list, v)
		}
	}
	budget, tries := maxFindBytes, maxPhoneTries
	for _, text := range texts {
		text = text[:min(len(text), budget)] // "" once the budget is spent
		budget -= len(text)
		text = strings.Map(zeroWidthToSpace, Unescape(pr.asShown(text)))
		text = urlPattern.ReplaceAllStringFunc(text, idsOnly)
		// What is taken as an ID or an address is blanked out, so that its
		// digits are not read as a phone number.
		text = uuidPattern.ReplaceAllStringFunc(text, func(id string) string {
			id = strings.ToLower(id)
			add(&f.Reservations, "id:"+id, id)
			return " "
		})
		text = emailPattern.ReplaceAllStringFunc(text, func(addr string) string {
			if v, err := pr.parseEmail(cmdPair{"email", addr}); err == nil {
				add(&f.Emails, "email:"+strings.ToLower(v), v)
			}
			return " "
		})
		for _, loc := range phoneRun.FindAllStringIndex(text, -1) {
			if !standsAlone(text, loc[0], loc[1]) {
				continue
			}
			pr.phonesIn(text[loc[0]:loc[1]], &tries, func(p *Phone) { add(&f.Phones, "phone:"+p.E164, FormatPhone(*p)) })
		}
	}
	return f
}

// slackLink is a Slack link with a label, as message text holds it:
// <mailto:a@b.no|a@b.no>, <tel:+4741234567|412 34 567>, <https://…|…>.
var slackLink = regexp.MustCompile(`<[^<>|]*\|[^<>]*>`)

// asShown is text with each link whose label hides its target replaced
// by its label: the message's reader saw the label only, so the target is
// never offered (as email= and phone= refuse such a link). A mailto: or
// tel: link hides its target when the label is another destination
// (hidesTarget); a link of any other scheme (https:, sms:, whatsapp:…)
// whenever it has a label, and only the IDs in its target are kept.
func (pr *Parser) asShown(text string) string {
	return slackLink.ReplaceAllStringFunc(text, func(link string) string {
		raw, shown, _ := strings.Cut(link[1:len(link)-1], "|")
		target, label, ok := linkParts(link)
		if !ok {
			return idsOnly(raw) + shown + " "
		}
		same := SameEmail
		if !strings.HasPrefix(strings.ToLower(link), "<mailto:") {
			same = pr.sameNumber
		}
		if !hidesTarget(target, label, same) {
			return link
		}
		return " " + shown + " "
	})
}

// idsOnly is what Find reads of a link's address: the reservation or order
// IDs in it (a ticket's link often names one), and no address or number,
// which its query or path may hold without the reader ever reading it as
// one.
func idsOnly(address string) string {
	return " " + strings.Join(uuidPattern.FindAllString(address, -1), " ") + " "
}

// standsAlone reports whether text[start:end] is not part of a longer
// word: "ordre41234567" and "41234567kr" hold no phone number.
func standsAlone(text string, start, end int) bool {
	return (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end]))
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c >= 0x80
}

// phonesIn gives add each number in run, a run of digits and separators:
// the longest group of its words that phone= accepts, from the left, and
// so on after it. "412 34 567 / 987 65 432" is two numbers. Each parse
// spends one of tries; none left, it stops.
func (pr *Parser) phonesIn(run string, tries *int, add func(*Phone)) {
	words := strings.Fields(run)
	for i := 0; i < len(words); {
		took := 1
		for end := min(len(words), i+maxPhoneWords); end > i; end-- {
			candidate := strings.Join(words[i:end], " ")
			if n := digitCount(candidate); n < minPhoneDigits || n > maxPhoneDigits {
				continue
			}
			if *tries <= 0 {
				return
			}
			*tries--
			if p, err := pr.parsePhone(cmdPair{"phone", candidate}); err == nil {
				add(p)
				took = end - i
				break
			}
		}
		i += took
	}
}

// A number people write has at least 6 digits (Norway's have 8) and at
// most E.164's 15, plus a written 00 or national prefix.
const (
	minPhoneDigits = 6
	maxPhoneDigits = 17
)

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	return n
}
