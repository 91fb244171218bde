package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestWithinClusterSpearman(t *testing.T) {
	// Cluster A: centred ranks x (−1, 0, 1), y of (10, 30, 20) → (−1, 1, 0);
	// cluster B: both (−1, 0, 1). Σcx·cy = 1 + 2 = 3, Σcx² = Σcy² = 4.
	x := []float64{1, 2, 3, 5, 6, 7}
	y := []float64{10, 30, 20, 1, 2, 3}
	cl := []int{0, 0, 0, 1, 1, 1}
	if got := WithinClusterSpearman(x, y, cl); !near(got, 0.75, 1e-15) {
		t.Errorf("WithinClusterSpearman = %v, want 0.75", got)
	}
	// Shifting a whole cluster changes nothing.
	y2 := append([]float64(nil), y...)
	for i := 3; i < 6; i++ {
		y2[i] -= 100
	}
	if got := WithinClusterSpearman(x, y2, cl); !near(got, 0.75, 1e-15) {
		t.Errorf("after a cluster shift = %v, want 0.75", got)
	}
	if got, want := WithinClusterSpearman(x, y, nil), Spearman(x, y); got != want {
		t.Errorf("nil clusters = %v, want Spearman %v", got, want)
	}
	if got, want := WithinClusterSpearman(x, y, make([]int, 6)), Spearman(x, y); !near(got, want, 1e-15) {
		t.Errorf("one cluster = %v, want Spearman %v", got, want)
	}
	for name, c := range map[string]struct {
		x, y []float64
		cl   []int
	}{
		"singletons":       {x, y, []int{0, 1, 2, 3, 4, 5}},
		"pair+singletons":  {x[:4], y[:4], []int{0, 0, 1, 2}},
		"constant within":  {[]float64{1, 1, 2, 2}, []float64{1, 2, 3, 4}, []int{0, 0, 1, 1}},
		"NaN":              {[]float64{1, nan, 3}, []float64{1, 2, 3}, []int{0, 0, 0}},
		"n=2 one cluster":  {[]float64{1, 2}, []float64{1, 2}, []int{0, 0}},
		"constant y total": {[]float64{1, 2, 3}, []float64{5, 5, 5}, []int{0, 0, 0}},
	} {
		if got := WithinClusterSpearman(c.x, c.y, c.cl); !math.IsNaN(got) {
			t.Errorf("%s: %v, want NaN", name, got)
		}
	}
}

func TestPermutationWithinExact(t *testing.T) {
	// Two clusters of 3 with perfect within-cluster agreement: 36
	// permutations; per cluster Σcx·cy_perm ∈ {2, 1, 1, −1, −1, −2}, so
	// |ρ| = (|s1+s2|)/4 reaches 1 only for (2, 2) and (−2, −2): p = 2/36.
	x := []float64{1, 2, 3, 1, 2, 3}
	y := []float64{4, 5, 6, 7, 8, 9}
	cl := []int{0, 0, 0, 1, 1, 1}
	rho, p := PermutationWithin(x, y, cl, 36, 1)
	if rho != 1 || !near(p, 2.0/36, 1e-15) {
		t.Errorf("rho, p = %v, %v, want 1, 2/36", rho, p)
	}
	// One short of exact: Monte Carlo with the (k+1)/(m+1) rule.
	_, pmc := PermutationWithin(x, y, cl, 35, 1)
	if k := pmc*36 - 1; math.Abs(k-math.Round(k)) > 1e-9 {
		t.Errorf("Monte-Carlo p = %v is not (k+1)/36", pmc)
	}
	// nil clusters: the ordinary test over 3! orderings; only the
	// identity reaches |ρ| = 1 on one side and the reversal on the other.
	if _, p := PermutationWithin([]float64{1, 2, 3}, []float64{1, 2, 3}, nil, 100, 1); !near(p, 2.0/6, 1e-15) {
		t.Errorf("ordinary exact p = %v, want 1/3", p)
	}
	if _, p := PermutationWithin(x, y, cl, 0, 1); !math.IsNaN(p) {
		t.Errorf("0 permutations: p = %v, want NaN", p)
	}
}

func TestPermutationWithinNull(t *testing.T) {
	// y independent of x within clusters, but with cluster effects in
	// both (which a plain permutation test would mistake for signal).
	const datasets = 300
	small, half := 0, 0
	for s := uint64(1); s <= datasets; s++ {
		rng := rand.New(rand.NewPCG(s, 77))
		x, y, cl := make([]float64, 48), make([]float64, 48), make([]int, 48)
		for i := range x {
			off := float64(i / 8)
			x[i], y[i], cl[i] = off+rng.NormFloat64(), 3*off+rng.NormFloat64(), i/8
		}
		_, p := PermutationWithin(x, y, cl, 199, s)
		if p <= 0.05 {
			small++
		}
		if p <= 0.5 {
			half++
		}
	}
	if f := float64(small) / datasets; f < 0.01 || f > 0.10 {
		t.Errorf("share of p ≤ 0.05 under the null = %v", f)
	}
	if f := float64(half) / datasets; f < 0.4 || f > 0.6 {
		t.Errorf("share of p ≤ 0.5 under the null = %v", f)
	}
}

func TestPermutationWithinSignal(t *testing.T) {
	// Strong within-cluster signal, opposed by the between-cluster trend.
	x, y, cl := population(4, 6, 8, 1, -4, 0.3)
	rho, p := PermutationWithin(x, y, cl, 999, 1)
	if !(rho > 0.8) || p != 1.0/1000 {
		t.Errorf("rho, p = %v, %v, want > 0.8, 0.001", rho, p)
	}
}
