package stats

import (
	"cmp"
	"math"
	"slices"
)

// Ranks returns the 1-based ranks of x, ties given the mean of the ranks
// they span (scipy.stats.rankdata's "average" method). NaN values get a
// NaN rank and the others are ranked among themselves.
func Ranks(x []float64) []float64 {
	r := make([]float64, len(x))
	idx := make([]int, 0, len(x))
	for i, v := range x {
		if math.IsNaN(v) {
			r[i] = nan
			continue
		}
		idx = append(idx, i)
	}
	// Stability is not needed: tied values share one rank.
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Pearson returns the Pearson product-moment correlation of x and y,
// clamped to [−1, 1]. It is NaN when n < 3, when either input is constant
// or when any value is NaN. It panics if the lengths differ.
func Pearson(x, y []float64) float64 {
	mustSameLen("Pearson", len(x), len(y))
	if len(x) < 3 || anyNaN(x) || anyNaN(y) || constant(x) || constant(y) {
		return nan
	}
	mx, my := Mean(x), Mean(y)
	var sxx, syy, sxy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy)))
}

// Spearman returns Spearman's rank correlation ρ of x and y: the Pearson
// correlation of their average ranks (Ranks), so ties are handled as in
// scipy.stats.spearmanr. It has Pearson's NaN rule: NaN when n < 3,
// when either input is constant or when any value is NaN. It panics if
// the lengths differ.
func Spearman(x, y []float64) float64 {
	mustSameLen("Spearman", len(x), len(y))
	if len(x) < 3 || anyNaN(x) || anyNaN(y) {
		return nan
	}
	return Pearson(Ranks(x), Ranks(y))
}

// PartialCorrelation returns the Pearson correlation of x and y after
// removing from each its least-squares line a + b·control: how much x
// tracks y beyond what both share with control. With control nil it is
// Pearson(x, y). It has Pearson's NaN rule, applied to the residuals: NaN
// when n < 3, when either residual is constant (e.g. x is constant, or an
// exact line in control) or when any value is NaN. It panics if the
// lengths differ.
func PartialCorrelation(x, y, control []float64) float64 {
	mustSameLen("PartialCorrelation", len(x), len(y))
	if control == nil {
		return Pearson(x, y)
	}
	mustSameLen("PartialCorrelation", len(x), len(control))
	return Pearson(residual(x, control), residual(y, control))
}

// residual returns y minus its least-squares line a + b·x (b = 0 when x
// is constant).
func residual(y, x []float64) []float64 {
	n := float64(len(y))
	var mx, my float64
	for i := range y {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range y {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	b := 0.0
	if sxx > 0 {
		b = sxy / sxx
	}
	out := make([]float64, len(y))
	for i := range y {
		out[i] = y[i] - my - b*(x[i]-mx)
	}
	return out
}
