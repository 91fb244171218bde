package circumvent

import (
	"fmt"
	"math/rand/v2"
)

// Control is a named function-preserving reparametrisation: a passive
// control. A statistic that changes under one measures the
// parametrisation, not the function.
type Control struct {
	Name string
	Doc  string
	// Applies reports whether the control exists for an architecture.
	Applies func(arch string) bool
	// Apply returns a reparametrised copy of ps; rng draws its factors.
	Apply func(ps *Params, rng *rand.Rand) (*Params, error)
}

// ControlSpread bounds the random scales of the controls: factors are
// log-uniform in [1/ControlSpread, ControlSpread].
const ControlSpread = 4

// Controls lists the passive controls in report order.
func Controls() []Control {
	every := func(string) bool { return true }
	return []Control{
		{Name: "permute", Applies: every,
			Doc: "Every hidden space's units (channels, neurons) reordered by an independent random permutation, in every parameter that writes or reads them.",
			Apply: func(ps *Params, rng *rand.Rand) (*Params, error) {
				return eachSpace(ps, func(sp Space) Transform { return Transform{Space: sp.Name, Perm: RandomPermutation(rng, sp.Size)} })
			}},
		{Name: "scale", Applies: every,
			Doc: fmt.Sprintf("Every hidden space's units scaled by independent log-uniform factors in [1/%d, %d] (random signs in the bilinear space, which has no ReLU), compensated by the parameters that read them.", ControlSpread, ControlSpread),
			Apply: func(ps *Params, rng *rand.Rand) (*Params, error) {
				return eachSpace(ps, func(sp Space) Transform {
					return Transform{Space: sp.Name, Scale: RandomScales(rng, sp.Size, ControlSpread, sp.Signed)}
				})
			}},
		{Name: "scale-first", Applies: every,
			Doc: fmt.Sprintf("Only the first layer's units (IMPALA stage0 channels, MLP fc0, bilinear hidden) scaled by log-uniform factors in [1/%d, %d], compensated downstream.", ControlSpread, ControlSpread),
			Apply: func(ps *Params, rng *rand.Rand) (*Params, error) {
				sp, err := FirstSpace(ps)
				if err != nil {
					return nil, err
				}
				out := ps.Clone()
				return out, out.Apply(Transform{Space: sp.Name, Scale: RandomScales(rng, sp.Size, ControlSpread, sp.Signed)})
			}},
		{Name: "permute+scale", Applies: every,
			Doc: "Both at once on every hidden space: scaled as in scale, then permuted as in permute.",
			Apply: func(ps *Params, rng *rand.Rand) (*Params, error) {
				return eachSpace(ps, func(sp Space) Transform {
					return Transform{Space: sp.Name, Scale: RandomScales(rng, sp.Size, ControlSpread, sp.Signed), Perm: RandomPermutation(rng, sp.Size)}
				})
			}},
		{Name: "balance", Applies: func(arch string) bool { return arch == "bilinear" },
			Doc: fmt.Sprintf("Bilinear only: row k of bilinear.w times α_k and of bilinear.v divided by α_k, α_k log-uniform in [1/%d, %d] with a random sign; every product (W_k·e)(V_k·e) is unchanged.", ControlSpread, ControlSpread),
			Apply: func(ps *Params, rng *rand.Rand) (*Params, error) {
				out := ps.Clone()
				return out, out.BalanceBilinear(RandomScales(rng, ps.Config.Hidden, ControlSpread, true))
			}},
	}
}

// eachSpace returns a copy of ps with the transform f builds applied to
// every hidden space, in forward order.
func eachSpace(ps *Params, f func(Space) Transform) (*Params, error) {
	spaces, err := Spaces(ps)
	if err != nil {
		return nil, err
	}
	out := ps.Clone()
	for _, sp := range spaces {
		if err := out.Apply(f(sp)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
