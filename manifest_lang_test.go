package main

import (
	"os"
	"reflect"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v2"

	"resendbot/bot/i18n/i18ntest"
)

// The Slack app's manifests, one per language people read: Slack shows
// the slash command's description and usage hint (and the names of
// shortcuts and workflow steps) as the manifest has them, so a Norwegian
// team installs slack-app-manifest.nb.yaml.
var manifests = map[string]string{"en": "slack-app-manifest.yaml", "nb": "slack-app-manifest.nb.yaml"}

// Slack's limits on the fields a person reads (its app manifest
// reference): Slack refuses a manifest past them.
var manifestLimits = map[string]int{"name": 35, "description": 140, "usage_hint": 1000, "command": 32}

func readManifestFile(t *testing.T, path string) map[any]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[any]any
	if err := yaml.UnmarshalStrict(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// localised is m without the words people read, which differ by language:
// what is left (scopes, events, commands, callback IDs, settings) must be
// the same in every manifest.
func localised(v any, words map[string][]string, key string) any {
	switch v := v.(type) {
	case map[any]any:
		out := map[any]any{}
		for k, sub := range v {
			ks, _ := k.(string)
			out[k] = localised(sub, words, ks)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, sub := range v {
			out[i] = localised(sub, words, key)
		}
		return out
	case string:
		switch key {
		case "name", "description", "long_description", "usage_hint", "title", "hint":
			words[key] = append(words[key], v)
			return "…"
		}
	}
	return v
}

func TestManifestsAreTheSameAppInEachLanguage(t *testing.T) {
	shapes := map[string]any{}
	for lang, path := range manifests {
		m := readManifestFile(t, path)
		settings, _ := m["settings"].(map[any]any)
		if settings["socket_mode_enabled"] != true {
			t.Errorf("%s: Socket Mode is off", path)
		}
		words := map[string][]string{}
		shapes[lang] = localised(m, words, "")
		for key, values := range words {
			for _, v := range values {
				if n, max := utf8.RuneCountInString(v), manifestLimits[key]; max > 0 && n > max {
					t.Errorf("%s: %s %q is %d characters, over Slack's %d", path, key, v, n, max)
				}
				if v == "" {
					t.Errorf("%s: an empty %s", path, key)
				}
			}
		}
		if lang == "nb" {
			nb := i18ntest.New(t)
			for _, key := range []string{"description", "usage_hint", "title", "hint"} {
				for _, v := range words[key] {
					nb.Check(t, path+" "+key, v)
				}
			}
		}
	}
	if !reflect.DeepEqual(shapes["en"], shapes["nb"]) {
		t.Errorf("the manifests differ in more than their words:\nen: %v\nnb: %v", shapes["en"], shapes["nb"])
	}
}
