package agents

import (
	"math"
	"math/rand/v2"
)

// pickAction chooses an action from a categorical distribution given its
// log-probabilities: the most probable one (greedy; the first on ties) or a
// draw from rng by inverting the CDF with one uniform variate. Training and
// evaluation both choose actions here.
//
// ok is false, and no variate is drawn, when logp is not a distribution: an
// entry is NaN or +Inf, or every entry is -Inf (no probability mass). The
// caller must report that (a broken policy) instead of acting on it.
func pickAction(rng *rand.Rand, logp []float32, greedy bool) (a int, ok bool) {
	if !isDistribution(logp) {
		return 0, false
	}
	if greedy {
		best := 0
		for i, lp := range logp {
			if lp > logp[best] {
				best = i
			}
		}
		return best, true
	}
	u := rng.Float64()
	var cum float64
	for i, lp := range logp {
		cum += math.Exp(float64(lp))
		if u < cum {
			return i, true
		}
	}
	// Rounding left u above the total: take the last action with mass.
	for i := len(logp) - 1; i >= 0; i-- {
		if !math.IsInf(float64(logp[i]), -1) {
			return i, true
		}
	}
	panic("agents: unreachable: a distribution has an action with mass")
}

// isDistribution reports whether log-probabilities have no NaN or +Inf
// entry and at least one finite one.
func isDistribution(logp []float32) bool {
	mass := false
	for _, lp := range logp {
		x := float64(lp)
		if math.IsNaN(x) || math.IsInf(x, 1) {
			return false
		}
		mass = mass || !math.IsInf(x, -1)
	}
	return mass
}
