package torch

import "testing"

// BenchmarkAddFree is the binding's per-op overhead: one tiny add and its
// release, the loop behind BENCH torch/op_overhead_ratio_vs_python.
func BenchmarkAddFree(b *testing.B) {
	s := NewNoGradScope()
	defer s.Close()
	x, y := s.Ones(4), s.Ones(4)
	b.ReportAllocs()
	for b.Loop() {
		s.Add(x, y).Free()
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAddInScope creates tiny adds and frees them in batches via Close.
func BenchmarkAddInScope(b *testing.B) {
	s := NewNoGradScope()
	defer s.Close()
	x, y := s.Ones(4), s.Ones(4)
	inner := NewNoGradScope()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		inner.Add(x, y)
		if i++; i%256 == 0 {
			inner.Close()
		}
	}
	inner.Close()
}

// BenchmarkTopK compares TopK's kernel with at::topk (generic=true) on the
// SAE bench's pre-activations: 1024 rows of 1024 normal values, k = 16.
func BenchmarkTopK(b *testing.B) {
	s := NewNoGradScope()
	defer s.Close()
	ManualSeed(1)
	a := s.Randn(1024, 1024)
	for _, generic := range []bool{false, true} {
		b.Run(map[bool]string{false: "kernel", true: "aten"}[generic], func(b *testing.B) {
			forceGenericSparse(generic)
			defer forceGenericSparse(false)
			for b.Loop() {
				inner := NewNoGradScope()
				inner.TopK(a, 16, 1)
				inner.Close()
			}
		})
	}
}
