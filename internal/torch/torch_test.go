package torch

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	SetNumThreads(1)
	os.Exit(m.Run())
}

func mustFloats(t *testing.T, x *Tensor) []float32 {
	t.Helper()
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestShapeMismatchIsError(t *testing.T) {
	s := NewScope()
	defer s.Close()
	a := s.Ones(2, 3)
	b := s.Ones(4, 5)
	c := s.Matmul(a, b)
	if c != nil {
		t.Fatalf("Matmul of [2,3]x[4,5] returned %v, want nil", c)
	}
	err := s.Err()
	var te *Error
	if !errors.As(err, &te) || te.Op != "Matmul" {
		t.Fatalf("err = %v, want *Error from Matmul", err)
	}
	if !strings.Contains(te.Msg, "2x3") || !strings.Contains(te.Msg, "4x5") {
		t.Errorf("message %q does not carry libtorch's shapes", te.Msg)
	}
	// Sticky: later ops are skipped and the first error stays.
	if d := s.Add(a, a); d != nil || s.Err() != err {
		t.Errorf("op after failure ran or replaced the error: %v, %v", d, s.Err())
	}
}

func TestErrorCases(t *testing.T) {
	for i, tc := range []struct {
		name string
		run  func(s *Scope)
	}{
		{"conv channels", func(s *Scope) { s.Conv2d(s.Zeros(1, 3, 8, 8), s.Zeros(4, 2, 3, 3), nil, 1, 1) }},
		{"gather index", func(s *Scope) { s.Gather(s.Zeros(2, 3), 1, s.FromInt64([]int64{7, 0}, 2, 1)) }},
		{"reshape", func(s *Scope) { s.Reshape(s.Zeros(2, 3), 4, 2) }},
		{"data size", func(s *Scope) { s.FromFloat32([]float32{1, 2, 3}, 2, 2) }},
		{"topk too large", func(s *Scope) { s.TopK(s.Zeros(2, 3), 5, 1) }},
		{"cat ranks", func(s *Scope) { s.Cat(0, s.Zeros(2, 3), s.Zeros(3)) }},
		{"item of many", func(s *Scope) {
			if _, err := s.Zeros(3).Item(); err != nil {
				s.Fail(err)
			}
		}},
		{"freed tensor", func(s *Scope) {
			x := s.Zeros(2)
			x.Free()
			s.Add(x, x)
		}},
	} {
		s := NewScope()
		tc.run(s)
		if s.Err() == nil {
			t.Errorf("case %d (%s): no error", i, tc.name)
		}
		s.Close()
	}
}

func TestOps(t *testing.T) {
	s := NewNoGradScope()
	defer s.Close()
	x := s.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	sm := mustFloats(t, s.Sum(s.Softmax(x, 1), false, 1))
	for i, v := range sm {
		if math.Abs(float64(v)-1) > 1e-6 {
			t.Errorf("softmax row %d sums to %v", i, v)
		}
	}
	lsm := mustFloats(t, s.LogSoftmax(x, 1))
	want := 1 - math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3))
	if math.Abs(float64(lsm[0])-want) > 1e-5 {
		t.Errorf("log_softmax[0] = %v, want %v", lsm[0], want)
	}
	g := mustFloats(t, s.Gather(x, 1, s.FromInt64([]int64{2, 0}, 2, 1)))
	if g[0] != 3 || g[1] != 4 {
		t.Errorf("gather = %v, want [3 4]", g)
	}
	vals, idx := s.TopK(x, 2, 1)
	if v := mustFloats(t, vals); v[0] != 3 || v[1] != 2 || v[2] != 6 {
		t.Errorf("topk values = %v", v)
	}
	if ix, _ := idx.Int64s(); ix[0] != 2 || ix[3] != 1 {
		t.Errorf("topk indices = %v", ix)
	}
	am, _ := s.Argmax(x, false, 1).Int64s()
	if am[0] != 2 || am[1] != 2 {
		t.Errorf("argmax = %v", am)
	}
	w := mustFloats(t, s.Where(s.GtScalar(x, 3), x, s.ZerosLike(x)))
	if w[2] != 0 || w[3] != 4 {
		t.Errorf("where = %v", w)
	}
	if c := mustFloats(t, s.Clamp(x, 2, 4)); c[0] != 2 || c[5] != 4 {
		t.Errorf("clamp = %v", c)
	}
	if p := s.Permute(x, 1, 0).Shape(); p[0] != 3 || p[1] != 2 {
		t.Errorf("permute shape = %v", p)
	}
	if sl := mustFloats(t, s.Slice(x, 1, 1, 3, 1)); len(sl) != 4 || sl[0] != 2 || sl[3] != 6 {
		t.Errorf("slice = %v", sl)
	}
	if st := s.Stack(0, x, x).Shape(); len(st) != 3 || st[0] != 2 {
		t.Errorf("stack shape = %v", st)
	}
	if is := mustFloats(t, s.IndexSelect(x, 0, s.FromInt64([]int64{1}, 1))); is[0] != 4 {
		t.Errorf("index_select = %v", is)
	}
	img := s.Randn(2, 3, 8, 8)
	conv := s.Conv2d(img, s.Randn(4, 3, 3, 3), s.Zeros(4), 1, 1)
	pool := s.MaxPool2d(conv, 3, 2, 1)
	if sh := pool.Shape(); sh[0] != 2 || sh[1] != 4 || sh[2] != 4 || sh[3] != 4 {
		t.Errorf("conv+pool shape = %v, want [2 4 4 4]", sh)
	}
	// ChannelsLast changes storage only: same shape and values, and the
	// same convolution, pooling and flattening results (to float rounding).
	nhwc := s.ChannelsLast(img)
	if sh := nhwc.Shape(); len(sh) != 4 || sh[1] != 3 || sh[3] != 8 {
		t.Errorf("channels-last shape = %v, want [2 3 8 8]", sh)
	}
	if a, b := mustFloats(t, img), mustFloats(t, nhwc); !equalFloats(a, b, 0) {
		t.Error("channels-last tensor reads back different values")
	}
	kern := s.Randn(4, 3, 3, 3)
	ref := mustFloats(t, s.Flatten(s.MaxPool2d(s.Conv2d(img, kern, s.Zeros(4), 1, 1), 3, 2, 1)))
	got := mustFloats(t, s.Flatten(s.MaxPool2d(s.Conv2d(nhwc, kern, s.Zeros(4), 1, 1), 3, 2, 1)))
	if !equalFloats(ref, got, 1e-4) {
		t.Error("conv+pool+flatten differs on a channels-last input")
	}
	if fin, _ := s.AllFinite(s.Log(s.Zeros(1))).Item(); fin != 0 {
		t.Error("log(0) reported finite")
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

// smallNet computes sum(tanh(x·W1ᵀ+b1)·W2ᵀ)² style loss, returning the loss.
func smallNetLoss(s *Scope, x, w1, b1, w2 *Tensor) *Tensor {
	h := s.Tanh(s.Linear(x, w1, b1))
	y := s.Linear(h, w2, nil)
	return s.Mean(s.Square(y), false)
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randn := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	xs, w1s, b1s, w2s := randn(4*3), randn(5*3), randn(5), randn(2*5)
	params := NewScope()
	defer params.Close()
	w1 := params.FromFloat32(w1s, 5, 3)
	b1 := params.FromFloat32(b1s, 5)
	w2 := params.FromFloat32(w2s, 2, 5)
	x := params.FromFloat32(xs, 4, 3)
	for _, p := range []*Tensor{w1, b1, w2} {
		if err := p.SetRequiresGrad(true); err != nil {
			t.Fatal(err)
		}
	}
	s := NewScope()
	loss := smallNetLoss(s, x, w1, b1, w2)
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	analytic := map[string][]float32{
		"w1": mustFloats(t, s.Grad(w1)), "b1": mustFloats(t, s.Grad(b1)), "w2": mustFloats(t, s.Grad(w2)),
	}
	s.Close()

	// Central differences in float64 on the host, re-running the forward
	// pass through libtorch with one perturbed parameter value.
	lossAt := func(w1v, b1v, w2v []float32) float64 {
		s := NewNoGradScope()
		defer s.Close()
		l := smallNetLoss(s, x, s.FromFloat32(w1v, 5, 3), s.FromFloat32(b1v, 5), s.FromFloat32(w2v, 2, 5))
		v, err := l.Item()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const h = 1e-2
	for name, vals := range map[string][]float32{"w1": w1s, "b1": b1s, "w2": w2s} {
		for i := range vals {
			orig := vals[i]
			vals[i] = orig + h
			up := lossAt(w1s, b1s, w2s)
			vals[i] = orig - h
			down := lossAt(w1s, b1s, w2s)
			vals[i] = orig
			numeric := (up - down) / (2 * h)
			got := float64(analytic[name][i])
			if math.Abs(numeric-got) > 2e-3*math.Max(1, math.Abs(numeric)) {
				t.Errorf("d loss/d %s[%d]: autograd %v, finite difference %v", name, i, got, numeric)
			}
		}
	}
}

func TestAdamStepMatchesHandComputation(t *testing.T) {
	s := NewScope()
	defer s.Close()
	p := s.FromFloat32([]float32{1, -2}, 2)
	if err := p.SetRequiresGrad(true); err != nil {
		t.Fatal(err)
	}
	opt, err := NewAdam([]*Tensor{p}, AdamOptions{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Free()
	// Hand Adam on loss = sum(p²)·[1, 3] weights: grad = 2·c·p.
	coef := []float64{1, 3}
	pv := []float64{1, -2}
	m, v := make([]float64, 2), make([]float64, 2)
	for step := 1; step <= 3; step++ {
		st := NewScope()
		loss := st.Sum(st.Mul(st.Square(p), st.FromFloat32([]float32{1, 3}, 2)), false)
		if err := opt.ZeroGrad(); err != nil {
			t.Fatal(err)
		}
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
		st.Close()
		for i := range pv {
			g := 2 * coef[i] * pv[i]
			m[i] = 0.9*m[i] + 0.1*g
			v[i] = 0.999*v[i] + 0.001*g*g
			mhat := m[i] / (1 - math.Pow(0.9, float64(step)))
			vhat := v[i] / (1 - math.Pow(0.999, float64(step)))
			pv[i] -= 0.1 * mhat / (math.Sqrt(vhat) + 1e-8)
		}
		got := mustFloats(t, p)
		for i := range pv {
			if math.Abs(float64(got[i])-pv[i]) > 1e-5 {
				t.Fatalf("step %d: p[%d] = %v, hand Adam %v", step, i, got[i], pv[i])
			}
		}
	}
}

func TestClipGradNormAndSetLR(t *testing.T) {
	s := NewScope()
	defer s.Close()
	p := s.FromFloat32([]float32{3, 4}, 2)
	_ = p.SetRequiresGrad(true)
	opt, err := NewSGD([]*Tensor{p}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer opt.Free()
	// loss = p·p/2 → grad = p = [3,4], norm 5; clip to 1 → [0.6, 0.8].
	loss := s.DivScalar(s.Sum(s.Square(p), false), 2)
	_ = loss.Backward()
	norm, err := opt.ClipGradNorm(1)
	if err != nil || math.Abs(norm-5) > 1e-5 {
		t.Fatalf("ClipGradNorm = %v, %v; want 5", norm, err)
	}
	if err := opt.SetLR(0.5); err != nil {
		t.Fatal(err)
	}
	_ = opt.Step()
	got := mustFloats(t, p)
	if math.Abs(float64(got[0])-(3-0.5*0.6)) > 1e-4 || math.Abs(float64(got[1])-(4-0.5*0.8)) > 1e-4 {
		t.Errorf("after clipped SGD step p = %v, want [2.7 3.6]", got)
	}
}

func TestNamedRoundTripAndCorruption(t *testing.T) {
	s := NewScope()
	defer s.Close()
	w := s.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	idx := s.FromInt64([]int64{7, -1}, 2)
	var buf bytes.Buffer
	if err := WriteNamed(&buf, []Named{{"w", w}, {"idx", idx}}); err != nil {
		t.Fatal(err)
	}
	raw := append([]byte(nil), buf.Bytes()...)

	w2, idx2 := s.Zeros(2, 3), s.Full(0, Int64, 2)
	if err := LoadNamed(bytes.NewReader(raw), []Named{{"idx", idx2}, {"w", w2}}); err != nil {
		t.Fatal(err)
	}
	if got := mustFloats(t, w2); got[5] != 6 || got[0] != 1 {
		t.Errorf("loaded w = %v", got)
	}
	if got, _ := idx2.Int64s(); got[0] != 7 || got[1] != -1 {
		t.Errorf("loaded idx = %v", got)
	}
	// Shape mismatch, missing name, flipped byte, truncation: all refused.
	if err := LoadNamed(bytes.NewReader(raw), []Named{{"w", s.Zeros(3, 2)}, {"idx", idx2}}); err == nil ||
		!strings.Contains(err.Error(), `"w"`) {
		t.Errorf("shape mismatch: err = %v", err)
	}
	if err := LoadNamed(bytes.NewReader(raw), []Named{{"v", w2}, {"idx", idx2}}); err == nil {
		t.Error("missing name accepted")
	}
	for i, bad := range [][]byte{
		append(append([]byte(nil), raw[:20]...), raw[21:]...),
		raw[:len(raw)-3],
		func() []byte { b := append([]byte(nil), raw...); b[30] ^= 0xff; return b }(),
		[]byte("MGTS"),
	} {
		if _, err := ReadNamed(bytes.NewReader(bad)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("corruption %d: err = %v, want ErrCorrupt", i, err)
		}
	}
}

func TestOptimizerStateRoundTrip(t *testing.T) {
	mk := func() (*Scope, *Tensor, *Optimizer) {
		s := NewScope()
		p := s.FromFloat32([]float32{1, 2}, 2)
		_ = p.SetRequiresGrad(true)
		o, err := NewAdam([]*Tensor{p}, DefaultAdam(0.1))
		if err != nil {
			t.Fatal(err)
		}
		return s, p, o
	}
	step := func(s *Scope, p *Tensor, o *Optimizer) {
		_ = o.ZeroGrad()
		st := NewScope()
		_ = st.Sum(st.Square(p), false).Backward()
		st.Close()
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
	s1, p1, o1 := mk()
	defer s1.Close()
	defer o1.Free()
	step(s1, p1, o1)
	state, err := o1.State()
	if err != nil {
		t.Fatal(err)
	}
	s2, p2, o2 := mk()
	defer s2.Close()
	defer o2.Free()
	_ = p2.CopyFrom(p1)
	if err := o2.LoadState(state); err != nil {
		t.Fatal(err)
	}
	step(s1, p1, o1)
	step(s2, p2, o2)
	a, b := mustFloats(t, p1), mustFloats(t, p2)
	if a[0] != b[0] || a[1] != b[1] {
		t.Errorf("resumed Adam diverged: %v vs %v", a, b)
	}
	if err := o2.LoadState([]byte("not an archive")); err == nil {
		t.Error("corrupt optimizer state accepted")
	}
}

func TestScopeKeepAndClose(t *testing.T) {
	s := NewScope()
	a := s.Ones(3)
	kept := s.Keep(s.AddScalar(a, 1))
	if s.Len() != 1 {
		t.Errorf("scope owns %d tensors, want 1", s.Len())
	}
	s.Close()
	if _, err := a.Float32s(); err == nil {
		t.Error("tensor usable after its scope closed")
	}
	v := mustFloats(t, kept)
	if v[0] != 2 {
		t.Errorf("kept tensor = %v", v)
	}
	kept.Free()
	kept.Free() // idempotent
}

func TestNoGradScopeRecordsNothing(t *testing.T) {
	s := NewScope()
	defer s.Close()
	p := s.Ones(2)
	_ = p.SetRequiresGrad(true)
	ng := NewNoGradScope()
	defer ng.Close()
	if y := ng.MulScalar(p, 2); y.RequiresGrad() {
		t.Error("op in no-grad scope requires grad")
	}
	if y := s.MulScalar(p, 2); !y.RequiresGrad() {
		t.Error("op in grad scope does not require grad")
	}
}

func rssKiB(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize()) / 1024
}

func TestNoLeakOver100kCycles(t *testing.T) {
	cycle := func() {
		s := NewScope()
		a := s.FromFloat32([]float32{1, 2, 3, 4}, 4)
		b := s.AddScalar(a, 1)
		c := s.Mul(a, b)
		_ = s.Sum(s.Relu(c), false)
		s.Close()
		t2 := NewScope()
		d := t2.Keep(t2.Ones(16))
		t2.Close()
		d.Free()
	}
	for i := 0; i < 5000; i++ { // warm allocator pools
		cycle()
	}
	before := rssKiB(t)
	for i := 0; i < 100_000; i++ {
		cycle()
	}
	after := rssKiB(t)
	// 100k cycles create 600k tensors; leaking even one 64-byte handle per
	// cycle would add > 6 MiB.
	if grow := after - before; grow > 4*1024 {
		t.Errorf("RSS grew by %d KiB over 100k cycles (before %d, after %d)", grow, before, after)
	}
}

// TestCUDAMatchesCPU runs a forward and backward pass on the CPU and on the
// first GPU and compares gradients. It runs only where the linked libtorch
// has CUDA and a GPU is present (see README "GPU build").
func TestCUDAMatchesCPU(t *testing.T) {
	if CUDADeviceCount() == 0 {
		t.Skip("no CUDA device (CPU-only libtorch or no GPU)")
	}
	grads := func(dev Device) []float32 {
		s := NewScope().On(dev)
		defer s.Close()
		x := s.FromFloat32([]float32{0.5, -1, 2, 0.25, 1, -0.5}, 2, 3)
		w1 := s.FromFloat32([]float32{0.1, 0.2, -0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1, 0.2, -0.1, 0.3, 0.3, -0.2}, 5, 3)
		b1 := s.FromFloat32([]float32{0.1, -0.1, 0.2, 0, 0.05}, 5)
		w2 := s.FromFloat32([]float32{1, -1, 0.5, 0.5, 2, -2, 0.1, 0.3, -0.7, 0.2}, 2, 5)
		if d := x.Device(); d != dev {
			t.Fatalf("tensor on %v, want %v", d, dev)
		}
		_ = w1.SetRequiresGrad(true)
		if err := smallNetLoss(s, x, w1, b1, w2).Backward(); err != nil {
			t.Fatal(err)
		}
		g := mustFloats(t, s.Grad(w1))
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	cpu, gpu := grads(CPU), grads(CUDA(0))
	for i := range cpu {
		if math.Abs(float64(cpu[i]-gpu[i])) > 1e-4 {
			t.Errorf("grad[%d]: cpu %v, cuda %v", i, cpu[i], gpu[i])
		}
	}
	t.Logf("libtorch %s, %d CUDA device(s); CPU and CUDA gradients agree", Version(), CUDADeviceCount())
}

// TestNumThreadsHoldsOnEveryOSThread: goroutines run cgo calls on whatever
// OS thread they are on; the requested count must hold on all of them.
func TestNumThreadsHoldsOnEveryOSThread(t *testing.T) {
	defer SetNumThreads(1)
	SetNumThreads(1)
	results := make(chan int, 8)
	for i := 0; i < 8; i++ {
		go func() {
			runtime.LockOSThread() // a fresh or different OS thread
			defer runtime.UnlockOSThread()
			s := NewNoGradScope()
			defer s.Close()
			s.Add(s.Ones(4), s.Ones(4))
			results <- NumThreads()
		}()
	}
	for i := 0; i < 8; i++ {
		if n := <-results; n != 1 {
			t.Errorf("goroutine %d saw %d libtorch threads, want 1", i, n)
		}
	}
}

// equalFloats reports whether a and b have the same length and differ by at
// most tol everywhere.
func equalFloats(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

// TestDefaultDevice: scopes allocate on the process's default device, which
// starts as the CPU; on a CPU-only libtorch a CUDA default makes creation
// ops fail with libtorch's error instead of silently using the CPU.
func TestDefaultDevice(t *testing.T) {
	if d := DefaultDevice(); d != CPU {
		t.Fatalf("default device %v, want cpu", d)
	}
	target := CUDA(0)
	prev := SetDefaultDevice(target)
	defer SetDefaultDevice(prev)
	if prev != CPU || DefaultDevice() != target {
		t.Fatalf("SetDefaultDevice returned %v, default now %v", prev, DefaultDevice())
	}
	for _, s := range []*Scope{NewScope(), NewNoGradScope()} {
		x := s.FromFloat32([]float32{1, 2}, 2)
		if CUDADeviceCount() == 0 {
			if s.Err() == nil {
				t.Errorf("tensor created on %v without CUDA: %v", target, x)
			}
		} else if err := s.Err(); err != nil || x.Device() != target {
			t.Errorf("tensor on %v (%v), want %v", x.Device(), err, target)
		}
		// Scope.On still overrides the default.
		s.Close()
		if y := s.On(CPU).FromFloat32([]float32{1}, 1); s.Err() != nil || y.Device() != CPU {
			t.Errorf("On(CPU) under a CUDA default: %v, %v", y, s.Err())
		}
		s.Close()
	}
}
