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

#include <climits>
#include <cmath>
#include <cstdint>
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
inline void select_top(const float* cv, const int32_t* ci, int64_t n, int64_t k, float* v, int64_t* ix) {
	for (int64_t j = 0; j < k; j++) {
		v[j] = cv[j];
		ix[j] = ci[j];
		insert<NaN>(v, ix, j + 1, cv[j], ci[j]);
	}
	for (int64_t j = k; j < n; j++) {
		if (ranks_above<NaN>(cv[j], v[k - 1])) insert<NaN>(v, ix, k, cv[j], ci[j]);
	}
}

// rank_select writes the top k of the n candidates cv/ci (n >= k, no NaN,
// cv padded with −Inf to a multiple of 16) in descending order: a
// candidate's rank is the number of candidates above it plus the number
// equal to it that come earlier, found 16 comparisons at a time, and the
// candidates ranked k or worse all land in a spare slot, so the selection
// has no data-dependent branches.
template <class Mask>
inline void rank_select(const float* cv, const int32_t* ci, int64_t n, int64_t k, float* v, int64_t* ix) {
	float tv[65];
	int64_t ti[65];
	const int64_t blocks = (n + 15) / 16;
	for (int64_t j = 0; j < n; j++) {
		const float x = cv[j];
		int64_t r = 0;
		for (int64_t b = 0; b < blocks; b++) {
			const int64_t before = j - 16 * b;  // candidates of block b earlier than j
			const uint32_t low = before >= 16 ? 0xffffu : before <= 0 ? 0u : (1u << before) - 1;
			r += __builtin_popcount(Mask::above(cv + 16 * b, x) | (Mask::equal(cv + 16 * b, x) & low));
		}
		const int64_t slot = r < k ? r : k;
		tv[slot] = x;
		ti[slot] = ci[j];
	}
	std::memcpy(v, tv, sizeof(float) * k);
	std::memcpy(ix, ti, sizeof(int64_t) * k);
}

// Top-k of one row in three passes: a lower bound thr on the k-th largest
// value, a filter keeping the values at or above it (a few dozen for k = 16
// of 1024 normal values), and a selection among those. The bound is the
// smallest of L ≥ k lane maxima, lane l holding the largest value at the
// positions ≡ l (mod L): the L maxima are L values of the row, so their
// minimum is at most the row's L-th, hence its k-th, largest value. Mask
// holds the 16-wide comparisons for the target ISA. Rows holding NaN (which
// ranks above every number) take the insertion path.
template <class Mask>
inline void topk_row(const float* row, int64_t n, int64_t k, float* v, int64_t* ix, float* cv, int32_t* ci) {
	const int64_t L = k <= 16 ? 16 : k <= 32 ? 32 : 64;
	v16 m[4];
	v16 nan{};
	for (int q = 0; q < 4; q++) m[q] = load(row + 16 * q);
	int64_t c = 64;
	for (; c + 64 <= n; c += 64) {
		for (int q = 0; q < 4; q++) {
			v16 x = load(row + c + 16 * q);
			m[q] = x > m[q] ? x : m[q];
			nan += x != x ? splat(1) : v16{};
		}
	}
	// Fold the four 16-wide accumulators (positions ≡ 16q + t mod 64) into
	// L lanes (positions mod L, L dividing 64), then fold in the ragged end
	// (c is a multiple of 64).
	float acc[64], lanes[64];
	std::memcpy(acc, m, sizeof acc);
	bool has_nan = hsum(nan) > 0;
	for (int64_t l = 0; l < 64; l++) has_nan |= std::isnan(acc[l]);
	for (int64_t l = 0; l < L; l++) lanes[l] = acc[l];
	for (int64_t l = L; l < 64; l++) {
		if (acc[l] > lanes[l % L]) lanes[l % L] = acc[l];
	}
	for (int64_t i = c; i < n; i++) {
		if (row[i] > lanes[(i - c) % L]) lanes[(i - c) % L] = row[i];
		has_nan |= std::isnan(row[i]);
	}
	float thr = lanes[0];
	for (int64_t l = 1; l < L; l++) thr = lanes[l] < thr ? lanes[l] : thr;
	if (has_nan) thr = -INFINITY;  // every value a candidate, NaN included
	int64_t nc = 0;
	int64_t i = 0;
	for (; i + 16 <= n; i += 16) nc += Mask::filter(row + i, thr, int32_t(i), cv + nc, ci + nc);
	for (; i < n; i++) {
		if (!(row[i] < thr)) {
			cv[nc] = row[i];
			ci[nc++] = int32_t(i);
		}
	}
	// nc >= k: the lane maxima, all at or above thr, are L >= k candidates.
	if (has_nan) {
		select_top<true>(cv, ci, nc, k, v, ix);
		return;
	}
	for (int64_t p = nc; p % 16 != 0; p++) cv[p] = -INFINITY;
	rank_select<Mask>(cv, ci, nc, k, v, ix);
}

// A Mask compares 16 floats p[0..16) with x: hits (!(p < x), so NaN
// passes), above (p > x) and equal (p == x) return bit masks; filter
// appends the values passing hits and their indices base + t to cv/ci
// (which have room for 16) and returns how many.
// filter_bits appends p[t], base + t for the set bits t of hit.
inline int64_t filter_bits(uint32_t hit, const float* p, int32_t base, float* cv, int32_t* ci) {
	int64_t n = 0;
	for (; hit; hit &= hit - 1) {
		const int t = __builtin_ctz(hit);
		cv[n] = p[t];
		ci[n++] = base + t;
	}
	return n;
}

struct MaskGeneric {
	static inline uint32_t hits(const float* p, float thr) {
		uint32_t m = 0;
		for (int t = 0; t < 16; t++) m |= uint32_t(!(p[t] < thr)) << t;
		return m;
	}
	static inline int64_t filter(const float* p, float thr, int32_t base, float* cv, int32_t* ci) {
		return filter_bits(hits(p, thr), p, base, cv, ci);
	}
	static inline uint32_t above(const float* p, float x) {
		uint32_t m = 0;
		for (int t = 0; t < 16; t++) m |= uint32_t(p[t] > x) << t;
		return m;
	}
	static inline uint32_t equal(const float* p, float x) {
		uint32_t m = 0;
		for (int t = 0; t < 16; t++) m |= uint32_t(p[t] == x) << t;
		return m;
	}
};

template <class Mask>
inline void topk_rows_with(const float* a, int64_t n, int64_t k, float* vals, int64_t* idx, int64_t r0, int64_t r1) {
	std::vector<float> cv(n + 16);  // filter writes 16 at a time
	std::vector<int32_t> ci(n + 16);
	for (int64_t r = r0; r < r1; r++) topk_row<Mask>(a + r * n, n, k, vals + r * k, idx + r * k, cv.data(), ci.data());
}

#if MG_X86
template <int Pred>
struct MaskAVX512Cmp {
	__attribute__((target("avx512f"))) static inline uint32_t run(const float* p, float x) {
		return _mm512_cmp_ps_mask(_mm512_loadu_ps(p), _mm512_set1_ps(x), Pred);
	}
};
// Compression in registers, then plain stores: AMD Zen 4 runs the
// compress-to-memory form in microcode, far slower.
__attribute__((target("avx512f"))) inline int64_t filter_avx512(const float* p, float thr, int32_t base, float* cv,
                                                                 int32_t* ci) {
	const __m512 x = _mm512_loadu_ps(p);
	const __mmask16 m = _mm512_cmp_ps_mask(x, _mm512_set1_ps(thr), _CMP_NLT_UQ);
	const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	_mm512_storeu_ps(cv, _mm512_maskz_compress_ps(m, x));
	_mm512_storeu_si512(ci, _mm512_maskz_compress_epi32(m, _mm512_add_epi32(_mm512_set1_epi32(base), iota)));
	return __builtin_popcount(m);
}
struct MaskAVX512 {
	static inline uint32_t hits(const float* p, float x) { return MaskAVX512Cmp<_CMP_NLT_UQ>::run(p, x); }
	static inline int64_t filter(const float* p, float thr, int32_t base, float* cv, int32_t* ci) {
		return filter_avx512(p, thr, base, cv, ci);
	}
	static inline uint32_t above(const float* p, float x) { return MaskAVX512Cmp<_CMP_GT_OQ>::run(p, x); }
	static inline uint32_t equal(const float* p, float x) { return MaskAVX512Cmp<_CMP_EQ_OQ>::run(p, x); }
};
template <int Pred>
struct MaskAVX2Cmp {
	__attribute__((target("avx2"))) static inline uint32_t run(const float* p, float x) {
		const __m256 t = _mm256_set1_ps(x);
		const uint32_t lo = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), t, Pred));
		const uint32_t hi = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + 8), t, Pred));
		return lo | hi << 8;
	}
};
struct MaskAVX2 {
	static inline uint32_t hits(const float* p, float x) { return MaskAVX2Cmp<_CMP_NLT_UQ>::run(p, x); }
	static inline int64_t filter(const float* p, float thr, int32_t base, float* cv, int32_t* ci) {
		return filter_bits(hits(p, thr), p, base, cv, ci);
	}
	static inline uint32_t above(const float* p, float x) { return MaskAVX2Cmp<_CMP_GT_OQ>::run(p, x); }
	static inline uint32_t equal(const float* p, float x) { return MaskAVX2Cmp<_CMP_EQ_OQ>::run(p, x); }
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

bool topk_supported(int64_t n, int64_t k) { return k >= 1 && k <= 64 && n >= 64 && n <= INT32_MAX; }

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
	// 8×8 tiles, writing along dst's rows: large power-of-two strides on the
	// write side alias in the L1 cache and were 5× slower.
	constexpr int64_t B = 8;
	for (int64_t rb = r0; rb < r1; rb += B) {
		const int64_t re = rb + B < r1 ? rb + B : r1;
		for (int64_t cb = 0; cb < cols; cb += B) {
			const int64_t ce = cb + B < cols ? cb + B : cols;
			for (int64_t c = cb; c < ce; c++)
				for (int64_t r = rb; r < re; r++) dst[c * rows + r] = src[r * cols + c];
		}
	}
}

}  // namespace mgk
