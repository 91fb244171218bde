package torch

// #include "shim.h"
import "C"

import (
	"sync/atomic"
	"unsafe"
)

// Scope owns the tensors created through it and frees them all on Close.
// It also carries a sticky error: after the first failing op every op returns
// nil and Err reports that first failure, so a sequence of ops needs one
// error check at the end.
//
// A Scope is not safe for concurrent use.
type Scope struct {
	owned  []*Tensor     // tensors owned; nil where freed or kept
	slab   []Tensor      // Tensor structs not yet handed out (never reused)
	closed []C.mg_tensor // scratch for Close
	err    error
	noGrad C.int
	device Device
}

// slabSize is how many Tensor structs a scope allocates at once: one Go
// allocation per slabSize ops instead of one per op. A slot is never handed
// out twice, so a stale *Tensor stays freed rather than aliasing a new one.
const slabSize = 32

// NewScope returns a scope whose ops are recorded by autograd and whose
// creation functions allocate on DefaultDevice() (the CPU unless set).
func NewScope() *Scope { return &Scope{device: DefaultDevice()} }

// NewNoGradScope returns a scope whose ops are not recorded by autograd
// (inference, rollouts, metrics): cheaper, and results have no grad history.
// Its creation functions allocate on DefaultDevice().
func NewNoGradScope() *Scope { return &Scope{device: DefaultDevice(), noGrad: 1} }

// defaultDevice is the device new scopes allocate on, for the process.
var defaultDevice atomic.Int64

func init() { defaultDevice.Store(int64(CPU)) }

// SetDefaultDevice sets the device that scopes created from now on
// allocate on (Scope.On still overrides it per scope) and returns the
// previous one. It is process-wide: a program whose tensors should all
// live on a GPU (training, evaluation, the interp stage) sets it once
// before building them, so code that creates its scopes with NewScope
// needs no device argument. It does not check that d exists: creating a
// tensor on a missing device is an error of that op.
func SetDefaultDevice(d Device) Device { return Device(defaultDevice.Swap(int64(d))) }

// DefaultDevice is the device new scopes allocate on.
func DefaultDevice() Device { return Device(defaultDevice.Load()) }

// On sets the device that creation functions (FromFloat32, Zeros, Randn...)
// allocate on, and returns s.
func (s *Scope) On(d Device) *Scope {
	s.device = d
	return s
}

// Err returns the first error of any op in this scope, or nil.
func (s *Scope) Err() error { return s.err }

// Fail records err as the scope's error unless one is already recorded; ops
// built on the scope outside this package use it to report argument errors.
func (s *Scope) Fail(err error) {
	if s.err == nil && err != nil {
		s.err = err
	}
}

// Len is the number of tensors the scope currently owns.
func (s *Scope) Len() int {
	n := 0
	for _, t := range s.owned {
		if t != nil {
			n++
		}
	}
	return n
}

// Keep removes t from the scope so that it survives Close; the caller now
// owns it and must Free it. It returns t for chaining. Keep(nil) returns nil.
func (s *Scope) Keep(t *Tensor) *Tensor {
	if t == nil || t.scope != s {
		return t
	}
	s.owned[t.idx] = nil
	t.scope = nil
	return t
}

// Close frees every tensor the scope still owns. The scope may be reused
// afterwards; its error is cleared.
func (s *Scope) Close() {
	hs := s.closed[:0]
	for i, t := range s.owned {
		if t != nil {
			hs = append(hs, t.h)
			t.h = 0
			t.scope = nil
			s.owned[i] = nil
		}
	}
	if len(hs) > 0 {
		C.mg_free_many(&hs[0], C.int(len(hs)))
	}
	s.closed = hs[:0]
	s.owned = s.owned[:0]
	s.err = nil
}

// check reports whether op may run: no earlier error and every argument live.
func (s *Scope) check(op string, ts ...*Tensor) bool {
	if s.err != nil {
		return false
	}
	for _, t := range ts {
		if t == nil || t.h == 0 {
			s.err = &Error{Op: op, Msg: "nil or freed tensor argument"}
			return false
		}
	}
	return true
}

// adopt records a C result: on error the scope's error, else a new owned
// tensor.
func (s *Scope) adopt(op string, r C.mg_result) *Tensor {
	if r.err != nil {
		s.err = takeError(op, r.err)
		return nil
	}
	return s.own(r.t)
}

// own makes the scope the owner of the native handle h.
func (s *Scope) own(h C.mg_tensor) *Tensor {
	if len(s.slab) == 0 {
		s.slab = make([]Tensor, slabSize)
	}
	t := &s.slab[0]
	s.slab = s.slab[1:]
	t.h, t.scope, t.idx = h, s, len(s.owned)
	s.owned = append(s.owned, t)
	return t
}

// int64s passes a Go []int64 to C without copying (it holds no Go pointers,
// so cgo's pointer rules allow it).
func int64s(xs []int64) (*C.int64_t, C.int) {
	if len(xs) == 0 {
		return nil, 0
	}
	return (*C.int64_t)(unsafe.Pointer(&xs[0])), C.int(len(xs))
}
