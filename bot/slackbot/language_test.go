package slackbot

import (
	"encoding/json"
	"resendbot/bot/i18n/i18ntest"
	"strings"
	"testing"

	"resendbot/bot/internal/fakeslack"
	"resendbot/frontpay/frontpaytest"
)

// want is what one case shows, per language.
type want struct{ en, nb string }

// In both languages, the same cases: a sent resend, each kind of failure
// with its Retry, a refusal, the status and the offer, the offer pressed,
// a confirmation of an address not on file, pressed.
// Every message passes the strict fake's Block Kit checks in both.
func TestOutcomesRefusalsAndButtonsInBothLanguages(t *testing.T) {
	for _, lang := range []string{"en", "nb"} {
		t.Run(lang, func(t *testing.T) {
			pick := func(w want) string {
				if lang == "nb" {
					return w.nb
				}
				return w.en
			}
			h := start(t, map[string]string{"RESEND_LANGUAGE": lang, "RESEND_COOLDOWN": "0", "RESEND_RATE_PER_USER": "100/1m"})

			for _, c := range []struct {
				answer frontpaytest.Answer
				want   want
				retry  bool
			}{
				{frontpaytest.Accepted(), want{"*Sent*", "*Sendt*"}, false},
				{frontpaytest.NotFound(), want{"reservation not found", "fant ikke reservasjonen"}, false},
				{frontpaytest.Completed(), want{"already paid", "allerede betalt"}, false},
				{frontpaytest.Cancelled(), want{"reservation cancelled", "reservasjonen er kansellert"}, false},
				{frontpaytest.Invalid(`{"email":["The email must be a valid email address."]}`), want{"contact details rejected", "kontaktopplysningene ble avvist"}, false},
				{frontpaytest.Unauthorized(), want{"access was refused", "avviste tilgangsnøkkelen"}, false},
				{frontpaytest.ServerFailure(), want{"Front Payment failed", "Feil hos Front Payment"}, true},
			} {
				h.fp.SetAnswer(uuidA, c.answer)
				reply := h.sent(agent, uuidA+" email=kari@example.com")
				if !strings.Contains(reply.Text, pick(c.want)) {
					t.Errorf("reply = %q, want %q", reply.Text, pick(c.want))
				}
				if got := retryButton(t, reply) != ""; got != c.retry {
					t.Errorf("%q: Retry button %v, want %v", pick(c.want), got, c.retry)
				}
				if lang == "nb" {
					noEnglish(t, "reply", reply.Text)
				}
			}

			// A Retry pressed, in the same language.
			_, reply := h.rootOf(h.slack.Messages()[len(h.slack.Messages())-1])
			h.fp.SetAnswer(uuidA, frontpaytest.Accepted())
			h.press(agent2, reply, retryButton(t, reply))
			if _, err := h.slack.WaitFor(func(s fakeslack.Snapshot) bool {
				for _, m := range s.Messages {
					if strings.Contains(m.Text, pick(want{"retried the resend", "prøvde på nytt"})) {
						return true
					}
				}
				return false
			}, wait); err != nil {
				t.Errorf("no retry audit message in %s: %v", lang, err)
			}

			// The status and the offer, only to the caller.
			h.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
			status := h.answered(h.slash(agent, "status "+uuidA))
			if !strings.Contains(status.Text, pick(want{"Not paid yet", "Ikke betalt ennå"})) {
				t.Errorf("status = %q", status.Text)
			}
			offer := h.answered(h.slash(agent, uuidA))
			buttons := offerButtons(t, offer)
			both := buttons[pick(want{"Both", "Begge deler"})]
			if both == "" {
				t.Fatalf("offer buttons = %v", buttons)
			}
			h.pressOffer(agent, both)
			h.responseURLSays(pick(want{"You chose to resend", "Du valgte å sende"}))
			if lang == "nb" {
				noEnglish(t, "status", status.Text)
				noEnglish(t, "offer", offer.Text)
				for label := range buttons {
					noEnglish(t, "offer button", label)
				}
			}

			// Bad input, answered at once and only to the caller.
			bad := h.command(agent, uuidA+" email=kari@")
			if !strings.Contains(bad, pick(want{"doesn't look like an email address", "ser ikke ut som en e-postadresse"})) ||
				!strings.Contains(bad, pick(want{"Nothing was sent.", "Ingenting ble sendt."})) {
				t.Errorf("bad input = %q", bad)
			}
			help := h.command(agent, pick(want{"help", "hjelp"}))
			if lang == "nb" {
				noEnglish(t, "bad input", bad)
				noEnglish(t, "help", help)
			}

			// The form, its words and its field errors.
			if got := h.command(agent, ""); got != "" {
				t.Fatalf("empty /resend acked with %q", got)
			}
			views, err := h.slack.WaitCalls("views.open", 1, wait)
			if err != nil {
				t.Fatal(err)
			}
			view := views[0].Form.Get("view")
			if !strings.Contains(view, pick(want{"Resend payment link", "Send lenken på nytt"})) ||
				!strings.Contains(view, pick(want{"Mobile number", "Mobilnummer"})) {
				t.Errorf("form = %s", view)
			}
			if lang == "nb" {
				noEnglish(t, "form", view)
			}
			ack := h.submitForm(agent, formMetadata(t, views[0]), uuidA, "kari@", "")
			if !strings.Contains(string(ack), pick(want{"doesn't look like an email address", "ser ikke ut som en e-postadresse"})) {
				t.Errorf("form error = %s", ack)
			}

			// App Home, with the viewer's latest resends.
			h.slack.EventsAPI(map[string]any{"type": "app_home_opened", "user": agent, "channel": "D1", "tab": "home"}, fakeslack.EventOpts{})
			calls, err := h.slack.WaitCalls("views.publish", 1, wait)
			if err != nil {
				t.Fatal(err)
			}
			home := string(calls[0].JSON) + calls[0].Form.Get("view")
			if !strings.Contains(home, pick(want{"Your latest resends", "Dine siste utsendinger"})) {
				t.Errorf("home = %s", home)
			}
			if lang == "nb" {
				noEnglish(t, "App Home", home)
			}

			// An address that is not the one on file: asked, then sent.
			h3 := start(t, confirming(map[string]string{"RESEND_LANGUAGE": lang}))
			h3.fp.SetDetails(uuidA, frontpaytest.SampleDetails(uuidA))
			asked, choices := h3.asked(0, agent, uuidA+" email="+emailTypo+" phone=+4799887766")
			if !strings.Contains(asked.Text, pick(want{"Nothing sent yet", "Ingenting er sendt ennå"})) {
				t.Errorf("confirmation = %q", asked.Text)
			}
			h3.pressed(agent, choices[0])
			root, _ := h3.thread()
			if !strings.Contains(root.Text, pick(want{"(not the contact on file; <@" + agent + "> confirmed it)", "(avviker fra det som er registrert; bekreftet av <@" + agent + ">)"})) {
				t.Errorf("confirmed audit message = %q", root.Text)
			}
			if lang == "nb" {
				noEnglish(t, "confirmation", asked.Text)
				for _, c := range choices {
					noEnglish(t, "confirmation button", c.label)
				}
				noEnglish(t, "confirmed audit message", root.Text)
			}

			// A refusal by the allowlist, only to the caller.
			h2 := start(t, map[string]string{"RESEND_LANGUAGE": lang, "RESEND_ALLOWED_USERS": agent})
			got := h2.command(agent2, uuidA+" email=kari@example.com")
			if !strings.Contains(got, pick(want{"You're not on the list", "Du står ikke på listen"})) {
				t.Errorf("refusal = %q", got)
			}
			if lang == "nb" {
				noEnglish(t, "refusal", got)
			}
		})
	}
}

// noEnglish fails when text has an English word, a snake_case label or a
// stable value outside quotes. Of JSON (a view, blocks), it reads what
// people read: every "text".
func noEnglish(t *testing.T, what, text string) {
	t.Helper()
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		var texts []string
		var walk func(key string, v any)
		walk = func(key string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, sub := range v {
					walk(k, sub)
				}
			case []any:
				for _, sub := range v {
					walk(key, sub)
				}
			case string:
				if key == "text" {
					texts = append(texts, v)
				}
			}
		}
		for dec := json.NewDecoder(strings.NewReader(text)); ; {
			var v any
			if err := dec.Decode(&v); err != nil {
				break
			}
			walk("", v)
		}
		text = strings.Join(texts, "\n")
	}
	i18ntest.New(t).Check(t, "nb "+what, text)
}
