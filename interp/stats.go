package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/misgen/misgen/schema"
)

// PartialCorrelation returns the correlation of x and y after removing
// from each its least-squares linear fit on control (with intercept): how
// much x tracks y beyond what both share with control. With control nil it
// is Pearson(x, y). It returns 0 when a residual is constant. It panics if
// the lengths differ (programmer error).
func PartialCorrelation(x, y, control []float64) float64 {
	if len(x) != len(y) || (control != nil && len(control) != len(x)) {
		panic("interp: PartialCorrelation of slices with different lengths")
	}
	if control == nil {
		return Pearson(x, y)
	}
	return Pearson(residual(x, control), residual(y, control))
}

// residual returns y minus its least-squares fit a + b·x.
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

// ShiftNull is a permutation null for the strongest association between
// any column of acts and a concept. Rows are time-ordered steps, so
// neighbouring rows are not independent and shuffling rows would make the
// null too narrow; instead the concept (with its control) is rotated
// circularly by a random offset, which keeps both series' autocorrelation
// and breaks their alignment. Max[i] is the largest signed partial
// correlation over columns under the i-th rotation.
type ShiftNull struct {
	Max []float64
}

// NewShiftNull draws shifts rotations (offsets uniform in [n/10, 9n/10],
// away from the unrotated alignment) from seed and records the column
// maximum of PartialCorrelation(col, rotated concept, rotated control).
func NewShiftNull(acts Matrix, concept, control []float64, shifts int, seed uint64) (ShiftNull, error) {
	n := acts.Rows
	if len(concept) != n || (control != nil && len(control) != n) {
		return ShiftNull{}, fmt.Errorf("shift null: %d concept values for %d rows", len(concept), n)
	}
	if n < 10 || shifts < 1 {
		return ShiftNull{}, fmt.Errorf("shift null: %d rows, %d shifts: want at least 10 rows and one shift", n, shifts)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5417))
	cols := columns(acts)
	out := ShiftNull{Max: make([]float64, shifts)}
	rc, rk := make([]float64, n), []float64(nil)
	if control != nil {
		rk = make([]float64, n)
	}
	for i := range out.Max {
		off := n/10 + rng.IntN(n-2*(n/10)+1)
		for r := range rc {
			rc[r] = concept[(r+off)%n]
			if rk != nil {
				rk[r] = control[(r+off)%n]
			}
		}
		best := math.Inf(-1)
		for _, c := range cols {
			best = max(best, PartialCorrelation(c, rc, rk))
		}
		out.Max[i] = best
	}
	return out, nil
}

// P returns the one-sided permutation p-value of an observed maximum:
// (1 + #{null ≥ observed}) / (1 + shifts).
func (s ShiftNull) P(observed float64) float64 {
	k := 0
	for _, v := range s.Max {
		if v >= observed {
			k++
		}
	}
	return float64(1+k) / float64(1+len(s.Max))
}

// columns returns the columns of m as float64 slices.
func columns(m Matrix) [][]float64 {
	out := make([][]float64, m.Cols)
	for j := range out {
		out[j] = make([]float64, m.Rows)
	}
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			out[j][i] = float64(v)
		}
	}
	return out
}

// McNemar returns the exact two-sided McNemar p-value for paired binary
// outcomes with b pairs that changed one way and c the other: twice the
// smaller binomial(b+c, ½) tail, capped at 1. With no discordant pairs it
// is 1.
func McNemar(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	// P(X ≤ k) for X ~ Binomial(n, ½), summed in log space.
	tail := 0.0
	for i := 0; i <= k; i++ {
		tail += math.Exp(Log2Binomial(n, i)*math.Ln2 - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*tail)
}

// Paired compares base[i] and treated[i] of the same units (see
// schema.PairedDifference), resampling units iters times with seed for the
// percentile interval. It panics if
// the lengths differ (programmer error).
func Paired(base, treated []bool, iters int, seed uint64) schema.PairedDifference {
	if len(base) != len(treated) {
		panic("interp: Paired outcomes of different lengths")
	}
	n := len(base)
	d := schema.PairedDifference{N: n}
	diff := make([]float64, n)
	for i := range base {
		b, t := b2f(base[i]), b2f(treated[i])
		d.Base += b
		d.Treated += t
		diff[i] = t - b
		switch {
		case t > b:
			d.Up++
		case t < b:
			d.Down++
		}
	}
	if n == 0 {
		d.P, d.Lo, d.Hi = 1, -1, 1
		return d
	}
	d.Base /= float64(n)
	d.Treated /= float64(n)
	d.Delta = d.Treated - d.Base
	d.P = McNemar(d.Up, d.Down)
	rng := rand.New(rand.NewPCG(seed, 0xb007))
	means := make([]float64, iters)
	for it := range means {
		var sum float64
		for range n {
			sum += diff[rng.IntN(n)]
		}
		means[it] = sum / float64(n)
	}
	sort.Float64s(means)
	d.Lo, d.Hi = d.Delta, d.Delta
	if iters > 0 {
		d.Lo, d.Hi = quantile(means, 0.025), quantile(means, 0.975)
	}
	return d
}

// quantile returns the q-quantile of sorted xs by linear interpolation.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}

// Holm returns Holm–Bonferroni adjusted p-values (in input order): reject
// comparison i at family-wise level α when adjusted[i] ≤ α.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, m)
	running := 0.0
	for rank, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-rank)*p[i]))
		out[i] = running
	}
	return out
}
