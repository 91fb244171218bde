package stats

import (
	"cmp"
	"math"
	"slices"
)

// Holm returns Holm–Bonferroni step-down adjusted p-values, in input
// order: with the m non-NaN p-values sorted ascending, p₍ᵢ₎ becomes
// max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎), so the adjusted values are
// monotone in p and at most 1. Rejecting every hypothesis whose adjusted
// p is ≤ α controls the family-wise error rate at α. NaN p-values (tests
// that could not be run) stay NaN and do not count towards m. Ties keep
// input order (it does not change the values).
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if math.IsNaN(v) {
			out[i] = nan
			continue
		}
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-rank)*p[i]))
		out[i] = running
	}
	return out
}
