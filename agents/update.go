package agents

import (
	"fmt"
	"math"
	"math/rand/v2"

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
// minibatch's approx-KL exceeds it (as CleanRL). Samples left over when
// len(b) is not a multiple of NumMinibatches are skipped in that epoch.
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
	mb := B / cfg.NumMinibatches
	if mb < 1 {
		return UpdateStats{}, fmt.Errorf("agents: PPOUpdate: %d samples for %d minibatches", B, cfg.NumMinibatches)
	}
	sh := io.ObsShape
	data := torch.NewNoGradScope()
	defer data.Close()
	obsT := data.FromFloat32(b.Obs, int64(B), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	actT := data.FromInt64(b.Actions, int64(B))
	logpT := data.FromFloat32(b.LogProbs, int64(B))
	valT := data.FromFloat32(b.Values, int64(B))
	advT := data.FromFloat32(b.Advantages, int64(B))
	retT := data.FromFloat32(b.Returns, int64(B))
	if err := data.Err(); err != nil {
		return UpdateStats{}, err
	}
	perm := make([]int64, B)
	for i := range perm {
		perm[i] = int64(i)
	}
	lossCfg := cfg.LossConfig()
	var sums [5]float64
	var st UpdateStats
	s := torch.NewScope()
	defer s.Close()
	for epoch := 0; epoch < cfg.UpdateEpochs; epoch++ {
		shuffle.Shuffle(B, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var lastKL float64
		for k := 0; k < cfg.NumMinibatches; k++ {
			mbIndex := epoch*cfg.NumMinibatches + k
			idx := s.FromInt64(perm[k*mb:(k+1)*mb], int64(mb))
			pick := func(x *torch.Tensor) *torch.Tensor { return s.IndexSelect(x, 0, idx) }
			logits, value := p.Forward(s, pick(obsT), nil)
			l := PPOLoss(s, LossInputs{Logits: logits, Values: value, Actions: pick(actT), OldLogProbs: pick(logpT),
				OldValues: pick(valT), Advantages: pick(advT), Returns: pick(retT)}, lossCfg)
			total := l.Total
			if fault != nil && fault(mbIndex) {
				total = s.MulScalar(total, math.NaN())
			}
			if err := s.Err(); err != nil {
				return st, fmt.Errorf("minibatch %d: %w", mbIndex, err)
			}
			var vals [6]float64
			for i, x := range []*torch.Tensor{total, l.Policy, l.Value, l.Entropy, l.ApproxKL, l.ClipFrac} {
				v, err := x.Item()
				if err != nil {
					return st, err
				}
				vals[i] = v
			}
			if !finite(vals[0]) {
				return st, &NaNError{Minibatch: mbIndex, What: "loss"}
			}
			if err := opt.ZeroGrad(); err != nil {
				return st, err
			}
			if err := total.Backward(); err != nil {
				return st, fmt.Errorf("minibatch %d: %w", mbIndex, err)
			}
			norm, err := opt.ClipGradNorm(cfg.MaxGradNorm)
			if err != nil {
				return st, err
			}
			if !finite(norm) {
				return st, &NaNError{Minibatch: mbIndex, What: "grad norm"}
			}
			if err := opt.Step(); err != nil {
				return st, err
			}
			for i := range sums {
				sums[i] += vals[i+1]
			}
			st.Minibatches++
			lastKL = vals[4]
			s.Close()
		}
		if cfg.TargetKL > 0 && lastKL > cfg.TargetKL {
			break
		}
	}
	for _, prm := range p.Params() {
		ok, err := s.AllFinite(s.Detach(prm.Tensor)).Item()
		if err != nil {
			return st, err
		}
		if ok == 0 {
			return st, &NaNError{Minibatch: -1, What: "parameter " + prm.Name}
		}
	}
	n := float64(st.Minibatches)
	st.PolicyLoss, st.ValueLoss, st.Entropy, st.ApproxKL, st.ClipFrac = sums[0]/n, sums[1]/n, sums[2]/n, sums[3]/n, sums[4]/n
	return st, nil
}
