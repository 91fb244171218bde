package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitRidgeKnown(t *testing.T) {
	// One column x = (1, 2, 3): population SD √(2/3), so z = (−√1.5, 0,
	// √1.5) and Σz² = 3. y = (1, 3, 2): ȳ = 2, y − ȳ = (−1, 1, 0), so
	// Σz·(y − ȳ) = √1.5 and Coef = √1.5 / (3 + λ).
	X := [][]float64{{1}, {2}, {3}}
	y := []float64{1, 3, 2}
	for _, lam := range []float64{0, 1, 10} {
		r, ok := FitRidge(X, y, lam)
		if want := math.Sqrt(1.5) / (3 + lam); !ok || !near(r.Coef[0], want, 1e-12) || r.Intercept != 2 {
			t.Errorf("λ = %v: %+v, %v, want coef %v", lam, r, ok, want)
		}
	}
}

func TestFitRidgeExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var X [][]float64
	var y []float64
	for range 20 {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		X = append(X, []float64{a, b, 7}) // a constant column is ignored
		y = append(y, 1+2*a-b)
	}
	r, ok := FitRidge(X, y, 0)
	if !ok || r.Coef[2] != 0 || r.SD[2] != 0 {
		t.Fatalf("FitRidge = %+v, %v", r, ok)
	}
	for _, x := range [][]float64{{0, 0, 7}, {1, 2, -3}} {
		if got, want := r.Predict(x), 1+2*x[0]-x[1]; !near(got, want, 1e-9) {
			t.Errorf("Predict(%v) = %v, want %v", x, got, want)
		}
	}
	big, _ := FitRidge(X, y, 1e12)
	if got := big.Predict([]float64{3, -3, 7}); !near(got, Mean(y), 1e-6) {
		t.Errorf("huge λ predicts %v, want mean %v", got, Mean(y))
	}
	if !math.IsNaN(r.Predict([]float64{nan, 0, 7})) {
		t.Error("NaN feature not NaN")
	}
	if _, ok := FitRidge(X[:1], y[:1], 1); ok {
		t.Error("one row: ok")
	}
	if _, ok := FitRidge(X, y, -1); ok {
		t.Error("negative λ: ok")
	}
}

func TestNestedLOORidge(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n := 24
	X, y := make([][]float64, n), make([]float64, n)
	for i := range X {
		X[i] = []float64{rng.NormFloat64(), rng.NormFloat64()}
		y[i] = X[i][0] + 0.01*rng.NormFloat64()
	}
	lambdas := []float64{1000, 0.01, 10}
	pred, mae, chosen := NestedLOORidge(X, y, lambdas)
	if !(mae < 0.05) {
		t.Errorf("mae = %v for an almost exact linear target", mae)
	}
	for i := range chosen {
		if chosen[i] != 0.01 {
			t.Errorf("unit %d chose λ = %v, want 0.01", i, chosen[i])
		}
	}
	// With one λ the prediction is the plain leave-one-out ridge fit.
	one, _, _ := NestedLOORidge(X, y, []float64{3})
	for _, i := range []int{0, 5, 23} {
		others, ys := append(append([][]float64{}, X[:i]...), X[i+1:]...), append(append([]float64{}, y[:i]...), y[i+1:]...)
		r, _ := FitRidge(others, ys, 3)
		if !near(one[i], r.Predict(X[i]), 1e-12) {
			t.Errorf("unit %d: %v, want %v", i, one[i], r.Predict(X[i]))
		}
	}
	// Missing values: a NaN feature is not predicted, a NaN target is.
	X[2] = []float64{nan, 1}
	y[3] = nan
	pred, _, chosen = NestedLOORidge(X, y, lambdas)
	if !math.IsNaN(pred[2]) || !math.IsNaN(chosen[2]) || math.IsNaN(pred[3]) {
		t.Errorf("pred[2], chosen[2], pred[3] = %v, %v, %v", pred[2], chosen[2], pred[3])
	}
	if p, m, _ := NestedLOORidge(X[:3], y[:3], lambdas); !math.IsNaN(p[0]) || !math.IsNaN(m) {
		t.Errorf("3 units: %v, %v, want NaN", p, m)
	}
}
