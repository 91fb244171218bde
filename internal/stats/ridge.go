package stats

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Ridge is a ridge regression with an unpenalised intercept on
// standardised columns: ŷ = Intercept + Σⱼ Coef[j]·(x[j] − Mean[j])/SD[j].
// Columns that were constant in the fit have SD 0 and Coef 0.
type Ridge struct {
	Mean, SD, Coef []float64
	Intercept      float64
}

// FitRidge fits y on the rows of X (n rows of d columns; rows with a NaN
// in X or y are skipped). Each column is standardised by its mean and
// population standard deviation over the fitted rows, the intercept is
// the mean of y, and the coefficients minimise Σ residual² + lambda·Σ
// Coef² (lambda ≥ 0, the convention of sklearn's Ridge on standardised
// inputs). ok is false with fewer than 2 complete rows, a negative or
// NaN lambda, or when lambda = 0 and the standardised columns are
// (numerically) collinear. It panics if a row's length differs from the
// first's or len(y) from len(X).
func FitRidge(X [][]float64, y []float64, lambda float64) (r Ridge, ok bool) {
	mustSameLen("FitRidge", len(X), len(y))
	return fitRidgeRows(X, y, completeRows(X, y), lambda)
}

// fitRidgeRows is FitRidge on the listed (complete) rows.
func fitRidgeRows(X [][]float64, y []float64, rows []int, lambda float64) (r Ridge, ok bool) {
	if len(rows) < 2 || !(lambda >= 0) {
		return r, false
	}
	d := len(X[0])
	r = Ridge{Mean: make([]float64, d), SD: make([]float64, d), Coef: make([]float64, d)}
	active := r.standardise(X, rows)
	for _, i := range rows {
		r.Intercept += y[i] / float64(len(rows))
	}
	if len(active) == 0 {
		return r, true
	}
	z := mat.NewDense(len(rows), len(active), nil)
	yc := mat.NewVecDense(len(rows), nil)
	for k, i := range rows {
		for c, j := range active {
			z.Set(k, c, (X[i][j]-r.Mean[j])/r.SD[j])
		}
		yc.SetVec(k, y[i]-r.Intercept)
	}
	var gram mat.SymDense
	gram.SymOuterK(1, z.T())
	for c := range active {
		gram.SetSym(c, c, gram.At(c, c)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(&gram) {
		return r, false
	}
	var zty, beta mat.VecDense
	zty.MulVec(z.T(), yc)
	if err := chol.SolveVecTo(&beta, &zty); err != nil {
		return r, false
	}
	for c, j := range active {
		r.Coef[j] = beta.AtVec(c)
	}
	return r, true
}

// standardise sets Mean and SD over rows and returns the non-constant
// columns.
func (r *Ridge) standardise(X [][]float64, rows []int) (active []int) {
	nf := float64(len(rows))
	for j := range r.Mean {
		var s, ss float64
		for _, i := range rows {
			s += X[i][j]
		}
		r.Mean[j] = s / nf
		for _, i := range rows {
			ss += (X[i][j] - r.Mean[j]) * (X[i][j] - r.Mean[j])
		}
		r.SD[j] = math.Sqrt(ss / nf)
		if r.SD[j] > 0 {
			active = append(active, j)
		}
	}
	return active
}

// Predict returns the fitted value at x (NaN if x has a NaN). It panics
// if len(x) differs from the fitted column count.
func (r Ridge) Predict(x []float64) float64 {
	mustSameLen("Ridge.Predict", len(r.Coef), len(x))
	v := r.Intercept
	for j, c := range r.Coef {
		if math.IsNaN(x[j]) {
			return nan
		}
		if c != 0 {
			v += c * (x[j] - r.Mean[j]) / r.SD[j]
		}
	}
	return v
}

// completeRows lists the rows of X with finite features and target,
// panicking on ragged rows.
func completeRows(X [][]float64, y []float64) []int {
	var out []int
	for i, row := range X {
		mustSameLen("ridge", len(X[0]), len(row))
		if finite(y[i]) && allFinite(row) {
			out = append(out, i)
		}
	}
	return out
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if !finite(v) {
			return false
		}
	}
	return true
}

// without returns rows minus its element at position k.
func without(dst, rows []int, k int) []int {
	dst = append(dst[:0], rows[:k]...)
	return append(dst, rows[k+1:]...)
}

// NestedLOORidge predicts every unit by ridge regression on the others,
// choosing the penalty without looking at the unit: for held-out unit i,
// each λ in lambdas is scored by the leave-one-out mean absolute error
// over the other complete units (each predicted from a fit to the rest,
// i excluded); the best λ (the earlier in lambdas on ties) is refitted on
// all complete units but i and predicts i. mae, the mean |pred[i] − y[i]|
// over units with a prediction and a finite target, is an honest estimate
// of "tune λ, then predict a new unit". chosen[i] is the λ used for i.
//
// Units with a non-finite feature or target are excluded from fits; pred
// and chosen are NaN where X[i] has a non-finite value or fewer than 3
// other complete units exist (a NaN y[i] alone does not stop the
// prediction). mae is NaN when no unit counts. It panics if len(X) ≠
// len(y) or rows are ragged.
func NestedLOORidge(X [][]float64, y []float64, lambdas []float64) (pred []float64, mae float64, chosen []float64) {
	mustSameLen("NestedLOORidge", len(X), len(y))
	n := len(y)
	pred, chosen, mae = nans(n), nans(n), nan
	complete := completeRows(X, y)
	var others []int
	var absErr float64
	k := 0
	for i := range n {
		if !allFinite(X[i]) {
			continue
		}
		others = others[:0]
		for _, j := range complete {
			if j != i {
				others = append(others, j)
			}
		}
		if len(others) < 3 {
			continue
		}
		lam, ok := chooseLambda(X, y, others, lambdas)
		if !ok {
			continue
		}
		r, ok := fitRidgeRows(X, y, others, lam)
		if !ok {
			continue
		}
		pred[i], chosen[i] = r.Predict(X[i]), lam
		if finite(y[i]) {
			absErr += math.Abs(pred[i] - y[i])
			k++
		}
	}
	if k > 0 {
		mae = absErr / float64(k)
	}
	return pred, mae, chosen
}

// chooseLambda returns the λ with the lowest leave-one-out MAE over rows.
func chooseLambda(X [][]float64, y []float64, rows []int, lambdas []float64) (float64, bool) {
	best, bestMAE := nan, math.Inf(1)
	var sub []int
	for _, lam := range lambdas {
		var s float64
		k := 0
		for a, j := range rows {
			sub = without(sub, rows, a)
			if r, ok := fitRidgeRows(X, y, sub, lam); ok {
				s += math.Abs(r.Predict(X[j]) - y[j])
				k++
			}
		}
		// A λ whose fits fail for more than half the units cannot win.
		if k > 0 && 2*k >= len(rows) && s/float64(k) < bestMAE {
			best, bestMAE = lam, s/float64(k)
		}
	}
	return best, !math.IsNaN(best)
}
