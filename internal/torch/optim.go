package torch

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// AdamOptions are torch.optim.Adam's hyperparameters.
type AdamOptions struct {
	LR          float64 // step size
	Beta1       float64 // first-moment decay (torch default 0.9)
	Beta2       float64 // second-moment decay (torch default 0.999)
	Eps         float64 // denominator guard (torch default 1e-8; CleanRL uses 1e-5)
	WeightDecay float64 // L2 penalty added to the gradient
}

// DefaultAdam returns torch's Adam defaults with the given step size.
func DefaultAdam(lr float64) AdamOptions {
	return AdamOptions{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Optimizer updates a fixed list of parameters from their gradients. It
// holds references to the parameters, which must stay live (not freed) for
// the optimizer's life. Free releases its native state.
type Optimizer struct {
	h      C.mg_optim
	params []C.mg_tensor
}

// NewAdam returns an Adam optimizer over params.
func NewAdam(params []*Tensor, o AdamOptions) (*Optimizer, error) {
	return newOptim("NewAdam", 0, params, o.LR, o.Beta1, o.Beta2, o.Eps, o.WeightDecay, 0)
}

// NewSGD returns a stochastic-gradient-descent optimizer with momentum.
func NewSGD(params []*Tensor, lr, momentum float64) (*Optimizer, error) {
	return newOptim("NewSGD", 1, params, lr, 0, 0, 0, 0, momentum)
}

func newOptim(op string, kind int, params []*Tensor, lr, b1, b2, eps, wd, mom float64) (*Optimizer, error) {
	if len(params) == 0 {
		return nil, &Error{Op: op, Msg: "no parameters"}
	}
	hs := make([]C.mg_tensor, len(params))
	for i, p := range params {
		if err := p.live(op); err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i, err)
		}
		hs[i] = p.h
	}
	o := &Optimizer{params: hs}
	msg := C.mg_optim_new(C.int(kind), &hs[0], C.int(len(hs)), C.double(lr), C.double(b1), C.double(b2),
		C.double(eps), C.double(wd), C.double(mom), &o.h)
	if err := takeError(op, msg); err != nil {
		return nil, err
	}
	return o, nil
}

// Step applies one update from the current gradients.
func (o *Optimizer) Step() error { return takeError("Optimizer.Step", C.mg_optim_step(o.h)) }

// ZeroGrad drops every parameter's gradient.
func (o *Optimizer) ZeroGrad() error {
	return takeError("Optimizer.ZeroGrad", C.mg_optim_zero_grad(o.h))
}

// SetLR changes the step size (for learning-rate annealing).
func (o *Optimizer) SetLR(lr float64) error {
	return takeError("Optimizer.SetLR", C.mg_optim_set_lr(o.h, C.double(lr)))
}

// ClipGradNorm rescales the parameters' gradients so that their global L2
// norm is at most maxNorm, and returns the norm before clipping.
func (o *Optimizer) ClipGradNorm(maxNorm float64) (float64, error) {
	var total C.double
	err := takeError("ClipGradNorm", C.mg_clip_grad_norm(&o.params[0], C.int(len(o.params)), C.double(maxNorm), &total))
	return float64(total), err
}

// State serialises the optimizer's internal state (moments, step counts) in
// libtorch's archive format, for checkpoints.
func (o *Optimizer) State() ([]byte, error) {
	var buf *C.char
	var n C.int64_t
	if err := takeError("Optimizer.State", C.mg_optim_save(o.h, &buf, &n)); err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(buf))
	return C.GoBytes(unsafe.Pointer(buf), C.int(n)), nil
}

// LoadState restores state written by State into an optimizer built over
// parameters of the same shapes. Corrupt bytes give an error.
func (o *Optimizer) LoadState(b []byte) error {
	if len(b) == 0 {
		return &Error{Op: "Optimizer.LoadState", Msg: "empty state"}
	}
	cb := C.CBytes(b)
	defer C.free(cb)
	return takeError("Optimizer.LoadState", C.mg_optim_load(o.h, (*C.char)(cb), C.int64_t(len(b))))
}

// Free releases the optimizer's native state (not the parameters).
func (o *Optimizer) Free() {
	if o != nil && o.h != nil {
		C.mg_optim_free(o.h)
		o.h = nil
	}
}
