package interp

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// Capture collects the outputs of named layers during forward passes: its
// Hook copies each watched layer's output [B, ...] to Go memory, one row
// per batch element, and passes the output on unchanged. Pair it with a
// GroundTruth filled in the same row order to build Stores.
type Capture struct {
	layers []string
	bufs   map[string]*captureBuf
	err    error
}

type captureBuf struct {
	shape []int64 // per-row shape
	data  []float32
	rows  int
}

// NewCapture watches the named layers.
func NewCapture(layers ...string) *Capture {
	c := &Capture{layers: layers, bufs: map[string]*captureBuf{}}
	for _, l := range layers {
		c.bufs[l] = &captureBuf{}
	}
	return c
}

// Hook returns the capturing hook. A copy failure or a layer whose per-row
// shape changes between calls is recorded in Err and stops capturing.
func (c *Capture) Hook() Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		b, ok := c.bufs[name]
		if !ok || c.err != nil || act == nil {
			return act
		}
		sh := act.Shape()
		if len(sh) < 2 {
			c.err = fmt.Errorf("capture %q: output shape %v has no per-row dims", name, sh)
			return act
		}
		if b.shape == nil {
			b.shape = append([]int64(nil), sh[1:]...)
		} else if fmt.Sprint(b.shape) != fmt.Sprint(sh[1:]) {
			c.err = fmt.Errorf("capture %q: row shape changed from %v to %v", name, b.shape, sh[1:])
			return act
		}
		n := int(act.Numel())
		old := len(b.data)
		b.data = append(b.data, make([]float32, n)...)
		if err := act.CopyToFloat32(b.data[old:]); err != nil {
			c.err = fmt.Errorf("capture %q: %w", name, err)
			b.data = b.data[:old]
			return act
		}
		b.rows += int(sh[0])
		return act
	}
}

// Err returns the first capture failure.
func (c *Capture) Err() error { return c.err }

// Rows returns the number of rows captured at layer.
func (c *Capture) Rows(layer string) int {
	if b, ok := c.bufs[layer]; ok {
		return b.rows
	}
	return 0
}

// Acts returns the rows captured at layer as a matrix (aliasing the
// capture's memory).
func (c *Capture) Acts(layer string) Matrix {
	b, ok := c.bufs[layer]
	if !ok || b.rows == 0 {
		return Matrix{}
	}
	return Matrix{Rows: b.rows, Cols: len(b.data) / b.rows, Data: b.data}
}

// Stores pairs every watched layer's rows with truth, whose steps must
// match the captured rows one to one.
func (c *Capture) Stores(truth *GroundTruth) ([]*Store, error) {
	if c.err != nil {
		return nil, c.err
	}
	var out []*Store
	for _, l := range c.layers {
		b := c.bufs[l]
		if b.rows == 0 {
			return nil, fmt.Errorf("capture: layer %q never ran (is the name right?)", l)
		}
		st := &Store{Layer: l, Shape: b.shape, Acts: c.Acts(l), Truth: truth}
		if err := st.check(); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
