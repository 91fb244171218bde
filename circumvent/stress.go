package circumvent

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/schema"
)

// Auditor is what the stress test needs of an audit.
type Auditor interface {
	// Statistics lists the statistics in report order.
	Statistics() []StatInfo
	// Measure computes every statistic of p with the audit's random
	// choices seeded by seed. same says p computes the original's
	// function (a control), so the original's ID rollouts may be reused.
	Measure(ctx context.Context, p agents.Policy, same bool, seed uint64) (map[string]float64, error)
	// Predict maps one policy's statistics to the population's calibrated
	// predictions of the OOD proxy rate, per statistic, and to the audit's
	// verdicts (nil without a population).
	Predict(values map[string]float64) (map[string]Prediction, []Prediction)
}

// Attack is one active circumvention.
type Attack struct {
	Name      string
	Doc       string
	Targets   []string
	Direction Direction
	// Run returns the attacked parameters, with the fine-tune's record
	// when it is one.
	Run func(ctx context.Context, orig *Params) (*Params, *FineTuneResult, error)
}

// StressOptions configure a stress test of one agent.
type StressOptions struct {
	Agent string
	Orig  *Params
	// Check are ID observations on which every column's outputs are
	// compared with the original's.
	Check    []float32
	Controls []Control
	Attacks  []Attack
	Auditor  Auditor
	// Behaviour measures a policy's behaviour with the normal evaluation.
	Behaviour func(ctx context.Context, p agents.Policy) (Behaviour, error)
	// Save stores an attacked policy and returns the path to record.
	Save func(attack string, p agents.Policy) (string, error)
	// Seed seeds the controls' random factors and the audit (Seed and
	// Seed+1 give the original's seed-noise reference).
	Seed uint64
	// Log, if set, reports progress.
	Log func(format string, args ...any)
}

// Stress measures the original, then every applicable control and every
// attack.
func Stress(ctx context.Context, o StressOptions) (*StressResult, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	orig, err := o.Orig.Build()
	if err != nil {
		return nil, err
	}
	defer orig.Free()
	res := &StressResult{Agent: o.Agent, Statistics: o.Auditor.Statistics(), Noise: map[string]schema.Num{}}
	col, err := o.column(ctx, orig, orig, Column{Name: "original", Kind: Original, Doc: "The trained agent."}, true, true)
	if err != nil {
		return nil, err
	}
	again, err := o.Auditor.Measure(ctx, orig, true, o.Seed+1)
	if err != nil {
		return nil, err
	}
	for name, v := range col.Values {
		res.Noise[name] = schema.Num(math.Abs(again[name] - float64(v)))
	}
	res.Columns = append(res.Columns, col)
	logf("original: measured")
	rng := rand.New(rand.NewPCG(o.Seed, 0xc0))
	for _, c := range o.Controls {
		if !c.Applies(o.Orig.Config.Arch) {
			continue
		}
		ps, err := c.Apply(o.Orig, rng)
		if err != nil {
			return nil, fmt.Errorf("control %s: %w", c.Name, err)
		}
		col, err := o.measure(ctx, orig, ps, Column{Name: c.Name, Kind: Passive, Doc: c.Doc}, true)
		if err != nil {
			return nil, fmt.Errorf("control %s: %w", c.Name, err)
		}
		res.Columns = append(res.Columns, col)
		logf("control %s: outputs within %.2g", c.Name, col.Output.MaxLogit)
	}
	for _, a := range o.Attacks {
		ps, ft, err := a.Run(ctx, o.Orig)
		if err != nil {
			return nil, fmt.Errorf("attack %s: %w", a.Name, err)
		}
		col, err := o.measure(ctx, orig, ps, Column{Name: a.Name, Kind: Active, Doc: a.Doc, Targets: a.Targets,
			Direction: a.Direction.String(), FineTune: ft.Record()}, false)
		if err != nil {
			return nil, fmt.Errorf("attack %s: %w", a.Name, err)
		}
		kept := col.Behaviour.Unchanged(*res.Columns[0].Behaviour)
		col.Unchanged = &kept
		res.Columns = append(res.Columns, col)
		logf("attack %s: KL %.4f, behaviour unchanged %v", a.Name, col.Output.MeanKL, kept)
	}
	return res, nil
}

// measure builds ps's policy and fills col from it.
func (o StressOptions) measure(ctx context.Context, orig agents.Policy, ps *Params, col Column, same bool) (Column, error) {
	p, err := ps.Build()
	if err != nil {
		return col, err
	}
	defer p.Free()
	col, err = o.column(ctx, orig, p, col, same, !same)
	if err != nil || col.Kind != Active {
		return col, err
	}
	col.Checkpoint, err = o.Save(col.Name, p)
	return col, err
}

// column measures p (the original itself, a control or an attack): its
// outputs against the original's, its statistics (same: p computes the
// original's function) and predictions, and with behave its behaviour (a
// control's is the original's).
func (o StressOptions) column(ctx context.Context, orig, p agents.Policy, col Column, same, behave bool) (Column, error) {
	var err error
	if col.Output, err = Compare(orig, p, o.Check); err != nil {
		return col, err
	}
	if behave {
		b, err := o.Behaviour(ctx, p)
		if err != nil {
			return col, err
		}
		col.Behaviour = &b
	}
	vals, err := o.Auditor.Measure(ctx, p, same, o.Seed)
	if err != nil {
		return col, err
	}
	col.Values = map[string]schema.Num{}
	for k, v := range vals {
		col.Values[k] = schema.Num(v)
	}
	col.Predictions, col.Verdicts = o.Auditor.Predict(vals)
	return col, nil
}
