package audit

import (
	"math"
	"testing"
)

func TestRanksAverageTies(t *testing.T) {
	for _, tc := range []struct {
		in, want []float64
	}{
		{[]float64{10, 20, 20, 5}, []float64{2, 3.5, 3.5, 1}},
		{[]float64{3, 3, 3}, []float64{2, 2, 2}},
		{[]float64{1, 2, 3}, []float64{1, 2, 3}},
		{[]float64{0.5, -1, 0.5, 0.5, 7}, []float64{3, 1, 3, 3, 5}},
	} {
		got := Ranks(tc.in)
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("Ranks(%v) = %v, want %v", tc.in, got, tc.want)
			}
		}
	}
}

func TestSpearmanKnownValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		want float64
	}{
		// scipy.stats.spearmanr's documented example.
		{"scipy example", []float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7}, 0.8207826816681233},
		// Ties in x: ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4] give 4.5/√22.5.
		{"ties", []float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}, 4.5 / math.Sqrt(22.5)},
		{"monotone, non-linear", []float64{1, 2, 3, 4}, []float64{1, 8, 27, 64}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
	} {
		if got := Spearman(tc.x, tc.y); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Spearman = %.15g, want %.15g", tc.name, got, tc.want)
		}
	}
	if got := Spearman([]float64{1, 1, 1}, []float64{1, 2, 3}); !math.IsNaN(got) {
		t.Errorf("Spearman with a constant variable = %v, want NaN", got)
	}
}

func TestQuantileLinear(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.5, 2.5}, {0.025, 1.075}, {1, 4}, {0.975, 3.925}} {
		if got := Quantile(s, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// A strictly monotone relation gives ρ = 1 in every resample that has two
// distinct units, so the interval is exactly [1, 1].
func TestBootstrapMonotoneIsDegenerate(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v * v
	}
	ci := SpearmanCI(x, y, DefaultBootstrap)
	if ci.Value != 1 || ci.Lo != 1 || ci.Hi != 1 {
		t.Fatalf("SpearmanCI of a monotone relation = %+v, want 1 [1, 1]", ci)
	}
}

// For three units the bootstrap distribution of the mean can be
// enumerated: 27 equally likely resamples, of which one has mean 0 and one
// has mean 5 (each 3.7% > 2.5%), so the exact percentile interval is
// [0, 5]; intermediate quantiles are checked against the enumeration.
func TestBootstrapMatchesEnumeration(t *testing.T) {
	v := []float64{0, 1, 5}
	mean := func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += v[i]
		}
		return s / float64(len(idx))
	}
	ci := Bootstrap(3, mean, BootstrapOptions{Resamples: 20000, Seed: 7})
	if ci.Value != 2 || ci.Lo != 0 || ci.Hi != 5 {
		t.Fatalf("Bootstrap mean = %+v, want 2 [0, 5]", ci)
	}
	// P(mean ≤ 1) by enumeration: resamples with sums ≤ 3.
	exact := 0
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			for c := 0; c < 3; c++ {
				if v[a]+v[b]+v[c] <= 3 {
					exact++
				}
			}
		}
	}
	var below int
	o := BootstrapOptions{Resamples: 20000, Seed: 7}
	Bootstrap(3, func(idx []int) float64 {
		m := mean(idx)
		if len(idx) == 3 && m <= 1 {
			below++
		}
		return m
	}, o)
	// The first call of stat is the point estimate on all units (mean 2).
	got := float64(below) / float64(o.Resamples)
	if want := float64(exact) / 27; math.Abs(got-want) > 0.015 {
		t.Errorf("resampled P(mean ≤ 1) = %.4f, enumeration %.4f", got, want)
	}
}

// Stratified resampling keeps each stratum's size in every resample.
func TestBootstrapStrataKeepGroupSizes(t *testing.T) {
	strata := []int{0, 0, 0, 1, 1}
	ci := Bootstrap(5, func(idx []int) float64 {
		n0 := 0
		for _, i := range idx {
			if strata[i] == 0 {
				n0++
			}
		}
		return float64(n0)
	}, BootstrapOptions{Resamples: 500, Seed: 3, Strata: strata})
	if ci.Lo != 3 || ci.Hi != 3 {
		t.Fatalf("stratified resamples changed a stratum's size: %+v", ci)
	}
}

func TestBootstrapIsReproducible(t *testing.T) {
	x := []float64{0.1, 0.5, 0.2, 0.9, 0.4, 0.3, 0.8}
	y := []float64{0.2, 0.4, 0.1, 0.7, 0.6, 0.2, 0.9}
	a, b := SpearmanCI(x, y, DefaultBootstrap), SpearmanCI(x, y, DefaultBootstrap)
	if a != b {
		t.Fatalf("same seed, different intervals: %+v vs %+v", a, b)
	}
	if !(a.Lo <= a.Value && a.Value <= a.Hi) {
		t.Fatalf("interval %+v does not contain its estimate", a)
	}
}

// Within-group ρ ignores differences between group means: here the
// groups' levels are anti-correlated with x while inside each group y
// rises with x.
func TestWithinGroupSpearman(t *testing.T) {
	x := []float64{1, 2, 3, 11, 12, 13}
	y := []float64{11, 12, 13, 1, 2, 3}
	g := []int{0, 0, 0, 1, 1, 1}
	if r := Spearman(x, y); r > -0.4 {
		t.Fatalf("setup: overall ρ = %v, want clearly negative", r)
	}
	if r := WithinGroupSpearman(x, y, g); math.Abs(r-1) > 1e-12 {
		t.Fatalf("within-group ρ = %v, want 1", r)
	}
}
