// CPU kernels behind the shim's sparse-code ops (TopKLinear, GatherLinear,
// SparseLinear in shim.cc): plain loops over contiguous float32 rows,
// compiled apart from torch.h (sparse_kernels.cc) so they build in a second
// and can be vectorised per CPU without touching the shim's flags. Each
// kernel works on a range of rows [r0, r1) (or of dictionary rows [lo, hi))
// so the shim can split it across libtorch's intra-op threads. Indices are
// trusted: the shim checks them before calling.
#ifndef MISGEN_SPARSE_KERNELS_H
#define MISGEN_SPARSE_KERNELS_H

#include <stdint.h>

namespace mgk {

// topk_supported reports whether topk_rows handles rows of n values and this
// k (1 ≤ k ≤ 64 ≤ n); the shim uses at::topk otherwise.
bool topk_supported(int64_t n, int64_t k);

// topk_rows writes, for rows r in [r0, r1) of a [rows, n], the k largest
// values in descending order and their column indices; NaN ranks above every
// number (as in at::topk); among equal values the
// lower index comes first.
void topk_rows(const float* a, int64_t n, int64_t k, float* vals, int64_t* idx, int64_t r0, int64_t r1);

// gather_dots writes out[r*k+j] = x[r,:]·rows[idx[r*k+j],:] (+ bias[idx[r*k+j]]
// when bias is not null) for r in [r0, r1); rows are d wide.
void gather_dots(const float* x, const int64_t* idx, int64_t k, const float* rows, const float* bias, int64_t d,
                 float* out, int64_t r0, int64_t r1);

// weighted_rows writes out[r,:] = Σ_j coef[r*k+j]·rows[idx[r*k+j],:] for r in
// [r0, r1) (out is overwritten, not accumulated).
void weighted_rows(const int64_t* idx, const float* coef, int64_t k, const float* rows, int64_t d, float* out,
                   int64_t r0, int64_t r1);

// scatter_outer adds coef[e]·x[e/k,:] to out[idx[e],:] for every entry e of
// the [nrows, k] code whose index lies in [lo, hi): threads given disjoint
// ranges never write the same row.
void scatter_outer(const int64_t* idx, const float* coef, int64_t nrows, int64_t k, const float* x, int64_t d,
                   float* out, int64_t lo, int64_t hi);

// transpose writes dst[c, r] = src[r, c] for the rows [r0, r1) of src [rows, cols].
void transpose(const float* src, int64_t cols, float* dst, int64_t rows, int64_t r0, int64_t r1);

}  // namespace mgk

#endif
