package circumvent

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// Direction says which way an attack pushes a statistic.
type Direction int

const (
	Raise Direction = 1
	Lower Direction = -1
)

func (d Direction) String() string {
	if d == Raise {
		return "raise"
	}
	return "lower"
}

// penaltyBatch is the minibatch size of the observation-based penalties.
const penaltyBatch = 64

// WeightSharePenalty pushes the first-layer weight goal share (WeightShare,
// the audit's weight statistic) in direction dir for policies of
// architecture cfg: the loss is −dir · share, computed from the
// first-layer weight tensor (cfg.FirstLayer).
func WeightSharePenalty(cfg agents.PolicyConfig, goal, proxy []int, dir Direction) Penalty {
	name := cfg.FirstLayer()
	share := func(s *torch.Scope, p agents.Policy) *torch.Tensor {
		var w *torch.Tensor
		for _, n := range p.Params() {
			if n.Name == name {
				w = n.Tensor
			}
		}
		if w == nil {
			s.Fail(fmt.Errorf("circumvent: policy has no parameter %q", name))
			return nil
		}
		c := int64(p.IO().ObsShape[0])
		// [units, C, rest]: the mass per channel sums units and positions.
		mass := s.Sum(s.Square(s.Reshape(w, w.Shape()[0], c, -1)), false, 0, 2)
		g := s.Sum(s.IndexSelect(mass, 0, s.FromInt64(int64s(goal), int64(len(goal)))), false)
		pr := s.Sum(s.IndexSelect(mass, 0, s.FromInt64(int64s(proxy), int64(len(proxy)))), false)
		return s.Div(g, s.Add(g, pr))
	}
	return Penalty{
		Name: "weight_share",
		Doc:  fmt.Sprintf("%s the first-layer weight mass share of the goal channels (%s).", dir, name),
		Loss: func(s *torch.Scope, p agents.Policy, _ *rand.Rand) *torch.Tensor {
			return s.MulScalar(share(s, p), -float64(dir))
		},
		Value: func(p agents.Policy) (float64, error) {
			s := torch.NewNoGradScope()
			defer s.Close()
			v := share(s, p)
			if err := s.Err(); err != nil {
				return 0, err
			}
			x, err := v.Item()
			return -float64(dir) * x, err
		},
	}
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// PenaltyData are in-distribution observations for an observation-based
// penalty, split into the observations it fits on and those its Value is
// measured on (n·C·H·W values each). Edited, where set, are the same
// observations edited (the goal erased, or drawn where it was not), and
// Logits the original policy's logits on the unedited ones: the fixed
// reference an attack moves away from.
type PenaltyData struct {
	Fit, Check             []float32
	FitEdited, CheckEdited []float32
	FitLogits, CheckLogits []float32
}

// penaltySide is one side of Frames; value marks the check side, measured
// for Value without autograd.
type penaltySide struct {
	obs, edited, logits []float32
	value               bool
}

// rows returns rows of a flat array of row width w as a new flat array.
func rowsOf(data []float32, w int, rows []int) []float32 {
	out := make([]float32, 0, len(rows)*w)
	for _, r := range rows {
		out = append(out, data[r*w:(r+1)*w]...)
	}
	return out
}

// obsTensor makes a batch tensor of flat observations.
func obsTensor(s *torch.Scope, io agents.PolicyIO, obs []float32) *torch.Tensor {
	sh := io.ObsShape
	return s.FromFloat32(obs, int64(len(obs)/io.ObsSize()), int64(sh[0]), int64(sh[1]), int64(sh[2]))
}

// sampleRows draws k row indices of n with rng (all rows, in order, for a
// nil rng).
func sampleRows(rng *rand.Rand, n, k int) []int {
	if rng == nil {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, min(k, n))
	for i := range out {
		out[i] = rng.IntN(n)
	}
	return out
}

// obsPenalty builds a Penalty from a loss on a batch of frames: Loss draws
// penaltyBatch fit rows, Value evaluates every check row without autograd.
func obsPenalty(name, doc string, fr PenaltyData, size int, loss func(s *torch.Scope, p agents.Policy, set penaltySide, rows []int) *torch.Tensor) Penalty {
	nFit, nCheck := len(fr.Fit)/size, len(fr.Check)/size
	return Penalty{Name: name, Doc: doc,
		Loss: func(s *torch.Scope, p agents.Policy, rng *rand.Rand) *torch.Tensor {
			if nFit == 0 {
				s.Fail(fmt.Errorf("circumvent: penalty %s has no fit frames", name))
				return nil
			}
			return loss(s, p, penaltySide{fr.Fit, fr.FitEdited, fr.FitLogits, false}, sampleRows(rng, nFit, penaltyBatch))
		},
		Value: func(p agents.Policy) (float64, error) {
			if nCheck == 0 {
				return math.NaN(), fmt.Errorf("circumvent: penalty %s has no check frames", name)
			}
			s := torch.NewNoGradScope()
			defer s.Close()
			v := loss(s, p, penaltySide{fr.Check, fr.CheckEdited, fr.CheckLogits, true}, sampleRows(nil, nCheck, 0))
			if err := s.Err(); err != nil {
				return 0, err
			}
			return v.Item()
		},
	}
}

// OcclusionSharePenalty is the surrogate of the attribution share: on
// frames where goal and proxy are both in view, with F the logit of the
// action the original policy prefers, Δg = F(x) − F(x without goal) and
// Δp likewise; the share |Δg| / (|Δg| + |Δp|) is pushed in direction dir
// (loss −dir · mean share). Unlike integrated gradients it needs no second
// derivative. fr needs Logits.
func OcclusionSharePenalty(io agents.PolicyIO, fr PenaltyData, goal, proxy []int, dir Direction) Penalty {
	na := io.NumActions
	doc := fmt.Sprintf("%s the occlusion share |Δg| / (|Δg| + |Δp|) of the preferred action's logit (surrogate of the attribution share).", dir)
	return obsPenalty("occlusion_share", doc, fr, io.ObsSize(), func(s *torch.Scope, p agents.Policy, set penaltySide, rows []int) *torch.Tensor {
		n := int64(len(rows))
		x := rowsOf(set.obs, io.ObsSize(), rows)
		idx := make([]int64, 0, 3*n)
		for k := 0; k < 3; k++ {
			for _, r := range rows {
				idx = append(idx, int64(probe.Argmax(set.logits[r*na:(r+1)*na])))
			}
		}
		batch := append(append(append([]float32(nil), x...), probe.GridOf(io.ObsShape).Erase(x, goal)...), probe.GridOf(io.ObsShape).Erase(x, proxy)...)
		logits, _ := p.Forward(s, obsTensor(s, io, batch), nil)
		f := s.Reshape(s.Gather(logits, 1, s.FromInt64(idx, 3*n, 1)), 3, n)
		fx, noGoal, noProxy := s.Slice(f, 0, 0, 1, 1), s.Slice(f, 0, 1, 2, 1), s.Slice(f, 0, 2, 3, 1)
		dg, dp := s.Abs(s.Sub(fx, noGoal)), s.Abs(s.Sub(fx, noProxy))
		share := s.Mean(s.Div(dg, s.AddScalar(s.Add(dg, dp), 1e-6)), false)
		return s.MulScalar(share, -float64(dir))
	})
}

// EraseKLPenalty pushes the counterfactual sensitivity to erasing chans,
// KL(π(x) ‖ π(x with chans erased)) over frames where they are in view, in
// direction dir: the loss is −dir · mean KL(π₀(x) ‖ π(x with chans
// erased)) with π₀ the original policy, held fixed, so the attack moves
// the policy on the edited observations (off the training distribution)
// and leaves the distillation to hold it on the real ones. Value is the
// statistic itself, with the attacked policy on both sides. fr needs
// Logits.
func EraseKLPenalty(io agents.PolicyIO, fr PenaltyData, chans []int, what string, dir Direction) Penalty {
	na := io.NumActions
	doc := fmt.Sprintf("%s the mean KL(π(x) ‖ π(x without the %s)), moving π on the edited frames only.", dir, what)
	return obsPenalty("erase_kl_"+what, doc, fr, io.ObsSize(), func(s *torch.Scope, p agents.Policy, set penaltySide, rows []int) *torch.Tensor {
		n := int64(len(rows))
		x := rowsOf(set.obs, io.ObsSize(), rows)
		var ref *torch.Tensor
		if set.value {
			// Value: the statistic of p itself.
			logits, _ := p.Forward(s, obsTensor(s, io, x), nil)
			ref = logits
		} else {
			ref = s.FromFloat32(rowsOf(set.logits, na, rows), n, int64(na))
		}
		edited, _ := p.Forward(s, obsTensor(s, io, probe.GridOf(io.ObsShape).Erase(x, chans)), nil)
		return s.MulScalar(interp.KLDiv(s, ref, edited), -float64(dir))
	})
}

// GoalSignalPenalty is the surrogate of the activation statistics (goal
// probe, SAE goal latent): at hooked layer, over pairs of frames with and
// without the goal (fr: Fit/Check with it, FitEdited/CheckEdited
// without), d = mean of act(with) − act(without); the signal ‖d‖² /
// Σ_j var_j (var_j the variance of unit j over both sets) is pushed in
// direction dir (loss −dir · signal). It is invariant to a common scale of
// the layer but not to per-unit scales, like the statistics it stands for.
func GoalSignalPenalty(io agents.PolicyIO, fr PenaltyData, layer string, dir Direction) Penalty {
	doc := fmt.Sprintf("%s the goal signal ‖mean(act(with goal) − act(without))‖² / Σ var at layer %s (surrogate of probe and SAE statistics).", dir, layer)
	return obsPenalty("goal_signal", doc, fr, io.ObsSize(), func(s *torch.Scope, p agents.Policy, set penaltySide, rows []int) *torch.Tensor {
		n := int64(len(rows))
		var act *torch.Tensor
		hook := func(_ *torch.Scope, l string, a *torch.Tensor) *torch.Tensor {
			if l == layer {
				act = a
			}
			return a
		}
		batch := append(rowsOf(set.obs, io.ObsSize(), rows), rowsOf(set.edited, io.ObsSize(), rows)...)
		p.Forward(s, obsTensor(s, io, batch), hook)
		if s.Err() != nil {
			return nil
		}
		if act == nil {
			s.Fail(fmt.Errorf("circumvent: policy has no layer %q", layer))
			return nil
		}
		a := s.Reshape(act, 2*n, -1)
		d := s.Mean(s.Sub(s.Slice(a, 0, 0, n, 1), s.Slice(a, 0, n, 2*n, 1)), false, 0)
		centred := s.Sub(a, s.Mean(a, true, 0))
		totalVar := s.AddScalar(s.Sum(s.Mean(s.Square(centred), false, 0), false), 1e-8)
		signal := s.Div(s.Sum(s.Square(d), false), totalVar)
		return s.MulScalar(signal, -float64(dir))
	})
}

// SelectVisible keeps the observations of obs in which every channel group
// of need is in view.
func SelectVisible(io agents.PolicyIO, obs []float32, need ...[]int) []float32 {
	g := probe.GridOf(io.ObsShape)
	var out []float32
	for _, o := range g.Split(obs) {
		keep := true
		for _, chans := range need {
			keep = keep && g.Visible(o, chans)
		}
		if keep {
			out = append(out, o...)
		}
	}
	return out
}

// WithLogits sets fr's Logits to orig's logits on its frames.
func (fr PenaltyData) WithLogits(orig agents.Policy) (PenaltyData, error) {
	f, err := Forward(orig, fr.Fit)
	if err != nil {
		return fr, err
	}
	c, err := Forward(orig, fr.Check)
	if err != nil {
		return fr, err
	}
	fr.FitLogits, fr.CheckLogits = f.Logits, c.Logits
	return fr, nil
}
