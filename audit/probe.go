package audit

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/torch"
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
func (a *Measurement) probeSets() (sel, test probeSet) {
	rng := a.rng(0x9b0)
	build := func(frames []Frame) probeSet {
		obs := make([][]float32, len(frames))
		for i, f := range frames {
			obs[i] = f.Obs
		}
		pl := a.g.PlaceGoal(obs, a.Channels, rng)
		ps := probeSet{obs: pl.Obs, target: pl.Target}
		for _, i := range pl.Index {
			ps.episode = append(ps.episode, frames[i].Episode)
		}
		return ps
	}
	return build(a.Data.split(true, nil, a.Opt.Frames)), build(a.Data.split(false, nil, a.Opt.Frames))
}

// captureAll returns each hooked layer's activations for obs, one row per
// observation.
func captureAll(p agents.Policy, obs [][]float32) (map[string]probe.Acts, error) {
	return probe.LayerActivations(p, probe.Join(obs), p.Layers()...)
}

// probeFit fits (once per Agent) the goal-position probe.
func (a *Measurement) probeFit() (*probeResult, error) {
	if a.fit != nil {
		return a.fit, nil
	}
	if len(a.Channels.Goal) == 0 {
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
			if r2 := probe.CrossValidR2(selActs[l], sel.target, sel.episode, lam); r2 > best.r2 {
				best.layer, best.lam, best.r2 = l, lam, r2
			}
		}
	}
	if best.layer == "" {
		return nil, undefined("no layer gives a finite cross-validated R²")
	}
	fit := probe.FitRidge(selActs[best.layer], sel.target, nil, best.lam)
	testActs, err := captureAll(a.Policy, test.obs)
	if err != nil {
		return nil, err
	}
	a.fit = &probeResult{layer: best.layer, testR2: fit.R2(testActs[best.layer], test.target, nil), beta: fit.Raw(), test: test}
	return a.fit, nil
}

func probeCausalKL(a *Measurement) (float64, error) {
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
	base, err := probe.LogProbs(a.Policy, probe.Join(p.test.obs), nil)
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
		lp, err := probe.LogProbs(a.Policy, probe.Join(p.test.obs), shiftHook(p.layer, delta))
		if err != nil {
			return 0, err
		}
		for i := 0; i < n; i++ {
			total += probe.KL(base[i*na:(i+1)*na], lp[i*na:(i+1)*na])
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
