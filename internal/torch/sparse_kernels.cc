//go:build !torchshared

// CPU kernels for the shim's sparse-code ops; see sparse_kernels.h. No
// libtorch headers here: this file compiles in about a second.
//
// The inner loops work on rows of d floats through GCC vector types of 16
// lanes, which the compiler lowers to whatever the target offers (one
// AVX-512 register, two AVX2 registers, four SSE registers, NEON...). On
// x86-64 each hot kernel is also cloned for AVX2 and AVX-512 and picked at
// load time, since the shim is built for the baseline x86-64.
#include "sparse_kernels.h"

// The 64-byte vector helpers below are internal and always inlined, so the
// note that passing them by value changes the ABI does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define MG_X86 1
#define MG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MG_X86 0
#define MG_CLONES
#endif

namespace mgk {
namespace {

typedef float v16 __attribute__((vector_size(64)));

inline v16 load(const float* p) {
	v16 v;
	std::memcpy(&v, p, sizeof v);
	return v;
}
inline void store(float* p, const v16& v) { std::memcpy(p, &v, sizeof v); }
inline v16 splat(float s) { return v16{} + s; }
inline float hsum(const v16& v) {
	float s = 0;
	for (int i = 0; i < 16; i++) s += v[i];
	return s;
}

// rank orders values for top-k: NaN above everything.
inline bool above(float x, float y) { return (x > y) || (std::isnan(x) && !std::isnan(y)); }

// rank orders values for top-k: NaN above everything. Rows without NaN use
// the plain comparison (NaN = false).
template <bool NaN>
inline bool ranks_above(float x, float y) {
	return NaN ? above(x, y) : x > y;
}

// insert puts (x, i) into the descending list v/ix of length k, dropping
// the last entry; the caller knows x ranks above v[k-1].
template <bool NaN>
inline void insert(float* v, int64_t* ix, int64_t k, float x, int64_t i) {
	int64_t p = k - 1;
	while (p > 0 && ranks_above<NaN>(x, v[p - 1])) {
		v[p] = v[p - 1];
		ix[p] = ix[p - 1];
		p--;
	}
	v[p] = x;
	ix[p] = i;
}

// select_top keeps in v/ix the top k of the n (value, index) pairs cv/ci
// (n >= k), in descending order.
template <bool NaN>
inline void select_top(const float* cv, const int64_t* ci, int64_t n, int64_t k, float* v, int64_t* ix) {
	for (int64_t j = 0; j < k; j++) {
		v[j] = cv[j];
		ix[j] = ci[j];
		insert<NaN>(v, ix, j + 1, cv[j], ci[j]);
	}
	for (int64_t j = k; j < n; j++) {
		if (ranks_above<NaN>(cv[j], v[k - 1])) insert<NaN>(v, ix, k, cv[j], ci[j]);
	}
}

// Top-k of one row in three passes: a lower bound on the k-th largest value
// (the k-th largest of the 64 column maxima of the row folded into 64-wide
// chunks, a subset of the row), a filter keeping the few values at or above
// it, and an insertion selection among those. Mask computes which of 16
// values pass the filter (NaN passes; the maxima skip NaN).
template <class Mask>
inline void topk_row(const float* row, int64_t n, int64_t k, float* v, int64_t* ix, float* cv, int64_t* ci) {
	constexpr int64_t L = 64;
	v16 m[4];
	v16 nan{};
	for (int q = 0; q < 4; q++) m[q] = load(row + 16 * q);
	int64_t c = L;
	for (; c + L <= n; c += L) {
		for (int q = 0; q < 4; q++) {
			v16 x = load(row + c + 16 * q);
			m[q] = x > m[q] ? x : m[q];
			nan += x != x ? splat(1) : v16{};
		}
	}
	float lanes[L];
	int64_t lix[L];
	std::memcpy(lanes, m, sizeof lanes);
	bool has_nan = hsum(nan) > 0;
	for (int64_t i = 0; i < L; i++) {
		lix[i] = i;
		has_nan |= std::isnan(lanes[i]);
	}
	for (int64_t i = c; i < n; i++) {  // the ragged end joins lane i-c
		if (row[i] > lanes[i - c]) lanes[i - c] = row[i];
		has_nan |= std::isnan(row[i]);
	}
	float top[L];
	int64_t topi[L];
	if (has_nan) {
		select_top<true>(lanes, lix, L, k, top, topi);
	} else {
		select_top<false>(lanes, lix, L, k, top, topi);
	}
	const float thr = top[k - 1];
	int64_t nc = 0;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) {
		for (uint32_t hit = Mask::hits(row + i, thr); hit; hit &= hit - 1) {
			const int64_t t = i + __builtin_ctz(hit);
			cv[nc] = row[t];
			ci[nc++] = t;
		}
	}
	for (; i < n; i++) {
		if (!(row[i] < thr)) {
			cv[nc] = row[i];
			ci[nc++] = i;
		}
	}
	// nc >= k: every value of the lane subset at or above thr passed.
	if (has_nan) {
		select_top<true>(cv, ci, nc, k, v, ix);
	} else {
		select_top<false>(cv, ci, nc, k, v, ix);
	}
}

struct MaskGeneric {
	static inline uint32_t hits(const float* p, float thr) {
		uint32_t m = 0;
		for (int t = 0; t < 16; t++) m |= uint32_t(!(p[t] < thr)) << t;
		return m;
	}
};

template <class Mask>
inline void topk_rows_with(const float* a, int64_t n, int64_t k, float* vals, int64_t* idx, int64_t r0, int64_t r1) {
	std::vector<float> cv(n);
	std::vector<int64_t> ci(n);
	for (int64_t r = r0; r < r1; r++) topk_row<Mask>(a + r * n, n, k, vals + r * k, idx + r * k, cv.data(), ci.data());
}

#if MG_X86
struct MaskAVX512 {
	__attribute__((target("avx512f"))) static inline uint32_t hits(const float* p, float thr) {
		return _mm512_cmp_ps_mask(_mm512_loadu_ps(p), _mm512_set1_ps(thr), _CMP_NLT_UQ);
	}
};
struct MaskAVX2 {
	__attribute__((target("avx2"))) static inline uint32_t hits(const float* p, float thr) {
		const __m256 t = _mm256_set1_ps(thr);
		const uint32_t lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), t, _CMP_NLT_UQ));
		const uint32_t hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + 8), t, _CMP_NLT_UQ));
		return lo | hi << 8;
	}
};
__attribute__((target("arch=x86-64-v4"), flatten)) void topk_rows_avx512(const float* a, int64_t n, int64_t k,
                                                                           float* vals, int64_t* idx, int64_t r0,
                                                                           int64_t r1) {
	topk_rows_with<MaskAVX512>(a, n, k, vals, idx, r0, r1);
}
__attribute__((target("arch=x86-64-v3"), flatten)) void topk_rows_avx2(const float* a, int64_t n, int64_t k,
                                                                         float* vals, int64_t* idx, int64_t r0,
                                                                         int64_t r1) {
	topk_rows_with<MaskAVX2>(a, n, k, vals, idx, r0, r1);
}
#endif

}  // namespace

bool topk_supported(int64_t n, int64_t k) { return k >= 1 && k <= 64 && n >= 64; }

void topk_rows(const float* a, int64_t n, int64_t k, float* vals, int64_t* idx, int64_t r0, int64_t r1) {
#if MG_X86
	static const int isa = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
	if (isa == 2) return topk_rows_avx512(a, n, k, vals, idx, r0, r1);
	if (isa == 1) return topk_rows_avx2(a, n, k, vals, idx, r0, r1);
#endif
	topk_rows_with<MaskGeneric>(a, n, k, vals, idx, r0, r1);
}

MG_CLONES
void gather_dots(const float* x, const int64_t* idx, int64_t k, const float* rows, const float* bias, int64_t d,
                 float* out, int64_t r0, int64_t r1) {
	const int64_t dv = d - d % 16;
	for (int64_t r = r0; r < r1; r++) {
		const float* xr = x + r * d;
		for (int64_t j = 0; j < k; j++) {
			const int64_t e = idx[r * k + j];
			const float* w = rows + e * d;
			v16 acc{};
			int64_t c = 0;
			for (; c < dv; c += 16) acc += load(xr + c) * load(w + c);
			float s = hsum(acc);
			for (; c < d; c++) s += xr[c] * w[c];
			out[r * k + j] = bias ? s + bias[e] : s;
		}
	}
}

MG_CLONES
void weighted_rows(const int64_t* idx, const float* coef, int64_t k, const float* rows, int64_t d, float* out,
                   int64_t r0, int64_t r1) {
	const int64_t dv = d - d % 16;
	for (int64_t r = r0; r < r1; r++) {
		float* o = out + r * d;
		std::memset(o, 0, sizeof(float) * d);
		for (int64_t j = 0; j < k; j++) {
			const float cf = coef[r * k + j];
			if (cf == 0) continue;
			const float* w = rows + idx[r * k + j] * d;
			const v16 cv = splat(cf);
			int64_t c = 0;
			for (; c < dv; c += 16) store(o + c, load(o + c) + cv * load(w + c));
			for (; c < d; c++) o[c] += cf * w[c];
		}
	}
}

MG_CLONES
void scatter_outer(const int64_t* idx, const float* coef, int64_t nrows, int64_t k, const float* x, int64_t d,
                   float* out, int64_t lo, int64_t hi) {
	const int64_t dv = d - d % 16;
	const int64_t n = nrows * k;
	for (int64_t e = 0; e < n; e++) {
		const int64_t row = idx[e];
		const float cf = coef[e];
		if (row < lo || row >= hi || cf == 0) continue;
		const float* xr = x + (e / k) * d;
		float* o = out + row * d;
		const v16 cv = splat(cf);
		int64_t c = 0;
		for (; c < dv; c += 16) store(o + c, load(o + c) + cv * load(xr + c));
		for (; c < d; c++) o[c] += cf * xr[c];
	}
}

void transpose(const float* src, int64_t cols, float* dst, int64_t rows, int64_t r0, int64_t r1) {
	// 16×16 tiles keep both sides in cache lines.
	constexpr int64_t B = 16;
	for (int64_t rb = r0; rb < r1; rb += B) {
		const int64_t re = rb + B < r1 ? rb + B : r1;
		for (int64_t cb = 0; cb < cols; cb += B) {
			const int64_t ce = cb + B < cols ? cb + B : cols;
			for (int64_t r = rb; r < re; r++)
				for (int64_t c = cb; c < ce; c++) dst[c * rows + r] = src[r * cols + c];
		}
	}
}

}  // namespace mgk
