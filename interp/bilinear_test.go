package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func randMatrix(rng *rand.Rand, r, c int) Matrix {
	m := NewMatrix(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64() / math.Sqrt(float64(c)))
	}
	return m
}

// xᵀQx must equal u·((Wx)⊙(Vx)) computed by libtorch, for random inputs,
// with and without biases.
func TestBilinearExactness(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	const hidden, in, actions = 24, 30, 5
	w, v := randMatrix(rng, hidden, in), randMatrix(rng, hidden, in)
	head := randMatrix(rng, actions, hidden)
	bw, bv := make([]float32, hidden), make([]float32, hidden)
	for k := range bw {
		bw[k], bv[k] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	for _, biased := range []bool{false, true} {
		for _, pair := range [][2]int{{0, -1}, {3, 1}} {
			u, err := HeadDirection(head, pair[0], pair[1])
			if err != nil {
				t.Fatal(err)
			}
			qw, qv := w, v
			if biased {
				qw, _ = WithBias(w, bw)
				qv, _ = WithBias(v, bv)
			}
			q, err := InteractionMatrix(qw, qv, u)
			if err != nil {
				t.Fatal(err)
			}
			s := torch.NewNoGradScope()
			tw, tv := w.tensor(s), v.tensor(s)
			var bwt, bvt *torch.Tensor
			if biased {
				bwt, bvt = s.FromFloat32(bw, hidden), s.FromFloat32(bv, hidden)
			}
			ut := make([]float32, hidden)
			for k := range u {
				ut[k] = float32(u[k])
			}
			for trial := 0; trial < 20; trial++ {
				x := make([]float32, in)
				xf := make([]float64, in, in+1)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
					xf[i] = float64(x[i])
				}
				if biased {
					xf = append(xf, 1)
				}
				xt := s.FromFloat32(x, 1, in)
				h := s.Mul(s.Linear(xt, tw, bwt), s.Linear(xt, tv, bvt))
				out := s.Sum(s.Mul(h, s.FromFloat32(ut, 1, hidden)), false)
				want, err := out.Item()
				if err != nil {
					t.Fatal(err)
				}
				got := QuadForm(q, xf)
				if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
					t.Errorf("biased=%v u=%v trial %d: xᵀQx = %v, forward = %v", biased, pair, trial, got, want)
				}
			}
			s.Close()
		}
	}
}

func TestEigenSpectrum(t *testing.T) {
	// W = diag(1, 2, 3), V = I, u = (1, −1, 2): Q = diag(1, −2, 6).
	w := Matrix{Rows: 3, Cols: 3, Data: []float32{1, 0, 0, 0, 2, 0, 0, 0, 3}}
	v := Matrix{Rows: 3, Cols: 3, Data: []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}}
	q, err := InteractionMatrix(w, v, []float64{1, -1, 2})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := Eigen(q)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{6, -2, 1}
	for i, l := range want {
		if !near(sp.Values[i], l, 1e-12) {
			t.Errorf("eigenvalue %d = %v, want %v (ordered by |λ|)", i, sp.Values[i], l)
		}
	}
	if !near(math.Abs(sp.Vectors[0][2]), 1, 1e-12) {
		t.Errorf("top eigenvector %v, want ±e₃", sp.Vectors[0])
	}
	if !near(sp.CumAbs[0], 6.0/9, 1e-12) || !near(sp.CumSq[1], 40.0/41, 1e-12) || !near(sp.CumAbs[2], 1, 1e-12) {
		t.Errorf("cumulative fractions abs %v sq %v", sp.CumAbs, sp.CumSq)
	}
	if _, err := InteractionMatrix(w, v, []float64{1}); err == nil {
		t.Error("InteractionMatrix accepted u of the wrong length")
	}
}
