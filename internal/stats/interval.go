package stats

import "math"

// Interval is a point estimate with a 95 % interval [Lo, Hi]. Lo and Hi
// are NaN when the interval is undefined; Value is NaN when the estimate
// is.
type Interval struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// nanInterval is the interval of an undefined statistic.
func nanInterval() Interval { return Interval{Value: nan, Lo: nan, Hi: nan} }

// Contains reports whether v lies in [iv.Lo, iv.Hi] (false when a bound is
// NaN).
func (iv Interval) Contains(v float64) bool { return v >= iv.Lo && v <= iv.Hi }

// Quantile returns the q-quantile of sorted (ascending, no NaN; not
// checked) by linear interpolation between order statistics, numpy's
// default method: position q·(n−1). q is clamped to [0, 1]. It is NaN
// for an empty slice or a NaN q.
func Quantile(sorted []float64, q float64) float64 {
	a, b, f, exact := bracket(sorted, q)
	if exact {
		return a
	}
	return a + f*(b-a)
}

// QuantileBlend is Quantile with the interpolation written as the blend
// (1 − f)·a + f·b of the two order statistics a ≤ b around position
// q·(n−1) (f its fractional part) instead of a + f·(b − a). The two are
// equal in exact arithmetic but can differ in the last bit, and the blend
// need not return a exactly when a = b. The paired-difference bootstrap
// (BootstrapMean) and interp's distance summaries use it so that their
// committed tables reproduce bit for bit; new code should use Quantile.
// Its domain and NaN rule are Quantile's.
func QuantileBlend(sorted []float64, q float64) float64 {
	a, b, f, exact := bracket(sorted, q)
	if exact {
		return a
	}
	return a*(1-f) + b*f
}

// bracket returns the order statistics a = sorted[⌊pos⌋] and b, the next,
// around position pos = q·(n−1) (q clamped to [0, 1]) and the fraction f
// of the way from a to b; exact reports that there is nothing to
// interpolate and a is the quantile (the maximum, or NaN for an empty
// slice or a NaN q).
func bracket(sorted []float64, q float64) (a, b, f float64, exact bool) {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return nan, nan, 0, true
	}
	pos := math.Max(0, math.Min(1, q)) * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1], 0, 0, true
	}
	return sorted[lo], sorted[lo+1], pos - float64(lo), false
}
