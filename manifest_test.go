package main

// The Slack app manifests (slack-app-manifest.yaml, and its Norwegian
// twin slack-app-manifest.nb.yaml) as Slack reads them.

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v2"

	"resendbot/bot/i18n/i18ntest"
)

// The rules of Slack's app manifest schema (slackapi/manifest-schema,
// manifest.schema.json: a manifest without _metadata.major_version is
// read with schema 1.0.0) for the parts slack-app-manifest.yaml uses.
// Slack refuses a manifest that breaks them when the app is created.
var (
	manifestTopLevel = []string{"$schema", "_metadata", "app_directory", "display_information", "features",
		"oauth_config", "settings", "functions", "workflows", "datastores", "outgoing_domains", "types", "external_auth_providers"}
	manifestSettings = []string{"allowed_ip_address_ranges", "event_subscriptions", "incoming_webhooks", "interactivity",
		"org_deploy_enabled", "socket_mode_enabled", "is_hosted", "token_rotation_enabled", "siws_links",
		"hermes_app_type", "function_runtime", "is_mcp_enabled"}
	manifestFeatures = []string{"app_home", "bot_user", "functions", "shortcuts", "slash_commands", "workflow_steps",
		"unfurl_domains", "assistant_view"}
	// A function's keys, all required and no others.
	manifestFunction = []string{"title", "description", "input_parameters", "output_parameters"}
	// A parameter's known keys (the schema allows more) and its types.
	manifestParamTypes = []string{"integer", "number", "boolean", "string", "object", "array",
		"slack#/types/user_context", "slack#/types/user_permission", "slack#/types/user_id", "slack#/types/channel_id",
		"slack#/types/usergroup_id", "slack#/types/timestamp", "slack#/types/blocks", "slack#/types/credential/oauth2",
		"slack#/types/date", "slack#/types/interactivity", "slack#/types/rich_text", "slack#/types/form_input",
		"slack#/types/form_input_object", "slack#/types/message_ts", "slack#/types/message_context"}
)

// readManifest is the manifest at path as JSON would hold it.
func readManifest(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Strict: a key given twice is refused, as Slack refuses it.
	var v any
	if err := yaml.UnmarshalStrict(raw, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return jsonLike(v).(map[string]any)
}

// jsonLike turns YAML's maps (keys of any type) into JSON's.
func jsonLike(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonLike(e)
		}
		return m
	case []any:
		for i := range x {
			x[i] = jsonLike(x[i])
		}
	}
	return v
}

// keysWithin reports keys of m that the schema does not allow.
func keysWithin(t *testing.T, where string, m map[string]any, allowed []string) {
	t.Helper()
	for k := range m {
		if !slices.Contains(allowed, k) {
			t.Errorf("%s: %q is not allowed by Slack's manifest schema", where, k)
		}
	}
}

func obj(t *testing.T, where string, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want an object, have %T", where, v)
	}
	return m
}

func str(t *testing.T, where string, v any, minLen, maxLen int) string {
	t.Helper()
	s, ok := v.(string)
	if !ok || len([]rune(s)) < minLen || (maxLen > 0 && len([]rune(s)) > maxLen) {
		t.Errorf("%s = %#v: want a string of %d to %d characters", where, v, minLen, maxLen)
	}
	return s
}

func TestManifestFollowsSlacksSchema(t *testing.T) {
	for lang, path := range manifests {
		t.Run(lang, func(t *testing.T) { manifestFollowsSlacksSchema(t, readManifest(t, path)) })
	}
}

func manifestFollowsSlacksSchema(t *testing.T, m map[string]any) {
	keysWithin(t, "manifest", m, manifestTopLevel)
	display := obj(t, "display_information", m["display_information"])
	str(t, "display_information.name", display["name"], 1, 35)
	str(t, "display_information.description", display["description"], 1, 140)
	features := obj(t, "features", m["features"])
	keysWithin(t, "features", features, manifestFeatures)
	for i, c := range features["slash_commands"].([]any) {
		cmd := obj(t, "slash command", c)
		str(t, fmt.Sprintf("slash_commands[%d].command", i), cmd["command"], 2, 32)
		str(t, fmt.Sprintf("slash_commands[%d].description", i), cmd["description"], 1, 2000)
		str(t, fmt.Sprintf("slash_commands[%d].usage_hint", i), cmd["usage_hint"], 1, 1000)
	}
	settings := obj(t, "settings", m["settings"])
	keysWithin(t, "settings", settings, manifestSettings)
	for _, k := range []string{"org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled"} {
		if _, ok := settings[k].(bool); !ok {
			t.Errorf("settings.%s = %#v: want a boolean", k, settings[k])
		}
	}
	functions := obj(t, "functions", m["functions"])
	if len(functions) > 50 {
		t.Errorf("%d functions: Slack allows 50", len(functions))
	}
	for id, f := range functions {
		fn := obj(t, "functions."+id, f)
		keysWithin(t, "functions."+id, fn, manifestFunction)
		for _, k := range manifestFunction {
			if fn[k] == nil {
				t.Errorf("functions.%s lacks %s", id, k)
			}
		}
		str(t, "functions."+id+".title", fn["title"], 1, 0)
		str(t, "functions."+id+".description", fn["description"], 1, 0)
		for _, side := range []string{"input_parameters", "output_parameters"} {
			params := obj(t, "functions."+id+"."+side, fn[side])
			if len(params) > 50 {
				t.Errorf("functions.%s.%s: %d parameters, Slack allows 50", id, side, len(params))
			}
			for name, p := range params {
				where := fmt.Sprintf("functions.%s.%s.%s", id, side, name)
				param := obj(t, where, p)
				if typ, _ := param["type"].(string); !slices.Contains(manifestParamTypes, typ) {
					t.Errorf("%s.type = %#v: not a Slack parameter type", where, param["type"])
				}
				for _, k := range []string{"title", "description", "hint", "name"} {
					if v, ok := param[k]; ok {
						str(t, where+"."+k, v, 0, 0)
					}
				}
				for _, k := range []string{"is_required", "is_hidden"} {
					if v, ok := param[k]; ok {
						if _, ok := v.(bool); !ok {
							t.Errorf("%s.%s = %#v: want a boolean", where, k, v)
						}
					}
				}
			}
		}
	}
}

// The workflow step of CONTRACT §5 is declared as the bot reads it, with
// the settings Slack requires of an app offering custom steps.
func TestManifestDeclaresTheWorkflowStep(t *testing.T) {
	m := readManifest(t, manifests["en"])
	fn := obj(t, "functions.resend_payment_link", obj(t, "functions", m["functions"])["resend_payment_link"])
	want := map[string]map[string]struct {
		typ      string
		required bool
	}{
		"input_parameters": {
			"id": {"string", true}, "email": {"string", false}, "phone": {"string", false},
			"channel": {"slack#/types/channel_id", true}, "requester": {"slack#/types/user_context", true},
		},
		// slack-go completes a step with outputs as strings; there is no
		// audit message when Front Payment's records answered first.
		"output_parameters": {
			"outcome": {"string", true}, "sent": {"string", true}, "http_status": {"string", true}, "audit_message": {"string", false},
		},
	}
	for side, params := range want {
		got := obj(t, side, fn[side])
		if len(got) != len(params) {
			t.Errorf("%s: %d declared, want %d", side, len(got), len(params))
		}
		for name, w := range params {
			p := obj(t, side+"."+name, got[name])
			if p["type"] != w.typ || p["is_required"] != w.required || p["name"] != name {
				t.Errorf("%s.%s = %v, want type %s, is_required %v, name %s", side, name, p, w.typ, w.required, name)
			}
		}
	}
	settings := obj(t, "settings", m["settings"])
	if settings["org_deploy_enabled"] != true || settings["function_runtime"] != "remote" || settings["socket_mode_enabled"] != true {
		t.Errorf("settings %v: custom steps need org_deploy_enabled, function_runtime remote (over Socket Mode)", settings)
	}
	events := obj(t, "event_subscriptions", settings["event_subscriptions"])["bot_events"].([]any)
	if !slices.Contains(events, any("function_executed")) {
		t.Errorf("bot_events %v lack function_executed", events)
	}
}

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

// The Slack app's manifests, one per language people read: Slack shows
// the slash command's description and usage hint (and the names of
// shortcuts and workflow steps) as the manifest has them, so a Norwegian
// team installs slack-app-manifest.nb.yaml.
var manifests = map[string]string{"en": "slack-app-manifest.yaml", "nb": "slack-app-manifest.nb.yaml"}

// Slack's limits on the fields a person reads (its app manifest
// reference): Slack refuses a manifest past them.
var manifestLimits = map[string]int{"name": 35, "description": 140, "usage_hint": 1000, "command": 32}

// localised is m without the words people read, which differ by language:
// what is left (scopes, events, commands, callback IDs, settings) must be
// the same in every manifest.
func localised(v any, words map[string][]string, key string) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range v {
			out[k] = localised(sub, words, k)
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
		m := readManifest(t, path)
		settings, _ := m["settings"].(map[string]any)
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
