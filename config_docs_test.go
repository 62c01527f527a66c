package main

import (
	"maps"
	"os"
	"reflect"
	"regexp"
	"resendbot/bot"
	"slices"
	"strings"
	"testing"
)

// An operator learns the settings from README's table and .env.example,
// and the bot reads them through bot.LoadConfig: the three name the same
// variables, and a default written in either is the one the bot applies
// (setting a variable to its documented default changes nothing).
func TestConfigurationDocsAgreeWithTheCode(t *testing.T) {
	read := map[string]bool{}
	recorder := func(name string) string {
		read[name] = true
		return minimalEnv()[name]
	}
	if _, err := bot.LoadConfig(recorder, bot.ModeBot); err != nil {
		t.Fatal(err)
	}

	table := readmeSettings(t)
	example := envExampleSettings(t)
	if got, want := sortedKeys(table), sortedKeys(read); !slices.Equal(got, want) {
		t.Errorf("README's Configuration table names %v,\nbot.LoadConfig reads %v", got, want)
	}
	if got, want := sortedKeys(example), sortedKeys(read); !slices.Equal(got, want) {
		t.Errorf(".env.example names %v,\nbot.LoadConfig reads %v", got, want)
	}

	// CI runs beside the spec (.ci/run: ../shared); a clone without it
	// checks the rest.
	if contract, err := os.ReadFile("../shared/spec/CONTRACT.md"); err == nil {
		spec := settingsTable(t, string(contract), "\n## 2. Build and run\n")
		if !maps.Equal(spec, table) {
			t.Errorf("README's Configuration table %v\ndiffers from CONTRACT.md §2's %v", table, spec)
		}
	}

	base, err := bot.LoadConfig(getenv(minimalEnv()), bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	for name, def := range table {
		if def == "" {
			continue // required, empty or off: nothing to apply
		}
		if ex, ok := example[name]; ok && ex != "" && ex != def {
			t.Errorf(".env.example shows %s=%s, README's default is %s", name, ex, def)
		}
		vars := minimalEnv()
		vars[name] = def
		cfg, err := bot.LoadConfig(getenv(vars), bot.ModeBot)
		if err != nil {
			t.Errorf("%s=%s (README's default) is refused: %v", name, def, err)
			continue
		}
		if !reflect.DeepEqual(cfg, base) {
			t.Errorf("%s=%s (README's default) is not what the bot applies when it is unset:\n set %+v\nunset %+v", name, def, cfg, base)
		}
	}
}

// readmeSettings returns the variables of README's Configuration table,
// each with its default when that is a literal (`…`), else "".
func readmeSettings(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return settingsTable(t, string(b), "\n## Configuration\n")
}

// settingsTable reads the table of variables in doc's section that starts
// with heading: each variable with its default when that is a literal
// (`…`), else "".
func settingsTable(t *testing.T, doc, heading string) map[string]string {
	t.Helper()
	_, section, ok := strings.Cut(doc, heading)
	if !ok {
		t.Fatalf("no section %q", strings.TrimSpace(heading))
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\| (?:yes|no) \\|([^|]*)\\|")
	literal := regexp.MustCompile("^`([^`]*)`$")
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		def := ""
		if l := literal.FindStringSubmatch(strings.TrimSpace(m[2])); l != nil {
			def = l[1]
		}
		out[m[1]] = def
	}
	if len(out) == 0 {
		t.Fatalf("section %q has no table of variables", strings.TrimSpace(heading))
	}
	return out
}

// envExampleSettings returns the variables .env.example sets or shows
// commented out, each with the value it writes (the last one shown).
func envExampleSettings(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^#?([A-Z][A-Z_]*)=(.*)$`)
	out := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = strings.TrimSpace(m[2])
	}
	return out
}

func minimalEnv() map[string]string {
	return map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "fp"}
}

func getenv(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
