package stats

import "math"

// z95 is Φ⁻¹(0.975).
const z95 = 1.959963984540054

// PairedProportionDiff compares two binary outcomes measured on the same
// units (e.g. each level played with the coin visible, a, and hidden, b):
// Value = mean(a) − mean(b), with the 95 % interval of Newcombe's (1998)
// method 10 ("square and add"), which combines the Wilson score intervals
// of the two marginal proportions with a correction for their
// correlation φ: with the 2×2 counts n11 (both true), n10, n01, n00 and
// A = n11·n00 − n10·n01, φ = (A − n/2)/√(product of the four margins)
// when A > n/2, 0 when 0 ≤ A ≤ n/2, A/√(…) when A < 0, and 0 when a
// margin is empty (as in Fagerland, Lydersen & Laake's implementation).
// Unlike a Wald interval it is sensible at 0 and n, and it narrows when
// the pairing makes the outcomes agree. Bounds are clipped to [−1, 1].
// All three are NaN for no units. It panics if the lengths differ.
func PairedProportionDiff(a, b []bool) Interval {
	mustSameLen("PairedProportionDiff", len(a), len(b))
	n := len(a)
	if n == 0 {
		return nanInterval()
	}
	var t [2][2]float64 // t[a][b] counts
	for i := range a {
		t[b2i(a[i])][b2i(b[i])]++
	}
	k1, k2 := t[1][1]+t[1][0], t[1][1]+t[0][1]
	nf := float64(n)
	p1, p2 := k1/nf, k2/nf
	l1, u1 := Wilson(int(k1), n)
	l2, u2 := Wilson(int(k2), n)
	phi := 0.0
	if den := k1 * (nf - k1) * k2 * (nf - k2); den > 0 {
		a := t[1][1]*t[0][0] - t[1][0]*t[0][1]
		switch {
		case a > nf/2:
			a -= nf / 2
		case a >= 0:
			a = 0
		}
		phi = a / math.Sqrt(den)
	}
	d := p1 - p2
	lo := math.Sqrt(math.Max(0, sq(p1-l1)-2*phi*(p1-l1)*(u2-p2)+sq(u2-p2)))
	hi := math.Sqrt(math.Max(0, sq(u1-p1)-2*phi*(u1-p1)*(p2-l2)+sq(p2-l2)))
	return Interval{Value: d, Lo: math.Max(-1, d-lo), Hi: math.Min(1, d+hi)}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sq(v float64) float64 { return v * v }

// Wilson returns the Wilson score 95 % interval for k successes in n
// trials. Unlike the normal (Wald) interval it stays inside [0, 1] and has
// sensible width at k = 0 and k = n: an outcome that never occurs in 200
// trials still gets an upper bound near 1.9 %. For n = 0 there is no
// information and the interval is [0, 1]. It panics if k < 0, n < 0 or
// k > n (programmer error).
func Wilson(k, n int) (lo, hi float64) {
	if k < 0 || n < 0 || k > n {
		panic("stats: Wilson with k outside [0, n]")
	}
	if n == 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = centre-half, centre+half
	// The bounds are exactly 0 and 1 at k = 0 and k = n; rounding must not
	// push them outside or leave them a hair inside.
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return math.Max(lo, 0), math.Min(hi, 1)
}
