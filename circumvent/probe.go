package circumvent

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

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

// placed are probe frames flattened: the observations of a probe.Placed
// as one batch, with their targets.
type placed struct {
	Obs    []float32
	Target [][2]float64
}

func flatten(p probe.Placed) placed { return placed{Obs: probe.Join(p.Obs), Target: p.Target} }

// ridgeProbe is a ridge regression of (dx, dy) on standardised activations.
type ridgeProbe struct {
	mean, sd []float64
	coef     *mat.Dense // [d, 2]
	icpt     [2]float64
}

// fitProbe fits a probe to activations x (rows) and targets.
func fitProbe(x [][]float64, target [][2]float64) ridgeProbe {
	n, d := len(x), len(x[0])
	p := ridgeProbe{mean: make([]float64, d), sd: make([]float64, d), coef: mat.NewDense(d, 2, nil)}
	for j := 0; j < d; j++ {
		for i := 0; i < n; i++ {
			p.mean[j] += x[i][j] / float64(n)
		}
		for i := 0; i < n; i++ {
			p.sd[j] += (x[i][j] - p.mean[j]) * (x[i][j] - p.mean[j]) / float64(n)
		}
		p.sd[j] = math.Max(math.Sqrt(p.sd[j]), 1e-6)
	}
	z := mat.NewDense(n, d, nil)
	y := mat.NewDense(n, 2, nil)
	for k := 0; k < 2; k++ {
		for i := 0; i < n; i++ {
			p.icpt[k] += target[i][k] / float64(n)
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			z.Set(i, j, (x[i][j]-p.mean[j])/p.sd[j])
		}
		y.Set(i, 0, target[i][0]-p.icpt[0])
		y.Set(i, 1, target[i][1]-p.icpt[1])
	}
	var gram, zty mat.Dense
	gram.Mul(z.T(), z)
	for j := 0; j < d; j++ {
		gram.Set(j, j, gram.At(j, j)+probeRidge)
	}
	zty.Mul(z.T(), y)
	if err := p.coef.Solve(&gram, &zty); err != nil {
		p.coef.Zero() // never singular with a positive ridge
	}
	return p
}

// r2 is the probe's R² on x, averaged over dx and dy.
func (p ridgeProbe) r2(x [][]float64, target [][2]float64) float64 {
	var out float64
	for k := 0; k < 2; k++ {
		var m, sse, sst float64
		for i := range x {
			m += target[i][k] / float64(len(x))
		}
		for i, row := range x {
			pred := p.icpt[k]
			for j, v := range row {
				pred += p.coef.At(j, k) * (v - p.mean[j]) / p.sd[j]
			}
			sse += (target[i][k] - pred) * (target[i][k] - pred)
			sst += (target[i][k] - m) * (target[i][k] - m)
		}
		out += (1 - sse/math.Max(sst, 1e-12)) / 2
	}
	return out
}

// layerActs runs p on obs without autograd and returns the activations of
// layer, one row per observation.
func layerActs(p agents.Policy, obs []float32, layer string) ([][]float64, error) {
	s := torch.NewNoGradScope()
	defer s.Close()
	var act *torch.Tensor
	p.Forward(s, obsTensor(s, p.IO(), obs), func(_ *torch.Scope, l string, a *torch.Tensor) *torch.Tensor {
		if l == layer {
			act = a
		}
		return a
	})
	if err := s.Err(); err != nil {
		return nil, err
	}
	if act == nil {
		return nil, fmt.Errorf("circumvent: policy has no layer %q", layer)
	}
	v, err := s.Contiguous(act).Float32s()
	if err != nil {
		return nil, err
	}
	n := len(obs) / p.IO().ObsSize()
	d := len(v) / n
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range rows[i] {
			rows[i][j] = float64(v[i*d+j])
		}
	}
	return rows, nil
}

// ProbePenalty attacks the goal-position probe at layer: a ridge probe of
// the goal's (dx, dy), fitted to the attacked policy's activations on the
// fit frames and refitted every probeRefit steps, is held fixed between
// refits while the loss −dir · (1 − MSE / var) on a minibatch moves the
// activations (Raise: make the goal's position easier to read off). Value
// is −dir · R² on the check frames of a probe fitted on the fit frames,
// the audit's probe statistic at that layer.
func ProbePenalty(fitFrames, checkFrames probe.Placed, layer string, dir Direction) Penalty {
	fit, check := flatten(fitFrames), flatten(checkFrames)
	var cur ridgeProbe
	calls := 0
	doc := fmt.Sprintf("%s the R² of a ridge probe of the goal's position at layer %s (refitted every %d steps).", dir, layer, probeRefit)
	return Penalty{Name: "probe_r2", Doc: doc,
		Loss: func(s *torch.Scope, p agents.Policy, rng *rand.Rand) *torch.Tensor {
			if calls%probeRefit == 0 {
				acts, err := layerActs(p, fit.Obs, layer)
				if err != nil {
					s.Fail(err)
					return nil
				}
				cur = fitProbe(acts, fit.Target)
			}
			calls++
			return cur.loss(s, p, fit, layer, sampleRows(rng, len(fit.Target), penaltyBatch), dir)
		},
		Value: func(p agents.Policy) (float64, error) {
			fa, err := layerActs(p, fit.Obs, layer)
			if err != nil {
				return 0, err
			}
			ca, err := layerActs(p, check.Obs, layer)
			if err != nil {
				return 0, err
			}
			return -float64(dir) * fitProbe(fa, fit.Target).r2(ca, check.Target), nil
		},
	}
}

// loss is −dir · (1 − MSE / var) of the fixed probe on rows of set.
func (pr ridgeProbe) loss(s *torch.Scope, p agents.Policy, set placed, layer string, rows []int, dir Direction) *torch.Tensor {
	io := p.IO()
	n, d := len(rows), len(pr.mean)
	var act *torch.Tensor
	p.Forward(s, obsTensor(s, io, rowsOf(set.Obs, io.ObsSize(), rows)), func(_ *torch.Scope, l string, a *torch.Tensor) *torch.Tensor {
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
	w := make([]float32, d*2)
	var b [2]float64
	for k := 0; k < 2; k++ {
		b[k] = pr.icpt[k]
		for j := 0; j < d; j++ {
			c := pr.coef.At(j, k) / pr.sd[j]
			w[j*2+k] = float32(c)
			b[k] -= c * pr.mean[j]
		}
	}
	tgt := make([]float32, 0, n*2)
	var m [2]float64
	for _, r := range rows {
		tgt = append(tgt, float32(set.Target[r][0]-b[0]), float32(set.Target[r][1]-b[1]))
		m[0] += set.Target[r][0] / float64(n)
		m[1] += set.Target[r][1] / float64(n)
	}
	var v float64
	for _, r := range rows {
		v += ((set.Target[r][0]-m[0])*(set.Target[r][0]-m[0]) + (set.Target[r][1]-m[1])*(set.Target[r][1]-m[1])) / float64(2*n)
	}
	pred := s.Matmul(s.Reshape(act, int64(n), int64(d)), s.FromFloat32(w, int64(d), 2))
	mse := s.Mean(s.Square(s.Sub(pred, s.FromFloat32(tgt, int64(n), 2))), false)
	return s.MulScalar(s.RSubScalar(s.DivScalar(mse, math.Max(v, 1e-6)), 1), -float64(dir))
}
