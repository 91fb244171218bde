package audit

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// ridgePenalties are the candidate ridge penalties (on standardised
// activations) the probe chooses among on selection levels.
var ridgePenalties = []float64{0.1, 1, 10, 100, 1000}

// probeShift is the change of the decoded goal dx, in tiles, that the
// causal test asks of the activation.
const probeShift = 2

// probeSet is a set of edited frames: the goal drawn at a known cell.
type probeSet struct {
	obs     [][]float32
	target  [][2]float64 // goal (dx, dy) from the agent
	episode []int
}

// probeResult is the fitted goal-position probe and its test data.
type probeResult struct {
	layer  string
	testR2 float64
	beta   [2][]float64 // raw-activation-space weights for dx, dy
	test   probeSet
}

// probeSets draws the goal at a random free cell of every selection and
// test frame (erasing it first where it was in view).
func (a *Agent) probeSets() (sel, test probeSet) {
	rng := a.rng(0x9b0)
	build := func(frames []Frame) probeSet {
		var ps probeSet
		for _, f := range frames {
			m, c, ok := a.g.moveTo(f.Obs, a.Roles.Goal, a.Roles, rng)
			if !ok {
				continue
			}
			dx, dy := a.g.offset(c)
			ps.obs = append(ps.obs, m)
			ps.target = append(ps.target, [2]float64{dx, dy})
			ps.episode = append(ps.episode, f.Episode)
		}
		return ps
	}
	return build(a.Data.split(true, nil, a.Opt.Frames)), build(a.Data.split(false, nil, a.Opt.Frames))
}

// captureAll returns each hooked layer's activations for obs, one row per
// observation.
func captureAll(p agents.Policy, obs [][]float32) (map[string]interp.Matrix, error) {
	c := interp.NewCapture(p.Layers()...)
	if _, err := logProbs(p, concat(obs...), c.Hook()); err != nil {
		return nil, err
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	out := map[string]interp.Matrix{}
	for _, l := range p.Layers() {
		m := c.Acts(l)
		out[l] = interp.Matrix{Rows: m.Rows, Cols: m.Cols, Data: append([]float32(nil), m.Data...)}
	}
	return out, nil
}

// probeFit fits (once per Agent) the goal-position probe.
func (a *Agent) probeFit() (*probeResult, error) {
	if a.probe != nil {
		return a.probe, nil
	}
	if len(a.Roles.Goal) == 0 {
		return nil, undefined("the game has no goal channel")
	}
	sel, test := a.probeSets()
	if len(sel.obs) < 20 || len(test.obs) < 20 {
		return nil, undefined("too few frames with a free cell (%d selection, %d test)", len(sel.obs), len(test.obs))
	}
	selActs, err := captureAll(a.Policy, sel.obs)
	if err != nil {
		return nil, err
	}
	best := struct {
		layer string
		lam   float64
		r2    float64
	}{r2: math.Inf(-1)}
	for _, l := range a.Policy.Layers() {
		for _, lam := range ridgePenalties {
			if r2 := crossValidR2(selActs[l], sel, lam); r2 > best.r2 {
				best.layer, best.lam, best.r2 = l, lam, r2
			}
		}
	}
	if best.layer == "" {
		return nil, undefined("no layer gives a finite cross-validated R²")
	}
	all := make([]int, len(sel.obs))
	for i := range all {
		all[i] = i
	}
	fit := fitRidge(selActs[best.layer], sel, all, best.lam)
	testActs, err := captureAll(a.Policy, test.obs)
	if err != nil {
		return nil, err
	}
	a.probe = &probeResult{layer: best.layer, testR2: fit.r2(testActs[best.layer], test, nil), beta: fit.raw(), test: test}
	return a.probe, nil
}

// ridgeFit is a ridge regression of (dx, dy) on standardised activations.
type ridgeFit struct {
	mean, sd []float64
	coef     [2][]float64
	icpt     [2]float64
}

// fitRidge fits on the rows idx of x.
func fitRidge(x interp.Matrix, ps probeSet, idx []int, lam float64) ridgeFit {
	d := x.Cols
	f := ridgeFit{mean: make([]float64, d), sd: make([]float64, d)}
	for _, i := range idx {
		for j, v := range x.Row(i) {
			f.mean[j] += float64(v)
		}
	}
	for j := range f.mean {
		f.mean[j] /= float64(len(idx))
	}
	for _, i := range idx {
		for j, v := range x.Row(i) {
			f.sd[j] += (float64(v) - f.mean[j]) * (float64(v) - f.mean[j])
		}
	}
	for j := range f.sd {
		f.sd[j] = math.Sqrt(f.sd[j] / float64(len(idx)))
	}
	z := mat.NewDense(len(idx), d, nil)
	for r, i := range idx {
		for j, v := range x.Row(i) {
			if f.sd[j] > 1e-8 {
				z.Set(r, j, (float64(v)-f.mean[j])/f.sd[j])
			}
		}
	}
	var gram mat.Dense
	gram.Mul(z.T(), z)
	for j := 0; j < d; j++ {
		gram.Set(j, j, gram.At(j, j)+lam)
	}
	for k := 0; k < 2; k++ {
		y := mat.NewVecDense(len(idx), nil)
		var my float64
		for _, i := range idx {
			my += ps.target[i][k]
		}
		my /= float64(len(idx))
		for r, i := range idx {
			y.SetVec(r, ps.target[i][k]-my)
		}
		var zty, beta mat.VecDense
		zty.MulVec(z.T(), y)
		if err := beta.SolveVec(&gram, &zty); err != nil {
			beta.Zero() // (never singular with lam > 0; keep the fit defined)
		}
		f.coef[k] = mat.Col(nil, 0, &beta)
		f.icpt[k] = my
	}
	return f
}

// predict returns the fitted (dx, dy) of one activation row.
func (f ridgeFit) predict(row []float32) [2]float64 {
	var out [2]float64
	for k := 0; k < 2; k++ {
		out[k] = f.icpt[k]
		for j, v := range row {
			if f.sd[j] > 1e-8 {
				out[k] += f.coef[k][j] * (float64(v) - f.mean[j]) / f.sd[j]
			}
		}
	}
	return out
}

// r2 is the coefficient of determination on rows idx (all when nil),
// averaged over dx and dy (each against its own mean on those rows).
func (f ridgeFit) r2(x interp.Matrix, ps probeSet, idx []int) float64 {
	if idx == nil {
		idx = make([]int, x.Rows)
		for i := range idx {
			idx[i] = i
		}
	}
	var total float64
	for k := 0; k < 2; k++ {
		var my float64
		for _, i := range idx {
			my += ps.target[i][k]
		}
		my /= float64(len(idx))
		var sse, sst float64
		for _, i := range idx {
			p := f.predict(x.Row(i))[k]
			sse += (ps.target[i][k] - p) * (ps.target[i][k] - p)
			sst += (ps.target[i][k] - my) * (ps.target[i][k] - my)
		}
		if sst == 0 {
			return math.NaN()
		}
		total += 1 - sse/sst
	}
	return total / 2
}

// raw returns the weights on raw activations (coef / sd).
func (f ridgeFit) raw() [2][]float64 {
	var out [2][]float64
	for k := 0; k < 2; k++ {
		out[k] = make([]float64, len(f.sd))
		for j := range f.sd {
			if f.sd[j] > 1e-8 {
				out[k][j] = f.coef[k][j] / f.sd[j]
			}
		}
	}
	return out
}

// crossValidR2 is the mean R² of 2-fold cross-validation over the
// selection frames, folds split by episode parity.
func crossValidR2(x interp.Matrix, ps probeSet, lam float64) float64 {
	var folds [2][]int
	for i, e := range ps.episode {
		folds[e%2] = append(folds[e%2], i)
	}
	if len(folds[0]) < 10 || len(folds[1]) < 10 {
		return math.NaN()
	}
	var sum float64
	for k := 0; k < 2; k++ {
		f := fitRidge(x, ps, folds[1-k], lam)
		sum += f.r2(x, ps, folds[k])
	}
	return sum / 2
}

func probeCausalKL(a *Agent) (float64, error) {
	p, err := a.probeFit()
	if err != nil {
		return 0, err
	}
	w := p.beta[0]
	var norm2 float64
	for _, v := range w {
		norm2 += v * v
	}
	if norm2 == 0 {
		return 0, undefined("the dx probe has zero weights")
	}
	base, err := logProbs(a.Policy, concat(p.test.obs...), nil)
	if err != nil {
		return 0, err
	}
	na, n := a.Policy.IO().NumActions, len(p.test.obs)
	var total float64
	for _, sign := range []float64{1, -1} {
		delta := make([]float32, len(w))
		for j, v := range w {
			delta[j] = float32(sign * probeShift * v / norm2)
		}
		lp, err := logProbs(a.Policy, concat(p.test.obs...), shiftHook(p.layer, delta))
		if err != nil {
			return 0, err
		}
		for i := 0; i < n; i++ {
			total += KL(base[i*na:(i+1)*na], lp[i*na:(i+1)*na])
		}
	}
	return total / float64(2*n), nil
}

// shiftHook adds delta (one flattened activation row) to every row of
// layer's output.
func shiftHook(layer string, delta []float32) agents.Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		if name != layer {
			return act
		}
		sh := act.Shape()
		if int(act.Numel()/sh[0]) != len(delta) {
			s.Fail(fmt.Errorf("audit: shift of %d values for layer %s of shape %v", len(delta), layer, sh))
			return nil
		}
		d := s.Reshape(s.FromFloat32(delta, int64(len(delta))), append([]int64{1}, sh[1:]...)...)
		return s.Add(act, d)
	}
}
