// Package tojson converts a catalogue from TOML, which translators edit,
// to JSON, which the binary embeds and go-i18n reads with encoding/json:
// the binary then links no TOML parser and parses no TOML at start-up
// (about 0.4 MiB of peak RSS; bot/slackbot/PERFORMANCE.md). It is used by
// go generate (../../gen.go) and by the test that keeps the JSON current,
// never by the binary.
package tojson

import (
	"bytes"
	"encoding/json"

	"github.com/BurntSushi/toml"
)

// Convert returns the TOML catalogue src as JSON: the same tree of tables
// and strings, keys sorted, indented, HTML characters unescaped (so that
// <!channel> reads as itself), ending in a newline.
func Convert(src []byte) ([]byte, error) {
	var tree map[string]any
	if err := toml.Unmarshal(src, &tree); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
