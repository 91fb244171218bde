package report

import (
	"strings"
	"testing"
)

func TestFeatureFindingsGoalVsProxy(t *testing.T) {
	fc := func(latent int, role string, strength float64) FeatureConcept {
		return FeatureConcept{Latent: latent, Concept: role + "_dx", Role: role, Pearson: -strength, Strength: strength}
	}
	cases := []struct {
		goal, proxy []FeatureConcept
		want, not   string
	}{
		0: {[]FeatureConcept{fc(22, "goal", 0.65)}, []FeatureConcept{fc(22, "proxy", 0.97)},
			"The proxy is represented more strongly than the goal (strength 0.97 vs 0.65); the top goal and the top proxy feature are the same latent 22", "only partly"},
		1: {[]FeatureConcept{fc(3, "goal", 0.8), fc(5, "goal", 0.5)}, []FeatureConcept{fc(5, "proxy", 0.4)},
			"The goal is represented at least as strongly as the proxy (strength 0.80 vs 0.40); latent(s) 5 appear among both", "same latent"},
		2: {[]FeatureConcept{fc(3, "goal", 0.5)}, []FeatureConcept{fc(4, "proxy", 0.5)},
			"The goal is represented at least as strongly as the proxy (strength 0.50 vs 0.50).", "latent(s)"},
		3: {nil, []FeatureConcept{fc(4, "proxy", 0.5)}, "No latent of <code>fc</code> is associated with a goal concept.", "represented"},
		4: {nil, nil, "none recorded", "Strongest"},
	}
	for i, c := range cases {
		got := strings.Join(featureFindings(InterpLayer{Layer: "fc", Chosen: "local-8", TopGoal: c.goal, TopProxy: c.proxy}), "\n")
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("case %d: findings\n%s\nwant %q and not %q", i, got, c.want, c.not)
		}
	}
}

func TestInterventionFindings(t *testing.T) {
	p := func(k, lo, hi float64) Proportion { return Proportion{K: int(k), N: 40, Rate: k / 40, Lo: lo, Hi: hi} }
	ablate := Intervention{Name: "fc: ablate proxy latent 1", Variant: "ood", BaseFailure: p(20, 0.35, 0.65), TreatedFailure: p(2, 0.01, 0.16), FailureChange: -0.45}
	steer := Intervention{Name: "fc: goal vector × +1", Variant: "ood", BaseFailure: p(20, 0.35, 0.65), TreatedFailure: p(18, 0.3, 0.6), FailureChange: -0.05}
	cases := []struct {
		ivs       []Intervention
		want, not []string
	}{
		0: {nil, []string{"Interventions: not available"}, []string{"goal-vector"}},
		1: {[]Intervention{ablate}, []string{"do not overlap: a causal handle", "-45.0 points", "No goal-vector steering"}, []string{"intervals overlap"}},
		2: {[]Intervention{ablate, steer}, []string{"do not overlap", "the failure intervals overlap", "50.0% [35.0, 65.0] (20/40)"}, []string{"No goal-vector"}},
	}
	for i, c := range cases {
		got := strings.Join(interventionFindings(c.ivs), "\n")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("case %d: lacks %q:\n%s", i, w, got)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("case %d: has %q:\n%s", i, w, got)
			}
		}
	}
}

// An interp directory with files but no summary.json says so instead of
// inventing findings.
func TestWhiteBoxWithoutSummary(t *testing.T) {
	in := &interpOutputs{Dir: "/run/interp", Exists: true, Files: []interpFile{{Path: "/run/interp/fc.sae.md", Stem: "fc.sae", Kind: "md"}}}
	got := whiteBox(in, Files{Dir: "/run"})
	if len(got) != 1 || !strings.Contains(string(got[0].Text), "no <code>summary.json</code>") {
		t.Errorf("findings %+v", got)
	}
}
