package audit

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/misgen/misgen/interp"
)

// Ranks returns the 1-based ranks of xs with ties given the mean of the
// ranks they span (the "average" method of scipy.stats.rankdata), so
// Spearman's ρ of tied data is the Pearson correlation of these ranks.
// NaN values are not allowed (the caller drops them first).
func Ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// Pearson returns the Pearson correlation of x and y (equal lengths), or
// NaN when either has zero variance or fewer than 2 points (a missing
// statistic, where interp.Pearson, which it calls otherwise, says 0).
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("audit: Pearson of slices of different lengths")
	}
	if len(x) < 2 || constant(x) || constant(y) {
		return math.NaN()
	}
	return interp.Pearson(x, y)
}

// constant reports whether every value of x is the same.
func constant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// Spearman returns Spearman's rank correlation ρ of x and y: the Pearson
// correlation of their average ranks (ties share the mean rank). It is NaN
// when either variable is constant or there are fewer than 2 points.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("audit: Spearman of slices of different lengths")
	}
	return Pearson(Ranks(x), Ranks(y))
}

// Interval is a point estimate with a 95% interval. Lo and Hi are NaN when
// the interval cannot be computed (too few usable resamples).
type Interval struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// BootstrapOptions fix a percentile bootstrap: Resamples draws of the
// units with replacement from a PCG generator seeded by Seed. Strata, if
// set, gives each unit's stratum (its group): units are resampled within
// their own stratum, so every resample keeps the group sizes.
type BootstrapOptions struct {
	Resamples int
	Seed      uint64
	Strata    []int
}

// DefaultBootstrap is the audit's bootstrap: 2000 resamples, seed 1.
var DefaultBootstrap = BootstrapOptions{Resamples: 2000, Seed: 1}

// minUsable is the share of resamples that must give a finite statistic
// for the interval to be reported.
const minUsable = 0.5

// Bootstrap returns stat on the n units (indices 0..n-1) with a percentile
// 95% interval from resampling units with replacement: the 2.5% and 97.5%
// quantiles (linear interpolation between order statistics, as numpy's
// default) of the finite resampled values. Resamples where stat is NaN
// (e.g. a constant resample) are dropped; when more than half are
// dropped, the interval is NaN.
func Bootstrap(n int, stat func(idx []int) float64, o BootstrapOptions) Interval {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	out := Interval{Value: stat(all), Lo: math.NaN(), Hi: math.NaN()}
	if n < 2 || o.Resamples < 1 {
		return out
	}
	if o.Strata != nil && len(o.Strata) != n {
		panic("audit: Bootstrap strata length differs from n")
	}
	groups := strataMembers(n, o.Strata)
	rng := rand.New(rand.NewPCG(o.Seed, 0xb007))
	vals := make([]float64, 0, o.Resamples)
	idx := make([]int, 0, n)
	for b := 0; b < o.Resamples; b++ {
		idx = idx[:0]
		for _, g := range groups {
			for range g {
				idx = append(idx, g[rng.IntN(len(g))])
			}
		}
		if v := stat(idx); !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
		}
	}
	if float64(len(vals)) < minUsable*float64(o.Resamples) {
		return out
	}
	sort.Float64s(vals)
	out.Lo, out.Hi = Quantile(vals, 0.025), Quantile(vals, 0.975)
	return out
}

// strataMembers lists the unit indices of each stratum in order of first
// appearance (one stratum with every unit when strata is nil).
func strataMembers(n int, strata []int) [][]int {
	if strata == nil {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	pos := map[int]int{}
	var groups [][]int
	for i, s := range strata {
		k, ok := pos[s]
		if !ok {
			k = len(groups)
			pos[s] = k
			groups = append(groups, nil)
		}
		groups[k] = append(groups[k], i)
	}
	return groups
}

// Quantile returns the q-quantile of sorted values by linear interpolation
// between order statistics (numpy's default "linear" method).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	f := pos - float64(lo)
	return sorted[lo] + f*(sorted[lo+1]-sorted[lo])
}

// SpearmanCI is Spearman's ρ of x and y over the units with a bootstrap
// 95% interval (resampling units, within strata when o.Strata is set).
func SpearmanCI(x, y []float64, o BootstrapOptions) Interval {
	return Bootstrap(len(x), func(idx []int) float64 {
		return Spearman(pick(x, idx), pick(y, idx))
	}, o)
}

// WithinGroupSpearman is a rank correlation of x and y within groups: both
// variables are ranked over all units, each group's mean rank is
// subtracted from its members, and the Pearson correlation of the centred
// ranks is returned. It measures whether the
// statistic orders agents that share a training config (seed-to-seed
// variation), pooling every group into one number; NaN when no group has
// two units with different values.
func WithinGroupSpearman(x, y []float64, groups []int) float64 {
	rx, ry := centreByGroup(Ranks(x), groups), centreByGroup(Ranks(y), groups)
	return Pearson(rx, ry)
}

// centreByGroup subtracts each group's mean from its members.
func centreByGroup(v []float64, groups []int) []float64 {
	sum, cnt := map[int]float64{}, map[int]int{}
	for i, g := range groups {
		sum[g] += v[i]
		cnt[g]++
	}
	out := make([]float64, len(v))
	for i, g := range groups {
		out[i] = v[i] - sum[g]/float64(cnt[g])
	}
	return out
}

// WithinGroupSpearmanCI is WithinGroupSpearman with a bootstrap interval
// that resamples units within their groups.
func WithinGroupSpearmanCI(x, y []float64, groups []int, o BootstrapOptions) Interval {
	o.Strata = groups
	return Bootstrap(len(x), func(idx []int) float64 {
		return WithinGroupSpearman(pick(x, idx), pick(y, idx), pickInt(groups, idx))
	}, o)
}

func pick(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = v[j]
	}
	return out
}

func pickInt(v []int, idx []int) []int {
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = v[j]
	}
	return out
}
