package interp

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// InteractionMatrix returns the symmetric matrix Q of a bilinear block
// h = (W x) ⊙ (V x) read out along the direction u over its hidden units:
//
//	u · h(x) = Σₖ uₖ (wₖ·x)(vₖ·x) = xᵀ Q x,   Q = Σₖ uₖ · ½(wₖ vₖᵀ + vₖ wₖᵀ)
//
// with wₖ, vₖ the k-th rows of W and V ([hidden, in], row-major Matrix).
// Only the symmetric part of Σₖ uₖ wₖ vₖᵀ contributes to a quadratic form,
// so Q loses nothing. For a block with biases, append them as a last column
// (WithBias) and evaluate Q at [x; 1].
func InteractionMatrix(w, v Matrix, u []float64) (*mat.SymDense, error) {
	if w.Rows != v.Rows || w.Cols != v.Cols || len(w.Data) != w.Rows*w.Cols || len(v.Data) != v.Rows*v.Cols {
		return nil, fmt.Errorf("bilinear: W is %d×%d, V is %d×%d: want equal shapes", w.Rows, w.Cols, v.Rows, v.Cols)
	}
	if len(u) != w.Rows {
		return nil, fmt.Errorf("bilinear: direction u has %d entries, hidden width is %d", len(u), w.Rows)
	}
	n := w.Cols
	// B = Wᵀ diag(u) V, then Q = ½(B + Bᵀ).
	wu := mat.NewDense(w.Rows, n, nil)
	vd := mat.NewDense(v.Rows, n, nil)
	for k := 0; k < w.Rows; k++ {
		for i := 0; i < n; i++ {
			wu.Set(k, i, u[k]*float64(w.Data[k*n+i]))
			vd.Set(k, i, float64(v.Data[k*n+i]))
		}
	}
	var b mat.Dense
	b.Mul(wu.T(), vd)
	q := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			q.SetSym(i, j, 0.5*(b.At(i, j)+b.At(j, i)))
		}
	}
	return q, nil
}

// WithBias returns w with b appended as a last column, so that a biased
// map W x + b becomes W' [x; 1].
func WithBias(w Matrix, b []float32) (Matrix, error) {
	if len(b) != w.Rows {
		return Matrix{}, fmt.Errorf("bilinear: bias has %d entries, W has %d rows", len(b), w.Rows)
	}
	out := NewMatrix(w.Rows, w.Cols+1)
	for k := 0; k < w.Rows; k++ {
		copy(out.Row(k), w.Row(k))
		out.Data[k*out.Cols+w.Cols] = b[k]
	}
	return out, nil
}

// QuadForm returns xᵀ Q x.
func QuadForm(q *mat.SymDense, x []float64) float64 {
	xv := mat.NewVecDense(len(x), x)
	return mat.Inner(xv, q, xv)
}

// Spectrum is the eigendecomposition of an interaction matrix, eigenpairs
// ordered by decreasing |λ| (the terms that matter most for the output,
// whether they push it up or down).
type Spectrum struct {
	Values  []float64   `json:"eigenvalues"`
	Vectors [][]float64 `json:"-"` // Vectors[i] is the unit eigenvector of Values[i]
	// CumAbs[i] is the fraction of Σ|λ| carried by the top i+1 eigenvalues;
	// CumSq[i] the fraction of Σλ² (= ‖Q‖²_F).
	CumAbs []float64 `json:"cum_frac_abs"`
	CumSq  []float64 `json:"cum_frac_sq"`
}

// Eigen eigendecomposes q with gonum's EigenSym.
func Eigen(q *mat.SymDense) (Spectrum, error) {
	var es mat.EigenSym
	if !es.Factorize(q, true) {
		return Spectrum{}, fmt.Errorf("bilinear: eigendecomposition did not converge")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return math.Abs(vals[order[a]]) > math.Abs(vals[order[b]]) })
	sp := Spectrum{}
	var sumAbs, sumSq float64
	for _, v := range vals {
		sumAbs += math.Abs(v)
		sumSq += v * v
	}
	var ca, cs float64
	for _, i := range order {
		v := vals[i]
		sp.Values = append(sp.Values, v)
		sp.Vectors = append(sp.Vectors, mat.Col(nil, i, &vecs))
		ca += math.Abs(v)
		cs += v * v
		sp.CumAbs = append(sp.CumAbs, safeFrac(ca, sumAbs))
		sp.CumSq = append(sp.CumSq, safeFrac(cs, sumSq))
	}
	return sp, nil
}

func safeFrac(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// HeadDirection returns row a of a linear head's weight [outputs, hidden]
// (the direction whose logit the bilinear analysis explains), or row a
// minus row b when b ≥ 0 (a logit difference such as right-vs-left, which
// is what an action choice depends on).
func HeadDirection(head Matrix, a, b int) ([]float64, error) {
	if a < 0 || a >= head.Rows || b >= head.Rows {
		return nil, fmt.Errorf("bilinear: head has %d rows, rows %d and %d requested", head.Rows, a, b)
	}
	u := make([]float64, head.Cols)
	for k := range u {
		u[k] = float64(head.Data[a*head.Cols+k])
		if b >= 0 {
			u[k] -= float64(head.Data[b*head.Cols+k])
		}
	}
	return u, nil
}
