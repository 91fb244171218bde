package layering

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/misgen/misgen"

// rule forbids the packages matching From to depend on those matching To,
// directly or through other packages (transitive dependencies), except
// for Allow.
type rule struct {
	From, To []string // package patterns: "x" is x itself, "x/..." is x and everything below it
	Allow    []string // patterns excused from To
	Direct   bool     // only the packages' own imports, not what those import
	Why      string
}

var rules = []rule{
	// The viewer reads a run's resolved.toml (the game, observations and
	// variants of a -checkpoint) through the experiment config decoder,
	// which embeds the SAE config; both only decode TOML and link no
	// libtorch (the configs rule below), so they are data, not analyses.
	{From: []string{"viz/..."}, To: []string{"audit/...", "interp/...", "circumvent/...", "experiments/..."},
		Allow: []string{"experiments/config/...", "interp/saeconfig/..."},
		Why:   "drawing and viewing sit above the data, not above the analyses"},
	{From: []string{"audit/...", "interp/...", "circumvent/..."}, To: []string{"viz/..."},
		Why: "analyses return data (schema types); experiments draws it"},
	{From: []string{"schema/..."}, To: []string{"agents/...", "internal/torch/...", "audit/...", "interp/...", "circumvent/...", "experiments/...", "viz/..."},
		Why: "the result schema is read by everything and depends on nothing heavy"},
	{From: []string{"interp"}, To: []string{"agents/...", "envs/...", "experiments/..."}, Direct: true,
		Why: "the interpretability algorithms work on matrices, not on policies or games"},
	{From: []string{"agents/probe/..."}, To: []string{"audit/...", "circumvent/...", "interp/study/...", "experiments/...", "viz/..."},
		Why: "the probing toolkit serves the analyses; it does not call them"},
	{From: []string{"experiments/config/...", "agents/agentconfig/...", "interp/saeconfig/...", "schema/...", "envs/...", "viz/viewer/app/...", "viz/viewer/control/...", "viz/palette/...", "viz/render/...", "viz/replay/..."},
		To:  []string{"internal/torch/..."},
		Why: "configs, results, games and the viewer's logic are readable without linking libtorch"},
	{From: []string{"experiments/tables/..."}, To: []string{"experiments/...", "agents/...", "internal/torch/...", "viz/..."},
		Why: "the behaviour tables count records into rows; the pipeline writes and draws them"},
	{From: []string{"viz/palette/..."}, To: []string{"envs/..."},
		Why: "colours know outcome names, not the game registry"},
}

// deps maps each package of the module (tests excluded) to its transitive
// dependencies within the module (its direct imports with direct), both
// relative to the module path.
func deps(t *testing.T, direct bool) map[string][]string {
	t.Helper()
	field := ".Deps"
	if direct {
		field = ".Imports"
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range `+field+`}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := rel(f[0])
		m[pkg] = nil
		for _, d := range f[1:] {
			if strings.HasPrefix(d, module+"/") {
				m[pkg] = append(m[pkg], rel(d))
			}
		}
	}
	if len(m) < 20 {
		t.Fatalf("go list found %d packages: is this the misgen module?", len(m))
	}
	return m
}

func rel(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }

// match reports whether pkg matches pattern ("x" or "x/...").
func match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

func matchAny(patterns []string, pkg string) bool {
	for _, p := range patterns {
		if match(p, pkg) {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	all, imports := deps(t, false), deps(t, true)
	pkgs := make([]string, 0, len(all))
	for p := range all {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, r := range rules {
		for _, p := range pkgs {
			on := all[p]
			if r.Direct {
				on = imports[p]
			}
			if !matchAny(r.From, p) {
				continue
			}
			for _, d := range on {
				if matchAny(r.To, d) && !matchAny(r.Allow, d) && !matchAny(r.From, d) {
					t.Errorf("%s depends on %s: %s", p, d, r.Why)
				}
			}
		}
	}
}

// TestViewerWindowLinksTorchOnlyForPolicies: the window binary reads
// configs, replays and games without libtorch; only the live policy
// actor (viz/viewer/policy, for -checkpoint) links it.
func TestViewerWindowLinksTorchOnlyForPolicies(t *testing.T) {
	all := deps(t, false)
	direct, err := exec.Command("go", "list", "-f", `{{range .Imports}}{{.}} {{end}}`, module+"/cmd/viewer-window").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(direct)) {
		p := rel(imp)
		if !strings.HasPrefix(imp, module+"/") || p == "viz/viewer/policy" {
			continue
		}
		for _, d := range append(all[p], p) {
			if match("internal/torch/...", d) {
				t.Errorf("cmd/viewer-window links libtorch through %s", p)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, pkg string
		want         bool
	}{
		{"viz/...", "viz", true},
		{"viz/...", "viz/report", true},
		{"viz/...", "vizier", false},
		{"interp", "interp/study", false},
		{"interp", "interp", true},
	} {
		if got := match(tc.pattern, tc.pkg); got != tc.want {
			t.Errorf("match(%q, %q) = %v", tc.pattern, tc.pkg, got)
		}
	}
}
