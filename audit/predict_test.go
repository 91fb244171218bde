package audit

import (
	"math"
	"strings"
	"testing"
)

// A new agent is judged by the population's calibration: the statistic
// the nested choice picked, a line over every population agent, its
// percentile; an agent audited elsewhere is refused.
func TestPredictFromAPopulation(t *testing.T) {
	stats, measured := syntheticPopulation()
	pop, err := Validate("synthetic", "proxy", stats, measured, BootstrapOptions{Resamples: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A new agent with the statistic of a pursuit of 0.4, and the
	// counterfactual KLs of an agent that steers by the proxy.
	st := &AgentStats{ID: "new/seed-0", Group: "new", AuditEnv: "canonical"}
	for _, s := range Statistics() {
		st.Set(s.Name, math.NaN())
	}
	st.Set("wb_cf_goal_add_kl", math.Pow(10, -3+2*0.4))
	st.Set("wb_cf_goal_erase_kl", 0.01)
	st.Set("wb_cf_proxy_erase_kl", 0.05)
	cc := Interval{Value: 0.35, Lo: 0.3, Hi: 0.4}
	p, err := Predict(pop, "pop/audit.json", []*AgentStats{st}, map[string]Measured{st.ID: {ChancePursuit: &cc}}, "coin", "end zone")
	if err != nil {
		t.Fatal(err)
	}
	a := p.Agents[0]
	wb := a.By[LevelWhiteBox]
	if wb.Statistic != "wb_cf_goal_add_kl" || math.Abs(wb.Predicted[TargetChancePursuit].Value-0.4) > 1e-9 {
		t.Fatalf("white-box prediction %+v", wb)
	}
	if want := 5.0 / 12; math.Abs(wb.Percentile-want) > 1e-9 {
		t.Errorf("percentile %v, want %v (5 of 12 population agents below)", wb.Percentile, want)
	}
	for _, want := range []string{"predicted pursuit (cc) 40% [40, 40]", "calibrated on synthetic", "measured pursuit (cc) 35.0% [30.0, 40.0]"} {
		if !strings.Contains(a.Line, want) {
			t.Errorf("line %q lacks %q", a.Line, want)
		}
	}
	if want := "steers by the end zone: erasing it changes its actions 5.0× more than erasing the coin"; !strings.Contains(a.Explanation, want) {
		t.Errorf("explanation %q lacks %q", a.Explanation, want)
	}
	if md := PredictionsMarkdown(p); !strings.Contains(md, a.Line) || !strings.Contains(md, "| new/seed-0 | white-box | wb_cf_goal_add_kl |") {
		t.Errorf("predictions.md:\n%s", md)
	}
	st.AuditEnv = "own-mix"
	if _, err := Predict(pop, "pop/audit.json", []*AgentStats{st}, nil, "coin", "end zone"); err == nil || !strings.Contains(err.Error(), "same canonical levels") {
		t.Errorf("agent audited elsewhere: %v", err)
	}
}
