package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"
)

// The manifests, compose file and Dockerfile are read as an operator's tools
// read them; these tests check what must hold for the bot to run safely.

type envVar struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	PeriodSeconds    int `yaml:"periodSeconds"`
	TimeoutSeconds   int `yaml:"timeoutSeconds"`
	FailureThreshold int `yaml:"failureThreshold"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Env     []envVar `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
		SecretRef struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	ReadinessProbe  *probe `yaml:"readinessProbe"`
	LivenessProbe   *probe `yaml:"livenessProbe"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

type deployment struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Template struct {
			Spec struct {
				AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
				TerminationGracePeriodSeconds *int  `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					RunAsUser    *int  `yaml:"runAsUser"`
					RunAsGroup   *int  `yaml:"runAsGroup"`
				} `yaml:"securityContext"`
				TopologySpreadConstraints []struct {
					TopologyKey string `yaml:"topologyKey"`
				} `yaml:"topologySpreadConstraints"`
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type kustomization struct {
	Resources []string `yaml:"resources"`
	Patches   []struct {
		Path string `yaml:"path"`
	} `yaml:"patches"`
}

const nonrootID = 65532 // distroless "nonroot"

// show prints an optional YAML field.
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	decodeFile(t, path, v, yaml.Unmarshal)
}

// readStrict is readYAML failing on a field v does not have.
func readStrict(t *testing.T, path string, v any) {
	t.Helper()
	decodeFile(t, path, v, yaml.UnmarshalStrict)
}

func decodeFile(t *testing.T, path string, v any, unmarshal func([]byte, any) error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// documentedEnv returns the variables of README's Configuration table,
// which TestConfigurationDocsAgreeWithTheCode holds to what the bot reads
// (and which follows CONTRACT.md §2). It is read from the repository
// itself, so that a clone tests the same as this checkout.
func documentedEnv(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for name := range readmeSettings(t) {
		names[name] = true
	}
	return names
}

func botContainer(t *testing.T, d deployment) container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "resendbot" {
			return c
		}
	}
	t.Fatal("no container named resendbot")
	return container{}
}

func envValue(c container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// overlayDeployment applies the replicas overlay's strategic-merge patch to
// the base Deployment, for the fields the checks read (replicas, env by name).
func overlayDeployment(t *testing.T, base deployment) deployment {
	t.Helper()
	var k kustomization
	readYAML(t, "deploy/overlays/replicas/kustomization.yaml", &k)
	if len(k.Resources) == 0 || k.Resources[0] != "../../base" {
		t.Fatalf("overlay resources = %v, want ../../base first", k.Resources)
	}
	out := base
	out.Spec.Template.Spec.Containers = append([]container(nil), base.Spec.Template.Spec.Containers...)
	for _, p := range k.Patches {
		var patch deployment
		readYAML(t, filepath.Join("deploy/overlays/replicas", p.Path), &patch)
		if patch.Kind != "Deployment" || patch.Metadata.Name != "resendbot" {
			continue
		}
		if patch.Spec.Replicas != nil {
			out.Spec.Replicas = patch.Spec.Replicas
		}
		for _, pc := range patch.Spec.Template.Spec.Containers {
			for i, c := range out.Spec.Template.Spec.Containers {
				if c.Name != pc.Name {
					continue
				}
				c.Env = append([]envVar(nil), c.Env...)
				for _, e := range pc.Env {
					if _, ok := envValue(c, e.Name); !ok {
						c.Env = append(c.Env, e)
					}
				}
				out.Spec.Template.Spec.Containers[i] = c
			}
		}
	}
	return out
}

func TestDeployBase(t *testing.T) {
	var k kustomization
	readYAML(t, "deploy/base/kustomization.yaml", &k)
	var d deployment
	found := map[string]bool{}
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join("deploy/base", r))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		for {
			var doc struct {
				Kind string `yaml:"kind"`
			}
			if err := dec.Decode(&doc); err != nil {
				break
			}
			found[doc.Kind] = true
		}
		var probe struct {
			Kind string `yaml:"kind"`
		}
		_ = yaml.Unmarshal(b, &probe)
		if probe.Kind == "Deployment" {
			readYAML(t, filepath.Join("deploy/base", r), &d)
		}
	}
	if !found["Deployment"] || !found["PodDisruptionBudget"] {
		t.Fatalf("base kinds = %v, want a Deployment and a PodDisruptionBudget", found)
	}
	if _, err := os.Stat("deploy/kubernetes.yaml"); err == nil {
		t.Error("deploy/kubernetes.yaml is back: the kustomize base is the one source of truth")
	}

	spec := d.Spec.Template.Spec
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("base replicas = %s, want 1 (no shared state without REDIS_URL)", show(d.Spec.Replicas))
	}
	c := botContainer(t, d)
	if _, ok := envValue(c, "REDIS_URL"); ok {
		t.Error("base sets REDIS_URL; it must run on its own")
	}
	if v, ok := envValue(c, "FRONTPAYMENT_BASE_URL"); ok && strings.Contains(v, "demo") {
		t.Errorf("base ships FRONTPAYMENT_BASE_URL=%q as if it were production", v)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken must be false")
	}
	sc := spec.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != nonrootID ||
		sc.RunAsGroup == nil || *sc.RunAsGroup != nonrootID {
		t.Errorf("pod securityContext = runAsNonRoot %s, runAsUser %s, runAsGroup %s; want true, %d, %d",
			show(sc.RunAsNonRoot), show(sc.RunAsUser), show(sc.RunAsGroup), nonrootID, nonrootID)
	}
	csc := c.SecurityContext
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" {
		t.Error("container securityContext must forbid privilege escalation, mount the root read-only and drop ALL capabilities")
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("readinessProbe must GET /readyz")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("livenessProbe must GET /healthz")
	}
	settings, _ := settingsEnv(t)
	if addr := settings["HTTP_ADDR"]; addr != ":8080" {
		t.Errorf("HTTP_ADDR = %q, want :8080 (the probes' port)", addr)
	}
	grace, ok := settings["RESEND_SHUTDOWN_GRACE"]
	if !ok {
		grace = "25s" // the contract's default
	}
	g, err := time.ParseDuration(grace)
	if err != nil {
		t.Fatalf("RESEND_SHUTDOWN_GRACE=%q: %v", grace, err)
	}
	if spec.TerminationGracePeriodSeconds == nil || time.Duration(*spec.TerminationGracePeriodSeconds)*time.Second <= g {
		t.Errorf("terminationGracePeriodSeconds = %s, want more than RESEND_SHUTDOWN_GRACE %v",
			show(spec.TerminationGracePeriodSeconds), g)
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources = %+v, want cpu and memory requests and a memory limit", c.Resources)
	}
	spread := false
	for _, s := range spec.TopologySpreadConstraints {
		spread = spread || s.TopologyKey == "kubernetes.io/hostname"
	}
	if !spread {
		t.Error("no topologySpreadConstraints over kubernetes.io/hostname")
	}

	o := overlayDeployment(t, d)
	if o.Spec.Replicas == nil || *o.Spec.Replicas <= 1 {
		t.Errorf("overlay replicas = %s, want more than 1", show(o.Spec.Replicas))
	}
	if _, ok := envValue(botContainer(t, o), "REDIS_URL"); !ok {
		t.Error("overlay runs several replicas without REDIS_URL")
	}

	names := documentedEnv(t)
	for which, dep := range map[string]deployment{"base": d, "overlay": o} {
		for _, e := range botContainer(t, dep).Env {
			if !names[e.Name] {
				t.Errorf("%s sets %s, which is not a setting of README's Configuration table", which, e.Name)
			}
		}
	}
}

func TestDockerfileNumericNonRootUser(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var user string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.EqualFold(f[0], "USER") {
			user = f[1] // the last USER wins
		}
	}
	if user != "65532:65532" {
		t.Errorf("Dockerfile USER = %q, want 65532:65532 (numeric, so runAsNonRoot can verify it)", user)
	}
	if !strings.Contains(string(b), "COPY --from=build /out/resendbot /resendbot") {
		t.Error("the binary is no longer at /resendbot; docker-compose.yml's healthcheck runs it there")
	}
}

func TestComposeFile(t *testing.T) {
	var f struct {
		Services map[string]struct {
			Restart     string            `yaml:"restart"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test        []string `yaml:"test"`
				Interval    string   `yaml:"interval"`
				Timeout     string   `yaml:"timeout"`
				Retries     int      `yaml:"retries"`
				StartPeriod string   `yaml:"start_period"`
			} `yaml:"healthcheck"`
			StopGracePeriod string `yaml:"stop_grace_period"`
		} `yaml:"services"`
	}
	readYAML(t, "docker-compose.yml", &f)
	bot, ok := f.Services["resendbot"]
	if !ok {
		t.Fatal("no resendbot service")
	}
	for name, s := range f.Services {
		if s.Restart != "unless-stopped" && s.Restart != "always" {
			t.Errorf("service %s: restart = %q; a replica that stops stays down", name, s.Restart)
		}
	}
	hc := bot.Healthcheck
	if strings.Join(hc.Test, " ") != "CMD /resendbot healthcheck" {
		t.Errorf("healthcheck test = %q, want [CMD /resendbot healthcheck]", hc.Test)
	}
	if hc.Interval == "" || hc.Timeout == "" || hc.Retries == 0 || hc.StartPeriod == "" {
		t.Errorf("healthcheck = %+v, want interval, timeout, retries and start_period", hc)
	}
	if bot.Environment["HTTP_ADDR"] == "" {
		t.Error("HTTP_ADDR is not set: the healthcheck has nothing to probe")
	}
	grace, err := time.ParseDuration(bot.StopGracePeriod)
	if err != nil || grace <= 25*time.Second {
		t.Errorf("stop_grace_period = %q, want more than RESEND_SHUTDOWN_GRACE (25s)", bot.StopGracePeriod)
	}
	names := documentedEnv(t)
	for name := range bot.Environment {
		if !names[name] {
			t.Errorf("docker-compose.yml sets %s, which is not a setting of README's Configuration table", name)
		}
	}
}
