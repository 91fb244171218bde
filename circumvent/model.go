package circumvent

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/internal/torch"
)

// Outputs are a policy's logits (n rows of NumActions) and values (n) on
// a batch of observations.
type Outputs struct {
	Logits []float32
	Values []float32
}

// Forward runs p without autograd on the n observations of obs (n·C·H·W
// values, the policy's IO shape).
func Forward(p agents.Policy, obs []float32) (Outputs, error) {
	io := p.IO()
	n := len(obs) / io.ObsSize()
	out := Outputs{Logits: make([]float32, 0, n*io.NumActions), Values: make([]float32, 0, n)}
	err := agents.ForwardBatches(p, obs, nil, func(_ *torch.Scope, _ int, logits, values *torch.Tensor) error {
		l, err := logits.Float32s()
		if err != nil {
			return err
		}
		v, err := values.Float32s()
		out.Logits, out.Values = append(out.Logits, l...), append(out.Values, v...)
		return err
	})
	if err != nil {
		return Outputs{}, fmt.Errorf("circumvent: %w", err)
	}
	return out, nil
}

// Compare runs p and q on obs and returns their Diff.
func Compare(p, q agents.Policy, obs []float32) (Diff, error) {
	a, err := Forward(p, obs)
	if err != nil {
		return Diff{}, err
	}
	b, err := Forward(q, obs)
	if err != nil {
		return Diff{}, err
	}
	var d Diff
	for i := range a.Logits {
		d.MaxLogit = math.Max(d.MaxLogit, math.Abs(float64(a.Logits[i]-b.Logits[i])))
	}
	for i := range a.Values {
		d.MaxValue = math.Max(d.MaxValue, math.Abs(float64(a.Values[i]-b.Values[i])))
	}
	na := p.IO().NumActions
	n := len(a.Values)
	for i := 0; i < n; i++ {
		k := probe.KL(stats.LogSoftmax(stats.Float64s(a.Logits[i*na:(i+1)*na])), stats.LogSoftmax(stats.Float64s(b.Logits[i*na:(i+1)*na])))
		d.MeanKL += k / float64(n)
		d.MaxKL = math.Max(d.MaxKL, k)
	}
	return d, nil
}
