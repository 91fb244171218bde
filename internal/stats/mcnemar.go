package stats

import "math"

// McNemar returns the exact two-sided McNemar p-value for paired binary
// outcomes with b pairs that changed one way and c the other: twice the
// smaller tail P(X ≤ min(b, c)) of X ~ Binomial(b + c, ½), capped at 1
// (the exact binomial test of the discordant pairs). With no discordant
// pairs it is 1. It panics if b or c is negative.
func McNemar(b, c int) float64 {
	if b < 0 || c < 0 {
		panic("stats: McNemar with a negative count")
	}
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	// P(X ≤ k) for X ~ Binomial(n, ½), each term in log space.
	tail := 0.0
	for i := 0; i <= k; i++ {
		tail += math.Exp(Log2Binomial(n, i)*math.Ln2 - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*tail)
}

// Log2Binomial returns log₂ C(n, k), the number of bits that name a
// k-subset of n, from log-gamma functions; it is −Inf outside 0 ≤ k ≤ n.
func Log2Binomial(n, k int) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return (a - b - c) / math.Ln2
}

// PairedRates compares the rate of a binary outcome measured twice on
// the same units, a base and a treated run: Base and Treated are the two
// rates over the N units and Delta = Treated − Base. Up counts the units
// whose outcome appeared (false in base, true when treated) and Down
// those whose outcome disappeared; P is McNemar(Up, Down). [Lo, Hi] is
// the BootstrapMean 95 % interval of the per-unit differences. Its fields
// are those of schema.PairedDifference, in the same order, so a value
// converts to that result type directly.
type PairedRates struct {
	N                    int
	Base, Treated, Delta float64
	Lo, Hi               float64
	Up, Down             int
	P                    float64
}

// ComparePairedRates returns the PairedRates of base[i] and treated[i],
// the outcomes of unit i, with resamples bootstrap resamples drawn from
// seed for the interval. Where the bootstrap has nothing to resample (a
// single unit, or resamples < 1) the interval is [Δ, Δ]: every resampled
// mean would be Δ. No units is the one exception to the package's NaN
// rule, kept so that a table row stays encodable: the rates are 0, the
// interval is the whole range [−1, 1] and P is 1. It panics if the
// lengths differ.
func ComparePairedRates(base, treated []bool, resamples int, seed uint64) PairedRates {
	if len(base) != len(treated) {
		panic("stats: ComparePairedRates: slices of different lengths")
	}
	n := len(base)
	d := PairedRates{N: n}
	diff := make([]float64, n)
	for i := range base {
		b, t := float64(b2i(base[i])), float64(b2i(treated[i]))
		d.Base += b
		d.Treated += t
		diff[i] = t - b
		switch {
		case t > b:
			d.Up++
		case t < b:
			d.Down++
		}
	}
	if n == 0 {
		d.P, d.Lo, d.Hi = 1, -1, 1
		return d
	}
	d.Base /= float64(n)
	d.Treated /= float64(n)
	d.Delta = d.Treated - d.Base
	d.P = McNemar(d.Up, d.Down)
	iv := BootstrapMean(diff, resamples, seed)
	d.Lo, d.Hi = iv.Lo, iv.Hi
	if math.IsNaN(d.Lo) {
		d.Lo, d.Hi = d.Delta, d.Delta
	}
	return d
}
