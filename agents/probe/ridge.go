package probe

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/misgen/misgen/internal/stats"
)

// sdFloor is the standard deviation at or below which an activation
// column counts as constant: the probe neither standardises nor reads it.
const sdFloor = 1e-8

// Ridge is a ridge regression of two targets, the goal's offset (dx, dy)
// from the agent, on standardised activations: target k is predicted as
// Intercept[k] + Σⱼ Coef[k][j]·(x[j] − Mean[j])/SD[j] over the columns j
// whose SD is above 1e-8.
type Ridge struct {
	Mean, SD  []float64
	Coef      [2][]float64
	Intercept [2]float64
}

// allRows returns 0, …, n−1.
func allRows(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// FitRidge fits a Ridge to the rows idx of x (all rows when nil) and their
// targets y (indexed like x's rows): each column is standardised by its
// mean and population standard deviation over those rows, the intercept
// is each target's mean, and the coefficients minimise Σ residual² +
// lambda·Σ Coef² (lambda > 0). It panics if idx is empty or y is shorter
// than x.
func FitRidge(x Acts, y [][2]float64, idx []int, lambda float64) Ridge {
	if idx == nil {
		idx = allRows(x.Rows)
	}
	if len(idx) == 0 || len(y) < x.Rows {
		panic("probe: FitRidge: no rows, or fewer targets than rows")
	}
	d := x.Cols
	f := Ridge{Mean: make([]float64, d), SD: make([]float64, d)}
	f.standardise(x, idx)
	z := mat.NewDense(len(idx), d, nil)
	for r, i := range idx {
		for j, v := range x.Row(i) {
			if f.SD[j] > sdFloor {
				z.Set(r, j, (float64(v)-f.Mean[j])/f.SD[j])
			}
		}
	}
	var gram mat.Dense
	gram.Mul(z.T(), z)
	for j := 0; j < d; j++ {
		gram.Set(j, j, gram.At(j, j)+lambda)
	}
	for k := 0; k < 2; k++ {
		yc := mat.NewVecDense(len(idx), nil)
		var my float64
		for _, i := range idx {
			my += y[i][k]
		}
		my /= float64(len(idx))
		for r, i := range idx {
			yc.SetVec(r, y[i][k]-my)
		}
		var zty, beta mat.VecDense
		zty.MulVec(z.T(), yc)
		if err := beta.SolveVec(&gram, &zty); err != nil {
			beta.Zero() // (never singular with lambda > 0; keep the fit defined)
		}
		f.Coef[k] = mat.Col(nil, 0, &beta)
		f.Intercept[k] = my
	}
	return f
}

// standardise sets Mean and SD (population) of x's columns over rows idx.
func (f *Ridge) standardise(x Acts, idx []int) {
	for _, i := range idx {
		for j, v := range x.Row(i) {
			f.Mean[j] += float64(v)
		}
	}
	for j := range f.Mean {
		f.Mean[j] /= float64(len(idx))
	}
	for _, i := range idx {
		for j, v := range x.Row(i) {
			f.SD[j] += (float64(v) - f.Mean[j]) * (float64(v) - f.Mean[j])
		}
	}
	for j := range f.SD {
		f.SD[j] = math.Sqrt(f.SD[j] / float64(len(idx)))
	}
}

// Predict returns the fitted (dx, dy) of one activation row.
func (f Ridge) Predict(row []float32) [2]float64 {
	var out [2]float64
	for k := 0; k < 2; k++ {
		out[k] = f.Intercept[k]
		for j, v := range row {
			if f.SD[j] > sdFloor {
				out[k] += f.Coef[k][j] * (float64(v) - f.Mean[j]) / f.SD[j]
			}
		}
	}
	return out
}

// R2 is the coefficient of determination (stats.R2) of the fit on the
// rows idx of x (all rows when nil) and their targets y, averaged over dx
// and dy; NaN when either target is constant on those rows or there are
// fewer than 2.
func (f Ridge) R2(x Acts, y [][2]float64, idx []int) float64 {
	if idx == nil {
		idx = allRows(x.Rows)
	}
	pred := make([][2]float64, len(idx))
	for r, i := range idx {
		pred[r] = f.Predict(x.Row(i))
	}
	var total float64
	p, t := make([]float64, len(idx)), make([]float64, len(idx))
	for k := 0; k < 2; k++ {
		for r, i := range idx {
			p[r], t[r] = pred[r][k], y[i][k]
		}
		r2 := stats.R2(p, t)
		if math.IsNaN(r2) {
			return math.NaN()
		}
		total += r2
	}
	return total / 2
}

// Raw returns the weights on raw activations, Coef / SD (0 for constant
// columns): the fit predicts Intercept[k] + Σⱼ Raw[k][j]·(x[j] − Mean[j]).
func (f Ridge) Raw() [2][]float64 {
	var out [2][]float64
	for k := 0; k < 2; k++ {
		out[k] = make([]float64, len(f.SD))
		for j := range f.SD {
			if f.SD[j] > sdFloor {
				out[k][j] = f.Coef[k][j] / f.SD[j]
			}
		}
	}
	return out
}

// CrossValidR2 is the mean R² of 2-fold cross-validation of FitRidge with
// lambda on x and y, rows split into folds by the parity of their episode
// (episode[i] of row i), so that no episode is in both; NaN when a fold
// has fewer than 10 rows.
func CrossValidR2(x Acts, y [][2]float64, episode []int, lambda float64) float64 {
	var folds [2][]int
	for i, e := range episode {
		folds[e%2] = append(folds[e%2], i)
	}
	if len(folds[0]) < 10 || len(folds[1]) < 10 {
		return math.NaN()
	}
	var sum float64
	for k := 0; k < 2; k++ {
		f := FitRidge(x, y, folds[1-k], lambda)
		sum += f.R2(x, y, folds[k])
	}
	return sum / 2
}
