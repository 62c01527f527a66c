package command

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// parse is phonenumbers.Parse(num, region), with a shortcut for the
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
func (ns *numbers) parse(num, region string) (*phonenumbers.PhoneNumber, error) {
	if n, ok := ns.parsePlus(num); ok {
		return n, nil
	}
	return phonenumbers.Parse(num, region)
}

// parsePlus is parse's shortcut; ok is false when Parse must decide.
func (ns *numbers) parsePlus(num string) (*phonenumbers.PhoneNumber, bool) {
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
		rules, geographic := ns.rulesFor(region)
		if !geographic || len(nsn) < 3 || len(nsn) > 17 || nsn[0] == '0' ||
			(rules.nationalPrefix != nil && rules.nationalPrefix.MatchString(nsn)) {
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

// typeOf is phonenumbers.GetNumberType(n), computed from the same
// metadata with each pattern compiled once per region. GetNumberType
// builds a pattern's string and looks it up in a locked cache for every
// check, matches it twice, and for a calling code shared by several
// regions (+47 is Norway and Svalbard) types the number once to find the
// region and again to answer: half of a phone command's cost before its
// ack. Non-geographic calling codes and Italian leading zeros go to
// GetNumberType itself. TestParseNumberAgreesWithParse and FuzzNumberType
// hold the two to the same answers.
func (ns *numbers) typeOf(n *phonenumbers.PhoneNumber) phonenumbers.PhoneNumberType {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(n.GetCountryCode()))
	if len(regions) == 0 {
		return phonenumbers.UNKNOWN
	}
	if regions[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY || n.GetItalianLeadingZero() {
		return phonenumbers.GetNumberType(n)
	}
	nsn := strconv.FormatUint(n.GetNationalNumber(), 10)
	for _, region := range regions {
		r, ok := ns.rulesFor(region)
		if !ok {
			return phonenumbers.GetNumberType(n)
		}
		if len(regions) == 1 {
			return r.typeOf(nsn)
		}
		// Which of the regions it is: by their leading digits where they
		// have them, else by being valid there.
		if r.leadingDigits != nil {
			if r.leadingDigits.MatchString(nsn) {
				return r.typeOf(nsn)
			}
		} else if t := r.typeOf(nsn); t != phonenumbers.UNKNOWN {
			return t
		}
	}
	return phonenumbers.UNKNOWN
}

// regionRules are one geographic region's patterns, compiled.
type regionRules struct {
	// nationalPrefix is the "national prefix for parsing" anchored at the
	// start of the national number, as Parse matches it; nil when none.
	nationalPrefix         *regexp.Regexp
	leadingDigits          *regexp.Regexp // nil when none
	general                numberDesc
	special                [8]numberDesc // in typeOf's order, with specialTypes
	fixedLine              numberDesc
	mobile                 numberDesc
	sameMobileAndFixedLine bool
}

var specialTypes = [8]phonenumbers.PhoneNumberType{phonenumbers.PREMIUM_RATE, phonenumbers.TOLL_FREE,
	phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL}

// typeOf is libphonenumber's getNumberTypeHelper, step for step.
func (r *regionRules) typeOf(nsn string) phonenumbers.PhoneNumberType {
	if !r.general.match(nsn) {
		return phonenumbers.UNKNOWN
	}
	for i, d := range r.special {
		if d.match(nsn) {
			return specialTypes[i]
		}
	}
	if r.fixedLine.match(nsn) {
		if r.sameMobileAndFixedLine || r.mobile.match(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	}
	if !r.sameMobileAndFixedLine && r.mobile.match(nsn) {
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// numberDesc is a PhoneNumberDesc: its possible lengths (none: any) and
// its whole-number pattern.
type numberDesc struct {
	lengths []int32
	pattern *regexp.Regexp
}

func (d numberDesc) match(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.pattern.MatchString(nsn)
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) (numberDesc, error) {
	re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
	return numberDesc{lengths: d.GetPossibleLength(), pattern: re}, err
}

// numbers holds the rules of every region met so far, compiled the first
// time one of its numbers comes (as libphonenumber compiles its own): a
// pure function's memo, never changed once stored, owned by one Parser.
type numbers struct {
	regions sync.Map // region code → *regionRules
}

// rulesFor returns region's rules, and false for a region without
// metadata of its own (non-geographic calling codes) or whose patterns do
// not compile (libphonenumber would panic on them; leave it to decide).
func (ns *numbers) rulesFor(region string) (*regionRules, bool) {
	if r, ok := ns.regions.Load(region); ok {
		return r.(*regionRules), true
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
		r, err := compileRules(md)
		if err != nil {
			return nil, false
		}
		ns.regions.Store(region, r)
		return r, true
	}
	return nil, false
}

func compileRules(md *phonenumbers.PhoneMetadata) (*regionRules, error) {
	r := &regionRules{sameMobileAndFixedLine: md.GetSameMobileAndFixedLinePattern()}
	var errs []error
	compile := func(pattern string) *regexp.Regexp {
		re, err := regexp.Compile(pattern)
		errs = append(errs, err)
		return re
	}
	if p := md.GetNationalPrefixForParsing(); p != "" {
		r.nationalPrefix = compile("^(?:" + p + ")")
	}
	if p := md.GetLeadingDigits(); p != "" {
		r.leadingDigits = compile("^(?:" + p + ")")
	}
	descs := []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(),
		md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail()}
	for i, d := range descs {
		var err error
		r.special[i], err = compileDesc(d)
		errs = append(errs, err)
	}
	for _, x := range []struct {
		to *numberDesc
		d  *phonenumbers.PhoneNumberDesc
	}{{&r.general, md.GetGeneralDesc()}, {&r.fixedLine, md.GetFixedLine()}, {&r.mobile, md.GetMobile()}} {
		var err error
		*x.to, err = compileDesc(x.d)
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

// Warm parses example commands with one of the default region's mobile
// numbers, written both ways, so that what libphonenumber and the Parser
// compile on a region's first number (a quarter of a millisecond) is
// ready before Slack sends the first command. Otherwise the first phone
// command of a burst would stall its own ack and every ack queued behind
// it.
func (pr *Parser) Warm() {
	ex := phonenumbers.GetExampleNumberForType(pr.region, phonenumbers.MOBILE)
	if ex == nil {
		return
	}
	for _, num := range []string{phonenumbers.Format(ex, phonenumbers.E164), phonenumbers.GetNationalSignificantNumber(ex)} {
		_, _ = pr.Parse(ExampleReservation + " phone=" + num + " email=" + ExampleEmail)
	}
}
