package command

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

const parseID2 = "0b6e4d2c-1a2b-4c3d-8e9f-0123456789ab"

func TestFindReadsIDsAddressesAndNumbers(t *testing.T) {
	for _, c := range []struct {
		name  string
		texts []string
		want  Found
	}{
		{"nothing", []string{"Hi, can you help?", ""}, Found{}},
		{"a helpdesk ticket",
			[]string{"Kari Nordmann never got her link — order " + parseIDUpper + ", new email <mailto:kari@firma.no|kari@firma.no>, mobil 412 34 567"},
			Found{Reservations: []string{parseID}, Emails: []string{"kari@firma.no"}, Phones: []string{"+47 412 34 567"}}},
		{"the same values twice, in other forms",
			[]string{"ID " + parseID + " mail KARI@firma.no", "re: " + parseIDUpper + " kari@firma.no <tel:+4741234567|+47 41 23 45 67> 0047 412 34 567"},
			Found{Reservations: []string{parseID}, Emails: []string{"KARI@firma.no"}, Phones: []string{"+47 412 34 567"}}},
		{"several of each, in order",
			[]string{"first " + parseID2 + " then " + parseID, "a@b.no, c@d.se", "SMS 41234567 / +46 70 123 45 67"},
			Found{Reservations: []string{parseID2, parseID}, Emails: []string{"a@b.no", "c@d.se"}, Phones: []string{"+47 412 34 567", "+46 701234567"}}},
		{"two numbers in one run", []string{"412 34 567 987 65 432"},
			Found{Phones: []string{"+47 412 34 567", "+47 987 65 432"}}},
		{"entities as Slack sends them", []string{"&lt;kari@firma.no&gt; &amp; 412&#160;34 567"},
			Found{Emails: []string{"kari@firma.no"}}},
		{"a landline, a date, an amount and digits inside words are no mobile numbers",
			[]string{"tlf 22 12 34 56, due 2026-12-08, 1 234,50 kr, ordre41234567, 41234567kr, ID 12345"},
			Found{}},
		{"digits of an ID or an address are not read as a number",
			[]string{"41234567-aaaa-4aaa-8aaa-aaaaaaaaaaaa 41234567@firma.no"},
			Found{Reservations: []string{"41234567-aaaa-4aaa-8aaa-aaaaaaaaaaaa"}, Emails: []string{"41234567@firma.no"}}},
		{"digits in a link are no number, an ID in one is",
			[]string{"<https://portal.example/orders/41234567?ref=" + parseID + "|the order> https://x.example/98765432"},
			Found{Reservations: []string{parseID}}},
		{"what email= refuses is not found", []string{"kari@firma..no kari@-firma.no"}, Found{}},
		{"a link's target its label hides is not found, the label is",
			[]string{"new email <mailto:attacker@evil.example|kari@firma.no>, mobil <tel:+4799999999|412 34 567>, <mailto:ola@firma.no|write to Ola>"},
			Found{Emails: []string{"kari@firma.no"}, Phones: []string{"+47 412 34 567"}}},
		{"a link of another scheme hides its target behind its label; a link's address holds no destination, only IDs",
			[]string{"<https://help.example/t/" + parseID + "?requester=thief@evil.example&sms=4799999999|Open the ticket>" +
				" <sms:+4798888888|Text Kari> <whatsapp://send?phone=4797777777|Chat> https://x.example/u/" + parseID2 + "/4796666666?cc=bcc@evil.example"},
			Found{Reservations: []string{parseID, parseID2}}},
		{"a link whose label is its target is found",
			[]string{"<mailto:Kari@Firma.no|kari@firma.no> <tel:+4741234567|+47 41 23 45 67> <mailto:ola@firma.no>"},
			Found{Emails: []string{"Kari@Firma.no", "ola@firma.no"}, Phones: []string{"+47 412 34 567"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := parserFor(en, "NO").Find(c.texts...); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Find(%q) =\n %+v, want\n %+v", c.texts, got, c.want)
			}
		})
	}
}

// The default region decides what a number written without "+" is.
func TestFindReadsNumbersInTheDefaultRegion(t *testing.T) {
	text := "ring 070-123 45 67"
	if got := parserFor(en, "SE").Find(text).Phones; !reflect.DeepEqual(got, []string{"+46 701234567"}) {
		t.Errorf("SE: %q gives %q", text, got)
	}
	if got := parserFor(en, "NO").Find(text).Phones; len(got) != 0 {
		t.Errorf("NO: %q gives %q, want nothing (not a Norwegian number)", text, got)
	}
}

func TestFindKeepsAtMostMaxFoundOfEach(t *testing.T) {
	var b strings.Builder
	for i := range MaxFound + 5 {
		b.WriteString("kari" + strings.Repeat("x", i) + "@firma.no ")
	}
	if got := parserFor(en, "NO").Find(b.String()).Emails; len(got) != MaxFound {
		t.Errorf("found %d addresses, want %d", len(got), MaxFound)
	}
}

// FuzzFind feeds Find whatever a message may hold. Everything it finds is
// a value the form's submit accepts as it is: it never offers what the
// normal flow would refuse.
func FuzzFind(f *testing.F) {
	for _, seed := range parseSeeds {
		f.Add(seed, "NO")
	}
	f.Add("Kari never got her link: order "+parseID+", kari@firma.no, 412 34 567", "NO")
	f.Add("<tel:+4741234567|+47 412 34 567> <mailto:a@b.no|a@b.no>", "NO")
	f.Add("(+46) 070-123 45 67 / 0701234567", "SE")
	f.Add("+1 (202) 555-0123 ext. 4", "US")
	f.Add("412 34 567 987 65 432 22 12 34 56 ++47 (((41234567", "NO")
	f.Fuzz(func(t *testing.T, text, region string) {
		pr := parserFor(en, region)
		found := pr.Find(text, text)
		for _, list := range [][]string{found.Reservations, found.Emails, found.Phones} {
			if len(list) > MaxFound {
				t.Fatalf("Find(%q) found %d of one kind", text, len(list))
			}
		}
		for _, id := range found.Reservations {
			if _, err := pr.Resend(id, ExampleEmail, ""); err != nil {
				t.Fatalf("Find(%q) found ID %q, which the form refuses: %v", text, id, err)
			}
		}
		for _, addr := range found.Emails {
			if _, err := pr.Resend(ExampleReservation, addr, ""); err != nil {
				t.Fatalf("Find(%q) found address %q, which the form refuses: %v", text, addr, err)
			}
		}
		for _, num := range found.Phones {
			if _, err := pr.Resend(ExampleReservation, "", num); err != nil {
				t.Fatalf("Find(%q) found number %q, which the form refuses: %v", text, num, err)
			}
		}
	})
}

// BenchmarkFindWorstCase times Find on a message of nothing but candidate
// numbers, as long as Find reads: the form must still open within
// Slack's 3 s.
func BenchmarkFindWorstCase(b *testing.B) {
	text := strings.Repeat("123456 ", maxFindBytes/7+1)
	pr := parserFor(en, "NO")
	for b.Loop() {
		pr.Find(text)
	}
}

// Find reads at most maxFindBytes of all the texts together: an ID that
// ends on the last byte read is found (were more read, the ID after it
// would join it into one word, and neither is an ID), one that the limit
// cuts is not, and no text after the limit is read.
func TestFindReadsAtMostMaxFindBytes(t *testing.T) {
	pr := parserFor(en, "NO")
	filler := strings.Repeat(" ", maxFindBytes-len(parseID)-1)
	got := pr.Find(filler, " "+parseIDUpper+parseID2, parseID2)
	if want := []string{parseID}; !slices.Equal(got.Reservations, want) {
		t.Errorf("Find = %q, want %q: only what fits in %d bytes", got.Reservations, want, maxFindBytes)
	}
	got = pr.Find(filler+"  "+parseID, parseID2)
	if len(got.Reservations) != 0 {
		t.Errorf("Find = %q, want nothing: the ID ends a byte past the limit", got.Reservations)
	}
}

// A number stands alone beside any byte that is not a letter, a digit,
// '_' or part of a non-ASCII character: every byte is checked, those at
// the ends of each range and just beside them included.
func TestIsWordByteForEveryByte(t *testing.T) {
	const word = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	for c := 0; c < 256; c++ {
		if got, want := isWordByte(byte(c)), c >= 0x80 || strings.IndexByte(word, byte(c)) >= 0; got != want {
			t.Errorf("isWordByte(%q) = %v, want %v", byte(c), got, want)
		}
	}
}

// Where Find looks for numbers, and how far: the cases sit on its limits.
//
// Equivalent mutants in phonesIn: `i < len(words)` → `<=` adds a round
// with no words left, whose inner loop runs not once; `end > i` → `>=`
// adds an empty candidate, which has no digits and is skipped.
func TestFindNumbersAtItsLimits(t *testing.T) {
	for _, tc := range []struct {
		name, region, text string
		want               []string
	}{
		{"beside punctuation, not letters", "NO", "tlf:90123459, [41234567] {98765430}|40000009~ ab41234568 41234569_",
			[]string{"+47 901 23 459", "+47 412 34 567", "+47 987 65 430", "+47 400 00 009"}},
		{"zeros and nines are digits", "NO", "900 00 000 or 999 99 999", []string{"+47 900 00 000", "+47 999 99 999"}},
		{"a number after words that are none", "NO", "12 412 34 567 987 65 432", []string{"+47 412 34 567", "+47 987 65 432"}},
		{"six digits, the fewest tried", "FO", "211234", []string{"+298 211234"}},
		{"seventeen digits, the most tried", "NO", "0043 664 123456 7890", []string{"+43 6641234567890"}},
	} {
		if got := parserFor(en, tc.region).Find(tc.text).Phones; !slices.Equal(got, tc.want) {
			t.Errorf("%s: Find(%q) = %q, want %q", tc.name, tc.text, got, tc.want)
		}
	}
}

// Find asks libphonenumber about at most maxPhoneTries candidates: a
// number after maxPhoneTries-1 that are none is found, one after
// maxPhoneTries is not.
func TestFindStopsAfterMaxPhoneTries(t *testing.T) {
	none := strings.Repeat("123456 ; ", maxPhoneTries-1) // each one candidate, six digits, no Norwegian number
	pr := parserFor(en, "NO")
	if got := pr.Find(none + "41234567").Phones; !slices.Equal(got, []string{"+47 412 34 567"}) {
		t.Errorf("after %d tries: %q, want the number", maxPhoneTries-1, got)
	}
	if got := pr.Find(none + "123456 ; 41234567").Phones; len(got) != 0 {
		t.Errorf("after %d tries: %q, want nothing", maxPhoneTries, got)
	}
}
