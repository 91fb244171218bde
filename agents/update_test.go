package agents

import (
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func randomBatch(rng *rand.Rand, n int, io PolicyIO) Batch {
	b := Batch{Obs: make([]float32, n*io.ObsSize()), Actions: make([]int64, n), LogProbs: make([]float32, n),
		Values: make([]float32, n), Advantages: make([]float32, n), Returns: make([]float32, n)}
	for i := range b.Obs {
		b.Obs[i] = float32(rng.IntN(2))
	}
	for i := 0; i < n; i++ {
		b.Actions[i] = int64(rng.IntN(io.NumActions))
		b.LogProbs[i] = -1.6
		b.Values[i] = float32(rng.NormFloat64())
		b.Advantages[i] = float32(rng.NormFloat64())
		b.Returns[i] = b.Values[i] + b.Advantages[i]
	}
	return b
}

func TestPPOUpdateEpochsAndTargetKL(t *testing.T) {
	for i, tc := range []struct {
		targetKL float64
		want     int
	}{{0, 3 * 4}, {1e-12, 4}} {
		p, _ := NewPolicy(PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, testIO, 1)
		opt, _ := torch.NewAdam(ParamTensors(p), torch.AdamOptions{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5})
		cfg := DefaultPPOConfig()
		cfg.UpdateEpochs, cfg.NumMinibatches, cfg.TargetKL = 3, 4, tc.targetKL
		rng := rand.New(rand.NewPCG(1, 1))
		st, err := PPOUpdate(p, opt, randomBatch(rng, 64, testIO), cfg, rng)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if st.Minibatches != tc.want || !(st.ApproxKL > 0) || !(st.Entropy > 0) {
			t.Errorf("case %d: %+v, want %d minibatches", i, st, tc.want)
		}
		opt.Free()
		p.Free()
	}
}
