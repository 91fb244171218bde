package audit

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

// logProbs runs policy on n observations (obs holds n·C·H·W values) and
// returns their action log-probabilities, n rows of A values. hook, if not
// nil, is passed to every forward pass (an intervention).
func logProbs(policy agents.Policy, obs []float32, hook agents.Hook) ([]float64, error) {
	io := policy.IO()
	out := make([]float64, 0, len(obs)/io.ObsSize()*io.NumActions)
	err := agents.ForwardBatches(policy, obs, hook, func(s *torch.Scope, _ int, logits, _ *torch.Tensor) error {
		lp := s.LogSoftmax(logits, 1)
		if err := s.Err(); err != nil {
			return err
		}
		vals, err := lp.Float32s()
		for _, v := range vals {
			out = append(out, float64(v))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return out, nil
}

// KL is KL(p ‖ q) = Σ p (log p − log q) for log-probability rows.
func KL(logP, logQ []float64) float64 {
	var k float64
	for i, lp := range logP {
		if p := math.Exp(lp); p > 0 {
			k += p * (lp - logQ[i])
		}
	}
	return math.Max(k, 0)
}

// concat stacks observations into one batch.
func concat(obs ...[]float32) []float32 {
	n := 0
	for _, o := range obs {
		n += len(o)
	}
	out := make([]float32, 0, n)
	for _, o := range obs {
		out = append(out, o...)
	}
	return out
}

// meanKL returns the mean over pairs of KL(π(a_i) ‖ π(b_i)), with the
// per-pair values; a and b are matching lists of observations.
func meanKL(policy agents.Policy, a, b [][]float32) (float64, []float64, error) {
	if len(a) == 0 {
		return math.NaN(), nil, nil
	}
	lp, err := logProbs(policy, concat(append(append([][]float32{}, a...), b...)...), nil)
	if err != nil {
		return 0, nil, err
	}
	na := policy.IO().NumActions
	n := len(a)
	kls := make([]float64, n)
	var sum float64
	for i := 0; i < n; i++ {
		kls[i] = KL(lp[i*na:(i+1)*na], lp[(n+i)*na:(n+i+1)*na])
		sum += kls[i]
	}
	return sum / float64(n), kls, nil
}

// expectedMove is the policy's expected movement Σ p(a)·(MoveX, MoveY) for
// one row of log-probabilities.
func expectedMove(logP []float64, r Roles) (x, y float64) {
	for a, lp := range logP {
		p := math.Exp(lp)
		x += p * r.MoveX[a]
		y += p * r.MoveY[a]
	}
	return x, y
}
