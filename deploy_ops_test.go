package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"

	"resendbot/bot"
	"resendbot/bot/slackbot"
)

// The operations around the bot, checked as an operator's tools read them:
// promtool runs the alert rules' unit tests, kubectl kustomize builds every
// layout, the dashboard's queries and the alerts name only series the bot
// exports, and every runbook link lands on a README section.

var update = flag.Bool("update", false, "rewrite deploy/components/prometheus-operator/prometheusrule.yaml from deploy/alerts.yaml")

// needTool finds a tool the checks need. Under CI=true a missing one fails
// the test (.ci/run provides it); elsewhere the check is skipped, saying
// how to get it.
func needTool(t *testing.T, name, how string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not on PATH under CI=true; %s", name, how)
		}
		t.Skipf("%s not on PATH: %s", name, how)
	}
	return path
}

const kustomizeHow = "install kubectl (it has kustomize built in), or kustomize: go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0 (.ci/run does)"

const promtoolHow = "apt-get download prometheus && dpkg-deb -x prometheus_*.deb dir, then add dir/usr/bin to PATH (.ci/run does)"

// exportedSeries are the names /metrics serves for a bot built as
// production builds it (with user groups, and after one shared-state
// failure so that its counter has a child): every name a query or an alert
// may use, histograms with their _bucket, _sum and _count.
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t",
		"RESEND_ALLOWED_USERGROUPS": "@support"}
	cfg, err := bot.LoadConfig(func(k string) string { return vars[k] }, bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	m := bot.NewMetrics()
	m.SetBuild("test", "abc123")
	m.SharedStateError("ping")
	slackbot.New(cfg, bot.Deps{Metrics: m}) // registers the Slack side's series; connects to nothing
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	names := map[string]bool{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		names[f[2]] = true
		if f[3] == "histogram" || f[3] == "summary" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f[2]+s] = true
			}
		}
	}
	if !names["resendbot_slack_api_failures_total"] || !names["resendbot_queue_length"] {
		t.Fatalf("the scrape lacks the bot's series: %v", names)
	}
	return names
}

// seriesIn are the metric names a PromQL expression reads: identifiers
// followed by a selector, a range or an operator, not label names, functions
// or keywords.
func seriesIn(expr string) []string {
	// Drop label matchers' values and the grouping clauses first.
	expr = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(expr, `""`)
	expr = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`).ReplaceAllString(expr, "")
	expr = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(expr, "{}")
	expr = regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(expr, "[]")
	expr = regexp.MustCompile(`\boffset\s+\w+`).ReplaceAllString(expr, "")
	var out []string
	for _, m := range regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`).FindAllStringIndex(expr, -1) {
		word := expr[m[0]:m[1]]
		rest := strings.TrimLeft(expr[m[1]:], " ")
		if strings.HasPrefix(rest, "(") || promqlWords[word] || strings.HasPrefix(word, "$") {
			continue // a function, or a keyword
		}
		if m[0] > 0 && expr[m[0]-1] == '$' {
			continue // a dashboard variable
		}
		if _, err := strconv.ParseFloat(word, 64); err == nil {
			continue
		}
		out = append(out, word)
	}
	return out
}

var promqlWords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true, "Inf": true, "NaN": true}

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleGroups struct {
	Groups []struct {
		Name  string      `yaml:"name"`
		Rules []alertRule `yaml:"rules"`
	} `yaml:"groups"`
}

// object is what every Kubernetes object starts with.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
}

// readmeAnchors are the anchors GitHub gives README.md's headings.
func readmeAnchors(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		anchors[strings.ReplaceAll(drop.ReplaceAllString(h, ""), " ", "-")] = true
	}
	return anchors
}

func TestAlertRules(t *testing.T) {
	var f ruleGroups
	readStrict(t, "deploy/alerts.yaml", &f)
	series := exportedSeries(t)
	series["up"] = true // Prometheus's own, per scrape target
	anchors := readmeAnchors(t)
	var alerts []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("alert %s needs for:, a severity label and a summary", r.Alert)
			}
			link, ok := strings.CutPrefix(r.Annotations["runbook_url"], "README.md#")
			if !ok || !anchors[link] {
				t.Errorf("alert %s: runbook_url %q is not a section of README.md", r.Alert, r.Annotations["runbook_url"])
			}
			if strings.Contains(r.Expr, "without") {
				t.Errorf("alert %s aggregates without (…): the labels left depend on the scrape config; aggregate by (job)", r.Alert)
			}
			for _, s := range seriesIn(r.Expr) {
				if !series[s] {
					t.Errorf("alert %s reads %s, which the bot does not export", r.Alert, s)
				}
			}
		}
	}
	if len(alerts) < 10 {
		t.Errorf("%d alerts, want the outages of issue 26 covered: %v", len(alerts), alerts)
	}

	// Every alert has a case where it fires and one where it stays quiet.
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, "deploy/alerts_test.yaml", &tests)
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	for _, a := range alerts {
		if !fires[a] || !quiet[a] {
			t.Errorf("deploy/alerts_test.yaml: %s fires in a case: %v, stays quiet in one: %v; want both", a, fires[a], quiet[a])
		}
	}

	promtool := needTool(t, "promtool", promtoolHow)
	for _, args := range [][]string{{"check", "rules", "deploy/alerts.yaml"}, {"test", "rules", "deploy/alerts_test.yaml"}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func TestSeriesIn(t *testing.T) {
	got := seriesIn(`sum by (job, le) (rate(resendbot_ack_latency_seconds_bucket{job=~"$job", le!="x"}[5m])) / on(job) up offset 5m > 0.2 and absent(up{a="b"} == 1)`)
	if want := []string{"resendbot_ack_latency_seconds_bucket", "up", "up"}; !reflect.DeepEqual(got, want) {
		t.Errorf("seriesIn = %v, want %v", got, want)
	}
}

const promRulePath = "deploy/components/prometheus-operator/prometheusrule.yaml"

// The PrometheusRule carries the very rules of alerts.yaml.
func TestPrometheusRuleMatchesAlerts(t *testing.T) {
	var alerts ruleGroups
	readStrict(t, "deploy/alerts.yaml", &alerts)
	if *update {
		b, err := yaml.Marshal(map[string]any{"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
			"metadata": map[string]string{"name": "resendbot"}, "spec": alerts})
		if err != nil {
			t.Fatal(err)
		}
		head := "# Generated from deploy/alerts.yaml (the same groups under spec) by\n" +
			"#   go test -run TestPrometheusRuleMatchesAlerts . -update\n" +
			"# Change alerts.yaml and run that; the test fails while they differ.\n"
		if err := os.WriteFile(promRulePath, append([]byte(head), b...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pr struct {
		object `yaml:",inline"`
		Spec   ruleGroups `yaml:"spec"`
	}
	readStrict(t, promRulePath, &pr)
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("%s is %s %s, want monitoring.coreos.com/v1 PrometheusRule", promRulePath, pr.APIVersion, pr.Kind)
	}
	if !reflect.DeepEqual(pr.Spec, alerts) {
		t.Errorf("%s differs from deploy/alerts.yaml; run go test -run TestPrometheusRuleMatchesAlerts . -update", promRulePath)
	}
}

type selector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type netPeer struct {
	PodSelector       *selector `yaml:"podSelector"`
	NamespaceSelector *selector `yaml:"namespaceSelector"`
	IPBlock           *struct {
		CIDR   string   `yaml:"cidr"`
		Except []string `yaml:"except"`
	} `yaml:"ipBlock"`
}

type netRule struct {
	To    []netPeer `yaml:"to"`
	From  []netPeer `yaml:"from"`
	Ports []struct {
		Port     int    `yaml:"port"`
		Protocol string `yaml:"protocol"`
	} `yaml:"ports"`
}

type networkPolicy struct {
	object `yaml:",inline"`
	Spec   struct {
		PodSelector selector  `yaml:"podSelector"`
		PolicyTypes []string  `yaml:"policyTypes"`
		Ingress     []netRule `yaml:"ingress"`
		Egress      []netRule `yaml:"egress"`
	} `yaml:"spec"`
}

// egressPorts are the ports a policy lets the bot reach.
func egressPorts(p networkPolicy) map[int]bool {
	out := map[int]bool{}
	for _, r := range p.Spec.Egress {
		for _, port := range r.Ports {
			out[port.Port] = true
		}
	}
	return out
}

func TestNetworkPolicies(t *testing.T) {
	var base, redis networkPolicy
	readStrict(t, "deploy/base/networkpolicy.yaml", &base)
	readStrict(t, "deploy/overlays/replicas/networkpolicy-redis.yaml", &redis)
	for _, p := range []networkPolicy{base, redis} {
		if p.APIVersion != "networking.k8s.io/v1" || p.Kind != "NetworkPolicy" || p.Spec.PodSelector.MatchLabels["app"] != "resendbot" {
			t.Errorf("%s: not a NetworkPolicy selecting app=resendbot: %+v", p.Metadata.Name, p)
		}
	}
	if !reflect.DeepEqual(base.Spec.PolicyTypes, []string{"Ingress", "Egress"}) {
		t.Errorf("base policyTypes = %v, want Ingress and Egress", base.Spec.PolicyTypes)
	}
	// DNS, then HTTPS (Slack, Front Payment); nothing else.
	if got := egressPorts(base); !reflect.DeepEqual(got, map[int]bool{53: true, 443: true}) {
		t.Errorf("base egress ports = %v, want 53 (DNS) and 443 (Slack, Front Payment)", got)
	}
	if len(base.Spec.Ingress) != 1 || len(base.Spec.Ingress[0].Ports) != 1 || base.Spec.Ingress[0].Ports[0].Port != 8080 {
		t.Errorf("base ingress = %+v, want :8080 only (probes and scrapes)", base.Spec.Ingress)
	}
	if got := egressPorts(redis); !got[6379] || len(got) > 3 {
		t.Errorf("Redis egress ports = %v, want 6379 (and Sentinel's 26379)", got)
	}
	var k kustomization
	readYAML(t, "deploy/overlays/replicas/kustomization.yaml", &k)
	if !strings.Contains(strings.Join(k.Resources, " "), "networkpolicy-redis.yaml") {
		t.Error("the replicas overlay does not add the Redis egress policy")
	}
}

// settingsEnv reads deploy/base/settings.env: its KEY=value lines, and the
// comment lines above each block of them.
func settingsEnv(t *testing.T) (vals map[string]string, explained map[string]bool) {
	t.Helper()
	b, err := os.ReadFile("deploy/base/settings.env")
	if err != nil {
		t.Fatal(err)
	}
	vals, explained = map[string]string{}, map[string]bool{}
	comment := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			comment = false
		case strings.HasPrefix(line, "#"):
			comment = true
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("settings.env: %q is not KEY=value", line)
			}
			vals[k], explained[k] = v, comment
		}
	}
	return vals, explained
}

func TestSettingsConfigMap(t *testing.T) {
	vals, explained := settingsEnv(t)
	names := documentedEnv(t)
	for k := range vals {
		if !names[k] {
			t.Errorf("settings.env sets %s, which is not a setting of README's Configuration table", k)
		}
		if strings.HasPrefix(k, "SLACK_") && strings.HasSuffix(k, "_TOKEN") || k == "FRONTPAYMENT_TOKEN" || k == "REDIS_URL" {
			t.Errorf("settings.env holds the secret %s: it belongs in the Secret", k)
		}
	}
	for _, k := range []string{"RESEND_ALLOWED_CHANNELS", "RESEND_ALLOWED_USERS", "RESEND_ALLOWED_USERGROUPS"} {
		if _, ok := vals[k]; !ok || !explained[k] {
			t.Errorf("settings.env: the allowlist %s must be there, under a comment that explains it", k)
		}
	}
	// The settings, as the bot reads them, make a valid configuration.
	env := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t"}
	for k, v := range vals {
		env[k] = v
	}
	cfg, err := bot.LoadConfig(func(k string) string { return env[k] }, bot.ModeBot)
	if err != nil {
		t.Fatalf("settings.env is not a valid configuration: %v", err)
	}

	var d deployment
	readYAML(t, "deploy/base/deployment.yaml", &d)
	c := botContainer(t, d)
	if len(c.Env) != 0 {
		t.Errorf("the Deployment sets env %v: an env entry overrides the ConfigMap and the Secret alike", c.Env)
	}
	if len(c.EnvFrom) != 2 || c.EnvFrom[0].ConfigMapRef.Name != "resendbot" || c.EnvFrom[1].SecretRef.Name != "resendbot" {
		t.Errorf("envFrom = %+v, want the ConfigMap resendbot, then the Secret resendbot (the later wins)", c.EnvFrom)
	}
	var k struct {
		kustomization      `yaml:",inline"`
		ConfigMapGenerator []struct {
			Name string   `yaml:"name"`
			Envs []string `yaml:"envs"`
		} `yaml:"configMapGenerator"`
		Images []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		} `yaml:"images"`
	}
	readYAML(t, "deploy/base/kustomization.yaml", &k)
	if len(k.ConfigMapGenerator) != 1 || k.ConfigMapGenerator[0].Name != "resendbot" || !reflect.DeepEqual(k.ConfigMapGenerator[0].Envs, []string{"settings.env"}) {
		t.Errorf("configMapGenerator = %+v, want resendbot from settings.env", k.ConfigMapGenerator)
	}
	if len(k.Images) != 1 || k.Images[0].Name != c.Image || k.Images[0].NewName == "" {
		t.Errorf("images = %+v, want one entry naming the container's image %q", k.Images, c.Image)
	}

	// Timeouts that fit: the readiness probe waits longer than /readyz's own
	// bound, the liveness probe fails only past the loop's stall bound.
	rp, lp := c.ReadinessProbe, c.LivenessProbe
	if time.Duration(rp.TimeoutSeconds)*time.Second <= bot.ReadyTimeout {
		t.Errorf("readinessProbe timeoutSeconds = %d, want more than /readyz's %s", rp.TimeoutSeconds, bot.ReadyTimeout)
	}
	if lp.TimeoutSeconds < 1 || lp.PeriodSeconds*lp.FailureThreshold < 30 {
		t.Errorf("livenessProbe = %+v: want a timeout, and 30 s of failures before a restart", lp)
	}
	grace := time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
	if cfg.ShutdownGrace >= grace {
		t.Errorf("RESEND_SHUTDOWN_GRACE %s, want less than terminationGracePeriodSeconds %s", cfg.ShutdownGrace, grace)
	}
}

func TestPrometheusOperatorComponent(t *testing.T) {
	var k struct {
		APIVersion string   `yaml:"apiVersion"`
		Kind       string   `yaml:"kind"`
		Resources  []string `yaml:"resources"`
	}
	readStrict(t, "deploy/components/prometheus-operator/kustomization.yaml", &k)
	if k.APIVersion != "kustomize.config.k8s.io/v1alpha1" || k.Kind != "Component" ||
		!reflect.DeepEqual(k.Resources, []string{"prometheusrule.yaml", "podmonitor.yaml"}) {
		t.Errorf("component kustomization = %+v", k)
	}
	var pm struct {
		object `yaml:",inline"`
		Spec   struct {
			Selector            selector `yaml:"selector"`
			PodMetricsEndpoints []struct {
				Port     string `yaml:"port"`
				Path     string `yaml:"path"`
				Interval string `yaml:"interval"`
			} `yaml:"podMetricsEndpoints"`
		} `yaml:"spec"`
	}
	readStrict(t, "deploy/components/prometheus-operator/podmonitor.yaml", &pm)
	if pm.Kind != "PodMonitor" || pm.Metadata.Name != "resendbot" || pm.Spec.Selector.MatchLabels["app"] != "resendbot" ||
		len(pm.Spec.PodMetricsEndpoints) != 1 || pm.Spec.PodMetricsEndpoints[0].Port != "http" || pm.Spec.PodMetricsEndpoints[0].Path != "/metrics" {
		t.Errorf("PodMonitor = %+v, want /metrics on the http port of app=resendbot (its job, <namespace>/resendbot, is what the up alerts select)", pm)
	}
}

func TestReplicasSpreadOverZones(t *testing.T) {
	var patch deployment
	readYAML(t, "deploy/overlays/replicas/deployment-patch.yaml", &patch)
	zone := false
	for _, s := range patch.Spec.Template.Spec.TopologySpreadConstraints {
		zone = zone || s.TopologyKey == "topology.kubernetes.io/zone"
	}
	if !zone {
		t.Error("the replicas overlay does not spread over topology.kubernetes.io/zone")
	}
}

// Every layout builds with kustomize, and each document it makes is one of
// the kinds we ship; the built Deployment runs the image the images:
// stanza names and has both spreads in the overlay.
func TestKustomizeBuilds(t *testing.T) {
	// kubectl's built-in kustomize, as operators run it (kubectl apply -k),
	// or the kustomize it is built from where kubectl is not installed
	// (.ci/run installs that one on a bare machine).
	build := []string{"kubectl", "kustomize"}
	if _, err := exec.LookPath("kubectl"); err != nil {
		build = []string{needTool(t, "kustomize", kustomizeHow), "build"}
	}
	// An overlay of the operator's: the replicas with the component.
	withComponent := t.TempDir()
	abs, err := filepath.Abs("deploy")
	if err != nil {
		t.Fatal(err)
	}
	deploy, err := filepath.Rel(withComponent, abs) // kustomize takes relative paths only
	if err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(filepath.Join(withComponent, "kustomization.yaml"), []byte(
		"resources: ["+deploy+"/overlays/replicas]\ncomponents: ["+deploy+"/components/prometheus-operator]\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string][]string{
		"deploy/base":              {"ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget"},
		"deploy/overlays/replicas": {"ConfigMap", "Deployment", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget"},
		withComponent:              {"ConfigMap", "Deployment", "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "PodMonitor", "PrometheusRule"},
	} {
		out, err := exec.Command(build[0], build[1], dir).CombinedOutput()
		if err != nil {
			t.Errorf("%s %s %s: %v\n%s", build[0], build[1], dir, err, out)
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(out))
		var kinds []string
		for {
			var doc struct {
				Kind string `yaml:"kind"`
			}
			if err := dec.Decode(&doc); err != nil {
				break
			}
			kinds = append(kinds, doc.Kind)
		}
		if !strings.Contains(string(out), "image: registry.example.com/payments/resendbot:1.0.0\n") {
			t.Errorf("%s: the Deployment does not run the image of the images: stanza", dir)
		}
		if dir != "deploy/base" && !strings.Contains(string(out), "topologyKey: topology.kubernetes.io/zone\n") {
			t.Errorf("%s: no zone spread", dir)
		}
		slices.Sort(kinds)
		if !reflect.DeepEqual(kinds, want) {
			t.Errorf("%s %s %s made %v, want %v", build[0], build[1], dir, kinds, want)
		}
	}
}

// The dashboard is JSON Grafana imports (a title, a uid, panels with
// queries on the datasource variable) and every query reads only series
// the bot exports.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("deploy/grafana/resendbot.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			GridPos struct {
				H, W, X, Y int
			} `json:"gridPos"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("deploy/grafana/resendbot.json: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard title %q, uid %q, %d panels: not importable", d.Title, d.UID, len(d.Panels))
	}
	series := exportedSeries(t)
	series["up"] = true
	queries := 0
	for _, p := range d.Panels {
		if p.Type != "row" && (p.GridPos.W == 0 || p.GridPos.H == 0 || len(p.Targets) == 0) {
			t.Errorf("panel %q has no place or no query", p.Title)
		}
		for _, q := range p.Targets {
			queries++
			if q.Expr == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
			for _, s := range seriesIn(q.Expr) {
				if !series[s] {
					t.Errorf("panel %q reads %s, which the bot does not export", p.Title, s)
				}
			}
		}
	}
	variable := regexp.MustCompile(`^label_values\(([a-z_]+), *job\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := json.Marshal(v.Query)
		var inner struct {
			Query string `json:"query"`
		}
		_ = json.Unmarshal(q, &inner)
		if m := variable.FindStringSubmatch(inner.Query); m == nil || !series[m[1]] {
			t.Errorf("variable %s: query %q, want label_values(<an exported series>, job)", v.Name, inner.Query)
		}
	}
	// The series an on-call reads in an incident are on it.
	for _, must := range []string{"resendbot_queue_length", "resendbot_queue_capacity", "resendbot_shared_state_up",
		"resendbot_shared_state_errors_total", "resendbot_slack_api_failures_total", "resendbot_slack_api_latency_seconds_bucket",
		"resendbot_build_info", "resendbot_slack_token_rejected", "resendbot_outcomes_unposted_total"} {
		if !bytes.Contains(b, []byte(must)) {
			t.Errorf("the dashboard does not show %s", must)
		}
	}
	if queries < 20 {
		t.Errorf("%d queries", queries)
	}
}

// Docker stops a container 10 s after SIGTERM unless told otherwise: every
// `docker run` we document waits longer than a Front Payment call plus
// posting its outcome, which is what RESEND_SHUTDOWN_GRACE bounds.
func TestDockerRunStopTimeout(t *testing.T) {
	cfg, err := bot.LoadConfig(func(k string) string {
		return map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "FRONTPAYMENT_TOKEN": "t"}[k]
	}, bot.ModeBot)
	if err != nil {
		t.Fatal(err)
	}
	need := max(cfg.ShutdownGrace, cfg.FrontPaymentTimeout+bot.OutcomePostTime)
	run := regexp.MustCompile(`(?m)^[ #]*docker run [^\n]*`)
	stop := regexp.MustCompile(`--stop-timeout[ =](\d+)`)
	for _, file := range []string{"README.md", "Dockerfile"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		runs := run.FindAllString(string(b), -1)
		if len(runs) == 0 {
			t.Errorf("%s shows no docker run", file)
		}
		for _, r := range runs {
			m := stop.FindStringSubmatch(r)
			if m == nil {
				t.Errorf("%s: %q has no --stop-timeout (Docker's default 10s kills a call in flight)", file, r)
				continue
			}
			if n, _ := strconv.Atoi(m[1]); time.Duration(n)*time.Second <= need {
				t.Errorf("%s: %q: --stop-timeout %ss, want more than %s", file, r, m[1], need)
			}
		}
	}
}

// The Dockerfile builds with go.mod's toolchain.
func TestDockerfileGoMatchesToolchain(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^toolchain go(1\.\d+\.\d+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no toolchain line")
	}
	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(docker, []byte("FROM golang:"+string(m[1])+"-")) {
		t.Errorf("the Dockerfile does not build with golang:%s (go.mod's toolchain)", m[1])
	}
}
