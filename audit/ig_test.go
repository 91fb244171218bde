package audit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/agents"
)

func randomObs(rng *rand.Rand, n, size int) []float32 {
	out := make([]float32, n*size)
	for i := range out {
		if rng.Float64() < 0.2 {
			out[i] = 1
		}
	}
	return out
}

// Completeness: the attributions of every observation sum to the logit
// difference from the baseline within 1e-3, for each architecture.
func TestIntegratedGradientsCompleteness(t *testing.T) {
	io := agents.PolicyIO{Game: "coinrun", ObsShape: [3]int{11, 7, 7}, NumActions: 15}
	for _, cfg := range []agents.PolicyConfig{
		{Arch: "impala", Widths: []int{8, 16}, ResBlocks: 1, Hidden: 64},
		{Arch: "mlp", Hidden: 32, Layers: 2},
		{Arch: "bilinear", Hidden: 32},
	} {
		p, err := agents.NewPolicy(cfg, io, 5)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		n := 6
		x := randomObs(rng, n, io.ObsSize())
		base := make([]float32, len(x))
		actions := []int{0, 3, 7, 8, 14, 1}
		_, gap, err := IntegratedGradients(p, x, base, actions, 256)
		p.Free()
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range gap {
			if math.Abs(g) > 1e-3 {
				t.Errorf("%s: observation %d: Σ attributions differs from the logit difference by %.2g", cfg.Arch, i, g)
			}
		}
	}
}
