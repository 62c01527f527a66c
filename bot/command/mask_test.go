package command

import "testing"

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kari@example.com", "k***@example.com"},
		{"k@example.com", "k***@example.com"},
		{"  Kari.Nordmann@Example.COM ", "K***@Example.COM"},
		{"øyvind@example.no", "ø***@example.no"},
		{"a@b@example.com", "a***@example.com"},
		{"", "***"},
		{"kari", "***"},
		{"@example.com", "***"},
		{"kari@", "***"},
		{"k\xffari@example.com", "***"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		in   Phone
		want string
	}{
		{Phone{"+47", "41234567", "+4741234567"}, "+47 ****4567"},
		{Phone{"+46", "701234567", "+46701234567"}, "+46 *****4567"},
		{Phone{"+47", "12345", "+4712345"}, "+47 ***45"}, // short: at most half shown
		{Phone{"+47", "1234", "+471234"}, "+47 **34"},
		{Phone{"+47", "123", "+47123"}, "+47 **3"},
		{Phone{"+47", "1", "+471"}, "+47 *"},
		{Phone{"+47", "", "+4741234567"}, "+47 ****4567"}, // National missing: from E164
		{Phone{"+47", "", ""}, "+47 ***"},
		{Phone{}, "***"},
		{Phone{"", "41234567", ""}, "****4567"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct {
		in   Phone
		want string
	}{
		{Phone{"+47", "41234567", "+4741234567"}, "+47 412 34 567"},
		{Phone{"+47", "98765432", "+4798765432"}, "+47 987 65 432"},
		{Phone{"+47", "22123456", "+4722123456"}, "+47 22123456"}, // not a mobile
		{Phone{"+46", "701234567", "+46701234567"}, "+46 701234567"},
		{Phone{"", "", "+4741234567"}, "+4741234567"},
		{Phone{}, ""},
	}
	for _, tt := range tests {
		if got := FormatPhone(tt.in); got != tt.want {
			t.Errorf("FormatPhone(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskParsedContacts checks the masks on what Parse produces,
// the way the bot uses them.
func TestMaskParsedContacts(t *testing.T) {
	cmd, err := parse(en, parseID+" email=kari@example.com phone=+47 412 34 567", "NO")
	if err != nil {
		t.Fatal(err)
	}
	if got := MaskEmail(cmd.Email); got != "k***@example.com" {
		t.Errorf("MaskEmail = %q", got)
	}
	if got := MaskPhone(*cmd.Phone); got != "+47 ****4567" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := FormatPhone(*cmd.Phone); got != "+47 412 34 567" {
		t.Errorf("FormatPhone = %q", got)
	}
}
