package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestCode checks that the production binary does not
// link test code: not the standard library's testing packages or
// net/http/httptest, nor any package named *test (a test helper, such as
// frontpay/frontpaytest) of this module or another. The console's demo
// Front Payment is bot/console/demofp for this reason.
func TestBinaryLinksNoTestCode(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH, so the binary's dependencies cannot be listed: ", err)
	}
	cmd := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", ".")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps .: %v\n%s", err, stderr.Bytes())
	}
	var n int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		pkg, std, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("go list printed %q", sc.Text())
		}
		n++
		if testCode(pkg, std == "true") {
			t.Errorf("the binary links %s, which is test code", pkg)
		}
	}
	if n == 0 || !strings.Contains(string(out), "resendbot/bot ") {
		t.Fatalf("go list -deps . listed no resendbot/bot: %q", out)
	}
	// The image is distroless: without the zones in the binary, any
	// RESEND_TIMEZONE but UTC would stop the bot at start.
	if !strings.Contains(string(out), "\ntime/tzdata true\n") {
		t.Error("the binary does not link time/tzdata")
	}
}

// testCode reports whether the package pkg (std: of the standard
// library) is test code that a production binary has no business linking.
// The standard library's own internal/testlog and internal/synctest are
// linked by every binary (os, time) and are not test helpers.
func testCode(pkg string, std bool) bool {
	if std {
		return pkg == "testing" || strings.HasPrefix(pkg, "testing/") ||
			pkg == "net/http/httptest" || pkg == "net/http/internal/testcert"
	}
	return strings.HasSuffix(path.Base(pkg), "test")
}

func TestTestCode(t *testing.T) {
	for pkg, std := range map[string]bool{
		"testing": true, "testing/fstest": true, "net/http/httptest": true,
		"resendbot/frontpay/frontpaytest": false, "resendbot/bot/internal/redistest": false,
		"github.com/example/thing/thingtest": false,
	} {
		if !testCode(pkg, std) {
			t.Errorf("testCode(%q) = false, want true", pkg)
		}
	}
	for pkg, std := range map[string]bool{
		"internal/testlog": true, "internal/synctest": true, "net/http": true,
		"resendbot/bot/console/demofp": false, "resendbot/frontpay": false,
	} {
		if testCode(pkg, std) {
			t.Errorf("testCode(%q) = true, want false", pkg)
		}
	}
}
