package schema

import (
	"math"
	"math/rand/v2"
	"testing"
)

// z95 is Φ⁻¹(0.975).
const z95 = 1.959963984540054

func TestWilsonKnownValues(t *testing.T) {
	// Newcombe (1998), "Two-sided confidence intervals for the single
	// proportion", Table I, method 3 (score interval without continuity
	// correction), given to 4 decimals.
	for i, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	} {
		lo, hi := Wilson(tc.k, tc.n)
		if math.Abs(lo-tc.lo) > 5e-5 || math.Abs(hi-tc.hi) > 5e-5 {
			t.Errorf("case %d: Wilson(%d, %d) = [%.5f, %.5f], want [%.4f, %.4f]", i, tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	if lo, hi := Wilson(0, 0); lo != 0 || hi != 1 {
		t.Errorf("n=0: [%v, %v], want [0, 1]", lo, hi)
	}
	for _, n := range []int{1, 10, 200, 100000} {
		lo, hi := Wilson(0, n)
		z2 := z95 * z95
		if lo != 0 || math.Abs(hi-z2/(float64(n)+z2)) > 1e-12 {
			t.Errorf("Wilson(0, %d) = [%v, %v], want [0, z²/(n+z²)]", n, lo, hi)
		}
		lo2, hi2 := Wilson(n, n)
		if hi2 != 1 || math.Abs(lo2-(1-hi)) > 1e-12 {
			t.Errorf("Wilson(%d, %d) = [%v, %v], want the mirror of Wilson(0, n)", n, n, lo2, hi2)
		}
	}
}

// The Wilson bounds are the roots of (p̂ - p)² = z² p(1-p)/n: check that
// property, the symmetry k ↔ n-k, and that the interval contains p̂, on
// random (k, n).
func TestWilsonProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := 1 + rng.IntN(5000)
		k := rng.IntN(n + 1)
		lo, hi := Wilson(k, n)
		p := float64(k) / float64(n)
		if !(0 <= lo && lo <= p && p <= hi && hi <= 1) {
			t.Fatalf("Wilson(%d, %d) = [%v, %v] does not bracket %v inside [0, 1]", k, n, lo, hi, p)
		}
		for _, b := range []float64{lo, hi} {
			if (b == 0 && k == 0) || (b == 1 && k == n) {
				continue
			}
			lhs := (p - b) * (p - b)
			rhs := z95 * z95 * b * (1 - b) / float64(n)
			if math.Abs(lhs-rhs) > 1e-12 {
				t.Fatalf("Wilson(%d, %d) bound %v: (p̂-p)² = %g, z²p(1-p)/n = %g", k, n, b, lhs, rhs)
			}
		}
		mlo, mhi := Wilson(n-k, n)
		if math.Abs(mlo-(1-hi)) > 1e-12 || math.Abs(mhi-(1-lo)) > 1e-12 {
			t.Fatalf("Wilson(%d, %d) not the mirror of Wilson(%d, %d)", n-k, n, k, n)
		}
	}
}

func TestWilsonPanicsOnBadCounts(t *testing.T) {
	for i, tc := range [][2]int{{-1, 3}, {4, 3}, {0, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: Wilson(%d, %d) did not panic", i, tc[0], tc[1])
				}
			}()
			Wilson(tc[0], tc[1])
		}()
	}
}
