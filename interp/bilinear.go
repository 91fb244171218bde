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

// BilinearPolicy holds the weights of a policy whose hidden block is
// bilinear with a residual connection (agents' arch "bilinear"):
//
//	e = A x + a,   h = e + (W e) ⊙ (V e),   logits = U h + b
//
// with A [hidden, obs], W and V [hidden, hidden] and U [actions, hidden].
type BilinearPolicy struct {
	A       Matrix
	B       []float32 // a, the embedding bias
	W, V, U Matrix
	UB      []float32 // b, the head bias
}

// LogitForm returns the symmetric matrix Q over x̃ = [x; 1] with
//
//	logit_i(x) − mean_j logit_j(x) = x̃ᵀ Q x̃
//
// exactly: softmax ignores a shift shared by all logits, so this
// difference is what action i's probability depends on. With
// u = U_i − mean_j U_j, Ã = [A a] and c = b_i − mean_j b_j:
//
//	Q = Ãᵀ Q_e Ã + ½(ū e_lastᵀ + e_last ūᵀ) + c · e_last e_lastᵀ,
//
// where Q_e = InteractionMatrix(W, V, u) is the quadratic term in e, ū = Ãᵀu
// carries the residual (linear) term on the constant coordinate, and
// e_last is the unit vector of that coordinate.
func (p BilinearPolicy) LogitForm(action int) (*mat.SymDense, error) {
	if action < 0 || action >= p.U.Rows {
		return nil, fmt.Errorf("bilinear: action %d outside [0, %d)", action, p.U.Rows)
	}
	if p.A.Rows != p.W.Rows || p.U.Cols != p.W.Rows || len(p.B) != p.A.Rows || len(p.UB) != p.U.Rows {
		return nil, fmt.Errorf("bilinear: inconsistent shapes A %d×%d, a %d, W %d×%d, U %d×%d, b %d",
			p.A.Rows, p.A.Cols, len(p.B), p.W.Rows, p.W.Cols, p.U.Rows, p.U.Cols, len(p.UB))
	}
	u := make([]float64, p.U.Cols)
	var c float64
	for j := 0; j < p.U.Rows; j++ {
		share := -1 / float64(p.U.Rows)
		if j == action {
			share += 1
		}
		for k := range u {
			u[k] += share * float64(p.U.Data[j*p.U.Cols+k])
		}
		c += share * float64(p.UB[j])
	}
	qe, err := InteractionMatrix(p.W, p.V, u)
	if err != nil {
		return nil, err
	}
	at, err := WithBias(p.A, p.B) // Ã [hidden, obs+1]
	if err != nil {
		return nil, err
	}
	n := at.Cols
	ad := mat.NewDense(at.Rows, n, nil)
	for k := 0; k < at.Rows; k++ {
		for i := 0; i < n; i++ {
			ad.Set(k, i, float64(at.Data[k*n+i]))
		}
	}
	var tmp, quad mat.Dense
	tmp.Mul(qe, ad)
	quad.Mul(ad.T(), &tmp)
	ubar := make([]float64, n) // Ãᵀu
	for k := 0; k < at.Rows; k++ {
		for i := 0; i < n; i++ {
			ubar[i] += u[k] * ad.At(k, i)
		}
	}
	q := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			q.SetSym(i, j, 0.5*(quad.At(i, j)+quad.At(j, i)))
		}
	}
	last := n - 1
	for i := 0; i < n; i++ {
		if i == last {
			q.SetSym(last, last, q.At(last, last)+ubar[last]+c)
			continue
		}
		q.SetSym(i, last, q.At(i, last)+0.5*ubar[i])
	}
	return q, nil
}

// Augment returns [x; 1] as float64.
func Augment(x []float32) []float64 {
	out := make([]float64, len(x)+1)
	for i, v := range x {
		out[i] = float64(v)
	}
	out[len(x)] = 1
	return out
}
