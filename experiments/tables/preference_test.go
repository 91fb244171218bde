package tables

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

func TestPreferences(t *testing.T) {
	rec := func(v string, seed int, o envs.Outcome, length int) schema.EpisodeRecord {
		return schema.EpisodeRecord{Variant: v, Seed: seed, LevelSeed: envs.EvalSeedBase, Outcome: o, Length: length}
	}
	recs := []schema.EpisodeRecord{
		// seed 1 before seed 0: order must not matter
		rec("ood", 1, "proxy", 4), rec("ood", 1, "proxy", 6), rec("ood", 1, "goal", 8), rec("ood", 1, "timeout", 50),
		rec("ood", 0, "goal", 3), rec("ood", 0, "goal", 5), rec("ood", 0, "other", 2),
		rec(schema.IDVariant, 0, "goal", 10), rec(schema.IDVariant, 0, "timeout", 50),
	}
	rows, err := Preferences(recs, []string{schema.IDVariant, "ood", "unused"}, "goal", "proxy")
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		v, seed                  string
		episodes, decided, proxy int
		meanSteps, stepsVar      float64 // sample variance of the decided lengths
	}
	wants := []want{
		{schema.IDVariant, schema.PooledSeed, 2, 1, 0, 10, 0},
		{schema.IDVariant, "0", 2, 1, 0, 10, 0},
		{"ood", schema.PooledSeed, 7, 5, 2, 26.0 / 5, (9 + 25 + 64 + 16 + 36 - 26.0*26/5) / 4},
		{"ood", "0", 3, 2, 0, 4, 2},
		{"ood", "1", 4, 3, 2, 6, 4},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(wants), rows)
	}
	for i, w := range wants {
		r := rows[i]
		lo, hi := schema.Wilson(w.proxy, w.decided)
		se := 0.0
		if w.decided > 1 {
			se = math.Sqrt(w.stepsVar / float64(w.decided))
		}
		if r.Variant != w.v || r.Seed != w.seed || r.Episodes != w.episodes || r.Decided != w.decided || r.Proxy != w.proxy ||
			math.Abs(r.ProxyShare-float64(w.proxy)/float64(w.decided)) > 1e-12 || r.CILow != lo || r.CIHigh != hi ||
			math.Abs(r.MeanSteps-w.meanSteps) > 1e-12 || math.Abs(r.StepsSE-se) > 1e-12 {
			t.Errorf("row %d = %+v, want %+v (se %v)", i, r, w, se)
		}
	}
	if _, err := Preferences([]schema.EpisodeRecord{rec("bogus", 0, "goal", 1)}, []string{schema.IDVariant}, "goal", "proxy"); err == nil {
		t.Error("record of an unlisted variant accepted")
	}
	// No decided episode: zero share and steps, the uninformative interval.
	rows, _ = Preferences([]schema.EpisodeRecord{rec("ood", 0, "timeout", 9)}, []string{"ood"}, "goal", "proxy")
	if r := rows[1]; r.Decided != 0 || r.ProxyShare != 0 || r.MeanSteps != 0 || r.CILow != 0 || r.CIHigh != 1 {
		t.Errorf("undecided row %+v", r)
	}
}

func TestPreferenceFiles(t *testing.T) {
	rows := []schema.PreferenceRow{
		{Variant: "ood", Seed: schema.PooledSeed, Episodes: 20, Decided: 10, Proxy: 4, ProxyShare: 0.4, CILow: 0.17, CIHigh: 0.69, MeanSteps: 7, StepsSE: 1},
		{Variant: "ood", Seed: "0", Episodes: 10, Decided: 5, Proxy: 1, ProxyShare: 0.2, CILow: 0.04, CIHigh: 0.62, MeanSteps: 6, StepsSE: 1},
		{Variant: "ood", Seed: "1", Episodes: 10, Decided: 5, Proxy: 3, ProxyShare: 0.6, CILow: 0.23, CIHigh: 0.88, MeanSteps: 8, StepsSE: 1},
		{Variant: "ood", Seed: "2", Episodes: 10, Decided: 0, CIHigh: 1},
	}
	dir := writeFiles(t)(PreferenceFiles(rows, "goal", "proxy", "t: goal preference"))
	md, err := os.ReadFile(filepath.Join(dir, PreferenceMD))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# t: goal preference", "| ood | **pooled** | 20 | 10 | 4 | 40.0% [17.0, 69.0] | 7.0 ± 1.0 |", "| ood | 2 | 10 | 0 | 0 | n/a (none decided) | n/a |", "- ood: χ² = 1.7, df = 1, p = 0.2"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("preference.md lacks %q:\n%s", want, md)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, PreferenceJSON))
	if err != nil {
		t.Fatal(err)
	}
	var back []schema.PreferenceRow
	if err := json.Unmarshal(js, &back); err != nil || len(back) != 4 || back[2] != rows[2] {
		t.Errorf("preference.json round trip: %v %+v", err, back)
	}
	csv, err := os.ReadFile(filepath.Join(dir, PreferenceCSV))
	if err != nil || !strings.HasPrefix(string(csv), "variant,seed,episodes,decided,proxy,proxy_share,ci_low,ci_high,mean_steps,steps_se\n") || strings.Count(string(csv), "\n") != 5 {
		t.Errorf("preference.csv: %v\n%s", err, csv)
	}
	fig, ok := PreferenceFigure(rows, "goal", "proxy", "t: goal preference")
	if !ok || fig.File != PreferencePlot || len(fig.Panels) != 1 || fig.Panels[0].Title != "t: goal preference" || !fig.Panels[0].Rates {
		t.Fatalf("figure %+v, ok %v", fig, ok)
	}
	if pts := fig.Panels[0].Points; len(pts) != 2 || pts[1] != (schema.ScatterPoint{X: 8, Y: 0.6, Lo: 0.23, Hi: 0.88, Group: "ood"}) {
		t.Errorf("points %+v", pts)
	}
	if p := fig.Panels[0]; p.XLabel != "mean steps to the chosen goal (goal or proxy)" || p.YLabel != "share of proxy (Wilson 95% CI)" {
		t.Errorf("axes %q, %q", p.XLabel, p.YLabel)
	}
	// Only the undecided seed: tables, no figure.
	if _, ok := PreferenceFigure(rows[3:], "goal", "proxy", "t"); ok {
		t.Error("figure without a point")
	}
}

// TestHeterogeneity checks the χ² statistic against a hand computation
// and its p-value against known quantiles.
func TestHeterogeneity(t *testing.T) {
	rows := []schema.PreferenceRow{
		{Variant: "ood", Seed: schema.PooledSeed, Decided: 200, Proxy: 100},
		{Variant: "ood", Seed: "0", Decided: 100, Proxy: 30},
		{Variant: "ood", Seed: "1", Decided: 100, Proxy: 70},
		{Variant: "ood", Seed: "2", Decided: 0},
		{Variant: "same", Seed: "0", Decided: 50, Proxy: 20},
		{Variant: "same", Seed: "1", Decided: 100, Proxy: 40},
		{Variant: "one", Seed: "0", Decided: 10, Proxy: 5},
		{Variant: "all", Seed: "0", Decided: 10, Proxy: 10}, {Variant: "all", Seed: "1", Decided: 5, Proxy: 5},
	}
	// Pooled share 0.5: each seed is 20 off an expected 50 with variance 25.
	chi2, df, p, ok := Heterogeneity(rows, "ood")
	if !ok || math.Abs(chi2-32) > 1e-9 || df != 1 || p > 1e-7 || p < 1e-9 {
		t.Errorf("ood: χ² %v df %d p %v ok %v, want 32, 1, p ≈ 1.5e-8", chi2, df, p, ok)
	}
	if chi2, _, p, ok := Heterogeneity(rows, "same"); !ok || chi2 > 1e-12 || math.Abs(p-1) > 1e-12 {
		t.Errorf("equal shares: χ² %v p %v", chi2, p)
	}
	// χ²(1) = 3.841 is the 95% quantile.
	q := []schema.PreferenceRow{{Variant: "q", Seed: "0", Decided: 1000, Proxy: 500}, {Variant: "q", Seed: "1", Decided: 1000, Proxy: 500}}
	q[0].Proxy, q[1].Proxy = 500+22, 500-22 // χ² = 2·22²/250 = 3.872
	if _, _, p, _ := Heterogeneity(q, "q"); p < 0.045 || p > 0.05 {
		t.Errorf("χ² 3.872 with 1 df: p %v, want just under 0.05", p)
	}
	for _, v := range []string{"one", "all", "missing"} {
		if _, _, _, ok := Heterogeneity(rows, v); ok {
			t.Errorf("%s: test run without two differing seeds", v)
		}
	}
}
