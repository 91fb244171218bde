package audit

import (
	"fmt"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
)

// igRows bounds the interpolated inputs of one backward pass.
const igRows = 2048

// IntegratedGradients attributes, for each observation x_i with baseline
// b_i, the logit F_i of action a_i (Sundararajan et al. 2017):
//
//	attr_i = (x_i − b_i) ⊙ (1/m) Σ_k ∇F_i(b_i + α_k (x_i − b_i)),  α_k = (k − ½)/m
//
// (the midpoint rule with m = steps). By completeness Σ attr_i approaches
// F_i(x_i) − F_i(b_i) as m grows; Gap[i] is that difference minus Σ attr_i,
// the integration error. x and base hold n observations each; the policy's
// parameters are not differentiated (their requires-grad flags are
// restored afterwards).
func IntegratedGradients(policy agents.Policy, x, base []float32, actions []int, steps int) (attr []float32, gap []float64, err error) {
	io := policy.IO()
	size := io.ObsSize()
	n := len(actions)
	if len(x) != n*size || len(base) != n*size || steps < 1 {
		return nil, nil, fmt.Errorf("audit: IntegratedGradients: %d observations, %d baselines for %d actions, %d steps", len(x)/size, len(base)/size, n, steps)
	}
	restore, err := freezeParams(policy)
	if err != nil {
		return nil, nil, err
	}
	defer restore()
	attr = make([]float32, n*size)
	chunk := max(1, igRows/steps)
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		if err := igChunk(policy, x[lo*size:hi*size], base[lo*size:hi*size], actions[lo:hi], steps, attr[lo*size:hi*size]); err != nil {
			return nil, nil, err
		}
	}
	fx, err := actionLogits(policy, x, actions)
	if err != nil {
		return nil, nil, err
	}
	fb, err := actionLogits(policy, base, actions)
	if err != nil {
		return nil, nil, err
	}
	gap = make([]float64, n)
	for i := range gap {
		var sum float64
		for _, a := range attr[i*size : (i+1)*size] {
			sum += float64(a)
		}
		gap[i] = fx[i] - fb[i] - sum
	}
	return attr, gap, nil
}

// igChunk computes the attributions of a few observations into dst.
func igChunk(policy agents.Policy, x, base []float32, actions []int, steps int, dst []float32) error {
	io := policy.IO()
	size, sh := io.ObsSize(), io.ObsShape
	m := len(actions)
	inputs := make([]float32, 0, m*steps*size)
	idx := make([]int64, 0, m*steps)
	for j := 0; j < m; j++ {
		xj, bj := x[j*size:(j+1)*size], base[j*size:(j+1)*size]
		for k := 0; k < steps; k++ {
			alpha := (float32(k) + 0.5) / float32(steps)
			for i := range xj {
				inputs = append(inputs, bj[i]+alpha*(xj[i]-bj[i]))
			}
			idx = append(idx, int64(actions[j]))
		}
	}
	s := torch.NewScope()
	defer s.Close()
	in := s.FromFloat32(inputs, int64(m*steps), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	if err := s.Err(); err != nil {
		return err
	}
	if err := in.SetRequiresGrad(true); err != nil {
		return err
	}
	logits, _ := policy.Forward(s, in, nil)
	sel := s.Gather(logits, 1, s.FromInt64(idx, int64(m*steps), 1))
	total := s.Sum(sel, false)
	if err := s.Err(); err != nil {
		return fmt.Errorf("audit: integrated gradients: %w", err)
	}
	if err := total.Backward(); err != nil {
		return fmt.Errorf("audit: integrated gradients: %w", err)
	}
	g := s.Grad(in)
	if err := s.Err(); err != nil {
		return err
	}
	grads, err := g.Float32s()
	if err != nil {
		return err
	}
	for j := 0; j < m; j++ {
		xj, bj, d := x[j*size:(j+1)*size], base[j*size:(j+1)*size], dst[j*size:(j+1)*size]
		for i := range d {
			var sum float32
			for k := 0; k < steps; k++ {
				sum += grads[(j*steps+k)*size+i]
			}
			d[i] = (xj[i] - bj[i]) * sum / float32(steps)
		}
	}
	return nil
}

// actionLogits returns the logit of actions[i] at observation i.
func actionLogits(policy agents.Policy, obs []float32, actions []int) ([]float64, error) {
	io := policy.IO()
	n := len(actions)
	s := torch.NewNoGradScope()
	defer s.Close()
	sh := io.ObsShape
	logits, _ := policy.Forward(s, s.FromFloat32(obs, int64(n), int64(sh[0]), int64(sh[1]), int64(sh[2])), nil)
	if err := s.Err(); err != nil {
		return nil, err
	}
	all, err := logits.Float32s()
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i, a := range actions {
		out[i] = float64(all[i*io.NumActions+a])
	}
	return out, nil
}

// freezeParams turns off requires-grad on the policy's parameters and
// returns the function that restores their flags.
func freezeParams(policy agents.Policy) (func(), error) {
	params := policy.Params()
	was := make([]bool, len(params))
	for i, p := range params {
		was[i] = p.Tensor.RequiresGrad()
		if err := p.Tensor.SetRequiresGrad(false); err != nil {
			return nil, err
		}
	}
	return func() {
		for i, p := range params {
			p.Tensor.SetRequiresGrad(was[i])
		}
	}, nil
}
