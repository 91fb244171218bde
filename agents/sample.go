package agents

import (
	"math"
	"math/rand/v2"
)

// pickAction chooses an action from a categorical distribution given its
// log-probabilities: the most probable one (greedy; the first on ties) or a
// draw from rng by inverting the CDF with one uniform variate. Training and
// evaluation both choose actions here.
func pickAction(rng *rand.Rand, logp []float32, greedy bool) int {
	if greedy {
		best := 0
		for i, lp := range logp {
			if lp > logp[best] {
				best = i
			}
		}
		return best
	}
	u := rng.Float64()
	var cum float64
	for i, lp := range logp {
		cum += math.Exp(float64(lp))
		if u < cum {
			return i
		}
	}
	// Rounding left u above the total: take the last action with mass.
	for i := len(logp) - 1; i >= 0; i-- {
		if !math.IsInf(float64(logp[i]), -1) {
			return i
		}
	}
	return len(logp) - 1
}
