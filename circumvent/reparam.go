package circumvent

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Transform is a change of basis of one hidden space: unit u is first
// scaled by Scale[u] (nil: no scaling), then the units are reordered so
// that new unit j is old unit Perm[j] (nil: no reordering).
type Transform struct {
	Space string
	Perm  []int
	Scale []float64
}

// Apply changes ps in place by t. The policy's function is unchanged (to
// float rounding) for every valid transform; an invalid one (a scale the
// space's nonlinearity does not commute with, a Perm that is not a
// permutation, wrong lengths) is an error and leaves ps untouched.
func (ps *Params) Apply(t Transform) error {
	sp, err := SpaceByName(ps, t.Space)
	if err != nil {
		return err
	}
	if err := t.check(sp); err != nil {
		return err
	}
	for _, sl := range sp.Slots {
		if ps.Tensor(sl.Param) == nil {
			return fmt.Errorf("circumvent: space %s: no parameter %q", sp.Name, sl.Param)
		}
	}
	for _, sl := range sp.Slots {
		ht := ps.Tensor(sl.Param)
		ax := axisOf(ht.Shape, sl.Axis)
		if t.Scale != nil && sl.Role != Carrier {
			ax.scale(ht.Data, sl.Block, t.Scale, sl.Role == Consumer)
		}
		if t.Perm != nil {
			ax.permute(ht.Data, sl.Block, t.Perm)
		}
	}
	return nil
}

// check reports a transform that is not exact on sp.
func (t Transform) check(sp Space) error {
	if t.Scale != nil {
		if len(t.Scale) != sp.Size {
			return fmt.Errorf("circumvent: space %s: %d scales for %d units", sp.Name, len(t.Scale), sp.Size)
		}
		for u, s := range t.Scale {
			switch {
			case math.IsNaN(s) || math.IsInf(s, 0) || s == 0:
				return fmt.Errorf("circumvent: space %s: unit %d scale %v is not a finite nonzero number", sp.Name, u, s)
			case s < 0 && !sp.Signed:
				return fmt.Errorf("circumvent: space %s: unit %d scale %v: a ReLU commutes with positive scales only", sp.Name, u, s)
			}
		}
	}
	if t.Perm != nil {
		if len(t.Perm) != sp.Size {
			return fmt.Errorf("circumvent: space %s: permutation of %d for %d units", sp.Name, len(t.Perm), sp.Size)
		}
		seen := make([]bool, sp.Size)
		for _, u := range t.Perm {
			if u < 0 || u >= sp.Size || seen[u] {
				return fmt.Errorf("circumvent: space %s: %v is not a permutation", sp.Name, t.Perm)
			}
			seen[u] = true
		}
	}
	return nil
}

// axis is a view of one axis of a row-major tensor: outer blocks before
// it, its length n and the stride of one step along it.
type axis struct{ outer, n, stride int }

func axisOf(shape []int64, a int) axis {
	ax := axis{outer: 1, n: int(shape[a]), stride: 1}
	for i, d := range shape {
		switch {
		case i < a:
			ax.outer *= int(d)
		case i > a:
			ax.stride *= int(d)
		}
	}
	return ax
}

// scale multiplies (or with divide, divides) every element whose index
// along the axis belongs to unit u (index / block) by s[u]. Products are
// formed in float64 and rounded once.
func (ax axis) scale(data []float32, block int, s []float64, divide bool) {
	for o := 0; o < ax.outer; o++ {
		for i := 0; i < ax.n; i++ {
			f := s[i/block]
			base := (o*ax.n + i) * ax.stride
			for k := base; k < base+ax.stride; k++ {
				if divide {
					data[k] = float32(float64(data[k]) / f)
				} else {
					data[k] = float32(float64(data[k]) * f)
				}
			}
		}
	}
}

// permute reorders the units along the axis: new unit j takes old unit
// perm[j] (each unit is block consecutive indices).
func (ax axis) permute(data []float32, block int, perm []int) {
	old := append([]float32(nil), data...)
	span := block * ax.stride
	for o := 0; o < ax.outer; o++ {
		row := o * ax.n * ax.stride
		for j, u := range perm {
			copy(data[row+j*span:row+(j+1)*span], old[row+u*span:row+(u+1)*span])
		}
	}
}

// RandomPermutation is a uniformly random permutation of n units.
func RandomPermutation(rng *rand.Rand, n int) []int { return rng.Perm(n) }

// RandomScales draws n scales log-uniformly from [1/spread, spread]; with
// signed, each also gets a random sign (for spaces without a ReLU).
func RandomScales(rng *rand.Rand, n int, spread float64, signed bool) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Exp((2*rng.Float64() - 1) * math.Log(spread))
		if signed && rng.IntN(2) == 0 {
			out[i] = -out[i]
		}
	}
	return out
}

// BalanceBilinear rescales the bilinear block's two factors against each
// other: row k of bilinear.w by alpha[k] and row k of bilinear.v by
// 1/alpha[k], so each product (W_k·e)(V_k·e) is unchanged. It changes the
// factors' norms (and anything read from one factor alone) but not the
// interaction matrices sym(W_k ⊗ V_k) nor the function.
func (ps *Params) BalanceBilinear(alpha []float64) error {
	w, v := ps.Tensor("bilinear.w"), ps.Tensor("bilinear.v")
	if w == nil || v == nil {
		return fmt.Errorf("circumvent: BalanceBilinear: %s policy has no bilinear block", ps.Config.Arch)
	}
	if len(alpha) != int(w.Shape[0]) {
		return fmt.Errorf("circumvent: BalanceBilinear: %d factors for %d rows", len(alpha), w.Shape[0])
	}
	for k, a := range alpha {
		if math.IsNaN(a) || math.IsInf(a, 0) || a == 0 {
			return fmt.Errorf("circumvent: BalanceBilinear: row %d factor %v is not a finite nonzero number", k, a)
		}
	}
	axisOf(w.Shape, 0).scale(w.Data, 1, alpha, false)
	axisOf(v.Shape, 0).scale(v.Data, 1, alpha, true)
	return nil
}
