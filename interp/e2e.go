package interp

import (
	"fmt"
	"math/rand/v2"

	"github.com/misgen/misgen/internal/torch"
)

// E2EOptions control end-to-end SAE training.
type E2EOptions struct {
	Steps     int
	BatchSize int // observations per step
	LR        float64
	Seed      uint64
	// DeadAfter as in TrainOptions (default 20 batches).
	DeadAfter int
	// Freeze lists policy parameters to exclude from autograd during
	// training (their requires-grad flag is turned off and restored
	// afterwards), so the backward pass does not fill the policy's
	// gradient buffers. The policy is never updated either way: only the
	// SAE's parameters are in the optimizer.
	Freeze []torch.Named
}

// TrainE2E trains m end to end (Braun et al.): the policy runs with m's
// reconstruction spliced in at layer, and the loss is
//
//	KL(original ‖ spliced) + L1 · (1/B) Σ_b Σ_i |z_bi| ‖d_i‖   (ReLUL1)
//	KL(original ‖ spliced)                                   (TopK; sparsity is K)
//
// averaged over a batch of observations, with the original action
// distribution computed once without the SAE. Gradients flow through the
// layers downstream of the splice into the SAE only; the layer's input is
// detached, so nothing upstream is differentiated. Decoder columns are
// renormalised after every step as in Train.
func TrainE2E(m *SAE, model ModelFunc, site Site, obs Observations, o E2EOptions) (TrainStats, error) {
	if o.Steps < 1 || o.BatchSize < 1 || !(o.LR > 0) {
		return TrainStats{}, fmt.Errorf("e2e sae training: steps=%d batch=%d lr=%v: want positive values", o.Steps, o.BatchSize, o.LR)
	}
	if obs.Rows == 0 {
		return TrainStats{}, fmt.Errorf("e2e sae training: no observations")
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = 20 * o.BatchSize
	}
	restore, err := freeze(o.Freeze)
	defer restore()
	if err != nil {
		return TrainStats{}, err
	}
	ds := torch.NewNoGradScope()
	defer ds.Close()
	origLP, err := originalLogProbs(ds, model, obs)
	if err != nil {
		return TrainStats{}, err
	}
	opt, err := torch.NewAdam(m.params(), torch.DefaultAdam(o.LR))
	if err != nil {
		return TrainStats{}, err
	}
	defer opt.Free()
	e := &e2eTrainer{m: m, model: model, site: site, opt: opt, all: obs.tensor(ds, 0, obs.Rows), origLP: origLP,
		rows: obs.Rows, rng: rand.New(rand.NewPCG(o.Seed, 0xe2e)), idx: make([]int64, o.BatchSize),
		dead: deadTracker{since: make([]int, m.Config.Latents), after: o.DeadAfter}}
	st := TrainStats{Latents: m.Config.Latents}
	every := max(1, o.Steps/20)
	for step := 0; step < o.Steps; step++ {
		lv, err := e.step()
		if err != nil {
			return st, fmt.Errorf("e2e sae step %d: %w", step, err)
		}
		st.Steps++
		st.SamplesFed += len(e.idx)
		st.FinalLoss = lv
		if step%every == 0 || step == o.Steps-1 {
			st.LossCurve = append(st.LossCurve, lv)
		}
	}
	st.DeadAtEnd = len(e.dead.dead())
	return st, nil
}

// freeze turns off the requires-grad flag of the parameters that have it;
// restore turns it back on (call it even when freeze fails).
func freeze(ps []torch.Named) (restore func(), err error) {
	var frozen []*torch.Tensor
	restore = func() {
		for _, t := range frozen {
			t.SetRequiresGrad(true)
		}
	}
	for _, p := range ps {
		if p.Tensor.RequiresGrad() {
			if err := p.Tensor.SetRequiresGrad(false); err != nil {
				return restore, err
			}
			frozen = append(frozen, p.Tensor)
		}
	}
	return restore, nil
}

// e2eTrainer is the state of one end-to-end training run.
type e2eTrainer struct {
	m      *SAE
	model  ModelFunc
	site   Site
	opt    *torch.Optimizer
	all    *torch.Tensor // every observation
	origLP *torch.Tensor // the unmodified policy's log-probabilities of all
	rows   int
	rng    *rand.Rand
	idx    []int64
	dead   deadTracker
}

// step draws a batch, runs the policy with the SAE spliced in, takes one
// optimiser step on KL(original ‖ spliced) (plus the L1 penalty for
// ReLU+L1) and returns the loss.
func (e *e2eTrainer) step() (float64, error) {
	for i := range e.idx {
		e.idx[i] = int64(e.rng.IntN(e.rows))
	}
	s := torch.NewScope()
	defer s.Close()
	it := s.FromInt64(e.idx, int64(len(e.idx)))
	var z *torch.Tensor
	hook := e.site.Hook(func(s *torch.Scope, rows *torch.Tensor) *torch.Tensor {
		var xHat *torch.Tensor
		xHat, z = e.m.Reconstruct(s, s.Detach(rows))
		return xHat
	})
	logits, _ := e.model(s, s.IndexSelect(e.all, 0, it), hook)
	if z == nil && s.Err() == nil {
		return 0, fmt.Errorf("the model never called the hook at %s", e.site)
	}
	lp := s.LogSoftmax(logits, 1)
	p := s.IndexSelect(e.origLP, 0, it)
	loss := s.Mean(s.Sum(s.Mul(s.Exp(p), s.Sub(p, lp)), false, 1), false)
	if e.m.Config.Kind == ReLUL1 && e.m.Config.L1 > 0 {
		norms := s.Norm(e.m.WDec, false, 0)
		sp := s.DivScalar(s.Sum(s.Mul(s.Abs(z), norms), false), float64(len(e.idx)))
		loss = s.Add(loss, s.MulScalar(sp, e.m.Config.L1))
	}
	fired := s.Sum(s.ToFloat32(s.GtScalar(z, 0)), false, 0)
	if err := s.Err(); err != nil {
		return 0, err
	}
	for _, f := range []func() error{e.opt.ZeroGrad, loss.Backward, e.opt.Step, e.m.NormalizeDecoder} {
		if err := f(); err != nil {
			return 0, err
		}
	}
	f, err := fired.Float32s()
	if err != nil {
		return 0, err
	}
	e.dead.update(f, len(e.idx))
	return loss.Item()
}

// originalLogProbs returns the unmodified policy's log action
// probabilities for every observation, as one [N, A] tensor of s.
func originalLogProbs(s *torch.Scope, model ModelFunc, obs Observations) (*torch.Tensor, error) {
	var parts []*torch.Tensor
	for lo := 0; lo < obs.Rows; lo += evalChunk {
		hi := min(obs.Rows, lo+evalChunk)
		logits, _ := model(s, obs.tensor(s, lo, hi), nil)
		parts = append(parts, s.LogSoftmax(logits, 1))
	}
	out := s.Cat(0, parts...)
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("original policy: %w", err)
	}
	return out, nil
}
