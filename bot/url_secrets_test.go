package bot

import (
	"strings"
	"testing"
)

// FuzzRedisURLErrorsNeverQuoteThePassword: whatever an operator writes as
// the user and password of a REDIS_URL — "/", "?", "#", "@", "%", ":"
// unencoded included — an error about the URL never shows any of the
// password (here, the marker inside it).
func FuzzRedisURLErrorsNeverQuoteThePassword(f *testing.F) {
	const marker = "Zq9Xk"
	for _, seed := range [][3]string{
		{"redis", "", "se/cret"}, {"redis+sentinel", "us", "a/b"}, {"redis+cluster", "", "a?b#c"},
		{"rediss", "u:v", "p@ss/w"}, {"rediss+sentinel", "", "%zz"}, {"redis", "", "1:2/3"},
	} {
		f.Add(seed[0], seed[1], seed[2], "h1:26379,h2:26379/mymaster")
	}
	f.Fuzz(func(t *testing.T, scheme, user, password, rest string) {
		switch scheme {
		case "redis", "rediss", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster":
		default:
			scheme = "redis+sentinel"
		}
		if strings.Contains(user+rest, marker) {
			return
		}
		half := len(password) / 2
		secret := password[:half] + marker + password[half:]
		_, err := ParseRedisURL(scheme + "://" + user + ":" + secret + "@" + rest)
		if err != nil && strings.Contains(err.Error(), marker) {
			t.Fatalf("the error quotes the password: %v", err)
		}
	})
}

// The API URLs take no user or password at all; one holding "/" would end
// the host early and the rest of it be quoted as a path: none of it is
// shown.
func TestAPIURLWithAPasswordIsNeverQuoted(t *testing.T) {
	for _, raw := range []string{"https://u:alpha7/bravo8@fp.example", "https://alpha7:99/bravo8@fp.example", "http://u:alpha7?bravo8@127.0.0.1:1"} {
		for _, name := range []string{"FRONTPAYMENT_BASE_URL", "SLACK_API_URL"} {
			vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t", name: raw}
			_, err := LoadConfig(func(k string) string { return vars[k] }, ModeBot)
			if err == nil || !strings.Contains(err.Error(), name+" must not carry a user or password") {
				t.Errorf("%s=%s: err = %v, want it refused", name, raw, err)
				continue
			}
			for _, part := range []string{"alpha7", "bravo8"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("%s=%s: error shows %q: %v", name, raw, part, err)
				}
			}
		}
	}
}
