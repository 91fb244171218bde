package audit

import (
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
)

// meanKL returns the mean over pairs of KL(π(a_i) ‖ π(b_i)), with the
// per-pair values; a and b are matching lists of observations.
func meanKL(policy agents.Policy, a, b [][]float32) (float64, []float64, error) {
	if len(a) == 0 {
		return math.NaN(), nil, nil
	}
	lp, err := probe.LogProbs(policy, probe.Join(append(append([][]float32{}, a...), b...)), nil)
	if err != nil {
		return 0, nil, err
	}
	na := policy.IO().NumActions
	n := len(a)
	kls := make([]float64, n)
	var sum float64
	for i := 0; i < n; i++ {
		kls[i] = probe.KL(lp[i*na:(i+1)*na], lp[(n+i)*na:(n+i+1)*na])
		sum += kls[i]
	}
	return sum / float64(n), kls, nil
}
