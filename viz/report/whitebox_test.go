package report

import (
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
)

func TestFeatureFinding(t *testing.T) {
	f := func(latent int, role string, r float64) schema.Feature {
		return schema.Feature{Latent: latent, Concept: role + "_near", Role: role, R: r, Control: "x", P: 0.01}
	}
	cases := []struct {
		l         schema.LayerSummary
		want, not string
	}{
		0: {schema.LayerSummary{Site: "fc", Chosen: "local-64-L08", Goal: []schema.Feature{f(3, "goal", 0.5)}, Proxy: []schema.Feature{f(4, "proxy", 0.7)}},
			"<b>goal-specific</b> latent 3 (<code>goal_near</code>, partial r +0.50", "No goal"},
		1: {schema.LayerSummary{Site: "fc", Chosen: "local-64-L08", Proxy: []schema.Feature{f(4, "proxy", 0.7)}, FeatureNote: "No goal-specific latent: none beat the null."},
			"No goal-specific latent", "goal-specific</b>"},
		2: {schema.LayerSummary{Site: "stage1/pos"}, "read per position", "Features"},
	}
	for i, c := range cases {
		got := featureFinding(c.l)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("case %d: %s\nwant %q and not %q", i, got, c.want, c.not)
		}
	}
}

func TestInterventionFindings(t *testing.T) {
	d := func(base, treated, p float64) schema.PairedDifference {
		return schema.PairedDifference{N: 40, Base: base, Treated: treated, Delta: treated - base, Lo: treated - base - 0.1, Hi: treated - base + 0.1, P: p}
	}
	ablate := schema.Intervention{Name: "fc: ablate proxy latent 1", Variant: "ood", Failure: d(0.5, 0.05, 0.001), Success: d(0.4, 0.8, 0.001), PHolm: 0.002}
	steer := schema.Intervention{Name: "fc: goal vector × +1", Variant: "ood", Failure: d(0.5, 0.45, 0.6), Success: d(0.4, 0.4, 1), PHolm: 0.6}
	cases := []struct {
		ivs       []schema.Intervention
		want, not []string
	}{
		0: {nil, []string{"Interventions: not available"}, nil},
		1: {[]schema.Intervention{ablate, steer}, []string{"2 paired interventions on 40 test levels", "ablate proxy latent 1</code> moved the proxy outcome 50.0% → 5.0% (Δ -45.0 [-55.0, -35.0] points, Holm p 0.002)"}, []string{"goal vector × +1</code> moved"}},
		2: {[]schema.Intervention{steer}, []string{"<b>none</b> changed the proxy outcome significantly"}, []string{"moved"}},
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
	got := whiteBox(in, DefaultFiles("/run"), false)
	if len(got) != 1 || !strings.Contains(string(got[0].Text), "no <code>summary.json</code>") {
		t.Errorf("findings %+v", got)
	}
}
