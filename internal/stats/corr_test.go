package stats

import (
	"math"
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
