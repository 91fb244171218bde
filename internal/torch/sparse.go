package torch

// #include "shim.h"
import "C"

// Sparse codes: k (index, value) pairs per row, indices [B, k] int64 and
// values [B, k] float32, standing for the dense code z [B, n] that is zero
// except z[r, indices[r, j]] = values[r, j]. The ops below compute what
// Linear, TopK and Gather compute on z, but their backward passes touch only
// the k dictionary rows each row of the code uses (see shim_sparse.h), so a
// TopK sparse autoencoder trains with one dense matmul per step instead of
// six. The gradients equal those of the dense formulation.

// TopKLinear returns the k largest entries of each row of pre = x·wᵀ + b
// (values in descending order, indices) and pre itself, with w shaped
// [n, d] and b [n] or nil. values carries gradients to x, w and b; indices
// and pre carry none. It is TopK(Linear(x, w, b), k, 1) with a backward that
// touches only the selected rows of w.
func (s *Scope) TopKLinear(x, w, b *Tensor, k int64) (values, indices, pre *Tensor) {
	if !s.check("TopKLinear", x, w) || b != nil && !s.check("TopKLinear", b) {
		return nil, nil, nil
	}
	var v, i, p C.mg_tensor
	if msg := C.mg_topk_linear(x.h, w.h, handle(b), C.int64_t(k), s.noGrad, &v, &i, &p); msg != nil {
		s.err = takeError("TopKLinear", msg)
		return nil, nil, nil
	}
	return s.own(v), s.own(i), s.own(p)
}

// GatherLinear returns values[r, j] = x[r]·w[indices[r, j]] + b[indices[r, j]]:
// Gather(Linear(x, w, b), 1, indices) without computing the other entries,
// and with a backward that touches only the indexed rows of w. b may be nil.
func (s *Scope) GatherLinear(x, w, b, indices *Tensor) *Tensor {
	if !s.check("GatherLinear", x, w, indices) || b != nil && !s.check("GatherLinear", b) {
		return nil
	}
	return s.adopt("GatherLinear", C.mg_gather_linear(x.h, w.h, handle(b), indices.h, s.noGrad))
}

// SparseLinear returns z·wᵀ + b for the dense code z of (indices, values),
// with w shaped [out, n] as in Linear and b [out] or nil: Linear(z, w, b)
// computed from the k entries per row, with gradients to values, w and b
// that touch only the columns of w the code uses.
func (s *Scope) SparseLinear(indices, values, w, b *Tensor) *Tensor {
	if !s.check("SparseLinear", indices, values, w) || b != nil && !s.check("SparseLinear", b) {
		return nil
	}
	return s.adopt("SparseLinear", C.mg_sparse_linear(indices.h, values.h, w.h, handle(b), s.noGrad))
}

// Bincount counts the occurrences of each value of the 1-D int64 tensor x,
// or sums weights (same length, or nil) per value, into at least minLength
// bins (torch.bincount).
func (s *Scope) Bincount(x, weights *Tensor, minLength int64) *Tensor {
	if !s.check("Bincount", x) || weights != nil && !s.check("Bincount", weights) {
		return nil
	}
	return s.adopt("Bincount", C.mg_bincount(x.h, handle(weights), C.int64_t(minLength), s.noGrad))
}

// handle is t's native handle, or 0 for a nil t.
func handle(t *Tensor) C.mg_tensor {
	if t == nil {
		return 0
	}
	return t.h
}

// forceGenericSparse makes the sparse ops run their device-generic ATen
// path on the CPU too (tests compare it with the CPU kernels).
func forceGenericSparse(on bool) { C.mg_sparse_force_generic(cbool(on)) }
