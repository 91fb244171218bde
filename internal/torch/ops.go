package torch

// #include "shim.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// ---- creation ----

// FromFloat32 copies data into a new float32 tensor of the given shape on the
// scope's device. len(data) must equal the product of shape.
func (s *Scope) FromFloat32(data []float32, shape ...int64) *Tensor {
	if !s.check("FromFloat32") || !s.sizeMatches("FromFloat32", len(data), shape) {
		return nil
	}
	return s.fromData("FromFloat32", unsafe.Pointer(unsafe.SliceData(data)), Float32, shape)
}

// FromInt64 copies data into a new int64 tensor of the given shape.
func (s *Scope) FromInt64(data []int64, shape ...int64) *Tensor {
	if !s.check("FromInt64") || !s.sizeMatches("FromInt64", len(data), shape) {
		return nil
	}
	return s.fromData("FromInt64", unsafe.Pointer(unsafe.SliceData(data)), Int64, shape)
}

func (s *Scope) sizeMatches(op string, n int, shape []int64) bool {
	want := int64(1)
	for _, d := range shape {
		if d < 0 {
			s.err = &Error{Op: op, Msg: fmt.Sprintf("negative dimension in shape %v", shape)}
			return false
		}
		want *= d
	}
	if want != int64(n) {
		s.err = &Error{Op: op, Msg: fmt.Sprintf("shape %v holds %d elements, data has %d", shape, want, n)}
		return false
	}
	return true
}

func (s *Scope) fromData(op string, p unsafe.Pointer, dt DType, shape []int64) *Tensor {
	sp, n := int64s(shape)
	if p == nil { // empty data: libtorch still needs a valid pointer
		var zero int64
		p = unsafe.Pointer(&zero)
	}
	return s.adopt(op, C.mg_from_data(p, C.int(dt), sp, n, C.int(s.device)))
}

// Full returns a tensor of the given shape and dtype filled with value.
func (s *Scope) Full(value float64, dt DType, shape ...int64) *Tensor {
	if !s.check("Full") {
		return nil
	}
	sp, n := int64s(shape)
	return s.adopt("Full", C.mg_full(sp, n, C.double(value), C.int(dt), C.int(s.device)))
}

// Zeros returns a float32 tensor of zeros.
func (s *Scope) Zeros(shape ...int64) *Tensor { return s.Full(0, Float32, shape...) }

// Ones returns a float32 tensor of ones.
func (s *Scope) Ones(shape ...int64) *Tensor { return s.Full(1, Float32, shape...) }

// Randn returns standard-normal float32 samples from libtorch's generator
// (seeded by ManualSeed).
func (s *Scope) Randn(shape ...int64) *Tensor {
	if !s.check("Randn") {
		return nil
	}
	sp, n := int64s(shape)
	return s.adopt("Randn", C.mg_randn(sp, n, C.int(s.device)))
}

// Rand returns uniform [0,1) float32 samples from libtorch's generator.
func (s *Scope) Rand(shape ...int64) *Tensor {
	if !s.check("Rand") {
		return nil
	}
	sp, n := int64s(shape)
	return s.adopt("Rand", C.mg_rand(sp, n, C.int(s.device)))
}

// Arange returns the int64 tensor [0, 1, ..., n-1].
func (s *Scope) Arange(n int64) *Tensor {
	if !s.check("Arange") {
		return nil
	}
	return s.adopt("Arange", C.mg_arange(C.int64_t(n), C.int(s.device)))
}

// To returns t on device d (t itself is left as it is).
func (s *Scope) To(t *Tensor, d Device) *Tensor {
	if !s.check("To", t) {
		return nil
	}
	return s.adopt("To", C.mg_to_device(t.h, C.int(d)))
}

// ---- element-wise ----

func (s *Scope) unary(op string, code C.int, a *Tensor) *Tensor {
	if !s.check(op, a) {
		return nil
	}
	return s.adopt(op, C.mg_unary(code, a.h, s.noGrad))
}

// Neg returns -a.
func (s *Scope) Neg(a *Tensor) *Tensor { return s.unary("Neg", C.MG_NEG, a) }

// Exp returns e^a.
func (s *Scope) Exp(a *Tensor) *Tensor { return s.unary("Exp", C.MG_EXP, a) }

// Log returns the natural logarithm of a.
func (s *Scope) Log(a *Tensor) *Tensor { return s.unary("Log", C.MG_LOG, a) }

// Sqrt returns √a.
func (s *Scope) Sqrt(a *Tensor) *Tensor { return s.unary("Sqrt", C.MG_SQRT, a) }

// Abs returns |a|.
func (s *Scope) Abs(a *Tensor) *Tensor { return s.unary("Abs", C.MG_ABS, a) }

// Relu returns max(a, 0).
func (s *Scope) Relu(a *Tensor) *Tensor { return s.unary("Relu", C.MG_RELU, a) }

// Sigmoid returns 1/(1+e^-a).
func (s *Scope) Sigmoid(a *Tensor) *Tensor { return s.unary("Sigmoid", C.MG_SIGMOID, a) }

// Tanh returns tanh(a).
func (s *Scope) Tanh(a *Tensor) *Tensor { return s.unary("Tanh", C.MG_TANH, a) }

// Square returns a².
func (s *Scope) Square(a *Tensor) *Tensor { return s.unary("Square", C.MG_SQUARE, a) }

// Sign returns the sign of a (-1, 0, 1).
func (s *Scope) Sign(a *Tensor) *Tensor { return s.unary("Sign", C.MG_SIGN, a) }

// Detach returns a view of a that autograd does not track.
func (s *Scope) Detach(a *Tensor) *Tensor { return s.unary("Detach", C.MG_DETACH, a) }

// Contiguous returns a with a row-major memory layout.
func (s *Scope) Contiguous(a *Tensor) *Tensor { return s.unary("Contiguous", C.MG_CONTIGUOUS, a) }

// ChannelsLast returns a 4-D tensor with the same values stored in NHWC
// order (PyTorch's channels_last memory format); shapes, indexing and every
// op's results are unchanged, only the layout. CPU convolutions (oneDNN)
// run on it without reordering: a PPO update of the default IMPALA network
// took ~30% less time when its input was converted first.
func (s *Scope) ChannelsLast(a *Tensor) *Tensor {
	return s.unary("ChannelsLast", C.MG_CHANNELS_LAST, a)
}

// ToFloat32 converts a to float32 (bools become 0/1).
func (s *Scope) ToFloat32(a *Tensor) *Tensor { return s.unary("ToFloat32", C.MG_TO_F32, a) }

// ToInt64 converts a to int64 (truncating floats).
func (s *Scope) ToInt64(a *Tensor) *Tensor { return s.unary("ToInt64", C.MG_TO_I64, a) }

// ZerosLike returns zeros with a's shape, dtype and device.
func (s *Scope) ZerosLike(a *Tensor) *Tensor { return s.unary("ZerosLike", C.MG_ZEROS_LIKE, a) }

// OnesLike returns ones with a's shape, dtype and device.
func (s *Scope) OnesLike(a *Tensor) *Tensor { return s.unary("OnesLike", C.MG_ONES_LIKE, a) }

// Clone returns a copy of a (autograd flows through it).
func (s *Scope) Clone(a *Tensor) *Tensor { return s.unary("Clone", C.MG_CLONE, a) }

// AllFinite returns a bool scalar: true when no element is NaN or ±Inf.
func (s *Scope) AllFinite(a *Tensor) *Tensor { return s.unary("AllFinite", C.MG_ISFINITE_ALL, a) }

// LogicalNot negates a bool tensor.
func (s *Scope) LogicalNot(a *Tensor) *Tensor { return s.unary("LogicalNot", C.MG_LOGICAL_NOT, a) }

// Flatten reshapes a to [a.shape[0], rest...product].
func (s *Scope) Flatten(a *Tensor) *Tensor { return s.unary("Flatten", C.MG_FLATTEN_FROM1, a) }

func (s *Scope) binary(op string, code C.int, a, b *Tensor) *Tensor {
	if !s.check(op, a, b) {
		return nil
	}
	return s.adopt(op, C.mg_binary(code, a.h, b.h, s.noGrad))
}

// Add returns a + b (broadcasting).
func (s *Scope) Add(a, b *Tensor) *Tensor { return s.binary("Add", C.MG_ADD, a, b) }

// Sub returns a - b (broadcasting).
func (s *Scope) Sub(a, b *Tensor) *Tensor { return s.binary("Sub", C.MG_SUB, a, b) }

// Mul returns a * b element-wise (broadcasting).
func (s *Scope) Mul(a, b *Tensor) *Tensor { return s.binary("Mul", C.MG_MUL, a, b) }

// Div returns a / b element-wise (broadcasting).
func (s *Scope) Div(a, b *Tensor) *Tensor { return s.binary("Div", C.MG_DIV, a, b) }

// Pow returns a^b element-wise.
func (s *Scope) Pow(a, b *Tensor) *Tensor { return s.binary("Pow", C.MG_POW, a, b) }

// Matmul returns the matrix product of a and b (torch.matmul semantics).
func (s *Scope) Matmul(a, b *Tensor) *Tensor { return s.binary("Matmul", C.MG_MATMUL, a, b) }

// Maximum returns the element-wise maximum of a and b.
func (s *Scope) Maximum(a, b *Tensor) *Tensor { return s.binary("Maximum", C.MG_MAXIMUM, a, b) }

// Minimum returns the element-wise minimum of a and b.
func (s *Scope) Minimum(a, b *Tensor) *Tensor { return s.binary("Minimum", C.MG_MINIMUM, a, b) }

// Gt returns the bool tensor a > b.
func (s *Scope) Gt(a, b *Tensor) *Tensor { return s.binary("Gt", C.MG_GT, a, b) }

// Lt returns the bool tensor a < b.
func (s *Scope) Lt(a, b *Tensor) *Tensor { return s.binary("Lt", C.MG_LT, a, b) }

// Ge returns the bool tensor a >= b.
func (s *Scope) Ge(a, b *Tensor) *Tensor { return s.binary("Ge", C.MG_GE, a, b) }

// Le returns the bool tensor a <= b.
func (s *Scope) Le(a, b *Tensor) *Tensor { return s.binary("Le", C.MG_LE, a, b) }

// Eq returns the bool tensor a == b.
func (s *Scope) Eq(a, b *Tensor) *Tensor { return s.binary("Eq", C.MG_EQ, a, b) }

func (s *Scope) scalar(op string, code C.int, a *Tensor, v float64) *Tensor {
	if !s.check(op, a) {
		return nil
	}
	return s.adopt(op, C.mg_scalar(code, a.h, C.double(v), s.noGrad))
}

// AddScalar returns a + v.
func (s *Scope) AddScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("AddScalar", C.MG_ADD_S, a, v)
}

// SubScalar returns a - v.
func (s *Scope) SubScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("SubScalar", C.MG_SUB_S, a, v)
}

// MulScalar returns a * v.
func (s *Scope) MulScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("MulScalar", C.MG_MUL_S, a, v)
}

// DivScalar returns a / v.
func (s *Scope) DivScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("DivScalar", C.MG_DIV_S, a, v)
}

// PowScalar returns a^v.
func (s *Scope) PowScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("PowScalar", C.MG_POW_S, a, v)
}

// RSubScalar returns v - a.
func (s *Scope) RSubScalar(a *Tensor, v float64) *Tensor {
	return s.scalar("RSubScalar", C.MG_RSUB_S, a, v)
}

// GtScalar returns the bool tensor a > v.
func (s *Scope) GtScalar(a *Tensor, v float64) *Tensor { return s.scalar("GtScalar", C.MG_GT_S, a, v) }

// LtScalar returns the bool tensor a < v.
func (s *Scope) LtScalar(a *Tensor, v float64) *Tensor { return s.scalar("LtScalar", C.MG_LT_S, a, v) }

// GeScalar returns the bool tensor a >= v.
func (s *Scope) GeScalar(a *Tensor, v float64) *Tensor { return s.scalar("GeScalar", C.MG_GE_S, a, v) }

// LeScalar returns the bool tensor a <= v.
func (s *Scope) LeScalar(a *Tensor, v float64) *Tensor { return s.scalar("LeScalar", C.MG_LE_S, a, v) }

// EqScalar returns the bool tensor a == v.
func (s *Scope) EqScalar(a *Tensor, v float64) *Tensor { return s.scalar("EqScalar", C.MG_EQ_S, a, v) }

// FullLike returns a tensor shaped like a filled with v.
func (s *Scope) FullLike(a *Tensor, v float64) *Tensor {
	return s.scalar("FullLike", C.MG_FILL_S, a, v)
}

// Clamp limits a to [lo, hi].
func (s *Scope) Clamp(a *Tensor, lo, hi float64) *Tensor {
	if !s.check("Clamp", a) {
		return nil
	}
	return s.adopt("Clamp", C.mg_clamp(a.h, C.double(lo), C.double(hi), s.noGrad))
}

// Where picks a where cond (bool) is true, else b.
func (s *Scope) Where(cond, a, b *Tensor) *Tensor {
	if !s.check("Where", cond, a, b) {
		return nil
	}
	return s.adopt("Where", C.mg_where(cond.h, a.h, b.h, s.noGrad))
}

// ---- reductions ----

func (s *Scope) reduce(op string, code C.int, a *Tensor, keepdim bool, dims []int64) *Tensor {
	if !s.check(op, a) {
		return nil
	}
	dp, n := int64s(dims)
	return s.adopt(op, C.mg_reduce(code, a.h, dp, n, cbool(keepdim), s.noGrad))
}

// Sum sums a over dims (all dims when none are given).
func (s *Scope) Sum(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Sum", C.MG_SUM, a, keepdim, dims)
}

// Mean averages a over dims (all dims when none are given).
func (s *Scope) Mean(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Mean", C.MG_MEAN, a, keepdim, dims)
}

// Max takes the maximum over one dim (or over all elements with none).
func (s *Scope) Max(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Max", C.MG_MAX, a, keepdim, dims)
}

// Min takes the minimum over one dim (or over all elements with none).
func (s *Scope) Min(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Min", C.MG_MIN, a, keepdim, dims)
}

// Argmax returns int64 indices of the maximum over one dim (or flat index).
func (s *Scope) Argmax(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Argmax", C.MG_ARGMAX, a, keepdim, dims)
}

// Argmin returns int64 indices of the minimum over one dim (or flat index).
func (s *Scope) Argmin(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Argmin", C.MG_ARGMIN, a, keepdim, dims)
}

// LogSumExp returns log Σ e^a over dims (all dims when none are given).
func (s *Scope) LogSumExp(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("LogSumExp", C.MG_LOGSUMEXP, a, keepdim, dims)
}

// Norm returns the Euclidean norm over dims (all dims when none are given).
func (s *Scope) Norm(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Norm", C.MG_NORM2, a, keepdim, dims)
}

// Std returns the unbiased standard deviation over dims (all when none).
func (s *Scope) Std(a *Tensor, keepdim bool, dims ...int64) *Tensor {
	return s.reduce("Std", C.MG_STD, a, keepdim, dims)
}

// Softmax normalises exp(a) along dim.
func (s *Scope) Softmax(a *Tensor, dim int64) *Tensor { return s.softmax("Softmax", a, dim, 0) }

// LogSoftmax returns log(softmax(a)) along dim, computed stably.
func (s *Scope) LogSoftmax(a *Tensor, dim int64) *Tensor { return s.softmax("LogSoftmax", a, dim, 1) }

func (s *Scope) softmax(op string, a *Tensor, dim int64, log C.int) *Tensor {
	if !s.check(op, a) {
		return nil
	}
	return s.adopt(op, C.mg_softmax(a.h, C.int64_t(dim), log, s.noGrad))
}

// ---- indexing and shapes ----

// Gather picks a's values along dim at int64 index (torch.gather).
func (s *Scope) Gather(a *Tensor, dim int64, index *Tensor) *Tensor {
	if !s.check("Gather", a, index) {
		return nil
	}
	return s.adopt("Gather", C.mg_gather(a.h, C.int64_t(dim), index.h, s.noGrad))
}

// Scatter returns a copy of a with src written along dim at index
// (torch.scatter).
func (s *Scope) Scatter(a *Tensor, dim int64, index, src *Tensor) *Tensor {
	if !s.check("Scatter", a, index, src) {
		return nil
	}
	return s.adopt("Scatter", C.mg_scatter(a.h, C.int64_t(dim), index.h, src.h, s.noGrad))
}

// IndexSelect picks whole slices of a along dim at int64 index.
func (s *Scope) IndexSelect(a *Tensor, dim int64, index *Tensor) *Tensor {
	if !s.check("IndexSelect", a, index) {
		return nil
	}
	return s.adopt("IndexSelect", C.mg_index_select(a.h, C.int64_t(dim), index.h, s.noGrad))
}

// Cat concatenates ts along dim.
func (s *Scope) Cat(dim int64, ts ...*Tensor) *Tensor { return s.cat("Cat", dim, 0, ts) }

// Stack stacks ts along a new dim.
func (s *Scope) Stack(dim int64, ts ...*Tensor) *Tensor { return s.cat("Stack", dim, 1, ts) }

func (s *Scope) cat(op string, dim int64, stack C.int, ts []*Tensor) *Tensor {
	if !s.check(op, ts...) {
		return nil
	}
	if len(ts) == 0 {
		s.err = &Error{Op: op, Msg: "no tensors given"}
		return nil
	}
	hs := make([]C.mg_tensor, len(ts))
	for i, t := range ts {
		hs[i] = t.h
	}
	return s.adopt(op, C.mg_cat(&hs[0], C.int(len(hs)), C.int64_t(dim), stack, s.noGrad))
}

// Reshape returns a with a new shape (one dim may be -1).
func (s *Scope) Reshape(a *Tensor, shape ...int64) *Tensor {
	if !s.check("Reshape", a) {
		return nil
	}
	sp, n := int64s(shape)
	return s.adopt("Reshape", C.mg_reshape(a.h, sp, n, s.noGrad))
}

// Permute reorders a's dims.
func (s *Scope) Permute(a *Tensor, dims ...int64) *Tensor {
	if !s.check("Permute", a) {
		return nil
	}
	dp, n := int64s(dims)
	return s.adopt("Permute", C.mg_permute(a.h, dp, n, s.noGrad))
}

// Slice returns a[start:end:step] along dim (a view).
func (s *Scope) Slice(a *Tensor, dim, start, end, step int64) *Tensor {
	if !s.check("Slice", a) {
		return nil
	}
	return s.adopt("Slice", C.mg_slice(a.h, C.int64_t(dim), C.int64_t(start), C.int64_t(end), C.int64_t(step), s.noGrad))
}

// TopK returns the k largest values of a along dim and their int64 indices.
func (s *Scope) TopK(a *Tensor, k, dim int64) (values, indices *Tensor) {
	if !s.check("TopK", a) {
		return nil, nil
	}
	var v, i C.mg_tensor
	if msg := C.mg_topk(a.h, C.int64_t(k), C.int64_t(dim), s.noGrad, &v, &i); msg != nil {
		s.err = takeError("TopK", msg)
		return nil, nil
	}
	return s.own(v), s.own(i)
}

// ---- layers ----

// Linear returns x·wᵀ + b, with w shaped [out, in]; b may be nil.
func (s *Scope) Linear(x, w, b *Tensor) *Tensor {
	if !s.check("Linear", x, w) {
		return nil
	}
	var bh C.mg_tensor
	if b != nil {
		if !s.check("Linear", b) {
			return nil
		}
		bh = b.h
	}
	return s.adopt("Linear", C.mg_linear(x.h, w.h, bh, s.noGrad))
}

// Conv2d convolves x [N,C,H,W] with w [O,C,k,k] (square stride and
// padding); b may be nil.
func (s *Scope) Conv2d(x, w, b *Tensor, stride, padding int64) *Tensor {
	if !s.check("Conv2d", x, w) {
		return nil
	}
	var bh C.mg_tensor
	if b != nil {
		if !s.check("Conv2d", b) {
			return nil
		}
		bh = b.h
	}
	return s.adopt("Conv2d", C.mg_conv2d(x.h, w.h, bh, C.int64_t(stride), C.int64_t(padding), s.noGrad))
}

// MaxPool2d max-pools x [N,C,H,W] with a square kernel.
func (s *Scope) MaxPool2d(x *Tensor, kernel, stride, padding int64) *Tensor {
	if !s.check("MaxPool2d", x) {
		return nil
	}
	return s.adopt("MaxPool2d", C.mg_max_pool2d(x.h, C.int64_t(kernel), C.int64_t(stride), C.int64_t(padding), s.noGrad))
}

// Grad returns the gradient accumulated in t by Backward, or nil (with no
// error recorded) when t has none.
func (s *Scope) Grad(t *Tensor) *Tensor {
	if !s.check("Grad", t) {
		return nil
	}
	r := C.mg_grad(t.h)
	if r.err == nil && r.t == 0 {
		return nil
	}
	return s.adopt("Grad", r)
}
