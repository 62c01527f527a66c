package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// ids are the message IDs of a catalogue, nested tables joined with dots;
// a table of plural forms (one, other, …) is one message.
func ids(t *testing.T, l Lang) map[string]bool {
	t.Helper()
	raw, err := locales.ReadFile("locales/" + string(l) + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := toml.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("%s: %v", l, err)
	}
	out := map[string]bool{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			id := k
			if prefix != "" {
				id = prefix + "." + k
			}
			sub, ok := v.(map[string]any)
			if !ok {
				out[id] = true
				continue
			}
			if _, plural := sub["other"]; plural {
				out[id] = true
				continue
			}
			walk(id, sub)
		}
	}
	walk("", tree)
	return out
}

// Every message ID is in every catalogue.
func TestCataloguesAreComplete(t *testing.T) {
	en := ids(t, EN)
	for _, l := range Langs[1:] {
		other := ids(t, l)
		for id := range en {
			if !other[id] {
				t.Errorf("%s lacks %s", l, id)
			}
		}
		for id := range other {
			if !en[id] {
				t.Errorf("%s has %s, which en lacks", l, id)
			}
		}
	}
}

// dynamicIDs are catalogue IDs the code builds (month.12) rather than
// names as a literal: each prefix stands for its entries.
var dynamicIDs = []string{"month."}

// Every catalogue entry is used: its ID appears as a string literal in the
// code outside tests, or under a prefix the code builds.
func TestEveryEntryIsUsed(t *testing.T) {
	root := filepath.Join("..", "..")
	used := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					used[s] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range ids(t, EN) {
		if !used[id] && !slices.ContainsFunc(dynamicIDs, func(p string) bool { return strings.HasPrefix(id, p) }) {
			t.Errorf("catalogue entry %s is not used by the code", id)
		}
	}
}

// A UUID may be a reservation's or an order's: no entry names the kind
// itself in front of the ID, which comes with its kind's words as
// {{.Link}} (or {{.Title}}, {{.Noun}}, {{.The}}). The words for a UUID of
// neither kind name both.
func TestNoEntryNamesTheKindOfAnID(t *testing.T) {
	for _, l := range Langs {
		raw, err := locales.ReadFile("locales/" + string(l) + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			// Neither kind (both answered 404) names both.
			lower := strings.ReplaceAll(strings.ToLower(line), "reservation or order `", "")
			for _, kind := range []string{"reservation `{{.reservation}}`", "reservasjon `{{.reservation}}`", "order `{{.reservation}}`", "ordre `{{.reservation}}`"} {
				if strings.Contains(lower, kind) {
					t.Errorf("%s.toml:%d names the kind of the ID itself: %s", l, i+1, line)
				}
			}
		}
	}
}
