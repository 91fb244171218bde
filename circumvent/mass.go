package circumvent

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/agents/probe"
)

// UnitChannelMass returns, for each unit of the first hidden space
// (FirstSpace) and each input channel, the sum of squared first-layer
// weights by which the unit reads the channel: mass[u][c].
func UnitChannelMass(ps *Params) ([][]float64, error) {
	name := ps.Config.FirstLayer()
	w := ps.Tensor(name)
	if w == nil {
		return nil, fmt.Errorf("circumvent: %s policy has no first-layer parameter %q", ps.Config.Arch, name)
	}
	return probe.UnitChannelMass(*w, ps.IO.ObsShape[0])
}

// WeightShare is the share of first-layer weight mass on the goal channels:
// Σ mass[goal] / (Σ mass[goal] + Σ mass[proxy]) over every unit (NaN when
// both are 0). It is the weight statistic of the audit in its simplest
// form: a function of the parametrisation, which positive rescaling of
// first-layer units changes without changing the policy.
func WeightShare(ps *Params, goal, proxy []int) (float64, error) {
	mass, err := UnitChannelMass(ps)
	if err != nil {
		return 0, err
	}
	var g, p float64
	for _, m := range mass {
		g += sum(m, goal)
		p += sum(m, proxy)
	}
	if g+p == 0 {
		return math.NaN(), nil
	}
	return g / (g + p), nil
}

func sum(v []float64, idx []int) float64 {
	var s float64
	for _, i := range idx {
		s += v[i]
	}
	return s
}

// ShareScaling returns the exact transform of the first hidden space
// (unit scales in [1/spread, spread]) that pushes the first-layer goal
// share (WeightShare) as high as it can go (up) or as low (!up). The share
// after scaling unit u by s_u is Σ s_u² g_u / Σ s_u² (g_u + p_u), a ratio
// of linear functions of the s_u², so its extremes over the box lie at
// corners: units whose own share g_u/(g_u+p_u) is above a threshold get
// spread, the others 1/spread, and the best threshold is found by trying
// each in order of the units' shares.
func ShareScaling(ps *Params, goal, proxy []int, spread float64, up bool) (Transform, error) {
	mass, err := UnitChannelMass(ps)
	if err != nil {
		return Transform{}, err
	}
	n := len(mass)
	g, tot := make([]float64, n), make([]float64, n)
	for u, m := range mass {
		g[u], tot[u] = sum(m, goal), sum(m, goal)+sum(m, proxy)
	}
	ratio := func(u int) float64 {
		if tot[u] == 0 {
			return 0.5
		}
		return g[u] / tot[u]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { // favoured units first
		if up {
			return ratio(order[a]) > ratio(order[b])
		}
		return ratio(order[a]) < ratio(order[b])
	})
	hi, lo := spread*spread, 1/(spread*spread)
	best, bestK := math.NaN(), 0
	for k := 0; k <= n; k++ { // the first k favoured units get spread
		var num, den float64
		for i, u := range order {
			t := lo
			if i < k {
				t = hi
			}
			num += t * g[u]
			den += t * tot[u]
		}
		if den == 0 {
			continue
		}
		if sh := num / den; math.IsNaN(best) || (up && sh > best) || (!up && sh < best) {
			best, bestK = sh, k
		}
	}
	scale := make([]float64, n)
	for i, u := range order {
		scale[u] = 1 / spread
		if i < bestK {
			scale[u] = spread
		}
	}
	first, err := FirstSpace(ps)
	if err != nil {
		return Transform{}, err
	}
	return Transform{Space: first.Name, Scale: scale}, nil
}
