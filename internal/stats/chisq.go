package stats

import "gonum.org/v1/gonum/stat/distuv"

// ChiSquareHomogeneity is Pearson's χ² test that the groups of a 2×k
// table share one success proportion: group i had k[i] successes in n[i]
// trials, p̂ = Σk/Σn is the pooled proportion and
//
//	χ² = Σᵢ (k[i] − n[i]·p̂)² / (n[i]·p̂·(1 − p̂))
//
// (the usual Σ(O − E)²/E over both rows of the table) with df = groups − 1
// degrees of freedom; p is the χ²(df) survival function at χ². Groups
// with n[i] = 0 carry no information and are skipped, in the sum and in
// df. A small p says the proportions differ by more than binomial noise.
// The test is undefined when fewer than two groups have trials or when p̂
// is 0 or 1; then chi2 and p are NaN and df is 0. It panics if the
// lengths differ or a count is outside 0 ≤ k[i] ≤ n[i].
func ChiSquareHomogeneity(k, n []int) (chi2 float64, df int, p float64) {
	if len(k) != len(n) {
		panic("stats: ChiSquareHomogeneity: slices of different lengths")
	}
	groups, succ, trials := 0, 0, 0
	for i := range k {
		if k[i] < 0 || k[i] > n[i] {
			panic("stats: ChiSquareHomogeneity: count outside [0, n]")
		}
		if n[i] > 0 {
			groups++
			succ += k[i]
			trials += n[i]
		}
	}
	if groups < 2 || succ == 0 || succ == trials {
		return nan, 0, nan
	}
	share := float64(succ) / float64(trials)
	for i := range k {
		if n[i] == 0 {
			continue
		}
		ni := float64(n[i])
		d := float64(k[i]) - ni*share
		chi2 += d * d / (ni * share * (1 - share))
	}
	df = groups - 1
	return chi2, df, distuv.ChiSquared{K: float64(df)}.Survival(chi2)
}
