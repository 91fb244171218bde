package agents

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPickActionRefusesNonDistributions(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for i, logp := range [][]float32{
		{nan, -1, -1},
		{-1, inf, -1},
		{float32(math.Inf(-1)), float32(math.Inf(-1))},
		{nan, nan},
		{},
	} {
		for _, greedy := range []bool{false, true} {
			if a, ok := pickAction(rand.New(rand.NewPCG(1, 2)), logp, greedy); ok {
				t.Errorf("case %d greedy %v: %v gave action %d, want refusal", i, greedy, logp, a)
			}
		}
	}
}

// Sampling follows the probabilities (a fixed-seed frequency check), never
// picks an action of probability zero, and greedy takes the argmax.
func TestPickActionSamplesTheDistribution(t *testing.T) {
	probs := []float64{0.5, 0, 0.2, 0.3}
	logp := make([]float32, len(probs))
	for i, p := range probs {
		logp[i] = float32(math.Log(p)) // log 0 = -Inf
	}
	if a, ok := pickAction(nil, logp, true); !ok || a != 0 {
		t.Errorf("greedy: action %d ok %v, want 0", a, ok)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 20000
	counts := make([]int, len(probs))
	for range n {
		a, ok := pickAction(rng, logp, false)
		if !ok {
			t.Fatal("valid distribution refused")
		}
		counts[a]++
	}
	for i, p := range probs {
		// 4.5 standard deviations of a binomial count.
		if tol := 4.5 * math.Sqrt(n*p*(1-p)); math.Abs(float64(counts[i])-n*p) > tol || (p == 0 && counts[i] > 0) {
			t.Errorf("action %d: %d of %d draws, want %.0f ± %.0f", i, counts[i], n, n*p, tol)
		}
	}
}
