package stats

import (
	"math"
	"testing"
)

func TestMcNemar(t *testing.T) {
	// Exact binomial(b + c, ½) tails, by hand.
	for _, c := range []struct {
		b, c int
		p    float64
	}{
		{0, 0, 1},
		{5, 5, 1},                  // capped: 2·P(X ≤ 5) > 1
		{0, 5, 0.0625},             // 2 · (1/2)^5
		{1, 9, 22.0 / 1024},        // 2 · (1 + 10)/1024
		{10, 2, 2 * 79.0 / 4096},   // 2 · (1 + 12 + 66)/4096
		{1, 3, 0.625},              // 2 · (1 + 4)/16
		{0, 1, 1},                  // 2 · ½
		{3, 12, 2 * 576.0 / 32768}, // 2 · (1 + 15 + 105 + 455)/2^15
	} {
		if got := McNemar(c.b, c.c); !near(got, c.p, 1e-12) {
			t.Errorf("McNemar(%d, %d) = %v, want %v", c.b, c.c, got, c.p)
		}
		if McNemar(c.b, c.c) != McNemar(c.c, c.b) {
			t.Errorf("McNemar(%d, %d) is not symmetric", c.b, c.c)
		}
	}
}

func TestLog2Binomial(t *testing.T) {
	for _, c := range []struct {
		n, k int
		want float64
	}{{4, 2, math.Log2(6)}, {10, 3, math.Log2(120)}, {5, 0, 0}, {5, 5, 0}, {64, 1, 6}, {3, 4, math.Inf(-1)}, {3, -1, math.Inf(-1)}} {
		if got := Log2Binomial(c.n, c.k); !near(got, c.want, 1e-9) && got != c.want {
			t.Errorf("Log2Binomial(%d, %d) = %v, want %v", c.n, c.k, got, c.want)
		}
	}
}

// The paired comparison against a hand computation: 10 units, 4 with the
// outcome at baseline; treatment removes it from 3 of them and adds it to
// 1 other.
func TestComparePairedRatesByHand(t *testing.T) {
	base := []bool{true, true, true, true, false, false, false, false, false, false}
	treated := []bool{false, false, false, true, true, false, false, false, false, false}
	d := ComparePairedRates(base, treated, 2000, 1)
	if d.N != 10 || d.Base != 0.4 || d.Treated != 0.2 || !near(d.Delta, -0.2, 1e-12) || d.Up != 1 || d.Down != 3 {
		t.Fatalf("%+v", d)
	}
	if !near(d.P, 0.625, 1e-12) { // McNemar(1, 3) = 2 · 5/16
		t.Errorf("p = %v, want 0.625", d.P)
	}
	// The interval is BootstrapMean of the per-unit differences.
	iv := BootstrapMean([]float64{-1, -1, -1, 0, 1, 0, 0, 0, 0, 0}, 2000, 1)
	if d.Lo != iv.Lo || d.Hi != iv.Hi {
		t.Errorf("interval [%v, %v], BootstrapMean %+v", d.Lo, d.Hi, iv)
	}
	for _, c := range []struct {
		name          string
		base, treated []bool
		resamples     int
		want          PairedRates
	}{
		{"no units", nil, nil, 100, PairedRates{P: 1, Lo: -1, Hi: 1}},
		{"one unit", []bool{false}, []bool{true}, 100, PairedRates{N: 1, Treated: 1, Delta: 1, Lo: 1, Hi: 1, Up: 1, P: 1}},
		{"no resamples", []bool{true, false}, []bool{true, true}, 0, PairedRates{N: 2, Base: 0.5, Treated: 1, Delta: 0.5, Lo: 0.5, Hi: 0.5, Up: 1, P: 1}},
	} {
		if got := ComparePairedRates(c.base, c.treated, c.resamples, 1); got != c.want {
			t.Errorf("%s: ComparePairedRates = %+v, want %+v", c.name, got, c.want)
		}
	}
}
