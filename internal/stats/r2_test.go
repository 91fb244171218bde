package stats

import "testing"

func TestR2(t *testing.T) {
	for _, c := range []struct {
		name    string
		pred, y []float64
		want    float64
	}{
		{"perfect", []float64{1, 2, 3}, []float64{1, 2, 3}, 1},
		{"the mean", []float64{2, 2, 2}, []float64{1, 2, 3}, 0},
		{"SSE 1 of SST 2", []float64{1, 2, 4}, []float64{1, 2, 3}, 0.5},
		{"worse than the mean", []float64{3, 2, 1}, []float64{1, 2, 3}, -3},
		{"n=2", []float64{0, 0}, []float64{1, 3}, 1 - 10.0/2},
		{"n=1", []float64{1}, []float64{1}, nan},
		{"constant y", []float64{1, 2, 3}, []float64{2, 2, 2}, nan},
		{"NaN", []float64{1, nan, 3}, []float64{1, 2, 3}, nan},
	} {
		if got := R2(c.pred, c.y); !near(got, c.want, 1e-12) {
			t.Errorf("%s: R2 = %v, want %v", c.name, got, c.want)
		}
	}
}
