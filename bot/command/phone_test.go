package command

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// sameAsParse fails t unless numbers.parse answers num the way
// phonenumbers.Parse does, and numbers.typeOf types it as GetNumberType does;
// it reports whether parse's shortcut answered.
func sameAsParse(t *testing.T, num, region string) bool {
	t.Helper()
	want, wantErr := phonenumbers.Parse(num, region)
	got, gotErr := testNums.parse(num, region)
	_, short := testNums.parsePlus(num)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q in %q: Parse error %v, numbers.parse error %v (shortcut: %v)", num, region, wantErr, gotErr, short)
	}
	if wantErr != nil {
		return short
	}
	w := fmt.Sprintf("%d|%d|%q|%v|%d|%q|%q", want.GetCountryCode(), want.GetNationalNumber(), want.GetExtension(),
		want.GetItalianLeadingZero(), want.GetNumberOfLeadingZeros(), want.GetRawInput(), want.GetPreferredDomesticCarrierCode())
	g := fmt.Sprintf("%d|%d|%q|%v|%d|%q|%q", got.GetCountryCode(), got.GetNationalNumber(), got.GetExtension(),
		got.GetItalianLeadingZero(), got.GetNumberOfLeadingZeros(), got.GetRawInput(), got.GetPreferredDomesticCarrierCode())
	if w != g {
		t.Fatalf("%q in %q: Parse %s, numbers.parse %s (shortcut: %v)", num, region, w, g, short)
	}
	if wt, gt := phonenumbers.GetNumberType(want), testNums.typeOf(got); wt != gt {
		t.Fatalf("%q in %q: GetNumberType %v, numbers.typeOf %v", num, region, wt, gt)
	}
	return short
}

// TestParseNumberAgreesWithParse runs every region's example numbers of
// every type, in international form, and thousands of numbers around
// them, through numbers.parse and numbers.typeOf and through libphonenumber.
func TestParseNumberAgreesWithParse(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	shortcuts, total := 0, 0
	check := func(num string) {
		total++
		if sameAsParse(t, num, "NO") {
			shortcuts++
		}
	}
	types := []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.UAN, phonenumbers.PAGER}
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			e164 := phonenumbers.Format(ex, phonenumbers.E164)
			check(e164)
			digits := []byte(e164[1:])
			for range 8 {
				d := []byte(string(digits))
				switch rng.IntN(4) {
				case 0: // one digit changed
					d[rng.IntN(len(d))] = byte('0' + rng.IntN(10))
				case 1: // one digit more
					i := rng.IntN(len(d) + 1)
					d = append(d[:i], append([]byte{byte('0' + rng.IntN(10))}, d[i:]...)...)
				case 2: // one digit less
					if len(d) > 1 {
						i := rng.IntN(len(d))
						d = append(d[:i], d[i+1:]...)
					}
				case 3: // a 0 after the country code, as people write a national prefix
					i := 1 + rng.IntN(min(3, len(d)))
					d = append(d[:i], append([]byte{'0'}, d[i:]...)...)
				}
				check("+" + string(d))
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		check(fmt.Sprintf("+%d12345678", cc))
	}
	for _, s := range []string{"+", "+0", "+00", "+1", "+12", "+123", "+4741234567" + strings.Repeat("1", 10), "+٤٧٤١٢٣٤٥٦٧", "+47 41234567"} {
		check(s)
	}
	if shortcuts < total/2 {
		t.Errorf("the shortcut answered %d of %d numbers; it should take most international ones", shortcuts, total)
	}
	t.Logf("%d numbers, %d by the shortcut", total, shortcuts)
}

// The shortcut answers every length of national number that Parse
// accepts after "+47", 3 to 17 digits, and leaves shorter and longer ones
// to Parse: the shortcut is there to be taken (it is two thirds of a phone
// command's parse), and its answers are Parse's.
//
// Equivalent mutants in the shortcut, each only sending a number to Parse
// (or to GetNumberType), which answers the same:
//   - parsePlus `len(num) < 2` → `<= 2`: "+4" has no calling code to find;
//   - parsePlus's digit loop, `i < len(digits)` → `i >= len(digits)` (no
//     digit check at all): compactNumber lets no sign but one leading "+"
//     through, and strconv.Atoi and ParseUint refuse every other non-digit;
//   - parsePlus `i < len(digits)` → `<=` in the calling-code loop: the
//     code would be every digit, and an empty national number is refused;
//   - typeOf `regions[0] == REGION_CODE_FOR_NON_GEO_ENTITY` → `!=`: every
//     geographic number goes to GetNumberType, and a non-geographic one to
//     rulesFor, which has no rules for it and defers to GetNumberType.
func TestParseShortcutTakesEveryLengthParseAccepts(t *testing.T) {
	const digits = "901234567890123456"
	for n := 2; n <= 18; n++ {
		num := "+47" + digits[:n]
		short := sameAsParse(t, num, "NO")
		if want := n >= 3 && n <= 17; short != want {
			t.Errorf("%s (%d digits after +47): shortcut %v, want %v", num, n, short, want)
		}
	}
}

// FuzzParseNumber holds numbers.parse to phonenumbers.Parse for any input,
// and for the digits of any input written after a "+".
func FuzzParseNumber(f *testing.F) {
	for _, seed := range []string{"+4741234567", "+46701234567", "+460701234567", "+12025550123", "+390612345678",
		"+80012345678", "+4412345", "+7 912 345 67 89", "+99912", "41234567"} {
		f.Add(seed, "NO")
	}
	f.Fuzz(func(t *testing.T, num, region string) {
		sameAsParse(t, num, region)
		var digits strings.Builder
		for _, r := range num {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		sameAsParse(t, "+"+digits.String(), region)
	})
}

func TestWarmParserCompilesTheRegionsPatterns(t *testing.T) {
	pr := NewParser(en, "SE")
	pr.Warm()
	if _, ok := pr.nums.regions.Load("SE"); !ok {
		t.Fatal("Warm with region SE left SE's patterns to the first command")
	}
	NewParser(en, "not a region").Warm() // nothing to warm, and no panic
}
