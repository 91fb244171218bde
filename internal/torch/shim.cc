//go:build !torchshared

// misgen's libtorch shim: the C functions declared in shim.h implemented over
// the libtorch C++ API. One translation unit on purpose: including torch.h
// costs ~30 s of compile time per file.
//
// Every entry point catches all C++ exceptions and returns libtorch's message
// as a malloc'd string, so a shape error becomes a Go error, never an abort.
#include "shim.h"

#include <torch/torch.h>

#include <dlfcn.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

char* dup_message(const char* msg) {
	size_t n = std::strlen(msg);
	char* s = static_cast<char*>(std::malloc(n + 1));
	if (s) std::memcpy(s, msg, n + 1);
	return s;
}

// The thread count requested by mg_set_num_threads (0: libtorch's default).
// With the OpenMP backend the count is a per-OS-thread setting, and Go runs
// cgo calls on whichever OS thread the goroutine happens to be on, so every
// entry point applies the requested count to its thread lazily (one
// thread-local compare per call).
std::atomic<int> g_threads{0};
thread_local int t_threads = 0;

inline void sync_threads() {
	const int n = g_threads.load(std::memory_order_relaxed);
	if (n > 0 && n != t_threads) {
		at::set_num_threads(n);
		t_threads = n;
	}
}

// guard runs f, translating exceptions to an error string.
template <typename F>
char* guard(F&& f) {
	try {
		sync_threads();
		f();
		return nullptr;
	} catch (const c10::Error& e) {
		return dup_message(e.what_without_backtrace());
	} catch (const std::exception& e) {
		return dup_message(e.what());
	} catch (...) {
		return dup_message("unknown C++ exception");
	}
}

// op runs f with autograd recording on (no_grad == 0) or off. Go calls
// arrive on whatever OS thread the goroutine runs on, so every op states
// the mode it needs instead of relying on thread-local state; the mode is
// left set rather than restored, which saves a thread-local write per op
// (~10% of a tiny op) and is harmless because the next op sets its own.
//
// With recording off, f also dispatches below the autograd layer (as
// InferenceMode does, without marking the results as inference tensors):
// with grad mode off that layer only forwards to the kernel, and skipping it
// saves a dispatch per op. The ADInplaceOrView layer still runs, so views
// and version counters stay correct.
template <typename F>
char* op(int no_grad, F&& f) {
	return guard([&] {
		const bool want = no_grad == 0;
		if (c10::GradMode::is_enabled() != want) c10::GradMode::set_enabled(want);
		if (want) {
			f();
			return;
		}
		at::AutoDispatchBelowAutograd below;
		f();
	});
}

// A handle is an owning reference to a TensorImpl (its reference count
// includes the handle), so a tensor costs no box of its own.
using ImplPtr = c10::intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

// T is the tensor of a live handle, viewed in place without touching its
// reference count (the handle keeps owning it): an at::Tensor is exactly
// one TensorImpl pointer, the value a handle holds. T takes the handle by
// reference so the view lives as long as the caller's variable; copies
// from it take their own reference.
static_assert(sizeof(at::Tensor) == sizeof(mg_tensor) && std::is_standard_layout<ImplPtr>::value,
              "an at::Tensor must be a single TensorImpl pointer");
const at::Tensor& T(const mg_tensor& h) { return *reinterpret_cast<const at::Tensor*>(&h); }

// box hands the caller an owning handle to t.
mg_tensor box(at::Tensor t) {
	if (!t.defined()) throw std::logic_error("an op returned an undefined tensor");
	return reinterpret_cast<mg_tensor>(t.unsafeReleaseTensorImpl());
}

// release drops a handle's reference (0 is no tensor).
void release(mg_tensor t) {
	if (t) ImplPtr::reclaim(reinterpret_cast<c10::TensorImpl*>(t));
}

// result and op_result are guard and op for a function f returning one
// tensor, handed to the caller in an mg_result.
template <typename F>
mg_result result(F&& f) {
	mg_result r{0, nullptr};
	r.err = guard([&] { r.t = box(f()); });
	return r;
}

template <typename F>
mg_result op_result(int no_grad, F&& f) {
	mg_result r{0, nullptr};
	r.err = op(no_grad, [&] { r.t = box(f()); });
	return r;
}

torch::Dtype dtype_of(int code) {
	switch (code) {
	case MG_F32: return torch::kFloat32;
	case MG_I64: return torch::kInt64;
	case MG_BOOL: return torch::kBool;
	}
	throw std::invalid_argument("unknown dtype code " + std::to_string(code));
}

int code_of(torch::Dtype d) {
	if (d == torch::kFloat32) return MG_F32;
	if (d == torch::kInt64) return MG_I64;
	if (d == torch::kBool) return MG_BOOL;
	return -1;
}

torch::Device device_of(int device) {
	if (device < 0) return torch::Device(torch::kCPU);
	return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device));
}

at::IntArrayRef dims(const int64_t* d, int n) { return at::IntArrayRef(d, static_cast<size_t>(n)); }

std::vector<at::Tensor> unbox(mg_tensor* ts, int n) {
	std::vector<at::Tensor> v;
	v.reserve(n);
	for (int i = 0; i < n; i++) v.push_back(T(ts[i]));
	return v;
}

struct Optim {
	std::unique_ptr<torch::optim::Optimizer> opt;
	int kind;
};

}  // namespace

#include "shim_sparse.h"

extern "C" {

void mg_set_num_threads(int n) {
	g_threads.store(n, std::memory_order_relaxed);
	sync_threads();
	// OpenBLAS (Debian's BLAS for libtorch) keeps its own worker pool, sized
	// to the CPU count and untouched by at::set_num_threads; idle workers
	// spin in sched_yield and took ~40% of a core in a 1-thread PPO update,
	// CPU that concurrent training seeds need. Its setter is process-wide.
	using setter = void (*)(int);
	if (auto f = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}

void mg_tune_allocator(void) {
	// glibc serves blocks above a dynamic threshold with fresh mmaps and
	// returns freed heap tops to the kernel, so the megabyte-sized tensors of
	// every minibatch were page-faulted in anew (~15% of a PPO update in
	// kernel page-fault code). Keeping blocks up to 32 MiB on the heap and
	// trimming only above 256 MiB free made the update ~15% faster.
	if (std::getenv("GLIBC_TUNABLES") || std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_"))
		return;  // the user chose malloc settings
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
int mg_get_num_threads(void) {
	sync_threads();
	return at::get_num_threads();
}
void mg_manual_seed(uint64_t seed) { torch::manual_seed(seed); }
int mg_cuda_device_count(void) { return static_cast<int>(torch::cuda::device_count()); }
const char* mg_version(void) { return TORCH_VERSION; }

void mg_free(mg_tensor t) { release(t); }
void mg_free_many(mg_tensor* ts, int n) {
	for (int i = 0; i < n; i++) release(ts[i]);
}

mg_result mg_from_data(const void* data, int dtype, const int64_t* shape, int ndim, int device) {
	return result([&] {
		auto opts = torch::TensorOptions().dtype(dtype_of(dtype));
		// from_blob borrows Go memory, so clone before Go can move or free it.
		at::Tensor t = torch::from_blob(const_cast<void*>(data), dims(shape, ndim), opts).clone();
		if (device >= 0) t = t.to(device_of(device));
		return t;
	});
}

mg_result mg_full(const int64_t* shape, int ndim, double value, int dtype, int device) {
	return result([&] {
		auto opts = torch::TensorOptions().dtype(dtype_of(dtype)).device(device_of(device));
		return torch::full(dims(shape, ndim), value, opts);
	});
}

mg_result mg_randn(const int64_t* shape, int ndim, int device) {
	return result([&] { return torch::randn(dims(shape, ndim), torch::TensorOptions().device(device_of(device))); });
}

mg_result mg_rand(const int64_t* shape, int ndim, int device) {
	return result([&] { return torch::rand(dims(shape, ndim), torch::TensorOptions().device(device_of(device))); });
}

mg_result mg_arange(int64_t n, int device) {
	return result([&] {
		return torch::arange(n, torch::TensorOptions().dtype(torch::kInt64).device(device_of(device)));
	});
}

char* mg_copy_out(mg_tensor t, int dtype, void* dst, int64_t n) {
	return guard([&] {
		at::Tensor c = T(t).detach().to(torch::kCPU, dtype_of(dtype)).contiguous();
		if (c.numel() != n) {
			throw std::invalid_argument("copy out: tensor has " + std::to_string(c.numel()) +
			                            " elements, destination has " + std::to_string(n));
		}
		std::memcpy(dst, c.data_ptr(), static_cast<size_t>(n) * c.element_size());
	});
}

mg_result mg_to_device(mg_tensor t, int device) {
	return result([&] { return T(t).to(device_of(device)); });
}

char* mg_item(mg_tensor t, double* out) {
	return guard([&] { *out = T(t).item<double>(); });
}

int mg_shape(mg_tensor t, int64_t* d, int cap) {
	auto s = T(t).sizes();
	int n = static_cast<int>(s.size());
	for (int i = 0; i < n && i < cap; i++) d[i] = s[i];
	return n;
}
int mg_dtype(mg_tensor t) { return code_of(T(t).scalar_type()); }
int mg_device(mg_tensor t) {
	const auto& d = T(t).device();
	return d.is_cuda() ? d.index() : -1;
}
int mg_defined(mg_tensor t) { return T(t).defined() ? 1 : 0; }

mg_result mg_unary(int code, mg_tensor a, int no_grad) {
	return op_result(no_grad, [&] {
		const at::Tensor& x = T(a);
		at::Tensor r;
		switch (code) {
		case MG_NEG: r = -x; break;
		case MG_EXP: r = x.exp(); break;
		case MG_LOG: r = x.log(); break;
		case MG_SQRT: r = x.sqrt(); break;
		case MG_ABS: r = x.abs(); break;
		case MG_RELU: r = x.relu(); break;
		case MG_SIGMOID: r = x.sigmoid(); break;
		case MG_TANH: r = x.tanh(); break;
		case MG_SQUARE: r = x * x; break;
		case MG_SIGN: r = x.sign(); break;
		case MG_DETACH: r = x.detach(); break;
		case MG_CONTIGUOUS: r = x.contiguous(); break;
		case MG_CHANNELS_LAST: r = x.contiguous(at::MemoryFormat::ChannelsLast); break;
		case MG_TO_F32: r = x.to(torch::kFloat32); break;
		case MG_TO_I64: r = x.to(torch::kInt64); break;
		case MG_ZEROS_LIKE: r = torch::zeros_like(x); break;
		case MG_ONES_LIKE: r = torch::ones_like(x); break;
		case MG_CLONE: r = x.clone(); break;
		case MG_ISFINITE_ALL: r = torch::isfinite(x).all(); break;
		case MG_LOGICAL_NOT: r = x.logical_not(); break;
		case MG_FLATTEN_FROM1: r = x.flatten(1); break;
		default: throw std::invalid_argument("unknown unary op " + std::to_string(code));
		}
		return r;
	});
}

mg_result mg_binary(int code, mg_tensor a, mg_tensor b, int no_grad) {
	return op_result(no_grad, [&] {
		const at::Tensor& x = T(a);
		const at::Tensor& y = T(b);
		at::Tensor r;
		switch (code) {
		case MG_ADD: r = at::add(x, y); break;
		case MG_SUB: r = x - y; break;
		case MG_MUL: r = x * y; break;
		case MG_DIV: r = x / y; break;
		case MG_POW: r = x.pow(y); break;
		case MG_MATMUL: r = x.matmul(y); break;
		case MG_MAXIMUM: r = torch::maximum(x, y); break;
		case MG_MINIMUM: r = torch::minimum(x, y); break;
		case MG_GT: r = x.gt(y); break;
		case MG_LT: r = x.lt(y); break;
		case MG_GE: r = x.ge(y); break;
		case MG_LE: r = x.le(y); break;
		case MG_EQ: r = x.eq(y); break;
		default: throw std::invalid_argument("unknown binary op " + std::to_string(code));
		}
		return r;
	});
}

mg_result mg_scalar(int code, mg_tensor a, double s, int no_grad) {
	return op_result(no_grad, [&] {
		const at::Tensor& x = T(a);
		at::Tensor r;
		switch (code) {
		case MG_ADD_S: r = x + s; break;
		case MG_SUB_S: r = x - s; break;
		case MG_MUL_S: r = x * s; break;
		case MG_DIV_S: r = x / s; break;
		case MG_POW_S: r = x.pow(s); break;
		case MG_RSUB_S: r = s - x; break;
		case MG_GT_S: r = x.gt(s); break;
		case MG_LT_S: r = x.lt(s); break;
		case MG_GE_S: r = x.ge(s); break;
		case MG_LE_S: r = x.le(s); break;
		case MG_EQ_S: r = x.eq(s); break;
		case MG_FILL_S: r = torch::full_like(x, s); break;
		default: throw std::invalid_argument("unknown scalar op " + std::to_string(code));
		}
		return r;
	});
}

mg_result mg_reduce(int code, mg_tensor a, const int64_t* d, int nd, int keepdim, int no_grad) {
	return op_result(no_grad, [&] {
		const at::Tensor& x = T(a);
		const bool all = nd == 0;
		at::Tensor r;
		if ((code == MG_MAX || code == MG_MIN || code == MG_ARGMAX || code == MG_ARGMIN) && nd > 1) {
			throw std::invalid_argument("max/min/argmax/argmin reduce over at most one dim");
		}
		switch (code) {
		case MG_SUM: r = all ? x.sum() : x.sum(dims(d, nd), keepdim); break;
		case MG_MEAN: r = all ? x.mean() : x.mean(dims(d, nd), keepdim); break;
		case MG_MAX: r = all ? x.max() : std::get<0>(x.max(d[0], keepdim)); break;
		case MG_MIN: r = all ? x.min() : std::get<0>(x.min(d[0], keepdim)); break;
		case MG_ARGMAX: r = all ? x.argmax() : x.argmax(d[0], keepdim); break;
		case MG_ARGMIN: r = all ? x.argmin() : x.argmin(d[0], keepdim); break;
		case MG_LOGSUMEXP: {
			std::vector<int64_t> every;
			for (int64_t i = 0; i < x.dim(); i++) every.push_back(i);
			r = all ? x.logsumexp(every, keepdim) : x.logsumexp(dims(d, nd), keepdim);
			break;
		}
		case MG_NORM2: r = all ? x.norm() : x.norm(2, dims(d, nd), keepdim); break;
		case MG_STD: r = all ? x.std() : x.std(dims(d, nd), true, keepdim); break;
		default: throw std::invalid_argument("unknown reduction " + std::to_string(code));
		}
		return r;
	});
}

mg_result mg_softmax(mg_tensor a, int64_t dim, int log, int no_grad) {
	return op_result(no_grad, [&] { return log ? T(a).log_softmax(dim) : T(a).softmax(dim); });
}

mg_result mg_clamp(mg_tensor a, double lo, double hi, int no_grad) {
	return op_result(no_grad, [&] { return T(a).clamp(lo, hi); });
}

mg_result mg_where(mg_tensor cond, mg_tensor a, mg_tensor b, int no_grad) {
	return op_result(no_grad, [&] { return torch::where(T(cond), T(a), T(b)); });
}

mg_result mg_gather(mg_tensor a, int64_t dim, mg_tensor index, int no_grad) {
	return op_result(no_grad, [&] { return T(a).gather(dim, T(index)); });
}

mg_result mg_scatter(mg_tensor a, int64_t dim, mg_tensor index, mg_tensor src, int no_grad) {
	return op_result(no_grad, [&] { return T(a).scatter(dim, T(index), T(src)); });
}

mg_result mg_index_select(mg_tensor a, int64_t dim, mg_tensor index, int no_grad) {
	return op_result(no_grad, [&] { return T(a).index_select(dim, T(index)); });
}

mg_result mg_cat(mg_tensor* ts, int n, int64_t dim, int stack, int no_grad) {
	return op_result(no_grad, [&] {
		auto v = unbox(ts, n);
		return stack ? torch::stack(v, dim) : torch::cat(v, dim);
	});
}

mg_result mg_reshape(mg_tensor a, const int64_t* shape, int ndim, int no_grad) {
	return op_result(no_grad, [&] { return T(a).reshape(dims(shape, ndim)); });
}

mg_result mg_permute(mg_tensor a, const int64_t* d, int nd, int no_grad) {
	return op_result(no_grad, [&] { return T(a).permute(dims(d, nd)); });
}

mg_result mg_slice(mg_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step, int no_grad) {
	return op_result(no_grad, [&] { return T(a).slice(dim, start, end, step); });
}

char* mg_topk(mg_tensor a, int64_t k, int64_t dim, int no_grad, mg_tensor* values, mg_tensor* indices) {
	return op(no_grad, [&] {
		auto r = sparse::fast_topk(T(a), k, dim);
		*values = box(std::get<0>(r));
		*indices = box(std::get<1>(r));
	});
}

char* mg_topk_linear(mg_tensor x, mg_tensor w, mg_tensor b, int64_t k, int no_grad, mg_tensor* values,
                     mg_tensor* indices, mg_tensor* pre) {
	return op(no_grad, [&] {
		c10::optional<at::Tensor> bias;
		if (b) bias = T(b);
		auto r = sparse::TopKLinear::apply(T(x), T(w), bias, k);
		*values = box(r[0]);
		*indices = box(r[1]);
		*pre = box(r[2]);
	});
}

mg_result mg_gather_linear(mg_tensor x, mg_tensor w, mg_tensor b, mg_tensor indices, int no_grad) {
	return op_result(no_grad, [&] {
		c10::optional<at::Tensor> bias;
		if (b) bias = T(b);
		return sparse::GatherLinear::apply(T(x), T(w), bias, T(indices));
	});
}

mg_result mg_sparse_linear(mg_tensor indices, mg_tensor values, mg_tensor w, mg_tensor b, int no_grad) {
	return op_result(no_grad, [&] {
		c10::optional<at::Tensor> bias;
		if (b) bias = T(b);
		return sparse::SparseLinear::apply(T(indices), T(values), T(w), bias);
	});
}

void mg_sparse_force_generic(int on) { sparse::g_force_generic.store(on != 0); }

mg_result mg_bincount(mg_tensor x, mg_tensor weights, int64_t minlength, int no_grad) {
	return op_result(no_grad, [&] {
		c10::optional<at::Tensor> w;
		if (weights) w = T(weights);
		return at::bincount(T(x), w, minlength);
	});
}

mg_result mg_linear(mg_tensor x, mg_tensor w, mg_tensor b, int no_grad) {
	return op_result(no_grad, [&] {
		return b ? torch::linear(T(x), T(w), T(b)) : torch::linear(T(x), T(w));
	});
}

mg_result mg_conv2d(mg_tensor x, mg_tensor w, mg_tensor b, int64_t stride, int64_t padding, int no_grad) {
	return op_result(no_grad, [&] {
		c10::optional<at::Tensor> bias;
		if (b) bias = T(b);
		return torch::conv2d(T(x), T(w), bias, stride, padding);
	});
}

mg_result mg_max_pool2d(mg_tensor x, int64_t kernel, int64_t stride, int64_t padding, int no_grad) {
	return op_result(no_grad, [&] { return torch::max_pool2d(T(x), kernel, stride, padding); });
}

char* mg_set_requires_grad(mg_tensor t, int on) {
	return guard([&] { T(t).set_requires_grad(on != 0); });
}
int mg_requires_grad(mg_tensor t) { return T(t).requires_grad() ? 1 : 0; }

char* mg_backward(mg_tensor loss) {
	return guard([&] {
		c10::GradMode::set_enabled(true);
		T(loss).backward();
	});
}

mg_result mg_grad(mg_tensor t) {
	mg_result r{0, nullptr};
	r.err = guard([&] {
		const at::Tensor& g = T(t).grad();
		if (g.defined()) r.t = box(g);
	});
	return r;
}

char* mg_zero_grad(mg_tensor t) {
	return guard([&] {
		at::Tensor& g = T(t).mutable_grad();
		if (g.defined()) g = at::Tensor();
	});
}

char* mg_copy_(mg_tensor dst, mg_tensor src) {
	return guard([&] {
		torch::NoGradGuard ng;
		T(dst).copy_(T(src));
	});
}

char* mg_optim_new(int kind, mg_tensor* params, int n, double lr, double b1, double b2, double eps,
                   double weight_decay, double momentum, mg_optim* out) {
	return guard([&] {
		auto ps = unbox(params, n);
		auto o = std::make_unique<Optim>();
		o->kind = kind;
		if (kind == 0) {
			o->opt = std::make_unique<torch::optim::Adam>(
			    ps, torch::optim::AdamOptions(lr).betas({b1, b2}).eps(eps).weight_decay(weight_decay));
		} else if (kind == 1) {
			o->opt = std::make_unique<torch::optim::SGD>(
			    ps, torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(weight_decay));
		} else {
			throw std::invalid_argument("unknown optimizer kind " + std::to_string(kind));
		}
		*out = o.release();
	});
}

void mg_optim_free(mg_optim o) { delete static_cast<Optim*>(o); }

char* mg_optim_step(mg_optim o) {
	return guard([&] { static_cast<Optim*>(o)->opt->step(); });
}

char* mg_optim_zero_grad(mg_optim o) {
	// set_to_none semantics: the next backward allocates fresh gradients.
	return guard([&] {
		for (auto& g : static_cast<Optim*>(o)->opt->param_groups())
			for (auto& p : g.params()) p.mutable_grad() = at::Tensor();
	});
}

char* mg_optim_set_lr(mg_optim o, double lr) {
	return guard([&] {
		auto* op = static_cast<Optim*>(o);
		for (auto& g : op->opt->param_groups()) {
			if (op->kind == 0) {
				static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
			} else {
				static_cast<torch::optim::SGDOptions&>(g.options()).lr(lr);
			}
		}
	});
}

char* mg_clip_grad_norm(mg_tensor* params, int n, double max_norm, double* total_norm) {
	return guard([&] {
		auto ps = unbox(params, n);
		*total_norm = torch::nn::utils::clip_grad_norm_(ps, max_norm);
	});
}

char* mg_optim_save(mg_optim o, char** buf, int64_t* len) {
	return guard([&] {
		torch::serialize::OutputArchive ar;
		static_cast<Optim*>(o)->opt->save(ar);
		std::ostringstream os;
		ar.save_to(os);
		std::string s = os.str();
		*buf = static_cast<char*>(std::malloc(s.size() ? s.size() : 1));
		if (!*buf) throw std::bad_alloc();
		std::memcpy(*buf, s.data(), s.size());
		*len = static_cast<int64_t>(s.size());
	});
}

char* mg_optim_load(mg_optim o, const char* buf, int64_t len) {
	return guard([&] {
		std::istringstream is(std::string(buf, static_cast<size_t>(len)));
		torch::serialize::InputArchive ar;
		ar.load_from(is);
		static_cast<Optim*>(o)->opt->load(ar);
	});
}

}  // extern "C"
