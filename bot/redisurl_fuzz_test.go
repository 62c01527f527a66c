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
