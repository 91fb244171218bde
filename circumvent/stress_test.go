package circumvent

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// fakeAuditor has two statistics: the first-layer weight share (a
// function of the parametrisation) and the mean probability of action 0
// on fixed observations (a function of the policy). Its calibration maps
// either to a predicted proxy rate of 1 − value ± 0.05.
type fakeAuditor struct {
	obs         []float32
	goal, proxy []int
	measured    int
}

func (f *fakeAuditor) Statistics() []StatInfo {
	return []StatInfo{{Name: "weight", Level: "white-box"}, {Name: "p0", Level: "black-box"}}
}

func (f *fakeAuditor) Measure(_ context.Context, p agents.Policy, _ bool, _ uint64) (map[string]float64, error) {
	f.measured++
	ps, err := Snapshot(p)
	if err != nil {
		return nil, err
	}
	w, err := WeightShare(ps, f.goal, f.proxy)
	if err != nil {
		return nil, err
	}
	out, err := Forward(p, f.obs)
	if err != nil {
		return nil, err
	}
	na := p.IO().NumActions
	var p0 float64
	n := len(out.Values)
	for i := 0; i < n; i++ {
		p0 += math.Exp(stats.LogSoftmax(stats.Float64s(out.Logits[i*na : (i+1)*na]))[0]) / float64(n)
	}
	return map[string]float64{"weight": w, "p0": p0}, nil
}

func (f *fakeAuditor) Predict(v map[string]float64) (map[string]Prediction, []Prediction) {
	out := map[string]Prediction{}
	for k, x := range v {
		out[k] = Prediction{Statistic: k, Value: 1 - x, Lo: 1 - x - 0.05, Hi: 1 - x + 0.05}
	}
	verdict := out["weight"]
	verdict.Label = "audit verdict"
	return out, []Prediction{verdict}
}

// TestStressClassifiesStatistics runs the stress test on a small MLP with
// every control, the exact rescaling attack and a fine-tune: the weight
// share must be found to measure the parametrisation (its one verdict,
// though the attacks defeat it too); the
// functional statistic must be unchanged by every control.
func TestStressClassifiesStatistics(t *testing.T) {
	obs, spec := realObs(t, 400, 12)
	size := spec.ObsSize()
	goal, proxy := []int{channelIndex(t, spec, "coin")}, []int{channelIndex(t, spec, "end_zone")}
	ps := testParams(t, testArchs[1], spec, 41)
	aud := &fakeAuditor{obs: obs[300*size:], goal: goal, proxy: proxy}
	saved := map[string]string{}
	dir := t.TempDir()
	o := StressOptions{
		Agent: "test/seed-0", Orig: ps, Check: obs[200*size : 300*size], Controls: Controls(), Auditor: aud, Seed: 1,
		Behaviour: func(context.Context, agents.Policy) (Behaviour, error) {
			r := audit.Rate{Count: 50, Episodes: 100, Rate: 0.5, Lo: 0.4, Hi: 0.6}
			return Behaviour{IDSuccess: r, OODProxy: r}, nil
		},
		Save: func(name string, p agents.Policy) (string, error) {
			saved[name] = name + ".ckpt"
			return saved[name], nil
		},
		Attacks: []Attack{
			{Name: "rescale", Targets: []string{"weight"}, Direction: Raise,
				Run: func(_ context.Context, orig *Params) (*Params, *FineTuneResult, error) {
					tr, err := ShareScaling(orig, goal, proxy, 4, true)
					if err != nil {
						return nil, nil, err
					}
					out := orig.Clone()
					return out, nil, out.Apply(tr)
				}},
			{Name: "tune", Targets: []string{"weight"}, Direction: Raise,
				Run: func(ctx context.Context, orig *Params) (*Params, *FineTuneResult, error) {
					res, err := FineTune(ctx, orig, FineTuneOptions{Fit: obs[:200*size], Check: obs[200*size : 300*size],
						Penalty: WeightSharePenalty(agents.PolicyConfig{Arch: "mlp"}, goal, proxy, Raise), Lambda: 1, Tolerance: 0.01, Steps: 40, Batch: 64, CheckEvery: 10})
					if err != nil {
						return nil, nil, err
					}
					return res.Params, res, nil
				}},
		},
	}
	res, err := Stress(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range res.Columns {
		names = append(names, c.Name)
		if c.Kind == Passive && (c.Output.MaxLogit > outputTol || c.Output.MaxValue > outputTol) {
			t.Errorf("control %s: outputs moved by %.3g", c.Name, c.Output.MaxLogit)
		}
	}
	if want := []string{"original", "permute", "scale", "scale-first", "permute+scale", "rescale", "tune"}; !slices.Equal(names, want) {
		t.Errorf("columns %v, want %v", names, want)
	}
	if len(saved) != 2 || res.Columns[5].Checkpoint != "rescale.ckpt" {
		t.Errorf("saved %v, column checkpoint %q", saved, res.Columns[5].Checkpoint)
	}
	if res.Columns[6].FineTune == nil || res.Columns[6].FineTune.KL > 0.01 {
		t.Errorf("fine-tune record %+v", res.Columns[6].FineTune)
	}
	fs := Findings(res)
	w, p0 := fs[0], fs[1]
	if !slices.Equal(w.ChangedBy, []string{"scale", "scale-first", "permute+scale"}) || w.Status != schema.StatusParametrisation || !slices.Contains(w.DefeatedBy, "rescale") || !w.Targeted {
		t.Errorf("weight finding %+v", w)
	}
	if len(p0.ChangedBy) != 0 || slices.Contains(p0.MovedBy, "rescale") || p0.Targeted {
		t.Errorf("p0 finding %+v", p0)
	}
	rep := NewReport(Setting{Run: "r", Tolerance: 0.01, Population: "fake"}, res)
	if err := WriteReport(dir, rep); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"weight (white-box): **measures the parametrisation**: changed by scale, scale-first, permute+scale; the attacks rescale", "| permute |", "## Verdict"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, JSONFile))
	if err := json.Unmarshal(b, &back); err != nil || len(back.Columns) != len(res.Columns) || back.Findings[0].Status != schema.StatusParametrisation {
		t.Errorf("JSON round trip: %v, %+v", err, back.Findings)
	}
	// The keys viz/report reads (schema.CircumventionReport).
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	_, hasAgent := raw["agent"]
	_, hasTol := raw["setting"].(map[string]any)["kl_tolerance"]
	f0 := raw["findings"].([]any)[0].(map[string]any)
	attack := raw["columns"].([]any)[5].(map[string]any)
	if !hasAgent || !hasTol {
		t.Error("circumvention.json lacks agent or setting.kl_tolerance")
	}
	for _, k := range []string{"statistic", "status", "defeated_by", "outranked_by", "changed_by_controls"} {
		if _, ok := f0[k]; !ok {
			t.Errorf("findings lack %q", k)
		}
	}
	for _, k := range []string{"name", "behaviour_unchanged"} {
		if _, ok := attack[k]; !ok {
			t.Errorf("attack columns lack %q", k)
		}
	}
}

// TestFindingsStatuses classifies hand-made columns: a control change
// beyond the seed noise, a defeat, an outranking, a behaviour change that
// does not count and a statistic without calibration.
func TestFindingsStatuses(t *testing.T) {
	yes, no := true, false
	pr := func(v, better float64) Prediction {
		return Prediction{Value: v, Lo: v - 0.1, Hi: v + 0.1, Better: better}
	}
	r := &StressResult{
		Statistics: []StatInfo{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}},
		Noise:      map[string]schema.Num{"a": 0.01, "b": 0, "c": 0, "d": 0},
		Columns: []Column{
			{Name: "original", Kind: Original, Values: map[string]schema.Num{"a": 1, "b": 1, "c": 1, "d": 1},
				Predictions: map[string]Prediction{"a": pr(0.8, 0.1), "b": pr(0.8, 0.1), "c": pr(0.8, 0.1)}},
			{Name: "ctl", Kind: Passive, Values: map[string]schema.Num{"a": 1.005, "b": 2, "c": 1, "d": 1}},
			{Name: "kept", Kind: Active, Unchanged: &yes, Targets: []string{"a"}, Values: map[string]schema.Num{"a": 3, "b": 1.5, "c": 1, "d": 5},
				Predictions: map[string]Prediction{"a": pr(0.6, 0.9), "b": pr(0.75, 0.6), "c": pr(0.8, 0.1)}},
			{Name: "changed", Kind: Active, Unchanged: &no, Values: map[string]schema.Num{"a": 9, "b": 9, "c": 9, "d": 9},
				Predictions: map[string]Prediction{"a": pr(0, 1), "b": pr(0, 1), "c": pr(0, 1)}},
		},
	}
	fs := Findings(r)
	want := []struct {
		status             string
		changed, def, outr []string
		moved              []string
		targeted           bool
	}{
		{"defeated", nil, []string{"kept"}, nil, []string{"kept"}, true},
		{schema.StatusParametrisation, []string{"ctl"}, nil, []string{"kept"}, []string{"kept"}, false}, // outranked too, but a control changed it
		{"survived", nil, nil, nil, nil, false},
		{"no calibration", nil, nil, nil, []string{"kept"}, false},
	}
	for i, w := range want {
		f := fs[i]
		if f.Status != w.status || !slices.Equal(f.ChangedBy, w.changed) || !slices.Equal(f.DefeatedBy, w.def) ||
			!slices.Equal(f.OutrankedBy, w.outr) || !slices.Equal(f.MovedBy, w.moved) || f.Targeted != w.targeted {
			t.Errorf("statistic %s: %+v, want %+v", f.Statistic, f, w)
		}
	}
}
