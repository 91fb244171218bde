package stats

import "math"

// SplitHalf returns the split-half reliability of a per-unit measurement
// from two half-sample measurements of every unit (e.g. the statistic on
// odd and on even episodes): r = Pearson(a, b) across units, and sb =
// SpearmanBrown(r), the reliability of the full-length measurement. r is
// NaN when Pearson is (n < 3, a constant half, a NaN value); sb is then
// NaN too. It panics if the lengths differ.
func SplitHalf(a, b []float64) (r, sb float64) {
	mustSameLen("SplitHalf", len(a), len(b))
	r = Pearson(a, b)
	return r, SpearmanBrown(r)
}

// SpearmanBrown returns the Spearman–Brown reliability of a measurement
// twice as long as one whose halves correlate r: 2r / (1 + r), clipped to
// [0, 1]. A reliability is a share of variance, so r ≤ 0 (halves that do
// not agree beyond chance) gives 0. NaN r gives NaN.
func SpearmanBrown(r float64) float64 {
	if math.IsNaN(r) {
		return nan
	}
	if r <= 0 {
		return 0
	}
	return math.Min(1, 2*r/(1+r))
}

// AttenuationCeiling returns √(relX · relY), the largest correlation two
// measures with reliabilities relX and relY can show when their true
// scores correlate perfectly. It is NaN when either reliability is NaN
// or outside [0, 1].
func AttenuationCeiling(relX, relY float64) float64 {
	if !(relX >= 0 && relX <= 1 && relY >= 0 && relY <= 1) {
		return nan
	}
	return math.Sqrt(relX * relY)
}

// Disattenuate returns Spearman's correction for attenuation,
// rho / AttenuationCeiling(relX, relY): an estimate of the correlation of
// the true scores. It is NaN when the ceiling is NaN or 0, or rho is NaN.
// It is not clipped: sampling noise in rho or the reliabilities can push
// it beyond ±1, which should be reported as is (it signals that the
// correction is unstable), not hidden.
func Disattenuate(rho, relX, relY float64) float64 {
	c := AttenuationCeiling(relX, relY)
	if math.IsNaN(c) || c <= 0 {
		return nan
	}
	return rho / c
}
