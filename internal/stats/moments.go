package stats

import "math"

// Mean returns the arithmetic mean of x, summed in order. It is NaN for
// an empty slice or when any value is NaN.
func Mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Variance returns the sample variance of x, Σ(xᵢ − x̄)²/(n − 1), in two
// passes (the mean first, then the squared deviations), so it stays
// accurate when the mean is large against the spread. It is NaN when
// n < 2 or when any value is NaN.
func Variance(x []float64) float64 {
	if len(x) < 2 {
		return nan
	}
	return sumSquares(x) / float64(len(x)-1)
}

// PopVariance returns the population variance of x, Σ(xᵢ − x̄)²/n, in two
// passes as Variance. It is 0 for a single value and NaN for an empty
// slice or when any value is NaN.
func PopVariance(x []float64) float64 {
	if len(x) == 0 {
		return nan
	}
	return sumSquares(x) / float64(len(x))
}

// sumSquares is Σ(xᵢ − x̄)² with x̄ = Mean(x).
func sumSquares(x []float64) float64 {
	m := Mean(x)
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s
}

// Float64s returns v converted to float64 (exactly), for the float32 data
// of the policies and tensors.
func Float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// LogSoftmax returns the log-probabilities x − log Σⱼ exp(xⱼ) of one row
// of logits, computed with the maximum subtracted first so that large
// logits do not overflow. A logit of −Inf gets log-probability −Inf. The
// result is NaN throughout when any logit is NaN or +Inf, or when every
// logit is −Inf; it is empty for an empty row.
func LogSoftmax(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var z float64
	for _, v := range x {
		z += math.Exp(v - m)
	}
	lz := m + math.Log(z)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v - lz
	}
	return out
}
