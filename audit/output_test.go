package audit

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
)

// syntheticPopulation has 12 agents in 4 training configs (groups);
// wb_cf_goal_add_kl rises with each agent's chance-corrected pursuit
// (exactly monotone), bb_success is noise and ob_goal_shift is the
// config's index. Every value is measured identically on both halves.
func syntheticPopulation() ([]*AgentStats, map[string]Measured) {
	var stats []*AgentStats
	measured := map[string]Measured{}
	noise := []float64{0.9, 0.7, 0.95, 0.8, 0.85, 0.75, 0.9, 0.72, 0.88, 0.81, 0.93, 0.77}
	for i := 0; i < 12; i++ {
		pursuit := 0.1 + 0.06*float64(i)
		g := "g" + string(rune('0'+i/3))
		st := &AgentStats{ID: g + "/seed-" + string(rune('0'+i%3)), Group: g, AuditEnv: "canonical", Episodes: 100}
		for _, s := range Statistics() {
			v := math.NaN()
			switch s.Name {
			case "wb_cf_goal_add_kl":
				v = math.Pow(10, -3+2*pursuit)
			case "bb_success":
				v = noise[i]
			case StatGoalShift:
				v = float64(i / 3)
			}
			st.Set(s.Name, v)
		}
		stats = append(stats, st)
		k := int(math.Round(100 * pursuit))
		cc := Interval{Value: pursuit, Lo: pursuit - 0.08, Hi: pursuit + 0.08}
		m := Measured{Pursuit: Rate{Count: k, Episodes: 100, Rate: float64(k) / 100, Lo: float64(k-8) / 100, Hi: float64(k+8) / 100},
			Proxy:         Rate{Count: 100 - k, Episodes: 100, Rate: float64(100-k) / 100, Lo: float64(92-k) / 100, Hi: float64(108-k) / 100},
			ChancePursuit: &cc}
		for h := range m.Halves {
			m.Halves[h] = map[Target]schema.Num{TargetChancePursuit: schema.Num(pursuit), TargetProxy: schema.Num(m.Proxy.Rate)}
		}
		measured[st.ID] = m
	}
	return stats, measured
}

func TestValidateRefusesSmallAndMixedPopulations(t *testing.T) {
	stats, measured := syntheticPopulation()
	if _, err := Validate("small", "proxy", stats[:MinAgents-1], measured, BootstrapOptions{Resamples: 10, Seed: 1}); err == nil ||
		!strings.Contains(err.Error(), "at least 10") {
		t.Errorf("validating %d agents: %v", MinAgents-1, err)
	}
	stats[4].AuditEnv = "own-mix"
	if _, err := Validate("mixed", "proxy", stats, measured, BootstrapOptions{Resamples: 10, Seed: 1}); err == nil ||
		!strings.Contains(err.Error(), "different distributions") {
		t.Errorf("agents audited on different distributions: %v", err)
	}
}

func TestValidateAndWriteOutputs(t *testing.T) {
	stats, measured := syntheticPopulation()
	res, err := Validate("synthetic", "proxy_outcome", stats, measured, BootstrapOptions{Resamples: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 2 || res.Targets[0] != TargetChancePursuit || res.TargetReliability[TargetChancePursuit] != 1 {
		t.Fatalf("targets %v, reliability %v", res.Targets, res.TargetReliability)
	}
	var add StatRow
	for _, s := range res.Statistics {
		if s.Name == "wb_cf_goal_add_kl" {
			add = s
		}
	}
	if r := add.By[TargetChancePursuit].Rho; r.Value != 1 || r.Lo != 1 {
		t.Errorf("monotone statistic: ρ vs pursuit %+v, want 1 [1, 1]", r)
	}
	if r := add.By[TargetProxy].Rho.Value; r != -1 {
		t.Errorf("ρ vs failure %v, want −1", r)
	}
	if v := add.By[TargetChancePursuit]; add.Reliability != 1 || v.Ceiling != 1 || v.RhoDisattenuated != 1 {
		t.Errorf("identical halves: reliability %v, ceiling %v, disattenuated %v", add.Reliability, v.Ceiling, v.RhoDisattenuated)
	}
	if add.Predicts != "pursuit (cc), failure" || add.N != 12 {
		t.Errorf("predicts %q over %d agents", add.Predicts, add.N)
	}
	// log10 of the statistic is linear in the rates: LOO and LOCO are exact.
	if v := add.By[TargetProxy]; float64(v.LOOMAE) > 1e-9 || float64(v.LOCOMAE) > 1e-9 {
		t.Errorf("LOO / LOCO MAE on an exact log-linear relation = %v / %v", v.LOOMAE, v.LOCOMAE)
	}
	if res.Verdict.BestWhiteBox != "wb_cf_goal_add_kl" || res.Verdict.BestBlackBox != "bb_success" || res.Verdict.BestOutside != StatGoalShift {
		t.Errorf("verdict %+v", res.Verdict)
	}
	if c, ok := res.Comparison(LevelBlackBox); !ok || c.Diff.Lo <= 0 {
		t.Errorf("paired comparison with black-box: %+v", c)
	}
	if a := res.Agents[3]; a.Predicted[LevelWhiteBox].Statistic != "wb_cf_goal_add_kl" ||
		math.Abs(a.Predicted[LevelWhiteBox].Pred.Value-a.Measured.ChancePursuit.Value) > 1e-9 ||
		!strings.Contains(a.Line, "predicted pursuit (cc) 28% [28, 28] from wb_cf_goal_add_kl; measured 28.0%") {
		t.Errorf("agent 3: %+v", a)
	}
	if len(res.Equivalence) != 3 || res.StatisticsHash == "" || res.AuditEnv != "canonical" {
		t.Errorf("equivalence %d rows, hash %q, env %q", len(res.Equivalence), res.StatisticsHash, res.AuditEnv)
	}

	dir := t.TempDir()
	if err := WriteOutputs(dir, res); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{res.Verdict.Headlines[0], "| wb_cf_goal_add_kl | white-box | + | 12 | 1.00 | 1.00 [1.00, 1.00]", "Research goal", shortHash(res.StatisticsHash)} {
		if !strings.Contains(string(md), want) {
			t.Errorf("audit.md lacks %q", want)
		}
	}
	for _, name := range []string{AgentsCSV, StatisticsCSV} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	figs := map[string][]schema.ScatterPanel{}
	for _, f := range ScatterFigures(res) {
		figs[f.File] = f.Panels
	}
	for _, name := range []string{"wb_cf_goal_add_kl", "bb_success"} {
		if pn := figs[ScatterFile(name)]; len(pn) != len(res.Targets) || len(pn[0].Points) != len(res.Agents) {
			t.Errorf("scatter of %s: %d panels, want one per target with a point per agent", name, len(pn))
		}
	}
	if _, ok := figs[ScatterFile("wb_ig_goal_share")]; ok {
		t.Error("scatter plot of a statistic without values")
	}
	// The JSON round-trips (missing values as null) and carries the keys
	// the report reads (into schema.AuditResult).
	b, err := os.ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Agents) != 12 || !math.IsNaN(float64(back.Agents[0].Stats["wb_ig_goal_share"])) {
		t.Errorf("round trip: %d agents, missing statistic %v", len(back.Agents), back.Agents[0].Stats["wb_ig_goal_share"])
	}
	var raw map[string]any
	json.Unmarshal(b, &raw)
	v := raw["verdict"].(map[string]any)
	a := raw["agents"].([]any)[0].(map[string]any)
	for _, k := range []string{"population", "targets", "target_reliability", "statistics_sha256", "audit_env", "families", "comparisons", "equivalence"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("audit.json lacks %q", k)
		}
	}
	st := raw["statistics"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "level", "expected_sign", "reliability", "validation", "predicts"} {
		if _, ok := st[k]; !ok {
			t.Errorf("audit.json statistics lack %q", k)
		}
	}
	val := st["validation"].(map[string]any)[string(TargetChancePursuit)].(map[string]any)
	for _, k := range []string{"rho", "p_holm", "rho_within", "p_within", "ceiling", "rho_disattenuated", "loo_mae", "loco_mae"} {
		if _, ok := val[k]; !ok {
			t.Errorf("audit.json validation lacks %q", k)
		}
	}
	fam := raw["families"].([]any)[0].(map[string]any)
	for _, k := range []string{"level", "target", "best", "best_rho", "nested_prediction_rho", "nested_mae"} {
		if _, ok := fam[k]; !ok {
			t.Errorf("audit.json families lack %q", k)
		}
	}
	for _, k := range []string{"headlines", "goal", "best_white_box", "best_black_box", "best_outside", "equivalence"} {
		if _, ok := v[k]; !ok {
			t.Errorf("audit.json verdict lacks %q", k)
		}
	}
	for _, k := range []string{"id", "group", "line", "predicted", "measured"} {
		if _, ok := a[k]; !ok {
			t.Errorf("audit.json agents lack %q", k)
		}
	}
}

// In a crossed design (every config trained with seeds 0..5) the
// seed-level test averages each seed over configs and permutes seeds:
// with 6 seeds whose means order x and y alike, ρ = 1 and the exact
// two-sided p is 2/720 (the identity and its reverse).
func TestSeedLevelInACrossedDesign(t *testing.T) {
	var stats []*AgentStats
	var x, y []float64
	for g := 0; g < 2; g++ {
		for s := 0; s < 6; s++ {
			stats = append(stats, &AgentStats{ID: fmt.Sprintf("p=%d/seed-%d", g, s), Group: fmt.Sprintf("p=%d", g)})
			x = append(x, float64(s)+0.1*float64(g))
			y = append(y, float64(s*s)+float64(g))
		}
	}
	p := &popData{stats: stats, groups: groupIndex(stats), boot: BootstrapOptions{Seed: 1}}
	rho, pv := p.seedLevel(Linear, x, y)
	if rho != 1 || math.Abs(float64(pv)-2.0/720) > 1e-12 {
		t.Errorf("seed-level ρ %v p %v, want 1 and %v", rho, pv, 2.0/720)
	}
	// Not crossed: a config without seed 5.
	if u := seedUnits(stats[:11], groupIndex(stats[:11])); u != nil {
		t.Errorf("an incomplete design is crossed: %v", u)
	}
}
