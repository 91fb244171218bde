package probe

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

// LogProbs runs policy without autograd on n observations (obs holds
// n·C·H·W values, in batches of agents.MaxForwardBatch) and returns their
// action log-probabilities, n rows of NumActions values. hook, if not
// nil, is passed to every forward pass (an intervention).
func LogProbs(policy agents.Policy, obs []float32, hook agents.Hook) ([]float64, error) {
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
		return nil, fmt.Errorf("probe: %w", err)
	}
	return out, nil
}

// KL is KL(p ‖ q) = Σ p (log p − log q) for two rows of log-probabilities,
// clamped at 0 against rounding.
func KL(logP, logQ []float64) float64 {
	var k float64
	for i, lp := range logP {
		if p := math.Exp(lp); p > 0 {
			k += p * (lp - logQ[i])
		}
	}
	return math.Max(k, 0)
}

// Acts are activations of one layer: Rows observations of Cols values
// each (the layer's output flattened), row-major. It has the layout of
// interp.Matrix and converts to it.
type Acts struct {
	Rows, Cols int
	Data       []float32 // len Rows*Cols
}

// Row returns row i (aliasing Data).
func (a Acts) Row(i int) []float32 { return a.Data[i*a.Cols : (i+1)*a.Cols] }

// LayerActivations runs policy without autograd on the observations of
// obs (n·C·H·W values, in batches of agents.MaxForwardBatch) and returns
// the output of each named hook point (agents.Policy.Layers), one row per
// observation. A layer the forward pass does not reach is an error.
func LayerActivations(policy agents.Policy, obs []float32, layers ...string) (map[string]Acts, error) {
	out := make(map[string]Acts, len(layers))
	for _, l := range layers {
		out[l] = Acts{}
	}
	var capErr error
	hook := func(_ *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		a, ok := out[name]
		if !ok || capErr != nil {
			return act
		}
		sh := act.Shape()
		rows := int(sh[0])
		cols := int(act.Numel()) / max(rows, 1)
		if a.Rows > 0 && cols != a.Cols {
			capErr = fmt.Errorf("probe: layer %q: %d values per row, then %d", name, a.Cols, cols)
			return act
		}
		old := len(a.Data)
		a.Data = append(a.Data, make([]float32, rows*cols)...)
		if err := act.CopyToFloat32(a.Data[old:]); err != nil {
			capErr = fmt.Errorf("probe: layer %q: %w", name, err)
			return act
		}
		a.Rows, a.Cols = a.Rows+rows, cols
		out[name] = a
		return act
	}
	if err := agents.ForwardBatches(policy, obs, hook, func(*torch.Scope, int, *torch.Tensor, *torch.Tensor) error { return capErr }); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	n := len(obs) / policy.IO().ObsSize()
	for _, l := range layers {
		if out[l].Rows != n {
			return nil, fmt.Errorf("probe: %s policy has no layer %q", policy.Config().Arch, l)
		}
	}
	return out, nil
}

// Argmax returns the index of the largest of v, the first among equals:
// the greedy action of a row of logits or probabilities. It panics on an
// empty v.
func Argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
