// Package torch is misgen's thin cgo binding over the libtorch C++ API.
//
// Lifetimes are explicit: every tensor is owned by the Scope that created it
// and freed by Scope.Close, or released early with Tensor.Free; Scope.Keep
// hands a tensor out of its scope to a caller that must Free it. Nothing
// relies on finalizers, so memory use stays bounded and the GC never stalls
// on native memory it cannot see.
//
// Errors are sticky per Scope: the first failing op (a shape mismatch, an
// index out of range) records libtorch's message, every later op on that
// scope returns nil, and Scope.Err reports the first failure. C++ exceptions
// never cross into Go, so a wrong shape is an error, not a crash.
//
// Autograd recording is controlled per Scope (NewNoGradScope) rather than
// through libtorch's thread-local grad mode, because goroutines move between
// OS threads between cgo calls.
package torch

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// DType is a tensor element type.
type DType int

// Element types supported by the binding.
const (
	Float32 DType = C.MG_F32
	Int64   DType = C.MG_I64
	Bool    DType = C.MG_BOOL
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return fmt.Sprintf("dtype(%d)", int(d))
}

// Device is CPU or a CUDA device.
type Device int

// CPU is the host device; CUDA(k) is the k-th GPU.
const CPU Device = -1

// CUDA returns the device for GPU k.
func CUDA(k int) Device { return Device(k) }

func (d Device) String() string {
	if d < 0 {
		return "cpu"
	}
	return fmt.Sprintf("cuda:%d", int(d))
}

// Error is a failure reported by libtorch (or by the binding's argument
// checks), naming the operation.
type Error struct {
	Op  string // binding operation, e.g. "Matmul"
	Msg string // libtorch's message
}

func (e *Error) Error() string { return "torch: " + e.Op + ": " + e.Msg }

// takeError converts a malloc'd C message to an *Error and frees it.
func takeError(op string, msg *C.char) error {
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return &Error{Op: op, Msg: C.GoString(msg)}
}

// Tensor is a handle to a libtorch tensor. A Tensor belongs to the Scope that
// created it until Keep hands it out; after Free (or its scope's Close) the
// handle is invalid and methods on it return errors.
type Tensor struct {
	h     C.mg_tensor
	scope *Scope
	idx   int // position in scope.owned while owned
}

// Free releases the tensor now. It is safe to call twice; a tensor still
// owned by a scope is removed from it.
func (t *Tensor) Free() {
	if t == nil || t.h == 0 {
		return
	}
	if s := t.scope; s != nil {
		s.owned[t.idx] = nil
		// Freeing the newest tensor (the common pattern in loops) shrinks
		// the scope, so a long loop of create+Free stays bounded.
		if t.idx == len(s.owned)-1 {
			s.owned = s.owned[:t.idx]
		}
		t.scope = nil
	}
	C.mg_free(t.h)
	t.h = 0
}

func (t *Tensor) live(op string) error {
	if t == nil || t.h == 0 {
		return &Error{Op: op, Msg: "tensor is nil or already freed"}
	}
	return nil
}

// Shape returns the tensor's dimensions (nil for a freed tensor).
func (t *Tensor) Shape() []int64 {
	if t.live("Shape") != nil {
		return nil
	}
	var dims [16]C.int64_t
	n := int(C.mg_shape(t.h, &dims[0], 16))
	shape := make([]int64, n)
	for i := range shape {
		shape[i] = int64(dims[i])
	}
	return shape
}

// Numel is the number of elements.
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape() {
		n *= d
	}
	return n
}

// DType returns the element type.
func (t *Tensor) DType() DType {
	if t.live("DType") != nil {
		return -1
	}
	return DType(C.mg_dtype(t.h))
}

// Device returns where the tensor lives.
func (t *Tensor) Device() Device {
	if t.live("Device") != nil {
		return CPU
	}
	return Device(C.mg_device(t.h))
}

// String describes the tensor's shape, dtype and device (not its values).
func (t *Tensor) String() string {
	if t == nil || t.h == 0 {
		return "Tensor(freed)"
	}
	return fmt.Sprintf("Tensor(%v, %v, %v)", t.Shape(), t.DType(), t.Device())
}

// CopyToFloat32 copies the tensor's values, converted to float32, into dst,
// whose length must equal Numel. It does not allocate on the Go side.
func (t *Tensor) CopyToFloat32(dst []float32) error {
	if err := t.live("CopyToFloat32"); err != nil {
		return err
	}
	var p unsafe.Pointer
	if len(dst) > 0 {
		p = unsafe.Pointer(&dst[0])
	}
	return takeError("CopyToFloat32", C.mg_copy_out(t.h, C.MG_F32, p, C.int64_t(len(dst))))
}

// CopyToInt64 copies the tensor's values, converted to int64, into dst.
func (t *Tensor) CopyToInt64(dst []int64) error {
	if err := t.live("CopyToInt64"); err != nil {
		return err
	}
	var p unsafe.Pointer
	if len(dst) > 0 {
		p = unsafe.Pointer(&dst[0])
	}
	return takeError("CopyToInt64", C.mg_copy_out(t.h, C.MG_I64, p, C.int64_t(len(dst))))
}

// Float32s returns the tensor's values as a new float32 slice (row-major).
func (t *Tensor) Float32s() ([]float32, error) {
	if err := t.live("Float32s"); err != nil {
		return nil, err
	}
	dst := make([]float32, t.Numel())
	return dst, t.CopyToFloat32(dst)
}

// Int64s returns the tensor's values as a new int64 slice (row-major).
func (t *Tensor) Int64s() ([]int64, error) {
	if err := t.live("Int64s"); err != nil {
		return nil, err
	}
	dst := make([]int64, t.Numel())
	return dst, t.CopyToInt64(dst)
}

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() (float64, error) {
	if err := t.live("Item"); err != nil {
		return 0, err
	}
	var v C.double
	err := takeError("Item", C.mg_item(t.h, &v))
	return float64(v), err
}

// SetRequiresGrad marks the tensor as a leaf whose gradient autograd tracks.
func (t *Tensor) SetRequiresGrad(on bool) error {
	if err := t.live("SetRequiresGrad"); err != nil {
		return err
	}
	return takeError("SetRequiresGrad", C.mg_set_requires_grad(t.h, cbool(on)))
}

// RequiresGrad reports whether autograd tracks this tensor.
func (t *Tensor) RequiresGrad() bool {
	return t.live("RequiresGrad") == nil && C.mg_requires_grad(t.h) != 0
}

// Backward computes gradients of this scalar tensor with respect to every
// leaf that requires grad, accumulating into their Grad.
func (t *Tensor) Backward() error {
	if err := t.live("Backward"); err != nil {
		return err
	}
	return takeError("Backward", C.mg_backward(t.h))
}

// ZeroGrad drops the accumulated gradient (the next Backward starts afresh).
func (t *Tensor) ZeroGrad() error {
	if err := t.live("ZeroGrad"); err != nil {
		return err
	}
	return takeError("ZeroGrad", C.mg_zero_grad(t.h))
}

// CopyFrom overwrites the tensor's values in place with src's (same shape or
// broadcastable), without autograd recording. Used to load parameters and to
// renormalise weights between optimizer steps.
func (t *Tensor) CopyFrom(src *Tensor) error {
	if err := t.live("CopyFrom"); err != nil {
		return err
	}
	if err := src.live("CopyFrom"); err != nil {
		return err
	}
	return takeError("CopyFrom", C.mg_copy_(t.h, src.h))
}

// Free releases every tensor given (nil entries are skipped).
func Free(ts ...*Tensor) {
	for _, t := range ts {
		t.Free()
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
