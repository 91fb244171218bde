package torch

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randnSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// sparseCase holds the inputs of a TopK encode/decode: x [b, d], an
// encoder (w [n, d], bias [n]) and a decoder (wd [d, n], bd [d]), all leaves
// that require grad except x, and r, the weights of the loss Σ r·x̂².
type sparseCase struct {
	b, d, n, k           int64
	x, w, bias, wd, bd   *Tensor
	r                    *Tensor
	withBias, decodeBias bool
}

func newSparseCase(t *testing.T, s *Scope, seed uint64, b, d, n, k int64, withBias bool, shift float64) *sparseCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	c := &sparseCase{b: b, d: d, n: n, k: k, withBias: withBias, decodeBias: withBias}
	// Weights scaled by 1/√d, as an SAE's unit-norm dictionary is.
	scale := 1 / math.Sqrt(float64(d))
	c.x = s.FromFloat32(randnSlice(rng, int(b*d)), b, d)
	c.w = s.MulScalar(s.FromFloat32(randnSlice(rng, int(n*d)), n, d), scale)
	c.bias = s.AddScalar(s.FromFloat32(randnSlice(rng, int(n)), n), shift)
	c.wd = s.MulScalar(s.FromFloat32(randnSlice(rng, int(d*n)), d, n), scale)
	c.bd = s.FromFloat32(randnSlice(rng, int(d)), d)
	c.r = s.FromFloat32(randnSlice(rng, int(b*d)), b, d)
	for _, p := range []*Tensor{c.x, c.w, c.bias, c.wd, c.bd} {
		if err := p.SetRequiresGrad(true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *sparseCase) params() []*Tensor { return []*Tensor{c.x, c.w, c.bias, c.wd, c.bd} }

func (c *sparseCase) encBias() *Tensor {
	if c.withBias {
		return c.bias
	}
	return nil
}

func (c *sparseCase) decBias() *Tensor {
	if c.decodeBias {
		return c.bd
	}
	return nil
}

// dense runs the dense reference: z = scatter(ReLU(topk(x·wᵀ + b))),
// x̂ = z·wdᵀ + bd, loss = Σ r·x̂².
func (c *sparseCase) dense(s *Scope) (loss, xHat, z *Tensor) {
	pre := s.Linear(c.x, c.w, c.encBias())
	vals, idx := s.TopK(pre, c.k, 1)
	z = s.Scatter(s.ZerosLike(pre), 1, idx, s.Relu(vals))
	xHat = s.Linear(z, c.wd, c.decBias())
	return s.Sum(s.Mul(c.r, s.Square(xHat)), false), xHat, z
}

// sparse runs the same maths through TopKLinear and SparseLinear.
func (c *sparseCase) sparse(s *Scope) (loss, xHat, z *Tensor) {
	vals, idx, pre := s.TopKLinear(c.x, c.w, c.encBias(), c.k)
	v := s.Relu(vals)
	xHat = s.SparseLinear(idx, v, c.wd, c.decBias())
	z = s.Scatter(s.ZerosLike(pre), 1, idx, s.Detach(v))
	return s.Sum(s.Mul(c.r, s.Square(xHat)), false), xHat, z
}

// grads runs f, backpropagates its loss and returns the outputs and every
// parameter's gradient (nil where none).
func (c *sparseCase) grads(t *testing.T, f func(*Scope) (loss, xHat, z *Tensor)) (out [][]float32, g [][]float32) {
	t.Helper()
	for _, p := range c.params() {
		if err := p.ZeroGrad(); err != nil {
			t.Fatal(err)
		}
	}
	s := NewScope()
	defer s.Close()
	loss, xHat, z := f(s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	out = [][]float32{mustFloats(t, xHat), mustFloats(t, z)}
	for _, p := range c.params() {
		if gr := s.Grad(p); gr != nil {
			g = append(g, mustFloats(t, gr))
		} else {
			g = append(g, nil)
		}
	}
	return out, g
}

// closeSlices checks max|got − want| ≤ tol · max(1, max|want|): float32
// sums taken in another order differ by rounding relative to the size of
// the terms, not of each result.
func closeSlices(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale, worst, at := 1.0, 0.0, -1
	for i := range got {
		scale = math.Max(scale, math.Abs(float64(want[i])))
		if e := math.Abs(float64(got[i]) - float64(want[i])); e > worst || math.IsNaN(e) && at < 0 {
			worst, at = e, i
		}
	}
	if at >= 0 && (math.IsNaN(worst) || worst > tol*scale) {
		t.Errorf("%s: [%d] = %v, want %v (error %.3g > %.3g × %.3g)", what, at, got[at], want[at], worst, tol, scale)
	}
}

// The sparse ops give the dense formulation's outputs and gradients, on the
// CPU kernels and on the device-generic path, with and without biases, for
// row lengths the top-k kernel handles (n ≥ 64, ragged or not) and ones it
// leaves to at::topk.
func TestSparseOpsMatchDense(t *testing.T) {
	names := []string{"x", "w_enc", "b_enc", "w_dec", "b_dec"}
	for i, tc := range []struct {
		b, d, n, k int64
		bias       bool
		shift      float64 // added to the encoder bias
	}{
		{32, 16, 64, 4, true, 0},
		{32, 16, 64, 8, true, -2}, // many top-k values ≤ 0: ReLU cuts them
		{33, 20, 100, 7, true, 0},
		{64, 128, 1024, 16, true, 0},
		{16, 8, 200, 1, false, 0},
		{8, 8, 16, 3, true, 0},    // n < 64: at::topk
		{8, 24, 300, 64, true, 0}, // largest k the kernel takes
		{8, 24, 300, 80, true, 0}, // k > 64: at::topk
	} {
		for _, generic := range []bool{false, true} {
			t.Run(fmt.Sprintf("case%d/generic=%v", i, generic), func(t *testing.T) {
				forceGenericSparse(generic)
				defer forceGenericSparse(false)
				ps := NewScope()
				defer ps.Close()
				c := newSparseCase(t, ps, uint64(i+1), tc.b, tc.d, tc.n, tc.k, tc.bias, tc.shift)
				if tc.shift != 0 {
					checkSomeCut(t, c)
				}
				dOut, dGrad := c.grads(t, c.dense)
				sOut, sGrad := c.grads(t, c.sparse)
				closeSlices(t, "x̂", sOut[0], dOut[0], 1e-5)
				closeSlices(t, "z", sOut[1], dOut[1], 1e-5)
				for j := range dGrad {
					if (dGrad[j] == nil) != (sGrad[j] == nil) {
						t.Errorf("grad %s: dense has one %v, sparse %v", names[j], dGrad[j] != nil, sGrad[j] != nil)
						continue
					}
					if dGrad[j] != nil {
						closeSlices(t, "grad "+names[j], sGrad[j], dGrad[j], 1e-5)
					}
				}
			})
		}
	}
}

// checkSomeCut fails unless some but not all selected values are ≤ 0, so the
// case exercises the ReLU's gradient mask.
func checkSomeCut(t *testing.T, c *sparseCase) {
	t.Helper()
	s := NewNoGradScope()
	defer s.Close()
	vals, _, _ := s.TopKLinear(c.x, c.w, c.encBias(), c.k)
	v := mustFloats(t, vals)
	cut := 0
	for _, x := range v {
		if x <= 0 {
			cut++
		}
	}
	if cut == 0 || cut == len(v) {
		t.Fatalf("%d of %d top-k values ≤ 0: want some", cut, len(v))
	}
}

// With several threads the kernels split rows (and, for the dictionary
// gradients, disjoint ranges of dictionary rows) between them and give the
// one-thread results.
func TestSparseOpsThreaded(t *testing.T) {
	defer SetNumThreads(1)
	var outs [2][][]float32
	var grads [2][][]float32
	for i, threads := range []int{1, 3} {
		SetNumThreads(threads)
		ps := NewScope()
		c := newSparseCase(t, ps, 12, 200, 40, 300, 12, true, 0)
		outs[i], grads[i] = c.grads(t, c.sparse)
		ps.Close()
	}
	for j := range outs[0] {
		closeSlices(t, fmt.Sprint("output ", j), outs[1][j], outs[0][j], 1e-5)
	}
	for j := range grads[0] {
		closeSlices(t, fmt.Sprint("grad ", j), grads[1][j], grads[0][j], 1e-5)
	}
}

// GatherLinear equals Gather(Linear(...)) in value and gradient, for
// arbitrary (repeated, unsorted) indices.
func TestGatherLinearMatchesDense(t *testing.T) {
	for _, generic := range []bool{false, true} {
		forceGenericSparse(generic)
		ps := NewScope()
		c := newSparseCase(t, ps, 9, 12, 10, 70, 5, true, 0)
		rng := rand.New(rand.NewPCG(4, 4))
		ix := make([]int64, c.b*6)
		for i := range ix {
			ix[i] = int64(rng.IntN(int(c.n)))
		}
		ix[0], ix[1] = 3, 3
		idx := ps.FromInt64(ix, c.b, 6)
		run := func(f func(s *Scope) *Tensor) ([]float32, [][]float32) {
			out, g := c.grads(t, func(s *Scope) (loss, xHat, z *Tensor) {
				v := f(s)
				return s.Sum(s.Mul(v, s.Slice(c.r, 1, 0, 6, 1)), false), v, v
			})
			return out[0], g
		}
		dv, dg := run(func(s *Scope) *Tensor { return s.Gather(s.Linear(c.x, c.w, c.bias), 1, idx) })
		sv, sg := run(func(s *Scope) *Tensor { return s.GatherLinear(c.x, c.w, c.bias, idx) })
		closeSlices(t, "values", sv, dv, 1e-5)
		for j := 0; j < 3; j++ {
			closeSlices(t, fmt.Sprintf("generic=%v grad %d", generic, j), sg[j], dg[j], 1e-5)
		}
		ps.Close()
	}
	forceGenericSparse(false)
}

// TopK's kernel (CPU float32, last dim, 1 ≤ k ≤ 64 ≤ n) agrees with
// at::topk (the generic path) on ties, NaN, ±Inf, rows whose top values sit
// at either end, and inputs with more than two dims.
func TestTopKKernelMatchesATen(t *testing.T) {
	const b, n = 6, 130
	rows := make([]float32, b*n)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range rows {
		rows[i] = float32(rng.NormFloat64())
	}
	for j := 0; j < n; j++ {
		rows[0*n+j] = float32(j % 5)        // many ties
		rows[1*n+j] = -float32(j)           // descending: top at the start
		rows[2*n+j] = float32(j)            // ascending: top in the ragged end
		rows[5*n+j] = float32(math.Inf(-1)) // all −Inf but two
	}
	rows[3*n+77] = float32(math.NaN())
	rows[3*n+3] = float32(math.Inf(1))
	rows[4*n+129] = float32(math.NaN())
	rows[4*n+0] = float32(math.NaN())
	rows[5*n+100], rows[5*n+7] = 1, 2
	same := func(a, b float32) bool { return a == b || a != a && b != b }
	for _, k := range []int64{1, 5, 16, 64} {
		got, gotIdx := topKOf(t, rows, []int64{2, 3, n}, k, false)
		want, wantIdx := topKOf(t, rows, []int64{2, 3, n}, k, true)
		for r := 0; r < b; r++ {
			g, w := got[r*int(k):(r+1)*int(k)], want[r*int(k):(r+1)*int(k)]
			if !slices.EqualFunc(g, w, same) {
				t.Errorf("k=%d row %d: values %v, at::topk %v", k, r, g, w)
			}
			gi := gotIdx[r*int(k) : (r+1)*int(k)]
			for j, c := range gi {
				if !same(rows[r*n+int(c)], g[j]) {
					t.Errorf("k=%d row %d: index %d holds %v, value says %v", k, r, c, rows[r*n+int(c)], g[j])
				}
			}
			// Rows 0 and 5 have ties at the k-th value, where either
			// column is right.
			if r != 0 && r != 5 {
				gs := slices.Sorted(slices.Values(gi))
				ws := slices.Sorted(slices.Values(wantIdx[r*int(k) : (r+1)*int(k)]))
				if !slices.Equal(gs, ws) {
					t.Errorf("k=%d row %d: indices %v, at::topk %v", k, r, gs, ws)
				}
			}
		}
	}
}

// topKOf runs TopK over the last dim of rows shaped shape, on the kernel or
// on at::topk.
func topKOf(t *testing.T, rows []float32, shape []int64, k int64, generic bool) ([]float32, []int64) {
	t.Helper()
	forceGenericSparse(generic)
	defer forceGenericSparse(false)
	s := NewNoGradScope()
	defer s.Close()
	v, i := s.TopK(s.FromFloat32(rows, shape...), k, -1)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if sh := v.Shape(); len(sh) != 3 || sh[2] != k {
		t.Fatalf("values shape %v, want [2 3 %d]", sh, k)
	}
	is, err := i.Int64s()
	if err != nil {
		t.Fatal(err)
	}
	return mustFloats(t, v), is
}

// Gradients reach the input through the kernel's values as through
// at::topk's.
func TestTopKKernelGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var grads [2][]float32
	for g, generic := range []bool{false, true} {
		forceGenericSparse(generic)
		s := NewScope()
		a := s.FromFloat32(randnSlice(rng, 4*100), 4, 100)
		if err := a.SetRequiresGrad(true); err != nil {
			t.Fatal(err)
		}
		v, _ := s.TopK(a, 8, 1)
		loss := s.Sum(s.Square(v), false)
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
		grads[g] = mustFloats(t, s.Grad(a))
		s.Close()
		rng = rand.New(rand.NewPCG(6, 6))
	}
	forceGenericSparse(false)
	closeSlices(t, "grad", grads[0], grads[1], 0)
}

// Bad codes are errors naming the op, never crashes.
func TestSparseOpErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(s *Scope)
	}{
		{"index too large", func(s *Scope) {
			s.SparseLinear(s.FromInt64([]int64{0, 9}, 1, 2), s.Ones(1, 2), s.Ones(3, 9), nil)
		}},
		{"negative index", func(s *Scope) {
			s.GatherLinear(s.Ones(1, 3), s.Ones(4, 3), nil, s.FromInt64([]int64{-1}, 1, 1))
		}},
		{"values shape", func(s *Scope) {
			s.SparseLinear(s.FromInt64([]int64{0, 1}, 1, 2), s.Ones(2, 1), s.Ones(3, 4), nil)
		}},
		{"encoder shape", func(s *Scope) { s.TopKLinear(s.Ones(2, 3), s.Ones(70, 4), nil, 2) }},
		{"k too large", func(s *Scope) { s.TopKLinear(s.Ones(2, 3), s.Ones(5, 3), nil, 6) }},
		{"bias shape", func(s *Scope) { s.SparseLinear(s.FromInt64([]int64{0}, 1, 1), s.Ones(1, 1), s.Ones(3, 4), s.Ones(2)) }},
	} {
		for _, generic := range []bool{false, true} {
			forceGenericSparse(generic)
			s := NewScope()
			tc.run(s)
			var te *Error
			if err := s.Err(); !errors.As(err, &te) {
				t.Errorf("%s (generic=%v): err = %v, want *Error", tc.name, generic, err)
			}
			s.Close()
		}
	}
	forceGenericSparse(false)
}

// Bincount counts and sums weights per value.
func TestBincount(t *testing.T) {
	s := NewNoGradScope()
	defer s.Close()
	x := s.FromInt64([]int64{0, 2, 2, 5}, 4)
	if got := mustFloats(t, s.ToFloat32(s.Bincount(x, nil, 8))); !slices.Equal(got, []float32{1, 0, 2, 0, 0, 1, 0, 0}) {
		t.Errorf("counts %v", got)
	}
	w := s.FromFloat32([]float32{1, 0.5, 0, 2}, 4)
	if got := mustFloats(t, s.Bincount(x, w, 3)); !slices.Equal(got, []float32{1, 0, 0.5, 0, 0, 2}) {
		t.Errorf("weighted %v", got)
	}
}
