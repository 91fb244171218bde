package interp

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// LatentEdit sets one SAE latent to Value in every row: Value 0 ablates
// it, any other value clamps it.
type LatentEdit struct {
	Latent int     `json:"latent"`
	Value  float32 `json:"value"`
}

// EditHook returns a hook that, at site, encodes the rows with m,
// applies the edits to the code, decodes, and adds back m's error term
// x − x̂, so the layer output changes only by W_dec·(z' − z): the edited
// latents' contribution, nothing the SAE fails to reconstruct.
func EditHook(site Site, m *SAE, edits []LatentEdit) Hook {
	n := m.Config.Latents
	keep := make([]float32, n)
	set := make([]float32, n)
	for i := range keep {
		keep[i] = 1
	}
	for _, e := range edits {
		if e.Latent < 0 || e.Latent >= n {
			panic(fmt.Sprintf("interp: EditHook latent %d outside [0, %d)", e.Latent, n))
		}
		keep[e.Latent] = 0
		set[e.Latent] = e.Value
	}
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		z := m.Encode(s, x)
		edited := s.Add(s.Mul(z, s.FromFloat32(keep, 1, int64(n))), s.FromFloat32(set, 1, int64(n)))
		delta := s.Linear(s.Sub(edited, z), m.WDec, nil)
		return s.Add(x, delta)
	})
}

// PairedVector returns the mean of with[i] − without[i] over paired rows:
// the activations of the same states with and without the goal in the
// observation (envs.GoalEditor). Unlike a difference of means over
// different states, it cannot pick up where the agent is or what else is
// on screen, only what the goal itself changes.
func PairedVector(with, without Matrix) ([]float32, error) {
	if with.Rows != without.Rows || with.Cols != without.Cols {
		return nil, fmt.Errorf("paired vector: %d×%d and %d×%d rows", with.Rows, with.Cols, without.Rows, without.Cols)
	}
	if with.Rows == 0 {
		return nil, fmt.Errorf("paired vector: no pairs")
	}
	sum := make([]float64, with.Cols)
	for i := 0; i < with.Rows; i++ {
		a, b := with.Row(i), without.Row(i)
		for j := range sum {
			sum[j] += float64(a[j] - b[j])
		}
	}
	out := make([]float32, with.Cols)
	for j := range out {
		out[j] = float32(sum[j] / float64(with.Rows))
	}
	return out, nil
}

// SteerHook returns a hook that adds scale·vec to every row of the site;
// a negative scale subtracts it.
func SteerHook(site Site, vec []float32, scale float64) Hook {
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		if x.Shape()[1] != int64(len(vec)) {
			s.Fail(fmt.Errorf("steer %s: vector has %d values, rows have %d", site, len(vec), x.Shape()[1]))
			return nil
		}
		return s.Add(x, s.MulScalar(s.FromFloat32(vec, 1, int64(len(vec))), scale))
	})
}
