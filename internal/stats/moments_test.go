package stats

import (
	"math"
	"testing"
)

func TestMoments(t *testing.T) {
	// The textbook sample 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − x̄)² = 32.
	for _, c := range []struct {
		name           string
		x              []float64
		mean, pop, smp float64
	}{
		{"textbook", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, 4, 32.0 / 7},
		{"one", []float64{3}, 3, 0, nan},
		{"empty", nil, nan, nan, nan},
		{"NaN", []float64{1, nan, 3}, nan, nan, nan},
		// A large mean against a small spread: two passes keep it exact.
		{"offset", []float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 2.0 / 3, 1},
	} {
		if got := Mean(c.x); !near(got, c.mean, 1e-12) {
			t.Errorf("%s: Mean = %v, want %v", c.name, got, c.mean)
		}
		if got := PopVariance(c.x); !near(got, c.pop, 1e-12) {
			t.Errorf("%s: PopVariance = %v, want %v", c.name, got, c.pop)
		}
		if got := Variance(c.x); !near(got, c.smp, 1e-12) {
			t.Errorf("%s: Variance = %v, want %v", c.name, got, c.smp)
		}
	}
}

func TestFloat64s(t *testing.T) {
	got := Float64s([]float32{1.5, -0.1, 0})
	if len(got) != 3 || got[0] != 1.5 || got[1] != float64(float32(-0.1)) || got[2] != 0 {
		t.Errorf("Float64s = %v", got)
	}
}

func TestLogSoftmax(t *testing.T) {
	ln2 := math.Ln2
	lse := 3 + math.Log(1+math.Exp(-1)+math.Exp(-2)) // log(e¹ + e² + e³)
	inf := math.Inf(-1)
	for _, c := range []struct {
		name    string
		x, want []float64
	}{
		{"uniform", []float64{0, 0}, []float64{-ln2, -ln2}},
		{"1 2 3", []float64{1, 2, 3}, []float64{1 - lse, 2 - lse, 3 - lse}},
		{"large", []float64{1000, 1000}, []float64{-ln2, -ln2}}, // no overflow
		{"impossible action", []float64{0, inf}, []float64{0, inf}},
		{"NaN", []float64{0, nan}, []float64{nan, nan}},
		{"all −Inf", []float64{inf, inf}, []float64{nan, nan}},
		{"empty", []float64{}, []float64{}},
	} {
		got := LogSoftmax(c.x)
		if len(got) != len(c.want) {
			t.Fatalf("%s: LogSoftmax = %v", c.name, got)
		}
		for i := range got {
			if !near(got[i], c.want[i], 1e-12) && got[i] != c.want[i] {
				t.Errorf("%s: LogSoftmax = %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
