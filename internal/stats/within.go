package stats

import (
	"math"
)

// WithinClusterSpearman is the pooled within-cluster rank correlation of
// x and y: each variable is ranked within each cluster (average ranks for
// ties), each cluster's mean rank is subtracted from its members, and the
// result is Σ cx·cy / √(Σ cx² · Σ cy²) over all units, the Pearson
// correlation of the centred within-cluster ranks. Differences between
// clusters (e.g. one config's agents all scoring higher) do not enter: it
// measures how well x orders the units of the same cluster on y, pooled
// over clusters. (Unlike a global ranking centred per cluster, a shift of
// one cluster's values leaves it unchanged.) With clusters nil, or one
// cluster, it is Spearman's ρ. Single-unit clusters contribute nothing.
//
// It is NaN when fewer than 3 units lie in clusters of 2 or more, when x
// or y is constant within every cluster, or when any value is NaN. It
// panics if the lengths differ.
func WithinClusterSpearman(x, y []float64, clusters []int) float64 {
	mustSameLen("WithinClusterSpearman", len(x), len(y))
	mustClusters("WithinClusterSpearman", len(x), clusters)
	if clusters == nil {
		return Spearman(x, y)
	}
	if anyNaN(x) || anyNaN(y) {
		return nan
	}
	groups := groupsOf(len(x), clusters)
	cx, cy := centredRanks(x, groups), centredRanks(y, groups)
	return pooledCorr(cx, cy, groups)
}

// centredRanks ranks v within each group and subtracts the group's mean
// rank ((m+1)/2 for m members).
func centredRanks(v []float64, groups [][]int) []float64 {
	out := make([]float64, len(v))
	var buf []float64
	for _, g := range groups {
		buf = pickInto(buf, v, g)
		mid := float64(len(g)+1) / 2
		for k, r := range Ranks(buf) {
			out[g[k]] = r - mid
		}
	}
	return out
}

// pooledCorr is Σ cx·cy / √(Σ cx² Σ cy²) with the NaN rule of
// WithinClusterSpearman.
func pooledCorr(cx, cy []float64, groups [][]int) float64 {
	paired := 0
	for _, g := range groups {
		if len(g) >= 2 {
			paired += len(g)
		}
	}
	var sxx, syy, sxy float64
	for i := range cx {
		sxx += cx[i] * cx[i]
		syy += cy[i] * cy[i]
		sxy += cx[i] * cy[i]
	}
	if paired < 3 || sxx == 0 || syy == 0 {
		return nan
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy)))
}

// PermutationWithin tests WithinClusterSpearman against the null that y
// is exchangeable within clusters (x carries no information about the
// ordering of units within a cluster). It returns rho =
// WithinClusterSpearman(x, y, clusters) and a two-sided p-value: the
// share of within-cluster permutations of y with |ρ| ≥ |rho| (a 1e-12
// tolerance counts ties of floating-point rounding as ties).
//
// When the number of within-cluster permutations, Π mᵢ! over clusters of
// mᵢ units, is at most permutations, every one is enumerated and p is
// exact: k/M with the identity among the M permutations, so p ≥ 1/M.
// Otherwise p is a Monte-Carlo estimate from permutations random
// within-cluster shuffles (PCG seeded by seed): (k+1)/(permutations+1),
// which is a valid p-value. With clusters nil all units form one cluster:
// the ordinary permutation test of Spearman's ρ. p is NaN when rho is, or
// when permutations < 1. It panics if the lengths differ.
func PermutationWithin(x, y []float64, clusters []int, permutations int, seed uint64) (rho, p float64) {
	mustSameLen("PermutationWithin", len(x), len(y))
	mustClusters("PermutationWithin", len(x), clusters)
	if clusters == nil {
		clusters = make([]int, len(x))
	}
	rho = WithinClusterSpearman(x, y, clusters)
	if math.IsNaN(rho) || permutations < 1 {
		return rho, nan
	}
	groups := groupsOf(len(x), clusters)
	pt := permTest{cx: centredRanks(x, groups), cy: centredRanks(y, groups), groups: groups}
	var sxx, syy float64
	for i := range pt.cx {
		sxx += pt.cx[i] * pt.cx[i]
		syy += pt.cy[i] * pt.cy[i]
	}
	// |Σ cx·cy| is compared on the unnormalised scale.
	pt.thresh = math.Abs(rho)*math.Sqrt(sxx*syy) - 1e-12*math.Max(1, math.Sqrt(sxx*syy))
	if total, ok := permCount(groups, permutations); ok {
		return rho, float64(pt.exact()) / float64(total)
	}
	k := pt.monteCarlo(permutations, seed)
	return rho, float64(k+1) / float64(permutations+1)
}

// permCount returns Π mᵢ! and true when it is at most limit.
func permCount(groups [][]int, limit int) (int, bool) {
	total := 1
	for _, g := range groups {
		for f := 2; f <= len(g); f++ {
			if total > limit/f {
				return 0, false
			}
			total *= f
		}
	}
	return total, total <= limit
}

// permTest holds the centred ranks of a within-cluster permutation test.
type permTest struct {
	cx, cy []float64
	groups [][]int
	thresh float64 // |Σ cx·cy_perm| ≥ thresh counts as at least as extreme
}

// extreme reports whether the arrangement perm (perm[g][k]: the unit whose
// y goes to groups[g][k]) is at least as extreme as the observed one.
func (t *permTest) extreme(perm [][]int) bool {
	var s float64
	for g, members := range t.groups {
		for k, i := range members {
			s += t.cx[i] * t.cy[perm[g][k]]
		}
	}
	return math.Abs(s) >= t.thresh
}

// exact counts the extreme arrangements over every within-cluster
// permutation (an odometer of lexicographic permutations).
func (t *permTest) exact() int {
	perm := make([][]int, len(t.groups))
	for g, m := range t.groups {
		perm[g] = append([]int(nil), m...)
	}
	k := 0
	for {
		if t.extreme(perm) {
			k++
		}
		g := 0
		for g < len(perm) && !nextPerm(perm[g]) {
			g++ // wrapped back to sorted: carry into the next cluster
		}
		if g == len(perm) {
			return k
		}
	}
}

// monteCarlo counts the extreme arrangements among m random shuffles.
func (t *permTest) monteCarlo(m int, seed uint64) int {
	rng := newRNG(seed, streamPermutation)
	perm := make([][]int, len(t.groups))
	for g, members := range t.groups {
		perm[g] = append([]int(nil), members...)
	}
	k := 0
	for range m {
		for _, p := range perm {
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		}
		if t.extreme(perm) {
			k++
		}
	}
	return k
}

// nextPerm advances a to its next lexicographic permutation and reports
// true, or, at the last one, sorts a back ascending and reports false.
func nextPerm(a []int) bool {
	i := len(a) - 2
	for i >= 0 && a[i] >= a[i+1] {
		i--
	}
	if i < 0 {
		reverse(a)
		return false
	}
	j := len(a) - 1
	for a[j] <= a[i] {
		j--
	}
	a[i], a[j] = a[j], a[i]
	reverse(a[i+1:])
	return true
}

func reverse(a []int) {
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
}
