package audit

import (
	"math"
	"testing"
)

// Reference values computed by hand (Python, plain floats):
// OLS of y on x, t(0.975, 3) = 3.182446305284263.
func TestFitLinePredictionInterval(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{0.1, 0.2, 0.35, 0.38, 0.5}
	f, ok := FitLine(x, y)
	if !ok {
		t.Fatal("FitLine failed")
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.12g, want %.12g", name, got, want)
		}
	}
	near("A", f.A, 0.11)
	near("B", f.B, 0.098)
	near("s", f.S, 0.029888682361946518)
	p := f.Predict(2.5)
	near("prediction", p.Value, 0.355)
	near("lo", p.Lo, 0.24972241864544426)
	near("hi", p.Hi, 0.4602775813545557)
}

func TestFitLineRefusesDegenerateData(t *testing.T) {
	if _, ok := FitLine([]float64{1, 2}, []float64{0, 1}); ok {
		t.Error("FitLine accepted 2 points")
	}
	if _, ok := FitLine([]float64{1, 1, 1}, []float64{0, 1, 0.5}); ok {
		t.Error("FitLine accepted constant x")
	}
}

func TestPredictClipsToRates(t *testing.T) {
	f, _ := FitLine([]float64{0, 1, 2, 3}, []float64{0, 0.4, 0.8, 1.3})
	p := f.Predict(10)
	if p.Value != 1 || p.Hi != 1 || p.Lo > 1 {
		t.Fatalf("prediction far outside the data = %+v, want clipped to 1", p)
	}
}

func TestLeaveOneOutExactLine(t *testing.T) {
	x := []float64{1, 10, 100, 1000, 10000}
	y := []float64{0.1, 0.2, 0.3, 0.4, 0.5} // exactly linear in log10(x)
	r := LeaveOneOut(x, y, Log10)
	if r.N != 5 || r.MAE > 1e-9 {
		t.Fatalf("LOO on an exact log-linear relation: N=%d MAE=%v, want 5 and 0", r.N, r.MAE)
	}
	lin := LeaveOneOut(x, y, Linear)
	if !(lin.MAE > 0.05) {
		t.Fatalf("LOO on the wrong scale has MAE %v, want clearly > 0", lin.MAE)
	}
}

func TestLeaveOneOutSkipsMissing(t *testing.T) {
	nan := math.NaN()
	x := []float64{1, 2, nan, 4, 5, 6}
	y := []float64{0.1, 0.2, 0.3, nan, 0.5, 0.6}
	r := LeaveOneOut(x, y, Linear)
	if !math.IsNaN(r.Pred[2].Value) {
		t.Errorf("agent with a missing statistic got a prediction %+v", r.Pred[2])
	}
	if math.IsNaN(r.Pred[3].Value) {
		t.Errorf("agent with a missing target got no prediction")
	}
	if r.N != 4 || r.MAE > 1e-9 {
		t.Errorf("N=%d MAE=%v, want 4 agents scored and 0 error", r.N, r.MAE)
	}
}

// The nested choice must pick the statistic that predicts the others,
// never one that merely fits the held-out agent.
func TestNestedLOOPicksThePredictiveStatistic(t *testing.T) {
	y := []float64{0.1, 0.3, 0.2, 0.6, 0.5, 0.4, 0.8, 0.7}
	good := make([]float64, len(y))
	for i, v := range y {
		good[i] = 2*v + 1
	}
	noise := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	r := NestedLOO([]Candidate{{"noise", noise, Linear}, {"good", good, Linear}}, y, nil)
	if r.Chosen["good"] != len(y) {
		t.Fatalf("chosen %v, want good for every agent", r.Chosen)
	}
	if r.MAE > 1e-9 {
		t.Fatalf("nested MAE %v, want 0", r.MAE)
	}
}

// A statistic missing for most agents cannot be chosen.
func TestNestedLOORequiresCoverage(t *testing.T) {
	nan := math.NaN()
	y := []float64{0.1, 0.3, 0.2, 0.6, 0.5, 0.4, 0.8, 0.7}
	sparse := []float64{0.1, 0.3, 0.2, 0.6, nan, nan, nan, nan}
	weak := []float64{1, 2, 3, 4, 3, 2, 5, 6}
	r := NestedLOO([]Candidate{{"sparse", sparse, Linear}, {"weak", weak, Linear}}, y, nil)
	if r.Chosen["sparse"] != 0 {
		t.Fatalf("a statistic known for 4 of 8 agents was chosen: %v", r.Chosen)
	}
}
