package stats

import (
	"math"
	"testing"
)

func TestR2(t *testing.T) {
	for _, c := range []struct {
		name    string
		pred, y []float64
		want    float64
	}{
		{"perfect", []float64{1, 2, 3}, []float64{1, 2, 3}, 1},
		{"the mean", []float64{2, 2, 2}, []float64{1, 2, 3}, 0},
		// SSE = 1 + 0 + 1, SST = 2: R² = 0.
		{"off by one", []float64{2, 2, 4}, []float64{1, 2, 3}, 0},
		// SSE = 0.25·2, SST = 2: R² = 0.75.
		{"close", []float64{1.5, 2, 2.5}, []float64{1, 2, 3}, 0.75},
		{"worse than the mean", []float64{3, 2, 1}, []float64{1, 2, 3}, -3},
		{"constant y", []float64{1, 2}, []float64{5, 5}, math.NaN()},
		{"one value", []float64{1}, []float64{2}, math.NaN()},
		{"empty", nil, nil, math.NaN()},
	} {
		got := R2(c.pred, c.y)
		if math.IsNaN(c.want) != math.IsNaN(got) || !math.IsNaN(c.want) && math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: R2 = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestR2PanicsOnLengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("R2 of different lengths did not panic")
		}
	}()
	R2([]float64{1}, []float64{1, 2})
}
