package command

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseDecodesSlackEntities(t *testing.T) {
	cmd, err := parse(en, parseID+" email=<mailto:tom&amp;jerry@example.com|tom&amp;jerry@example.com>", "NO")
	if err != nil || cmd.Email != "tom&jerry@example.com" {
		t.Fatalf("Parse = %+v, %v; want tom&jerry@example.com", cmd, err)
	}
	// An escaped "<" is a character, never the start of a Slack link.
	if _, err := parse(en, parseID+" email=&lt;kari@example.com phone=41234567", "NO"); err == nil {
		t.Fatal("an address starting with < was accepted")
	}
}

func TestATooLongCommandIsRefusedUnread(t *testing.T) {
	text := parseID + " email=<mailto:kari@example.com" + strings.Repeat(" a=1", 600)
	_, err := parse(en, text, "NO")
	ie, ok := err.(*InputError)
	if !ok || !strings.Contains(ie.Message, "too long") {
		t.Fatalf("Parse(%d bytes) = %v; want a too-long refusal", len(text), err)
	}
}

// BenchmarkSplitPairsUnclosedLink reads a value with a "<" that never
// closes followed by many key-like words: the cost per word stays flat
// (it grew with the length when the parser rescanned from the "<").
func BenchmarkSplitPairsUnclosedLink(b *testing.B) {
	for _, n := range []int{250, 2500, 10000} {
		tokens := append([]string{"email=<mailto:kari@example.com"}, strings.Fields(strings.Repeat(" a=1", n))...)
		b.Run(fmt.Sprintf("%dB", 4*n), func(b *testing.B) {
			for b.Loop() {
				_, _ = splitPairs(en, tokens)
			}
		})
	}
}

func TestEmailLengthsFollowRFC5321(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{strings.Repeat("k", 65) + "@example.com", "before @"},
		{"kari@" + strings.Repeat("a", 64) + ".example.com", "part of the domain"},
		{"kari@" + strings.Repeat("abcdefghi.", 28) + "no", "characters"},
	} {
		_, err := parse(en, parseID+" email="+c.addr, "NO")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("email of %d characters: err = %v; want one about %q", len(c.addr), err, c.want)
		}
	}
	ok := strings.Repeat("k", 64) + "@example.com"
	if _, err := parse(en, parseID+" email="+ok, "NO"); err != nil {
		t.Errorf("a 64-character local part was refused: %v", err)
	}
}

func TestInvisibleCharactersAreRefused(t *testing.T) {
	for _, v := range []string{
		"email=ka\u200dri@example.com", // zero-width joiner
		"email=ka\u00adri@example.com", // soft hyphen
		"email=kari@exa\u202emple.com", // right-to-left override
		"email=kari\u2066@example.com", // left-to-right isolate
		"phone=+47 412\u200d34567",
	} {
		_, err := parse(en, parseID+" "+v, "NO")
		if err == nil || !strings.Contains(err.Error(), "invisible character") {
			t.Errorf("%q: err = %v; want an invisible-character refusal", v, err)
		}
	}
}
