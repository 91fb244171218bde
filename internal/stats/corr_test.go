package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}

func TestRanks(t *testing.T) {
	for _, c := range []struct {
		in, want []float64
	}{
		{nil, []float64{}},
		{[]float64{3, 1, 4, 1, 5, 9, 2, 6}, []float64{4, 1.5, 5, 1.5, 6, 8, 3, 7}},
		{[]float64{2, 2, 2}, []float64{2, 2, 2}},
		{[]float64{1, nan, 0}, []float64{2, nan, 1}},
	} {
		got := Ranks(c.in)
		if len(got) != len(c.in) {
			t.Fatalf("Ranks(%v) = %v", c.in, got)
		}
		for i := range got {
			if !near(got[i], c.want[i], 0) {
				t.Errorf("Ranks(%v) = %v, want %v", c.in, got, c.want)
				break
			}
		}
	}
}

func TestSpearman(t *testing.T) {
	// Reference values: by hand, and from a plain-Python rankdata +
	// Pearson (spearman2: ties in both variables).
	for _, c := range []struct {
		name string
		x, y []float64
		want float64
	}{
		{"textbook", []float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5}, 0.7378647873726218},
		{"ties", []float64{1, 2, 2, 3, 4}, []float64{2, 1, 3, 3, 5}, 0.7631578947368421},
		{"spearman2", []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}, []float64{2, 7, 1, 8, 2, 8, 1, 8, 2, 8}, 0.13471506281091267},
		{"monotone", []float64{1, 2, 3, 4}, []float64{1, 8, 27, 64}, 1},
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{"n=2", []float64{1, 2}, []float64{1, 2}, nan},
		{"constant x", []float64{1, 1, 1, 1}, []float64{1, 2, 3, 4}, nan},
		{"NaN", []float64{1, 2, nan, 4}, []float64{1, 2, 3, 4}, nan},
	} {
		if got := Spearman(c.x, c.y); !near(got, c.want, 1e-12) {
			t.Errorf("%s: Spearman = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPearson(t *testing.T) {
	for _, c := range []struct {
		name string
		x, y []float64
		want float64
	}{
		// Σdxdy = 6, Σdx² = 10, Σdy² = 6.
		{"textbook", []float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5}, 6 / math.Sqrt(60)},
		{"reversed", []float64{1, 2, 3}, []float64{30, 20, 10}, -1},
		{"n=2", []float64{1, 2}, []float64{1, 2}, nan},
		// 0.1 three times: the mean need not equal 0.1 exactly, so
		// constancy is tested by comparison, not by a zero variance.
		{"constant y", []float64{1, 2, 3}, []float64{0.1, 0.1, 0.1}, nan},
		{"NaN", []float64{1, 2, 3}, []float64{1, nan, 3}, nan},
	} {
		if got := Pearson(c.x, c.y); !near(got, c.want, 1e-12) {
			t.Errorf("%s: Pearson = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestQuantile(t *testing.T) {
	// numpy.quantile(..., method="linear") values, by hand.
	s := []float64{1, 2, 3, 4}
	for _, c := range []struct{ q, want float64 }{
		{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {1, 4}, {-1, 1}, {2, 4}, {nan, nan},
	} {
		if got := Quantile(s, c.q); !near(got, c.want, 1e-15) {
			t.Errorf("Quantile(%v, %v) = %v, want %v", s, c.q, got, c.want)
		}
	}
	ten := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := Quantile(ten, 0.975); !near(got, 9.775, 1e-12) {
		t.Errorf("Quantile(1..10, 0.975) = %v, want 9.775", got)
	}
	if got := Quantile([]float64{7}, 0.3); got != 7 {
		t.Errorf("Quantile([7]) = %v", got)
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile(nil) not NaN")
	}
}

func TestComplete(t *testing.T) {
	x := []float64{1, nan, 3, 4, math.Inf(1)}
	y := []float64{1, 2, nan, 4, 5}
	idx := Complete(x, y)
	if len(idx) != 2 || idx[0] != 0 || idx[1] != 3 {
		t.Fatalf("Complete = %v, want [0 3]", idx)
	}
	if p := Pick(x, idx); p[0] != 1 || p[1] != 4 {
		t.Errorf("Pick = %v", p)
	}
}

func TestPartialCorrelation(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 1, 4, 3, 5}
	z := []float64{1, 3, 2, 5, 4}
	// The textbook identity r_xy·z = (r_xy − r_xz·r_yz)/√((1 − r_xz²)(1 − r_yz²)).
	rxy, rxz, ryz := Pearson(x, y), Pearson(x, z), Pearson(y, z)
	want := (rxy - rxz*ryz) / math.Sqrt((1-rxz*rxz)*(1-ryz*ryz))
	for _, c := range []struct {
		name       string
		x, y, ctrl []float64
		want       float64
	}{
		{"identity", x, y, z, want},
		{"no control", x, y, nil, rxy},
		{"x explained by the control", []float64{3, 7, 5, 11, 9}, y, z, nan}, // x = 2z + 1: constant residual
		{"constant x", []float64{2, 2, 2, 2, 2}, y, z, nan},
		{"constant control", x, y, []float64{1, 1, 1, 1, 1}, rxy},
		{"NaN", x, []float64{2, 1, nan, 3, 5}, z, nan},
		{"n=2", x[:2], y[:2], z[:2], nan},
	} {
		if got := PartialCorrelation(c.x, c.y, c.ctrl); !near(got, c.want, 1e-12) {
			t.Errorf("%s: PartialCorrelation = %v, want %v", c.name, got, c.want)
		}
	}
}

// Fixed-seed property: a common cause z explains the raw correlation of x
// and y, and controlling for it leaves ≈ 0; a direct effect survives.
func TestPartialCorrelationRemovesTheControl(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	z, x, y := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
		x[i] = z[i] + 0.3*rng.NormFloat64() // x and y share only z
		y[i] = z[i] + 0.3*rng.NormFloat64()
	}
	if r := Pearson(x, y); r < 0.8 {
		t.Fatalf("raw correlation %.3f, want strong", r)
	}
	if r := PartialCorrelation(x, y, z); math.Abs(r) > 0.06 {
		t.Errorf("partial correlation given the common cause = %.3f, want ≈ 0", r)
	}
	for i := range y {
		y[i] += 0.5 * (x[i] - z[i]) / 0.3
	}
	if r := PartialCorrelation(x, y, z); r < 0.3 {
		t.Errorf("partial correlation with a direct effect = %.3f, want > 0.3", r)
	}
}

func TestQuantileBlend(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	for _, c := range []struct{ q, want float64 }{
		{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {1, 4}, {-1, 1}, {2, 4}, {nan, nan},
	} {
		if got := QuantileBlend(s, c.q); !near(got, c.want, 1e-15) {
			t.Errorf("QuantileBlend(%v, %v) = %v, want %v", s, c.q, got, c.want)
		}
	}
	if !math.IsNaN(QuantileBlend(nil, 0.5)) {
		t.Error("QuantileBlend(nil) not NaN")
	}
	// The blend's last bit: ten copies of 0.3 at q = 0.01 (f = 0.09) give
	// 0.91·0.3 + 0.09·0.3 = 0.30000000000000004, where Quantile gives 0.3.
	// The committed tables computed with the blend depend on this.
	ten := make([]float64, 10)
	for i := range ten {
		ten[i] = 0.3
	}
	if got := QuantileBlend(ten, 0.01); got != 0.30000000000000004 {
		t.Errorf("QuantileBlend(0.3 ×10, 0.01) = %v, want 0.30000000000000004", got)
	}
	if got := Quantile(ten, 0.01); got != 0.3 {
		t.Errorf("Quantile(0.3 ×10, 0.01) = %v, want 0.3", got)
	}
}
