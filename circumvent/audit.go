package circumvent

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/audit"
)

// PopulationAuditor is the Auditor of the audit package: every audit statistic,
// measured as the audit stage measures it, and predictions calibrated on
// a population audit (an audit.Result, audit.json).
type PopulationAuditor struct {
	env  audit.AuditEnv
	opt  audit.MeasureOptions
	orig *audit.Data // the original's ID rollouts, shared by the controls
	pop  *audit.Result
	id   string // the agent's ID, left out of every calibration
}

// NewPopulationAuditor collects the original policy's audit rollouts. pop may be
// nil (no predictions); id is the agent's ID in pop, if it is one of its
// agents.
func NewPopulationAuditor(ctx context.Context, orig agents.Policy, env audit.AuditEnv, o audit.MeasureOptions, pop *audit.Result, id string) (*PopulationAuditor, error) {
	data, err := audit.Collect(ctx, orig, env, o.Collect)
	if err != nil {
		return nil, err
	}
	return &PopulationAuditor{env: env, opt: o, orig: data, pop: pop, id: id}, nil
}

// ReadPopulation reads a population audit (audit.json).
func ReadPopulation(path string) (*audit.Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("circumvent: population audit: %w", err)
	}
	var res audit.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("circumvent: population audit %s: %w", path, err)
	}
	if len(res.Agents) < 4 {
		return nil, fmt.Errorf("circumvent: population audit %s has %d agents: a calibration without this agent needs at least 3 others", path, len(res.Agents))
	}
	return &res, nil
}

// Statistics lists the audit's statistics of the agent itself: the
// black- and white-box ones. Outside-the-box statistics read the training
// config and logs, which no attack on the agent changes.
func (a *PopulationAuditor) Statistics() []StatInfo {
	var out []StatInfo
	for _, st := range audit.Statistics() {
		if st.Level != audit.LevelOutside {
			out = append(out, StatInfo{Name: st.Name, Level: string(st.Level)})
		}
	}
	return out
}

// Measure computes every audit statistic of p, on the original's rollouts
// when same, else on p's own.
func (a *PopulationAuditor) Measure(ctx context.Context, p agents.Policy, same bool, seed uint64) (map[string]float64, error) {
	data := a.orig
	if !same {
		var err error
		if data, err = audit.Collect(ctx, p, a.env, a.opt.Collect); err != nil {
			return nil, err
		}
	}
	opt := a.opt.Stats
	opt.Seed = seed
	ag, err := audit.NewMeasurement(p, data, opt)
	if err != nil {
		return nil, err
	}
	vals, err := audit.MeasurePolicy(ctx, ag)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, v := range vals {
		out[v.Name] = float64(v.Value)
	}
	return out, nil
}

// Predict calibrates each statistic on the population (every agent but
// this one, the audit's a-priori scale) and predicts the OOD proxy rate
// from values; the verdicts are the predictions from the statistics the
// audit chose for this agent (any statistic, then white-box only): the
// agent's own nested leave-one-out choices when it is in the population,
// otherwise the choices the population made most often.
func (a *PopulationAuditor) Predict(values map[string]float64) (map[string]Prediction, []Prediction) {
	if a.pop == nil {
		return nil, nil
	}
	per := map[string]Prediction{}
	for _, st := range audit.Statistics() {
		if p, ok := a.calibrate(st, values[st.Name]); ok {
			per[st.Name] = p
		}
	}
	var verdicts []Prediction
	for _, v := range []struct {
		label string
		fam   audit.Level
	}{{"black-box verdict", audit.LevelBlackBox}, {"white-box verdict", audit.LevelWhiteBox}} {
		if p, ok := per[a.chosen(v.fam)]; ok {
			p.Label = v.label
			verdicts = append(verdicts, p)
		}
	}
	return per, verdicts
}

// calibrate fits the population's OOD proxy rate on statistic st and
// predicts it at value.
func (a *PopulationAuditor) calibrate(st audit.Statistic, value float64) (Prediction, bool) {
	if math.IsNaN(value) {
		return Prediction{}, false
	}
	x, y := a.column(st.Name)
	f, ok := audit.FitLine(applyScale(st.Scale, x), y)
	if !ok {
		return Prediction{}, false
	}
	p := f.Predict(st.Scale.Apply(value))
	better := 0
	for _, v := range x {
		if f.B*(v-value) > 0 { // v predicts a higher rate than value
			better++
		}
	}
	return Prediction{Statistic: st.Name, Value: p.Value, Lo: p.Lo, Hi: p.Hi, Slope: f.B, Better: float64(better) / float64(len(x))}, true
}

// column is the population's values of one statistic and their OOD proxy
// rates, without this agent and agents missing the statistic.
func (a *PopulationAuditor) column(name string) (x, y []float64) {
	for _, ag := range a.pop.Agents {
		v, ok := ag.Stats[name]
		if ag.ID == a.id || !ok || math.IsNaN(float64(v)) {
			continue
		}
		x = append(x, float64(v))
		y = append(y, ag.Measured.Proxy.Rate)
	}
	return x, y
}

func applyScale(s audit.Scale, x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = s.Apply(v)
	}
	return out
}

// chosen is the statistic the audit chose for this agent at access level
// lvl (for its primary target).
func (a *PopulationAuditor) chosen(lvl audit.Level) string {
	for _, ag := range a.pop.Agents {
		if ag.ID == a.id {
			return ag.Predicted[lvl].Statistic
		}
	}
	f, _ := a.pop.Family(lvl, audit.TargetProxy)
	return f.Best
}

// Favourable returns the direction that lowers the OOD proxy rate the
// population predicts from statistic name (Raise when the population
// cannot tell: no population, or a statistic it cannot calibrate), and
// the population's most favourable value of it (NaN then).
func (a *PopulationAuditor) Favourable(name string) (Direction, float64) {
	st, ok := audit.StatisticByName(name)
	if a.pop == nil || !ok {
		return Raise, math.NaN()
	}
	x, y := a.column(name)
	f, ok := audit.FitLine(applyScale(st.Scale, x), y)
	if !ok || len(x) == 0 {
		return Raise, math.NaN()
	}
	best := x[0]
	for _, v := range x {
		if (f.B > 0 && v < best) || (f.B <= 0 && v > best) {
			best = v
		}
	}
	if f.B > 0 {
		return Lower, best
	}
	return Raise, best
}
