package stats

import (
	"math"
	"testing"
)

func TestChiSquareHomogeneity(t *testing.T) {
	for _, c := range []struct {
		name string
		k, n []int
		chi2 float64
		df   int
		p    float64
	}{
		// 10/50 against 20/50: p̂ = 0.3, (O − E)² = 25 in each of the four
		// cells, Σ 25/E = 25·(2/15 + 2/35) = 4.7619; χ²₁ survival is
		// erfc(√(χ²/2)).
		{"2×2", []int{10, 20}, []int{50, 50}, 100.0 / 21, 1, math.Erfc(math.Sqrt(50.0 / 21))},
		// 5, 10, 15 of 20 each: p̂ = ½, χ² = (25 + 0 + 25)/(20·¼) = 10;
		// χ²₂ survival is exp(−χ²/2).
		{"2×3", []int{5, 10, 15}, []int{20, 20, 20}, 10, 2, math.Exp(-5)},
		{"equal shares", []int{3, 6}, []int{10, 20}, 0, 1, 1},
		{"empty group skipped", []int{5, 0, 15}, []int{20, 0, 20}, 10, 1, math.Erfc(math.Sqrt(5))},
		{"one group", []int{3}, []int{10}, nan, 0, nan},
		{"pooled 0", []int{0, 0}, []int{4, 5}, nan, 0, nan},
		{"pooled 1", []int{4, 5}, []int{4, 5}, nan, 0, nan},
	} {
		chi2, df, p := ChiSquareHomogeneity(c.k, c.n)
		if !near(chi2, c.chi2, 1e-12) || df != c.df || !near(p, c.p, 1e-12) {
			t.Errorf("%s: ChiSquareHomogeneity = %v, %d, %v; want %v, %d, %v", c.name, chi2, df, p, c.chi2, c.df, c.p)
		}
	}
}
