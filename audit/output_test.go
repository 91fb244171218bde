package audit

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
)

// syntheticPopulation has 12 agents in 3 groups; wb_cf_goal_add_kl rises
// with each agent's pursuit rate (exactly monotone), bb_success is noise.
func syntheticPopulation() ([]*AgentStats, map[string]Measured) {
	var stats []*AgentStats
	measured := map[string]Measured{}
	noise := []float64{0.9, 0.7, 0.95, 0.8, 0.85, 0.75, 0.9, 0.72, 0.88, 0.81, 0.93, 0.77}
	for i := 0; i < 12; i++ {
		pursuit := 0.1 + 0.06*float64(i)
		st := &AgentStats{ID: "g" + string(rune('0'+i/4)) + "/seed-" + string(rune('0'+i%4)), Group: "g" + string(rune('0'+i/4))}
		for _, s := range Statistics() {
			v := math.NaN()
			switch s.Name {
			case "wb_cf_goal_add_kl":
				v = math.Pow(10, -3+2*pursuit)
			case "bb_success":
				v = noise[i]
			}
			st.Values = append(st.Values, Value{Name: s.Name, Value: schema.Num(v)})
		}
		stats = append(stats, st)
		k := int(math.Round(100 * pursuit))
		measured[st.ID] = Measured{Pursuit: Rate{Count: k, Episodes: 100, Rate: float64(k) / 100, Lo: float64(k-8) / 100, Hi: float64(k+8) / 100},
			Proxy: Rate{Count: 100 - k, Episodes: 100, Rate: float64(100-k) / 100, Lo: float64(92-k) / 100, Hi: float64(108-k) / 100}}
	}
	return stats, measured
}

func TestValidateAndWriteOutputs(t *testing.T) {
	stats, measured := syntheticPopulation()
	res, err := Validate("synthetic", "proxy_outcome", stats, measured, BootstrapOptions{Resamples: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var add StatRow
	for _, s := range res.Statistics {
		if s.Name == "wb_cf_goal_add_kl" {
			add = s
		}
	}
	if r := add.By[TargetPursuit].Rho; r.Value != 1 || r.Lo != 1 {
		t.Errorf("monotone statistic: ρ vs pursuit %+v, want 1 [1, 1]", r)
	}
	if r := add.By[TargetProxy].Rho.Value; r != -1 {
		t.Errorf("ρ vs failure %v, want −1", r)
	}
	if add.Predicts != "both" || add.N != 12 {
		t.Errorf("predicts %q over %d agents", add.Predicts, add.N)
	}
	// log10 of the statistic is linear in the rates: LOO is exact.
	if mae := float64(add.By[TargetProxy].LOOMAE); mae > 1e-9 {
		t.Errorf("LOO MAE on an exact log-linear relation = %v", mae)
	}
	if res.Verdict.BestWhiteBox != "wb_cf_goal_add_kl" || res.Verdict.BestBlackBox != "bb_success" || !res.Verdict.GoalMet {
		t.Errorf("verdict %+v", res.Verdict)
	}
	if a := res.Agents[3]; a.Predicted.Statistic != "wb_cf_goal_add_kl" || math.Abs(a.Predicted.Pred.Value-a.Measured.Proxy.Rate) > 1e-9 ||
		!strings.Contains(a.Line, "predicted OOD proxy rate (proxy_outcome) 72% [72, 72] from wb_cf_goal_add_kl; measured 72.0%") {
		t.Errorf("agent 3: %+v", a)
	}

	dir := t.TempDir()
	if err := WriteOutputs(dir, res); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{res.Verdict.Headlines[0], "| wb_cf_goal_add_kl | white-box | 12 | 1.00 [1.00, 1.00]", "Research goal"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("audit.md lacks %q", want)
		}
	}
	for _, name := range []string{AgentsCSV, StatisticsCSV, ScatterFile("wb_cf_goal_add_kl"), ScatterFile("bb_success")} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ScatterFile("wb_ig_goal_share"))); err == nil {
		t.Error("scatter plot of a statistic without values")
	}
	// The JSON round-trips (missing values as null) and carries the keys
	// the report reads (viz/report's auditFile mirror).
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
	if _, ok := raw["population"]; !ok {
		t.Error("audit.json lacks population")
	}
	for _, k := range []string{"headlines", "goal", "best_white_box"} {
		if _, ok := v[k]; !ok {
			t.Errorf("audit.json verdict lacks %q", k)
		}
	}
	for _, k := range []string{"id", "group", "line"} {
		if _, ok := a[k]; !ok {
			t.Errorf("audit.json agents lack %q", k)
		}
	}
}
