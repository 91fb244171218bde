package stats

import (
	"math"
	"math/rand/v2"
)

// Streams of the PCG generator, one per procedure, so that two procedures
// given the same seed do not draw the same numbers.
const (
	streamBootstrap   = 0xb007
	streamPermutation = 0x9e27
)

func newRNG(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// nan is a quiet NaN.
var nan = math.NaN()

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func anyNaN(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}

// constant reports whether every value of x equals the first (exact
// comparison: a sum of identical values need not divide back exactly).
func constant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

func mustSameLen(fn string, n int, lens ...int) {
	for _, l := range lens {
		if l != n {
			panic("stats: " + fn + ": slices of different lengths")
		}
	}
}

// mustClusters panics unless clusters is nil or has n labels.
func mustClusters(fn string, n int, clusters []int) {
	if clusters != nil && len(clusters) != n {
		panic("stats: " + fn + ": clusters length differs from the number of units")
	}
}

// groupsOf returns the unit indices of each cluster, clusters in order of
// first appearance and units in increasing order; nil clusters give one
// cluster per unit.
func groupsOf(n int, clusters []int) [][]int {
	if clusters == nil {
		out := make([][]int, n)
		for i := range out {
			out[i] = []int{i}
		}
		return out
	}
	pos := map[int]int{}
	var out [][]int
	for i, c := range clusters {
		k, ok := pos[c]
		if !ok {
			k = len(out)
			pos[c] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// pickInto sets dst[k] = v[idx[k]], growing dst as needed.
func pickInto(dst, v []float64, idx []int) []float64 {
	dst = dst[:0]
	for _, j := range idx {
		dst = append(dst, v[j])
	}
	return dst
}

// Complete returns the indices of the units at which every one of the
// given slices is finite (neither NaN nor ±Inf), in increasing order. It
// panics if the slices differ in length.
func Complete(vs ...[]float64) []int {
	if len(vs) == 0 {
		return nil
	}
	n := len(vs[0])
	for _, v := range vs {
		mustSameLen("Complete", n, len(v))
	}
	var out []int
	for i := 0; i < n; i++ {
		ok := true
		for _, v := range vs {
			ok = ok && finite(v[i])
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// Pick returns v[idx[0]], v[idx[1]], … (e.g. with the indices from
// Complete).
func Pick[T any](v []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, j := range idx {
		out[k] = v[j]
	}
	return out
}
