// Sparse-code ops of the shim: part of shim.cc's translation unit (included
// once from it, after its helpers), kept in its own file for reading. A
// sparse code holds k (index, value) pairs per row: indices [B, k] int64 and
// values [B, k] float32, standing for the dense code z [B, n] that is zero
// except z[r, indices[r, j]] = values[r, j].
//
// Each op is a torch::autograd::Function with a hand-written backward that
// touches only the k dictionary rows a sample uses, so a TopK SAE step costs
// one dense matmul (the encoder pre-activations, needed to pick the top k)
// instead of six. Autograd Functions rather than a backward driven from Go:
// they compose with whatever else the loss holds (the AuxK term reuses
// GatherLinear and SparseLinear; gradient projection and the optimizer see
// ordinary .grad tensors), and the engine's cost, a few microseconds per
// step, is nothing next to the kernels. On CPU float32 the forward and backward run the loops of
// sparse_kernels.cc split over libtorch's intra-op threads; on other devices
// and dtypes they run the same maths as device-generic ATen ops
// (index_select, bmm, index_add_), which tests can force on the CPU.
#ifndef MISGEN_SHIM_SPARSE_H
#define MISGEN_SHIM_SPARSE_H

#include "sparse_kernels.h"

namespace sparse {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<bool> g_force_generic{false};

// Rows per task when splitting a kernel over threads.
constexpr int64_t kGrain = 32;

bool fast_path(std::initializer_list<const at::Tensor*> floats) {
	if (g_force_generic.load(std::memory_order_relaxed)) return false;
	for (const at::Tensor* t : floats) {
		if (t->defined() && (!t->device().is_cpu() || t->scalar_type() != at::kFloat)) return false;
	}
	return true;
}

const float* fptr(const at::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

void need(bool ok, const std::string& msg) {
	if (!ok) throw std::invalid_argument(msg);
}

std::string shape_of(const at::Tensor& t) {
	std::ostringstream os;
	os << t.sizes();
	return os.str();
}

// check_code validates a code's indices [B, k] against a dictionary of n
// entries (and values, when given, of the same shape).
void check_code(const char* op, const at::Tensor& idx, const at::Tensor* vals, int64_t n) {
	need(idx.dim() == 2 && idx.scalar_type() == at::kLong,
	     std::string(op) + ": indices must be a 2-D int64 tensor, got " + shape_of(idx));
	if (vals) {
		need(vals->sizes() == idx.sizes(),
		     std::string(op) + ": values " + shape_of(*vals) + " and indices " + shape_of(idx) + " differ in shape");
	}
	if (idx.numel() == 0) return;
	auto mm = at::aminmax(idx);
	const int64_t lo = std::get<0>(mm).item<int64_t>(), hi = std::get<1>(mm).item<int64_t>();
	need(lo >= 0 && hi < n, std::string(op) + ": index out of range [" + std::to_string(lo) + ", " +
	                            std::to_string(hi) + "] for " + std::to_string(n) + " entries");
}

void check_linear(const char* op, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
	need(x.dim() == 2 && w.dim() == 2 && x.size(1) == w.size(1),
	     std::string(op) + ": x " + shape_of(x) + " and w " + shape_of(w) + " do not match (want [B, d] and [n, d])");
	need(!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)),
	     std::string(op) + ": bias " + shape_of(b) + " does not match w " + shape_of(w));
}

// transposed returns t [r, c] as a contiguous [c, r] tensor.
at::Tensor transposed(const at::Tensor& t) {
	if (!fast_path({&t})) return t.t().contiguous();
	at::Tensor src = t.contiguous();
	at::Tensor dst = at::empty({t.size(1), t.size(0)}, t.options());
	const int64_t rows = t.size(0), cols = t.size(1);
	const float* s = src.data_ptr<float>();
	float* d = dst.data_ptr<float>();
	at::parallel_for(0, rows, kGrain, [&](int64_t r0, int64_t r1) { mgk::transpose(s, cols, d, rows, r0, r1); });
	return dst;
}

// weighted_rows returns out[r] = Σ_j coef[r, j]·rows[idx[r, j]] ([B, d]).
at::Tensor weighted_rows(const at::Tensor& idx, const at::Tensor& coef, const at::Tensor& rows) {
	const int64_t B = idx.size(0), k = idx.size(1), d = rows.size(1);
	if (!fast_path({&coef, &rows})) {
		at::Tensor picked = rows.index_select(0, idx.reshape({-1})).view({B, k, d});
		return at::bmm(coef.unsqueeze(1).to(rows.scalar_type()), picked).squeeze(1);
	}
	at::Tensor ic = idx.contiguous(), cc = coef.contiguous(), rc = rows.contiguous();
	at::Tensor out = at::empty({B, d}, rows.options());
	at::parallel_for(0, B, kGrain, [&](int64_t r0, int64_t r1) {
		mgk::weighted_rows(ic.data_ptr<int64_t>(), cc.data_ptr<float>(), k, rc.data_ptr<float>(), d,
		                   out.data_ptr<float>(), r0, r1);
	});
	return out;
}

// gather_dots returns out[r, j] = x[r]·rows[idx[r, j]] (+ bias[idx[r, j]]) ([B, k]).
at::Tensor gather_dots(const at::Tensor& x, const at::Tensor& idx, const at::Tensor& rows, const at::Tensor& bias) {
	const int64_t B = idx.size(0), k = idx.size(1), d = rows.size(1);
	if (!fast_path({&x, &rows, &bias})) {
		at::Tensor flat = idx.reshape({-1});
		at::Tensor out = at::bmm(rows.index_select(0, flat).view({B, k, d}), x.unsqueeze(2)).squeeze(2);
		return bias.defined() ? out + bias.index_select(0, flat).view({B, k}) : out;
	}
	at::Tensor xc = x.contiguous(), ic = idx.contiguous(), rc = rows.contiguous();
	at::Tensor bc = bias.defined() ? bias.contiguous() : bias;
	at::Tensor out = at::empty({B, k}, rows.options());
	at::parallel_for(0, B, kGrain, [&](int64_t r0, int64_t r1) {
		mgk::gather_dots(xc.data_ptr<float>(), ic.data_ptr<int64_t>(), k, rc.data_ptr<float>(), fptr(bc), d,
		                 out.data_ptr<float>(), r0, r1);
	});
	return out;
}

// scatter_outer returns g [n, d] with g[idx[r, j]] += coef[r, j]·x[r]: the
// gradient of the dictionary rows a code read.
at::Tensor scatter_outer(const at::Tensor& idx, const at::Tensor& coef, const at::Tensor& x, int64_t n) {
	const int64_t B = idx.size(0), k = idx.size(1), d = x.size(1);
	at::Tensor g = at::zeros({n, d}, x.options());
	if (!fast_path({&coef, &x})) {
		at::Tensor outer = (coef.unsqueeze(2) * x.unsqueeze(1)).reshape({B * k, d});
		return g.index_add_(0, idx.reshape({-1}), outer);
	}
	at::Tensor ic = idx.contiguous(), cc = coef.contiguous(), xc = x.contiguous();
	// Threads own disjoint ranges of dictionary rows, so no two write the same row.
	at::parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
		mgk::scatter_outer(ic.data_ptr<int64_t>(), cc.data_ptr<float>(), B, k, xc.data_ptr<float>(), d,
		                   g.data_ptr<float>(), lo, hi);
	});
	return g;
}

// scatter_sum returns s [n] with s[idx[r, j]] += v[r, j].
at::Tensor scatter_sum(const at::Tensor& idx, const at::Tensor& v, int64_t n) {
	return at::zeros({n}, v.options()).index_add_(0, idx.reshape({-1}), v.reshape({-1}));
}

// fast_topk is at::topk(a, k, dim) (largest, sorted), computed by the kernel of
// sparse_kernels.cc when it applies: CPU float32, dim the last, 1 ≤ k ≤ 64
// ≤ its size. The values then come from a gather of a when autograd records
// (so gradients flow as through at::topk's values).
std::tuple<at::Tensor, at::Tensor> fast_topk(const at::Tensor& a, int64_t k, int64_t dim) {
	dim = c10::maybe_wrap_dim(dim, a.dim());
	if (a.dim() == 0 || dim != a.dim() - 1 || !fast_path({&a}) || !mgk::topk_supported(a.size(dim), k)) {
		return at::topk(a, k, dim);
	}
	const int64_t n = a.size(dim), rows = a.numel() / n;
	at::Tensor ac = a.detach().contiguous();
	std::vector<int64_t> shape(a.sizes().begin(), a.sizes().end());
	shape.back() = k;
	at::Tensor vals = at::empty(shape, a.options());
	at::Tensor idx = at::empty(shape, a.options().dtype(at::kLong));
	at::parallel_for(0, rows, kGrain, [&](int64_t r0, int64_t r1) {
		mgk::topk_rows(ac.data_ptr<float>(), n, k, vals.data_ptr<float>(), idx.data_ptr<int64_t>(), r0, r1);
	});
	if (a.requires_grad() && c10::GradMode::is_enabled()) vals = a.gather(dim, idx);
	return {vals, idx};
}

// dnnl_sgemm is oneDNN's row-major sgemm (C = αAᵀ?B? + βC), looked up at
// run time: libtorch links oneDNN on x86-64 and exports it there; null
// where absent. Its AVX-512 kernels ran the SAE bench's encoder matmul
// ([1024×128]·[128×1024]) in half the time of Debian's OpenBLAS 0.3.21,
// which has no AVX-512 kernel for AMD Zen 4/5 and runs its Haswell one.
using sgemm_fn = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                         float, float*, int64_t);
sgemm_fn dnnl_sgemm() {
	static const sgemm_fn f = reinterpret_cast<sgemm_fn>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
	return f;
}

// linear returns x·wᵀ + b (b may be undefined) for 2-D x [B, d], w [n, d].
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
	sgemm_fn f = dnnl_sgemm();
	if (f && fast_path({&x, &w, &b}) && x.numel() > 0 && w.numel() > 0) {
		const int64_t B = x.size(0), d = x.size(1), n = w.size(0);
		at::Tensor xc = x.contiguous(), wc = w.contiguous();
		at::Tensor out = b.defined() ? b.expand({B, n}).contiguous() : at::empty({B, n}, x.options());
		if (f('N', 'T', B, n, d, 1.f, xc.data_ptr<float>(), d, wc.data_ptr<float>(), d, b.defined() ? 1.f : 0.f,
		      out.data_ptr<float>(), n) == 0) {
			return out;
		}
	}
	return b.defined() ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
}

// Autograd numbers a Function's tensor inputs in order, skipping absent
// optional ones, so the bias (after x and w) is input 2 only when present.

// encoder_backward returns the gradients of x, w, b for values[r, j] =
// x[r]·w[idx[r, j]] + b[idx[r, j]] given g, the gradient of the values.
variable_list encoder_backward(AutogradContext* ctx, const at::Tensor& g) {
	auto saved = ctx->get_saved_variables();
	const at::Tensor &x = saved[0], &w = saved[1], &idx = saved[2];
	at::Tensor gx, gw, gb;
	if (ctx->needs_input_grad(0)) gx = weighted_rows(idx, g, w);
	if (ctx->needs_input_grad(1)) gw = scatter_outer(idx, g, x, w.size(0));
	if (ctx->saved_data["has_b"].toBool() && ctx->needs_input_grad(2)) gb = scatter_sum(idx, g, w.size(0));
	return {gx, gw, gb};
}

// TopKLinear: (values, indices, pre) with pre = x·wᵀ + b and the code the k
// largest entries of each row of pre. Only values carries a gradient.
struct TopKLinear : public torch::autograd::Function<TopKLinear> {
	static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
	                             const c10::optional<at::Tensor>& ob, int64_t k) {
		const at::Tensor b = ob.value_or(at::Tensor());
		check_linear("TopKLinear", x, w, b);
		at::Tensor pre = linear(x, w, b);
		need(k >= 1 && k <= pre.size(1),
		     "TopKLinear: k = " + std::to_string(k) + " outside [1, " + std::to_string(pre.size(1)) + "]");
		auto [vals, idx] = fast_topk(pre, k, 1);
		ctx->save_for_backward({x, w, idx});
		ctx->saved_data["has_b"] = b.defined();
		ctx->mark_non_differentiable({idx, pre});
		return {vals, idx, pre};
	}
	static variable_list backward(AutogradContext* ctx, variable_list grads) {
		auto g = encoder_backward(ctx, grads[0]);
		return {g[0], g[1], g[2], at::Tensor()};
	}
};

// GatherLinear: values[r, j] = x[r]·w[idx[r, j]] + b[idx[r, j]].
struct GatherLinear : public torch::autograd::Function<GatherLinear> {
	static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w,
	                          const c10::optional<at::Tensor>& ob, const at::Tensor& idx) {
		const at::Tensor b = ob.value_or(at::Tensor());
		check_linear("GatherLinear", x, w, b);
		check_code("GatherLinear", idx, nullptr, w.size(0));
		need(idx.size(0) == x.size(0), "GatherLinear: indices " + shape_of(idx) + " and x " + shape_of(x) +
		                                   " differ in rows");
		ctx->save_for_backward({x, w, idx});
		ctx->saved_data["has_b"] = b.defined();
		return gather_dots(x, idx, w, b);
	}
	static variable_list backward(AutogradContext* ctx, variable_list grads) {
		auto g = encoder_backward(ctx, grads[0]);
		return {g[0], g[1], g[2], at::Tensor()};
	}
};

// SparseLinear: out = z·wᵀ + b for the dense code z of (indices, values),
// with w [out, n] (Linear's layout). The dictionary is read as rows of wᵀ.
struct SparseLinear : public torch::autograd::Function<SparseLinear> {
	static at::Tensor forward(AutogradContext* ctx, const at::Tensor& idx, const at::Tensor& vals,
	                          const at::Tensor& w, const c10::optional<at::Tensor>& ob) {
		const at::Tensor b = ob.value_or(at::Tensor());
		need(w.dim() == 2, "SparseLinear: w must be 2-D [out, n], got " + shape_of(w));
		need(!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)),
		     "SparseLinear: bias " + shape_of(b) + " does not match w " + shape_of(w));
		check_code("SparseLinear", idx, &vals, w.size(1));
		at::Tensor wt = transposed(w);  // [n, out]: dictionary entries as rows
		at::Tensor out = weighted_rows(idx, vals, wt);
		if (b.defined()) out.add_(b);
		ctx->save_for_backward({idx, vals, wt});
		ctx->saved_data["has_b"] = b.defined();
		return out;
	}
	static variable_list backward(AutogradContext* ctx, variable_list grads) {
		auto saved = ctx->get_saved_variables();
		const at::Tensor &idx = saved[0], &vals = saved[1], &wt = saved[2];
		const at::Tensor& g = grads[0];
		at::Tensor gv, gw, gb;
		if (ctx->needs_input_grad(1)) gv = gather_dots(g, idx, wt, at::Tensor());
		if (ctx->needs_input_grad(2)) gw = transposed(scatter_outer(idx, vals, g, wt.size(0)));
		if (ctx->saved_data["has_b"].toBool() && ctx->needs_input_grad(3)) gb = g.sum(0);
		return {at::Tensor(), gv, gw, gb};
	}
};

}  // namespace sparse

#endif
