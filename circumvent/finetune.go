package circumvent

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// Penalty is a differentiable surrogate of one audit statistic: the
// quantity an attack minimises (its sign says which way the statistic is
// pushed).
type Penalty struct {
	Name string
	Doc  string
	// Loss returns a scalar tensor of s, recorded by autograd through p's
	// parameters, on a minibatch the penalty draws with rng from its own
	// fitting data.
	Loss func(s *torch.Scope, p agents.Policy, rng *rand.Rand) *torch.Tensor
	// Value is the penalty on the penalty's held-out check data, without
	// autograd: what the fine-tune's checks compare.
	Value func(p agents.Policy) (float64, error)
}

// FineTuneOptions configure an attack by fine-tuning.
type FineTuneOptions struct {
	// Fit and Check are in-distribution observations (n·C·H·W values each,
	// disjoint): Fit drives the distillation, Check the KL constraint.
	Fit, Check []float32
	Penalty    Penalty
	// Lambda is the penalty's initial weight; it is halved whenever a
	// check finds the KL above Tolerance.
	Lambda float64
	// Tolerance is the largest mean KL(original ‖ new) over Check (nats)
	// a returned policy may have.
	Tolerance float64
	// ValueWeight weighs the value drift, mean (v − v₀)² / var(v₀) over the
	// minibatch, so the critic (which black-box statistics read) stays
	// the original's; default 1.
	ValueWeight float64
	Steps       int     // optimiser steps (default 500)
	Batch       int     // distillation minibatch (default 256)
	CheckEvery  int     // steps between checks (default 25)
	LR          float64 // Adam step size (default 1e-3)
	MaxGradNorm float64 // gradient-norm clip (default 1)
	Seed        uint64
	// Stop, if set, ends the fine-tune at the first accepted check whose
	// penalty it accepts (an attack that has reached its target goes no
	// further than it must).
	Stop func(penalty float64) bool
}

func (o FineTuneOptions) withDefaults() FineTuneOptions {
	if o.ValueWeight == 0 {
		o.ValueWeight = 1
	}
	if o.Steps <= 0 {
		o.Steps = 500
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = 25
	}
	if o.LR <= 0 {
		o.LR = 1e-3
	}
	if o.MaxGradNorm <= 0 {
		o.MaxGradNorm = 1
	}
	return o
}

// FineTuneResult is an attack's outcome. Params are the accepted
// parameters with the lowest penalty (the original's when no check
// improved on it), so KL ≤ Tolerance on Check by construction.
type FineTuneResult struct {
	Params *Params `json:"-"`
	schema.FineTuneRecord
}

// Record is r's optimisation record (nil for a nil r).
func (r *FineTuneResult) Record() *schema.FineTuneRecord {
	if r == nil {
		return nil
	}
	return &r.FineTuneRecord
}

// FineTune distils the policy orig (held fixed) into a copy that also
// minimises o.Penalty: loss = KL(orig ‖ new) + ValueWeight · value drift
// + λ · penalty on Fit minibatches, with Adam. Every CheckEvery steps the
// mean KL over Check is measured: within Tolerance the parameters are
// accepted (and kept if their penalty is the lowest so far); above it they
// are rolled back to the last accepted ones, λ is halved and Adam
// restarted.
func FineTune(ctx context.Context, orig *Params, o FineTuneOptions) (*FineTuneResult, error) {
	o = o.withDefaults()
	if err := o.validate(orig.IO); err != nil {
		return nil, err
	}
	teacher, err := orig.Build()
	if err != nil {
		return nil, err
	}
	defer teacher.Free()
	ft, err := newTuner(teacher, orig, o)
	if err != nil {
		return nil, err
	}
	defer ft.free()
	for step := 1; step <= o.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := ft.step(); err != nil {
			return nil, fmt.Errorf("circumvent: fine-tune step %d: %w", step, err)
		}
		if step%o.CheckEvery == 0 || step == o.Steps {
			if err := ft.check(step); err != nil {
				return nil, err
			}
			if ft.done {
				break
			}
		}
	}
	return &ft.res, nil
}

func (o FineTuneOptions) validate(io agents.PolicyIO) error {
	size := io.ObsSize()
	switch {
	case len(o.Fit) == 0 || len(o.Fit)%size != 0 || len(o.Check) == 0 || len(o.Check)%size != 0:
		return fmt.Errorf("circumvent: fine-tune needs fit and check observations of %d values each (%d, %d given)", size, len(o.Fit), len(o.Check))
	case o.Penalty.Loss == nil || o.Penalty.Value == nil:
		return fmt.Errorf("circumvent: fine-tune without a penalty")
	case !(o.Tolerance > 0) || !(o.Lambda >= 0):
		return fmt.Errorf("circumvent: fine-tune tolerance %v and λ %v: want a positive tolerance and λ ≥ 0", o.Tolerance, o.Lambda)
	}
	return nil
}

// tuner is one fine-tune's live state.
type tuner struct {
	o        FineTuneOptions
	teacher  agents.Policy
	student  agents.Policy
	opt      *torch.Optimizer
	rng      *rand.Rand
	logits   []float32 // teacher logits on Fit
	values   []float32 // teacher values on Fit
	valueVar float64
	lambda   float64
	lastGood *Params
	res      FineTuneResult
	done     bool // Stop accepted the last check
}

func newTuner(teacher agents.Policy, orig *Params, o FineTuneOptions) (*tuner, error) {
	out, err := Forward(teacher, o.Fit)
	if err != nil {
		return nil, err
	}
	t := &tuner{o: o, teacher: teacher, rng: rand.New(rand.NewPCG(o.Seed, 0xf17e)), logits: out.Logits, values: out.Values,
		valueVar: math.Max(stats.PopVariance(stats.Float64s(out.Values)), 1e-6), lambda: o.Lambda, lastGood: orig.Clone()}
	if t.student, err = orig.Build(); err != nil {
		return nil, err
	}
	if err := t.restartAdam(); err != nil {
		t.free()
		return nil, err
	}
	pen, err := o.Penalty.Value(t.student)
	if err != nil {
		t.free()
		return nil, err
	}
	t.res = FineTuneResult{Params: orig.Clone(), FineTuneRecord: schema.FineTuneRecord{PenaltyBefore: pen, PenaltyAfter: pen}}
	return t, nil
}

func (t *tuner) free() {
	if t.opt != nil {
		t.opt.Free()
	}
	if t.student != nil {
		t.student.Free()
	}
}

func (t *tuner) restartAdam() error {
	if t.opt != nil {
		t.opt.Free()
	}
	var err error
	t.opt, err = torch.NewAdam(agents.ParamTensors(t.student), torch.DefaultAdam(t.o.LR))
	return err
}

// step takes one optimiser step on a Fit minibatch.
func (t *tuner) step() error {
	io := t.student.IO()
	size, na := io.ObsSize(), io.NumActions
	n := len(t.values)
	b := min(t.o.Batch, n)
	obs := make([]float32, 0, b*size)
	logits := make([]float32, 0, b*na)
	values := make([]float32, 0, b)
	for range b {
		i := t.rng.IntN(n)
		obs = append(obs, t.o.Fit[i*size:(i+1)*size]...)
		logits = append(logits, t.logits[i*na:(i+1)*na]...)
		values = append(values, t.values[i])
	}
	s := torch.NewScope()
	defer s.Close()
	sh := io.ObsShape
	x := s.FromFloat32(obs, int64(b), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	studentLogits, studentValues := t.student.Forward(s, x, nil)
	kl := interp.KLDiv(s, s.FromFloat32(logits, int64(b), int64(na)), studentLogits)
	drift := s.DivScalar(s.Mean(s.Square(s.Sub(studentValues, s.FromFloat32(values, int64(b)))), false), t.valueVar)
	loss := s.Add(kl, s.MulScalar(drift, t.o.ValueWeight))
	if t.lambda > 0 {
		loss = s.Add(loss, s.MulScalar(t.o.Penalty.Loss(s, t.student, t.rng), t.lambda))
	}
	if err := s.Err(); err != nil {
		return err
	}
	if err := t.opt.ZeroGrad(); err != nil {
		return err
	}
	if err := loss.Backward(); err != nil {
		return err
	}
	if _, err := t.opt.ClipGradNorm(t.o.MaxGradNorm); err != nil {
		return err
	}
	return t.opt.Step()
}

// check measures the KL on Check and accepts or rolls back.
func (t *tuner) check(step int) error {
	d, err := Compare(t.teacher, t.student, t.o.Check)
	if err != nil {
		return err
	}
	c := Check{Step: step, KL: d.MeanKL, Lambda: t.lambda, Penalty: schema.Num(math.NaN())}
	if d.MeanKL <= t.o.Tolerance {
		c.Accepted = true
		pen, err := t.o.Penalty.Value(t.student)
		if err != nil {
			return err
		}
		c.Penalty = schema.Num(pen)
		if t.lastGood, err = Snapshot(t.student); err != nil {
			return err
		}
		if pen < t.res.PenaltyAfter {
			t.res.Params, t.res.PenaltyAfter, t.res.KL, t.res.BestStep = t.lastGood.Clone(), pen, d.MeanKL, step
		}
		t.done = t.o.Stop != nil && t.o.Stop(pen)
	} else {
		t.res.Rollbacks++
		t.lambda /= 2
		if err := t.lastGood.LoadInto(t.student); err != nil {
			return err
		}
		if err := t.restartAdam(); err != nil {
			return err
		}
	}
	t.res.Trace = append(t.res.Trace, c)
	return nil
}
