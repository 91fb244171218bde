package circumvent

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/torch"
)

// probeRidge is the ridge penalty (on standardised activations) of the
// probe attack's probes, and probeRefit how many Loss calls one probe
// serves before it is refitted to the attacked policy.
const (
	probeRidge = 1.0
	probeRefit = 25
)

// layerActs runs p on obs without autograd and returns the activations of
// layer, one row per observation.
func layerActs(p agents.Policy, obs []float32, layer string) (probe.Acts, error) {
	m, err := probe.LayerActivations(p, obs, layer)
	if err != nil {
		return probe.Acts{}, err
	}
	return m[layer], nil
}

// ProbePenalty attacks the goal-position probe at layer: a ridge probe
// (probe.FitRidge) of the goal's (dx, dy), fitted to the attacked policy's
// activations on the fit frames and refitted every probeRefit steps, is
// held fixed between refits while the loss −dir · (1 − MSE / var) on a
// minibatch moves the activations (Raise: make the goal's position easier
// to read off). Value is −dir · R² on the check frames of a probe fitted
// on the fit frames, the audit's probe statistic at that layer.
func ProbePenalty(fit, check probe.Placed, layer string, dir Direction) Penalty {
	var cur probe.Ridge
	calls := 0
	fitObs, checkObs := probe.Join(fit.Obs), probe.Join(check.Obs)
	doc := fmt.Sprintf("%s the R² of a ridge probe of the goal's position at layer %s (refitted every %d steps).", dir, layer, probeRefit)
	return Penalty{Name: "probe_r2", Doc: doc,
		Loss: func(s *torch.Scope, p agents.Policy, rng *rand.Rand) *torch.Tensor {
			if calls%probeRefit == 0 {
				acts, err := layerActs(p, fitObs, layer)
				if err != nil {
					s.Fail(err)
					return nil
				}
				cur = probe.FitRidge(acts, fit.Target, nil, probeRidge)
			}
			calls++
			return probeLoss(s, cur, p, fitObs, fit.Target, layer, sampleRows(rng, len(fit.Target), penaltyBatch), dir)
		},
		Value: func(p agents.Policy) (float64, error) {
			fa, err := layerActs(p, fitObs, layer)
			if err != nil {
				return 0, err
			}
			ca, err := layerActs(p, checkObs, layer)
			if err != nil {
				return 0, err
			}
			return -float64(dir) * probe.FitRidge(fa, fit.Target, nil, probeRidge).R2(ca, check.Target, nil), nil
		},
	}
}

// probeLoss is −dir · (1 − MSE / var) of the fixed probe pr on rows of the
// observations obs with targets target.
func probeLoss(s *torch.Scope, pr probe.Ridge, p agents.Policy, obs []float32, target [][2]float64, layer string, rows []int, dir Direction) *torch.Tensor {
	io := p.IO()
	n, d := len(rows), len(pr.Mean)
	var act *torch.Tensor
	p.Forward(s, obsTensor(s, io, rowsOf(obs, io.ObsSize(), rows)), func(_ *torch.Scope, l string, a *torch.Tensor) *torch.Tensor {
		if l == layer {
			act = a
		}
		return a
	})
	if s.Err() != nil || act == nil {
		s.Fail(fmt.Errorf("circumvent: probe layer %q not reached", layer))
		return nil
	}
	// Fold the standardisation into the probe: pred = act · W' + b'.
	raw := pr.Raw()
	w := make([]float32, d*2)
	var b [2]float64
	for k := 0; k < 2; k++ {
		b[k] = pr.Intercept[k]
		for j := 0; j < d; j++ {
			w[j*2+k] = float32(raw[k][j])
			b[k] -= raw[k][j] * pr.Mean[j]
		}
	}
	tgt := make([]float32, 0, n*2)
	var m [2]float64
	for _, r := range rows {
		tgt = append(tgt, float32(target[r][0]-b[0]), float32(target[r][1]-b[1]))
		m[0] += target[r][0] / float64(n)
		m[1] += target[r][1] / float64(n)
	}
	var v float64
	for _, r := range rows {
		v += ((target[r][0]-m[0])*(target[r][0]-m[0]) + (target[r][1]-m[1])*(target[r][1]-m[1])) / float64(2*n)
	}
	pred := s.Matmul(s.Reshape(act, int64(n), int64(d)), s.FromFloat32(w, int64(d), 2))
	mse := s.Mean(s.Square(s.Sub(pred, s.FromFloat32(tgt, int64(n), 2))), false)
	return s.MulScalar(s.RSubScalar(s.DivScalar(mse, math.Max(v, 1e-6)), 1), -float64(dir))
}
