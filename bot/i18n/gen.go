//go:build ignore

// gen writes locales/<lang>.json, the catalogue the binary embeds, from
// locales/<lang>.toml, the one translators edit. Run it after editing a
// catalogue (TestJSONCataloguesAreCurrent fails until then):
//
//	go generate ./bot/i18n/
package main

import (
	"log"
	"os"
	"path/filepath"
	"strings"

	"resendbot/bot/i18n/internal/tojson"
)

func main() {
	srcs, err := filepath.Glob("locales/*.toml")
	if err != nil || len(srcs) == 0 {
		log.Fatalf("no locales/*.toml here (%v): run go generate ./bot/i18n/ from the module", err)
	}
	for _, src := range srcs {
		toml, err := os.ReadFile(src)
		if err != nil {
			log.Fatal(err)
		}
		out, err := tojson.Convert(toml)
		if err != nil {
			log.Fatalf("%s: %v", src, err)
		}
		if err := os.WriteFile(strings.TrimSuffix(src, ".toml")+".json", out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
