package stats

import (
	"math"
	"testing"
)

func TestSplitHalf(t *testing.T) {
	a := []float64{0.1, 0.5, 0.3, 0.9, 0.7}
	if r, sb := SplitHalf(a, a); r != 1 || sb != 1 {
		t.Errorf("identical halves: %v, %v, want 1, 1", r, sb)
	}
	neg := []float64{0.9, 0.5, 0.7, 0.1, 0.3}
	if r, sb := SplitHalf(a, neg); !near(r, -1, 1e-15) || sb != 0 {
		t.Errorf("opposite halves: %v, %v, want −1, 0", r, sb)
	}
	if r, sb := SplitHalf(a[:2], a[:2]); !math.IsNaN(r) || !math.IsNaN(sb) {
		t.Errorf("n = 2: %v, %v, want NaN", r, sb)
	}
	for _, c := range []struct{ r, want float64 }{
		{0.5, 2.0 / 3}, {0.6, 0.75}, {0, 0}, {-0.3, 0}, {1, 1}, {nan, nan},
	} {
		if got := SpearmanBrown(c.r); !near(got, c.want, 1e-15) {
			t.Errorf("SpearmanBrown(%v) = %v, want %v", c.r, got, c.want)
		}
	}
}

func TestAttenuation(t *testing.T) {
	if got := AttenuationCeiling(0.64, 0.81); !near(got, 0.72, 1e-15) {
		t.Errorf("AttenuationCeiling(0.64, 0.81) = %v, want 0.72", got)
	}
	for _, c := range []struct{ rho, rx, ry, want float64 }{
		{0.4, 0.64, 0.81, 0.4 / 0.72},
		{0.9, 0.64, 0.81, 1.25}, // beyond 1, not clipped
		{-0.36, 0.36, 1, -0.6},
		{0.4, 0, 0.8, nan},
		{0.4, -0.1, 0.8, nan},
		{0.4, 1.1, 0.8, nan},
		{0.4, nan, 0.8, nan},
	} {
		if got := Disattenuate(c.rho, c.rx, c.ry); !near(got, c.want, 1e-12) {
			t.Errorf("Disattenuate(%v, %v, %v) = %v, want %v", c.rho, c.rx, c.ry, got, c.want)
		}
	}
}

func TestHolm(t *testing.T) {
	for _, c := range []struct {
		name    string
		in, out []float64
	}{
		// Sorted 0.005, 0.01, 0.03, 0.04 → 4·0.005, 3·0.01, 2·0.03, max(0.06, 1·0.04).
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		// 3·0.2, min(1, 2·0.5), max(1, 0.9).
		{"cap", []float64{0.5, 0.2, 0.9}, []float64{1, 0.6, 1}},
		{"NaN excluded", []float64{0.01, nan, 0.04}, []float64{0.02, nan, 0.04}},
		{"ties", []float64{0.02, 0.02, 0.02}, []float64{0.06, 0.06, 0.06}},
		{"empty", []float64{}, []float64{}},
	} {
		got := Holm(c.in)
		for i := range c.out {
			if !near(got[i], c.out[i], 1e-15) {
				t.Errorf("%s: Holm(%v) = %v, want %v", c.name, c.in, got, c.out)
				break
			}
		}
	}
}

func TestTOSTTwoProportions(t *testing.T) {
	// Reference: the same Agresti–Caffo formulas in Python
	// (statistics.NormalDist).
	for _, c := range []struct {
		k1, n1, k2, n2     int
		margin             float64
		diff, lo, hi, pval float64
	}{
		{45, 50, 40, 50, 0.2, 0.1, -0.022120197956346607, 0.2144278902640389, 0.07434094840067162},
		{0, 30, 0, 40, 0.1, 0, -0.056252556921305444, 0.07113350930225783, 0.008416799759276117},
	} {
		d, lo, hi, p := TOSTTwoProportions(c.k1, c.n1, c.k2, c.n2, c.margin)
		if !near(d, c.diff, 1e-12) || !near(lo, c.lo, 1e-9) || !near(hi, c.hi, 1e-9) || !near(p, c.pval, 1e-9) {
			t.Errorf("TOST(%d/%d, %d/%d, %v) = %v %v %v %v, want %v %v %v %v",
				c.k1, c.n1, c.k2, c.n2, c.margin, d, lo, hi, p, c.diff, c.lo, c.hi, c.pval)
		}
	}
	if d, _, _, p := TOSTTwoProportions(1, 0+1, 0, 0, 0.1); !math.IsNaN(d) || !math.IsNaN(p) {
		t.Errorf("n2 = 0: %v, %v, want NaN", d, p)
	}
}

func TestTOSTDuality(t *testing.T) {
	for _, m := range []float64{0.05, 0.1, 0.2} {
		for k1 := 0; k1 <= 40; k1 += 3 {
			for k2 := 0; k2 <= 50; k2 += 4 {
				_, lo, hi, p := TOSTTwoProportions(k1, 40, k2, 50, m)
				if (p < 0.05) != (lo > -m && hi < m) {
					t.Errorf("proportions %d/40 %d/50 ±%v: p = %v, CI [%v, %v]", k1, k2, m, p, lo, hi)
				}
			}
		}
	}
	x, y, _ := population(8, 1, 30, 0, 0, 1)
	for _, m := range []float64{0.1, 0.3, 0.5, 0.8, 1.5} {
		_, lo, hi, p := TOSTMeans(x, y, m)
		if (p < 0.05) != (lo > -m && hi < m) {
			t.Errorf("means ±%v: p = %v, CI [%v, %v]", m, p, lo, hi)
		}
	}
}

func TestTOSTMeans(t *testing.T) {
	// Equal n and variances: se = √(2.5/5 · 2) = 1, Welch ν = 8,
	// t(0.95, 8) = 1.8595480375228424; P(T₈ > 2.5) = 0.018471018856811558
	// (numerical integration of the t density in Python).
	a := []float64{1, 2, 3, 4, 5}
	b := []float64{1.5, 2.5, 3.5, 4.5, 5.5}
	d, lo, hi, p := TOSTMeans(a, b, 3)
	const q = 1.8595480375228424
	if d != -0.5 || !near(lo, -0.5-q, 1e-9) || !near(hi, -0.5+q, 1e-9) || !near(p, 0.018471018856811558, 1e-9) {
		t.Errorf("TOSTMeans = %v %v %v %v", d, lo, hi, p)
	}
	if d, lo, _, p := TOSTMeans([]float64{1}, b, 3); d != -2.5 || !math.IsNaN(lo) || !math.IsNaN(p) {
		t.Errorf("one value: %v %v %v", d, lo, p)
	}
	if d, _, _, p := TOSTMeans([]float64{1, 1}, []float64{1, 1}, 3); d != 0 || !math.IsNaN(p) {
		t.Errorf("se = 0: %v %v", d, p)
	}
	if d, _, _, _ := TOSTMeans(nil, b, 3); !math.IsNaN(d) {
		t.Errorf("empty: %v", d)
	}
}

func bools(n11, n10, n01, n00 int) (a, b []bool) {
	add := func(k int, x, y bool) {
		for range k {
			a, b = append(a, x), append(b, y)
		}
	}
	add(n11, true, true)
	add(n10, true, false)
	add(n01, false, true)
	add(n00, false, false)
	return a, b
}

func TestPairedProportionDiff(t *testing.T) {
	// Reference: the square-and-add formulas in Python. 36/12/2/0 is
	// Newcombe's (1998) example (a); 1/1/7/12 and 59/6/16/80 are the
	// Bentur and Cavo tables of Fagerland et al., chapter 8.
	for _, c := range []struct {
		n11, n10, n01, n00 int
		want               Interval
	}{
		{36, 12, 2, 0, Interval{0.2, 0.05692958400323869, 0.3404276029749407}},
		{1, 1, 7, 12, Interval{-0.2857142857142857, -0.506920226686141, -0.02555912416485978}},
		{59, 6, 16, 80, Interval{-0.06211180124223603, -0.11862119563870992, -0.004625113933050061}},
	} {
		got := PairedProportionDiff(bools(c.n11, c.n10, c.n01, c.n00))
		if !near(got.Value, c.want.Value, 1e-12) || !near(got.Lo, c.want.Lo, 1e-9) || !near(got.Hi, c.want.Hi, 1e-9) {
			t.Errorf("%d/%d/%d/%d: %+v, want %+v", c.n11, c.n10, c.n01, c.n00, got, c.want)
		}
	}
	// No discordant pairs: 0 with an interval around it.
	if iv := PairedProportionDiff(bools(10, 0, 0, 10)); iv.Value != 0 || !(iv.Lo < 0 && iv.Hi > 0) {
		t.Errorf("concordant: %+v", iv)
	}
	if iv := PairedProportionDiff(bools(0, 20, 0, 0)); iv.Value != 1 || iv.Hi != 1 || !(iv.Lo > 0.6) {
		t.Errorf("all discordant one way: %+v", iv)
	}
	if iv := PairedProportionDiff(nil, nil); !math.IsNaN(iv.Value) {
		t.Errorf("empty: %+v", iv)
	}
}
