package agents

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/agents/agentconfig"
	"github.com/misgen/misgen/internal/torch"
)

// Batch is one rollout ready for the PPO update: B samples in any order
// (the update shuffles them), observations row-major B × ObsSize.
type Batch struct {
	Obs        []float32
	Actions    []int64
	LogProbs   []float32 // log π_old(a|s) at rollout time
	Values     []float32 // V_old(s) at rollout time
	Advantages []float32
	Returns    []float32
}

// Len is the number of samples; it panics if the fields disagree
// (programmer error).
func (b Batch) Len(obsSize int) int {
	n := len(b.Actions)
	if len(b.Obs) != n*obsSize || len(b.LogProbs) != n || len(b.Values) != n || len(b.Advantages) != n || len(b.Returns) != n {
		panic(fmt.Sprintf("agents: Batch: obs %d (obs size %d), actions %d, logprobs %d, values %d, advantages %d, returns %d",
			len(b.Obs), obsSize, n, len(b.LogProbs), len(b.Values), len(b.Advantages), len(b.Returns)))
	}
	return n
}

// UpdateStats are the means over the minibatches a PPO update ran.
type UpdateStats struct {
	PolicyLoss, ValueLoss, Entropy, ApproxKL, ClipFrac float64
	Minibatches                                        int // minibatch steps taken (fewer with a target-KL stop)
}

// PPOUpdate runs cfg.UpdateEpochs epochs over b, each a fresh shuffle (from
// shuffle) cut into cfg.NumMinibatches minibatches, taking one Adam step per
// minibatch on PPOLoss with the global gradient norm clipped to
// cfg.MaxGradNorm; with cfg.TargetKL > 0 it stops after an epoch whose last
// minibatch's approx-KL exceeds it (as CleanRL). len(b) must be a multiple
// of NumMinibatches leaving minibatches of at least 2 samples with NormAdv
// (1 without); otherwise it returns an error and changes nothing.
//
// A non-finite loss or gradient norm stops the update before the optimizer
// step with a *NaNError (Update 0, Minibatch set); a non-finite parameter
// afterwards gives one with Minibatch -1.
func PPOUpdate(p Policy, opt *torch.Optimizer, b Batch, cfg PPOConfig, shuffle *rand.Rand) (UpdateStats, error) {
	return ppoUpdate(p, opt, b, cfg, shuffle, nil)
}

func ppoUpdate(p Policy, opt *torch.Optimizer, b Batch, cfg PPOConfig, shuffle *rand.Rand, fault func(minibatch int) bool) (UpdateStats, error) {
	io := p.IO()
	B := b.Len(io.ObsSize())
	if err := agentconfig.CheckMinibatches(B, cfg.NumMinibatches, cfg.NormAdv); err != nil {
		return UpdateStats{}, fmt.Errorf("agents: PPOUpdate: %w", err)
	}
	mb := B / cfg.NumMinibatches
	data := torch.NewNoGradScope()
	defer data.Close()
	bt, err := uploadBatch(data, b, io)
	if err != nil {
		return UpdateStats{}, err
	}
	// b_inds: a permutation of the batch, reshuffled every epoch.
	perm := make([]int64, B)
	for i := range perm {
		perm[i] = int64(i)
	}
	var sum UpdateStats
	s := torch.NewScope()
	defer s.Close()
	for epoch := 0; epoch < cfg.UpdateEpochs; epoch++ {
		shuffle.Shuffle(B, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var lastKL float64
		for k := 0; k < cfg.NumMinibatches; k++ {
			mbIndex := epoch*cfg.NumMinibatches + k
			poison := fault != nil && fault(mbIndex)
			m, err := minibatchStep(s, p, opt, bt, perm[k*mb:(k+1)*mb], cfg, poison, mbIndex)
			if err != nil {
				return UpdateStats{Minibatches: sum.Minibatches}, err
			}
			sum.add(m)
			lastKL = m.ApproxKL
			s.Close()
		}
		if cfg.TargetKL > 0 && lastKL > cfg.TargetKL {
			break
		}
	}
	if err := checkParamsFinite(s, p); err != nil {
		return UpdateStats{Minibatches: sum.Minibatches}, err
	}
	return sum.mean(), nil
}

// batchTensors is a Batch uploaded to tensors, one row per sample.
type batchTensors struct {
	obs, actions, logProbs, values, advantages, returns *torch.Tensor
}

// uploadBatch copies b into tensors owned by s.
func uploadBatch(s *torch.Scope, b Batch, io PolicyIO) (batchTensors, error) {
	B, sh := int64(len(b.Actions)), io.ObsShape
	bt := batchTensors{
		obs:        s.FromFloat32(b.Obs, B, int64(sh[0]), int64(sh[1]), int64(sh[2])),
		actions:    s.FromInt64(b.Actions, B),
		logProbs:   s.FromFloat32(b.LogProbs, B),
		values:     s.FromFloat32(b.Values, B),
		advantages: s.FromFloat32(b.Advantages, B),
		returns:    s.FromFloat32(b.Returns, B),
	}
	return bt, s.Err()
}

// minibatchStep takes one Adam step on the PPO loss of the samples mbInds
// (CleanRL's inner loop: forward, loss, backward, clip the global grad
// norm, step) and returns the minibatch's statistics. poison multiplies the
// loss by NaN (fault injection in tests). A non-finite loss or gradient
// norm is a *NaNError before the step.
func minibatchStep(s *torch.Scope, p Policy, opt *torch.Optimizer, bt batchTensors, mbInds []int64, cfg PPOConfig,
	poison bool, mbIndex int) (UpdateStats, error) {
	idx := s.FromInt64(mbInds, int64(len(mbInds)))
	pick := func(x *torch.Tensor) *torch.Tensor { return s.IndexSelect(x, 0, idx) }
	logits, value := p.Forward(s, pick(bt.obs), nil)
	l := PPOLoss(s, LossInputs{Logits: logits, Values: value, Actions: pick(bt.actions), OldLogProbs: pick(bt.logProbs),
		OldValues: pick(bt.values), Advantages: pick(bt.advantages), Returns: pick(bt.returns)}, cfg.LossConfig())
	total := l.Total
	if poison {
		total = s.MulScalar(total, math.NaN())
	}
	if err := s.Err(); err != nil {
		return UpdateStats{}, fmt.Errorf("minibatch %d: %w", mbIndex, err)
	}
	var vals [6]float64
	for i, x := range []*torch.Tensor{total, l.Policy, l.Value, l.Entropy, l.ApproxKL, l.ClipFrac} {
		v, err := x.Item()
		if err != nil {
			return UpdateStats{}, err
		}
		vals[i] = v
	}
	if !finite(vals[0]) {
		return UpdateStats{}, &NaNError{Minibatch: mbIndex, What: "loss"}
	}
	if err := opt.ZeroGrad(); err != nil {
		return UpdateStats{}, err
	}
	if err := total.Backward(); err != nil {
		return UpdateStats{}, fmt.Errorf("minibatch %d: %w", mbIndex, err)
	}
	norm, err := opt.ClipGradNorm(cfg.MaxGradNorm)
	if err != nil {
		return UpdateStats{}, err
	}
	if !finite(norm) {
		return UpdateStats{}, &NaNError{Minibatch: mbIndex, What: "grad norm"}
	}
	if err := opt.Step(); err != nil {
		return UpdateStats{}, err
	}
	return UpdateStats{PolicyLoss: vals[1], ValueLoss: vals[2], Entropy: vals[3], ApproxKL: vals[4], ClipFrac: vals[5], Minibatches: 1}, nil
}

// add accumulates another minibatch's statistics.
func (st *UpdateStats) add(o UpdateStats) {
	st.PolicyLoss += o.PolicyLoss
	st.ValueLoss += o.ValueLoss
	st.Entropy += o.Entropy
	st.ApproxKL += o.ApproxKL
	st.ClipFrac += o.ClipFrac
	st.Minibatches += o.Minibatches
}

// mean turns accumulated sums into means over the minibatches.
func (st UpdateStats) mean() UpdateStats {
	n := float64(st.Minibatches)
	return UpdateStats{PolicyLoss: st.PolicyLoss / n, ValueLoss: st.ValueLoss / n, Entropy: st.Entropy / n,
		ApproxKL: st.ApproxKL / n, ClipFrac: st.ClipFrac / n, Minibatches: st.Minibatches}
}

// checkParamsFinite returns a *NaNError (Minibatch -1) naming the first
// parameter of p with a non-finite value.
func checkParamsFinite(s *torch.Scope, p Policy) error {
	for _, prm := range p.Params() {
		ok, err := s.AllFinite(s.Detach(prm.Tensor)).Item()
		if err != nil {
			return err
		}
		if ok == 0 {
			return &NaNError{Minibatch: -1, What: "parameter " + prm.Name}
		}
	}
	return nil
}
