package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// linearSet returns n rows of 3 standard normal activations (column 3
// constant), targets exactly linear in them and targets independent of
// them, and alternating episodes.
func linearSet(n int, seed uint64) (x Acts, lin, noise [][2]float64, episode []int) {
	rng := rand.New(rand.NewPCG(seed, seed))
	x = Acts{Rows: n, Cols: 4}
	for i := 0; i < n; i++ {
		row := []float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64()), 5}
		x.Data = append(x.Data, row...)
		lin = append(lin, [2]float64{2*float64(row[0]) - float64(row[2]) + 1, 0.5 * float64(row[1])})
		noise = append(noise, [2]float64{rng.NormFloat64(), rng.NormFloat64()})
		episode = append(episode, i)
	}
	return x, lin, noise, episode
}

// A probe of targets that are linear in the activations scores R² near 1
// out of sample; of targets unrelated to them, near or below 0.
func TestRidge(t *testing.T) {
	x, lin, noise, episode := linearSet(400, 4)
	train, test := allRows(200), make([]int, 200)
	for i := range test {
		test[i] = 200 + i
	}
	if r := FitRidge(x, lin, train, 1e-3).R2(x, lin, test); r < 0.99 {
		t.Errorf("linear targets: R² %.4f", r)
	}
	if r := FitRidge(x, noise, train, 1).R2(x, noise, test); r > 0.05 {
		t.Errorf("unrelated targets: R² %.4f", r)
	}
	if r := CrossValidR2(x, lin, episode, 1e-3); r < 0.99 {
		t.Errorf("linear targets: cross-validated R² %.4f", r)
	}
	if r := CrossValidR2(x, lin, episode[:18], 1); !math.IsNaN(r) {
		t.Errorf("folds of 9 rows: cross-validated R² %v, want NaN", r)
	}
	// The constant column is neither read nor weighted; Raw predicts as
	// Predict does.
	f := FitRidge(x, lin, nil, 1e-3)
	raw := f.Raw()
	for k := 0; k < 2; k++ {
		if f.Coef[k][3] != 0 || raw[k][3] != 0 {
			t.Errorf("target %d: constant column weighted %v (raw %v)", k, f.Coef[k][3], raw[k][3])
		}
		for i := 0; i < 5; i++ {
			v := f.Intercept[k]
			for j, a := range x.Row(i) {
				v += raw[k][j] * (float64(a) - f.Mean[j])
			}
			if p := f.Predict(x.Row(i))[k]; math.Abs(p-v) > 1e-9 {
				t.Fatalf("row %d target %d: Predict %v, raw weights %v", i, k, p, v)
			}
		}
	}
	// Known values: a single column x = (0, 1, 2, 3) and y = 2x + 1 with
	// penalty λ: the standardised slope is Σz·y / (Σz² + λ) with Σz² = n.
	one := Acts{Rows: 4, Cols: 1, Data: []float32{0, 1, 2, 3}}
	y := [][2]float64{{1, 0}, {3, 0}, {5, 0}, {7, 1}}
	r := FitRidge(one, y, nil, 4)
	sd := math.Sqrt(1.25)
	if want := 2 * sd * 4 / (4 + 4); math.Abs(r.Coef[0][0]-want) > 1e-12 || r.Intercept[0] != 4 || r.Mean[0] != 1.5 || math.Abs(r.SD[0]-sd) > 1e-15 {
		t.Errorf("fit %+v, want slope %v on z, intercept 4, mean 1.5, sd %v", r, want, sd)
	}
	if got := r.R2(one, y, []int{0, 1, 2}); !math.IsNaN(got) {
		t.Errorf("R² with a constant second target: %v, want NaN", got)
	}
}
