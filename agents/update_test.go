package agents

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/keyerr"
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

// Minibatch sizes that would drop samples every epoch, or standardise the
// advantages of a single sample (NaN), are refused by Validate (as a key
// error on num_minibatches) and by PPOUpdate.
func TestMinibatchSizesValidated(t *testing.T) {
	for i, tc := range []struct {
		envs, steps, minibatches int
		normAdv                  bool
		ok                       bool
	}{
		{4, 3, 6, true, true},
		{4, 3, 12, false, true},
		{4, 3, 12, true, false}, // minibatches of 1 sample
		{4, 3, 5, true, false},  // 2 samples dropped
		{4, 3, 5, false, false},
		{64, 128, 8, true, true},
		{64, 128, 0, true, false},
	} {
		c := DefaultPPOConfig()
		c.NumEnvs, c.NumSteps, c.NumMinibatches, c.NormAdv = tc.envs, tc.steps, tc.minibatches, tc.normAdv
		c.TotalSteps = int64(c.BatchSize())
		err := c.Validate()
		var ke *keyerr.Error
		if (err == nil) != tc.ok || err != nil && (!errors.As(err, &ke) || ke.Key != "num_minibatches" ||
			!strings.Contains(err.Error(), fmt.Sprintf("a divisor of num_envs*num_steps = %d", c.BatchSize()))) {
			t.Errorf("case %d: %v, want ok %v", i, err, tc.ok)
		}
	}
	p, _ := NewPolicy(PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, testIO, 1)
	defer p.Free()
	opt, _ := torch.NewAdam(ParamTensors(p), torch.AdamOptions{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5})
	defer opt.Free()
	before := paramSnapshot(t, p)
	cfg := DefaultPPOConfig()
	cfg.NumMinibatches = 4
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := PPOUpdate(p, opt, randomBatch(rng, 66, testIO), cfg, rng); err == nil || !strings.Contains(err.Error(), "4 minibatches of 66 samples") {
		t.Errorf("66 samples in 4 minibatches: err %v", err)
	}
	if after := paramSnapshot(t, p); !slices.Equal(before, after) {
		t.Error("a refused update changed the parameters")
	}
}

func paramSnapshot(t *testing.T, p Policy) []float32 {
	t.Helper()
	var all []float32
	for _, n := range p.Params() {
		v, err := n.Tensor.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, v...)
	}
	return all
}
