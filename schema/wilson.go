package schema

import "math"

// z95 is the two-sided 95% standard normal quantile, Φ⁻¹(0.975).
const z95 = 1.959963984540054

// Wilson returns the Wilson score 95% interval for k successes in n
// trials. Unlike the normal (Wald) interval it stays inside [0, 1] and has
// sensible width at k = 0 and k = n, which matter here: a failure that never
// occurs in 200 episodes still gets an upper bound near 1.9%.
//
// For n = 0 there is no information and the interval is [0, 1]. Wilson
// panics if k < 0, n < 0 or k > n (programmer error).
func Wilson(k, n int) (lo, hi float64) {
	if k < 0 || n < 0 || k > n {
		panic("schema: Wilson with k outside [0, n]")
	}
	if n == 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := z95 / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = center-half, center+half
	// The bounds are exactly 0 and 1 at k = 0 and k = n; rounding must not
	// push them outside or leave them a hair inside.
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return max(lo, 0), min(hi, 1)
}
