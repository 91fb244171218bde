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
	for _, p := range o.Freeze {
		if p.Tensor.RequiresGrad() {
			if err := p.Tensor.SetRequiresGrad(false); err != nil {
				return TrainStats{}, err
			}
			defer p.Tensor.SetRequiresGrad(true)
		}
	}
	ds := torch.NewNoGradScope()
	defer ds.Close()
	all := obs.tensor(ds, 0, obs.Rows)
	origLP, err := originalLogProbs(ds, model, obs)
	if err != nil {
		return TrainStats{}, err
	}
	opt, err := torch.NewAdam(m.params(), torch.DefaultAdam(o.LR))
	if err != nil {
		return TrainStats{}, err
	}
	defer opt.Free()
	rng := rand.New(rand.NewPCG(o.Seed, 0xe2e))
	dead := deadTracker{since: make([]int, m.Config.Latents), after: o.DeadAfter}
	st := TrainStats{Latents: m.Config.Latents}
	idx := make([]int64, o.BatchSize)
	every := max(1, o.Steps/20)
	for step := 0; step < o.Steps; step++ {
		for i := range idx {
			idx[i] = int64(rng.IntN(obs.Rows))
		}
		s := torch.NewScope()
		it := s.FromInt64(idx, int64(len(idx)))
		x := s.IndexSelect(all, 0, it)
		var z *torch.Tensor
		hook := site.Hook(func(s *torch.Scope, rows *torch.Tensor) *torch.Tensor {
			var xHat *torch.Tensor
			xHat, z = m.Reconstruct(s, s.Detach(rows))
			return xHat
		})
		logits, _ := model(s, x, hook)
		if z == nil && s.Err() == nil {
			s.Close()
			return st, fmt.Errorf("e2e sae training: the model never called the hook at %s", site)
		}
		lp := s.LogSoftmax(logits, 1)
		p := s.IndexSelect(origLP, 0, it)
		loss := s.Mean(s.Sum(s.Mul(s.Exp(p), s.Sub(p, lp)), false, 1), false)
		if m.Config.Kind == ReLUL1 && m.Config.L1 > 0 {
			norms := s.Norm(m.WDec, false, 0)
			sp := s.DivScalar(s.Sum(s.Mul(s.Abs(z), norms), false), float64(len(idx)))
			loss = s.Add(loss, s.MulScalar(sp, m.Config.L1))
		}
		fired := s.Sum(s.ToFloat32(s.GtScalar(z, 0)), false, 0)
		err := s.Err()
		if err == nil {
			err = opt.ZeroGrad()
		}
		if err == nil {
			err = loss.Backward()
		}
		if err == nil {
			err = opt.Step()
		}
		if err == nil {
			err = m.NormalizeDecoder()
		}
		var f []float32
		var lv float64
		if err == nil {
			f, err = fired.Float32s()
		}
		if err == nil {
			lv, err = loss.Item()
		}
		s.Close()
		if err != nil {
			return st, fmt.Errorf("e2e sae step %d: %w", step, err)
		}
		dead.update(f, len(idx))
		st.Steps++
		st.SamplesFed += len(idx)
		st.FinalLoss = lv
		if step%every == 0 || step == o.Steps-1 {
			st.LossCurve = append(st.LossCurve, lv)
		}
	}
	st.DeadAtEnd = len(dead.dead())
	return st, nil
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
