// C interface of misgen's libtorch shim (shim.cc). Plain C so cgo can call it
// and so the shim can also be built as a separate shared library against
// another libtorch (see README "CUDA libtorch").
//
// Conventions: every function that can fail returns NULL on success or a
// malloc'd error message (caller frees) carrying libtorch's own text; one
// that makes a single tensor returns it with that message in an mg_result
// (by value, so Go passes the C side no pointer to fill). Tensor handles are
// owned by the caller and released with mg_free / mg_free_many.
#ifndef MISGEN_TORCH_SHIM_H
#define MISGEN_TORCH_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// A tensor handle is an owning reference to a libtorch TensorImpl (its
// address), typed as an integer so that cgo passes it without its
// Go-pointer checks; 0 is no tensor.
typedef uintptr_t mg_tensor;
typedef void* mg_optim;

// A single-tensor result: err == NULL and t owned by the caller, or err a
// malloc'd message and t 0.
typedef struct {
	mg_tensor t;
	char* err;
} mg_result;

// dtype codes
enum { MG_F32 = 0, MG_I64 = 1, MG_BOOL = 2 };

// unary op codes
enum {
	MG_NEG, MG_EXP, MG_LOG, MG_SQRT, MG_ABS, MG_RELU, MG_SIGMOID, MG_TANH,
	MG_SQUARE, MG_SIGN, MG_DETACH, MG_CONTIGUOUS, MG_TO_F32, MG_TO_I64,
	MG_ZEROS_LIKE, MG_ONES_LIKE, MG_CLONE, MG_ISFINITE_ALL, MG_LOGICAL_NOT,
	MG_FLATTEN_FROM1, MG_CHANNELS_LAST
};

// binary op codes
enum {
	MG_ADD, MG_SUB, MG_MUL, MG_DIV, MG_POW, MG_MATMUL, MG_MAXIMUM, MG_MINIMUM,
	MG_GT, MG_LT, MG_GE, MG_LE, MG_EQ
};

// tensor-scalar op codes
enum {
	MG_ADD_S, MG_SUB_S, MG_MUL_S, MG_DIV_S, MG_POW_S, MG_RSUB_S, MG_GT_S,
	MG_LT_S, MG_GE_S, MG_LE_S, MG_EQ_S, MG_FILL_S
};

// reduction op codes
enum { MG_SUM, MG_MEAN, MG_MAX, MG_MIN, MG_ARGMAX, MG_ARGMIN, MG_LOGSUMEXP, MG_NORM2, MG_STD };

// Global settings.
void mg_set_num_threads(int n);
void mg_tune_allocator(void);
int mg_get_num_threads(void);
void mg_manual_seed(uint64_t seed);
int mg_cuda_device_count(void);
const char* mg_version(void);

// Lifetime.
void mg_free(mg_tensor t);
void mg_free_many(mg_tensor* ts, int n);

// Creation and data transfer. device: -1 = CPU, k >= 0 = CUDA device k.
mg_result mg_from_data(const void* data, int dtype, const int64_t* shape, int ndim, int device);
mg_result mg_full(const int64_t* shape, int ndim, double value, int dtype, int device);
mg_result mg_randn(const int64_t* shape, int ndim, int device);
mg_result mg_rand(const int64_t* shape, int ndim, int device);
mg_result mg_arange(int64_t n, int device);
char* mg_copy_out(mg_tensor t, int dtype, void* dst, int64_t n);
mg_result mg_to_device(mg_tensor t, int device);
char* mg_item(mg_tensor t, double* out);

// Metadata. mg_shape writes at most cap dims and returns ndim.
int mg_shape(mg_tensor t, int64_t* dims, int cap);
int mg_dtype(mg_tensor t);
int mg_device(mg_tensor t);
int mg_defined(mg_tensor t);

// Ops. no_grad != 0 runs the op with autograd recording disabled.
mg_result mg_unary(int op, mg_tensor a, int no_grad);
mg_result mg_binary(int op, mg_tensor a, mg_tensor b, int no_grad);
mg_result mg_scalar(int op, mg_tensor a, double s, int no_grad);
mg_result mg_reduce(int op, mg_tensor a, const int64_t* dims, int ndims, int keepdim, int no_grad);
mg_result mg_softmax(mg_tensor a, int64_t dim, int log, int no_grad);
mg_result mg_clamp(mg_tensor a, double lo, double hi, int no_grad);
mg_result mg_where(mg_tensor cond, mg_tensor a, mg_tensor b, int no_grad);
mg_result mg_gather(mg_tensor a, int64_t dim, mg_tensor index, int no_grad);
mg_result mg_scatter(mg_tensor a, int64_t dim, mg_tensor index, mg_tensor src, int no_grad);
mg_result mg_index_select(mg_tensor a, int64_t dim, mg_tensor index, int no_grad);
mg_result mg_cat(mg_tensor* ts, int n, int64_t dim, int stack, int no_grad);
mg_result mg_reshape(mg_tensor a, const int64_t* shape, int ndim, int no_grad);
mg_result mg_permute(mg_tensor a, const int64_t* dims, int ndim, int no_grad);
mg_result mg_slice(mg_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step, int no_grad);
char* mg_topk(mg_tensor a, int64_t k, int64_t dim, int no_grad, mg_tensor* values, mg_tensor* indices);
mg_result mg_linear(mg_tensor x, mg_tensor w, mg_tensor b, int no_grad);
mg_result mg_conv2d(mg_tensor x, mg_tensor w, mg_tensor b, int64_t stride, int64_t padding, int no_grad);
mg_result mg_max_pool2d(mg_tensor x, int64_t kernel, int64_t stride, int64_t padding, int no_grad);

// Sparse codes: k (index, value) pairs per row standing for a dense code
// z [B, n] (see shim_sparse.h); gradients touch only the entries a row uses.
// mg_topk_linear: pre = x·wᵀ + b ([B, n], no gradient) and its k largest
// entries per row (values descending, with gradients to x, w, b).
// mg_gather_linear: values[r, j] = x[r]·w[idx[r, j]] + b[idx[r, j]].
// mg_sparse_linear: z·wᵀ + b for the code (indices, values), w [out, n].
// b may be 0 in all three.
char* mg_topk_linear(mg_tensor x, mg_tensor w, mg_tensor b, int64_t k, int no_grad, mg_tensor* values,
                     mg_tensor* indices, mg_tensor* pre);
mg_result mg_gather_linear(mg_tensor x, mg_tensor w, mg_tensor b, mg_tensor indices, int no_grad);
mg_result mg_sparse_linear(mg_tensor indices, mg_tensor values, mg_tensor w, mg_tensor b, int no_grad);
// Testing hook: on != 0 makes the sparse ops use their device-generic ATen
// path on the CPU too.
void mg_sparse_force_generic(int on);
// mg_bincount counts (or sums weights, which may be 0) per value of the
// 1-D int64 x, with at least minlength bins.
mg_result mg_bincount(mg_tensor x, mg_tensor weights, int64_t minlength, int no_grad);

// Autograd.
char* mg_set_requires_grad(mg_tensor t, int on);
int mg_requires_grad(mg_tensor t);
char* mg_backward(mg_tensor loss);
mg_result mg_grad(mg_tensor t);  // t = 0 when no gradient exists
char* mg_zero_grad(mg_tensor t);
char* mg_copy_(mg_tensor dst, mg_tensor src); // in place, never recorded by autograd

// Optimizers. kind: 0 = Adam, 1 = SGD.
char* mg_optim_new(int kind, mg_tensor* params, int n, double lr, double b1, double b2, double eps,
                   double weight_decay, double momentum, mg_optim* out);
void mg_optim_free(mg_optim o);
char* mg_optim_step(mg_optim o);
char* mg_optim_zero_grad(mg_optim o);
char* mg_optim_set_lr(mg_optim o, double lr);
char* mg_clip_grad_norm(mg_tensor* params, int n, double max_norm, double* total_norm);
// State (de)serialisation through libtorch's archive format. *buf is malloc'd.
char* mg_optim_save(mg_optim o, char** buf, int64_t* len);
char* mg_optim_load(mg_optim o, const char* buf, int64_t len);

#ifdef __cplusplus
}
#endif

#endif
