package bot

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// parseNumber is phonenumbers.Parse(num, region), with a shortcut for the
// form agents type most: "+" and the country code (compactNumber has
// already dropped the separators).
//
// Parse runs general-purpose passes on every number: finding where the
// number starts, an extension's many spellings, a second number after
// "/x", the dialling prefixes of region. For "+" and ASCII digits none of
// them can change anything, and they cost two thirds of a phone command's
// parse before the Socket Mode ack. The shortcut splits the country code
// off exactly as Parse does (the first of 1 to 3 digits that is a known
// calling code) and takes the rest as the national number, and leaves to
// Parse every case where Parse would do more: a national number starting
// with 0 (Italian leading zeros), or with the region's national prefix,
// which Parse may strip; a calling code shared by no region (+800, ...);
// lengths Parse refuses. FuzzParseNumber holds the two to the same
// answers.
func parseNumber(num, region string) (*phonenumbers.PhoneNumber, error) {
	if n, ok := parsePlusNumber(num); ok {
		return n, nil
	}
	return phonenumbers.Parse(num, region)
}

// parsePlusNumber is parseNumber's shortcut; ok is false when Parse must
// decide.
func parsePlusNumber(num string) (*phonenumbers.PhoneNumber, bool) {
	if len(num) < 2 || num[0] != '+' || num[1] == '0' {
		return nil, false
	}
	digits := num[1:]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, false
		}
	}
	for i := 1; i <= 3 && i < len(digits); i++ {
		cc, _ := strconv.Atoi(digits[:i])
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == phonenumbers.UNKNOWN_REGION {
			continue
		}
		nsn := digits[i:]
		prefix, geographic := nationalPrefix(region)
		if !geographic || len(nsn) < 3 || len(nsn) > 17 || nsn[0] == '0' ||
			(prefix != nil && prefix.MatchString(nsn)) {
			return nil, false
		}
		national, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return nil, false
		}
		c := int32(cc)
		return &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &national}, true
	}
	return nil, false
}

// nationalPrefixes holds, per geographic region met so far, its "national
// prefix for parsing" as Parse matches it (anchored at the start of the
// national number), nil when the region has none. A region's pattern is
// compiled the first time one of its numbers comes, as Parse compiles its
// own: a pure function's memo, never changed once stored.
var nationalPrefixes sync.Map // region code → *regexp.Regexp

// nationalPrefix returns region's pattern (nil: none), and false for a
// region without metadata of its own (non-geographic calling codes).
func nationalPrefix(region string) (*regexp.Regexp, bool) {
	if re, ok := nationalPrefixes.Load(region); ok {
		return re.(*regexp.Regexp), true
	}
	if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
		return nil, false
	}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, false
	}
	for _, md := range coll.GetMetadata() {
		if md.GetId() != region {
			continue
		}
		var re *regexp.Regexp
		if p := md.GetNationalPrefixForParsing(); p != "" {
			if re, err = regexp.Compile("^(?:" + p + ")"); err != nil {
				return nil, false // Parse would fail on it too; let it decide
			}
		}
		nationalPrefixes.Store(region, re)
		return re, true
	}
	return nil, false
}

// warmParser parses example commands with one of region's mobile numbers,
// written both ways, so that what libphonenumber and parseNumber compile
// on a region's first number (a quarter of a millisecond) is ready before
// Slack sends the first command. Otherwise the first phone command of a
// burst would stall its own ack and every ack queued behind it.
func warmParser(region string) {
	ex := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE)
	if ex == nil {
		return
	}
	for _, num := range []string{phonenumbers.Format(ex, phonenumbers.E164), phonenumbers.GetNationalSignificantNumber(ex)} {
		_, _ = ParseCommand(exampleReservation+" phone="+num+" email="+exampleEmail, region)
	}
}
