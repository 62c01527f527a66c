package main

import (
	"os"
	"slices"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v2"
)

// slackManifest is the part of slack-app-manifest.yaml the shortcuts need.
type slackManifest struct {
	Features struct {
		Shortcuts []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			CallbackID  string `yaml:"callback_id"`
			Description string `yaml:"description"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
	} `yaml:"settings"`
}

// The manifest declares the two shortcuts the bot routes (CONTRACT §5),
// with the fields Slack's manifest requires of each (name, type message
// or global, callback_id, description) within its lengths, and the
// scopes they need: commands for shortcuts, channels:read and groups:read
// for the global shortcut's channel check (conversations.info).
func TestManifestDeclaresTheShortcuts(t *testing.T) {
	raw, err := os.ReadFile("slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m slackManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"resend_from_message": "message", "resend_form": "global"}
	for _, s := range m.Features.Shortcuts {
		if want[s.CallbackID] != s.Type {
			t.Errorf("shortcut %q: type %q, want %q", s.CallbackID, s.Type, want[s.CallbackID])
		}
		delete(want, s.CallbackID)
		if s.Name == "" || utf8.RuneCountInString(s.Name) > 24 || s.Description == "" ||
			utf8.RuneCountInString(s.Description) > 150 || len(s.CallbackID) > 255 {
			t.Errorf("shortcut %+v: name (1–24), description (1–150) and callback_id (≤255) are required", s)
		}
	}
	if len(want) > 0 {
		t.Errorf("shortcuts not declared: %v", want)
	}
	for _, scope := range []string{"commands", "channels:read", "groups:read"} {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, scope) {
			t.Errorf("bot scope %s missing", scope)
		}
	}
	if !m.Settings.Interactivity.IsEnabled {
		t.Error("shortcuts need interactivity")
	}
}
