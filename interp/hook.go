package interp

import (
	"fmt"
	"strings"

	"github.com/misgen/misgen/internal/torch"
)

// Hook is called by a policy's forward pass at each named layer with that
// layer's output. It returns act to leave the pass unchanged, or a tensor of
// the same shape to replace it (splicing an SAE, ablating a feature). It is
// an alias so that a policy package can declare its own hook type with the
// same signature and still accept interp's hooks without conversion.
type Hook = func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor

// ModelFunc runs a policy forward pass on a batch of observations
// [B, obs...] in scope s, calling hook (which may be nil) at each named
// layer, and returns action logits [B, A] and values [B] (value may be nil
// when a caller does not need it).
type ModelFunc func(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor)

// AtLayer returns a hook that applies f to the output of the named layer and
// passes every other layer through.
func AtLayer(layer string, f func(s *torch.Scope, act *torch.Tensor) *torch.Tensor) Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		if name != layer {
			return act
		}
		return f(s, act)
	}
}

// Chain returns a hook that applies hooks in order, each seeing the previous
// one's output; nil hooks are skipped.
func Chain(hooks ...Hook) Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		for _, h := range hooks {
			if h != nil {
				act = h(s, name, act)
			}
		}
		return act
	}
}

// Site is where an SAE or an intervention attaches to a policy: a named
// layer whose output [B, ...] is read as rows of vectors. A flat site reads
// one row per sample (all of the layer's values); a PerPosition site reads
// a conv layer's output [B, C, H, W] as B·H·W rows of C channel values, one
// per spatial position, the way procgen-tools analyses channels.
type Site struct {
	Layer       string
	PerPosition bool
}

// Flat is the flat site of layer.
func Flat(layer string) Site { return Site{Layer: layer} }

// String names the site: "fc", or "stage1/pos" per position.
func (st Site) String() string {
	if st.PerPosition {
		return st.Layer + "/pos"
	}
	return st.Layer
}

// FileName is the site's name in file names, with "/" written "_":
// "fc", or "stage1_pos" per position (SAEPath, the interp stage's figures
// and tables, the export's arrays).
func (st Site) FileName() string { return strings.ReplaceAll(st.String(), "/", "_") }

// SiteOf is the site the interp stage reads a captured layer at, given the
// layer's per-sample output shape: per position when it is [C, H, W] (a
// conv stage), flat otherwise.
func SiteOf(layer string, shape []int64) Site {
	return Site{Layer: layer, PerPosition: len(shape) == 3}
}

// Hook returns a hook that applies f to the site's rows [R, D] and puts
// f's result (same shape) back in the layer's shape.
func (st Site) Hook(f func(s *torch.Scope, rows *torch.Tensor) *torch.Tensor) Hook {
	return AtLayer(st.Layer, func(s *torch.Scope, act *torch.Tensor) *torch.Tensor {
		rows := st.rows(s, act)
		if rows == nil {
			return nil
		}
		return st.unrows(s, f(s, rows), act)
	})
}

// rows reads act as the site's rows: [B, D] for a flat site, [B·H·W, C]
// per position. A per-position site on a layer that is not [B, C, H, W]
// fails s.
func (st Site) rows(s *torch.Scope, act *torch.Tensor) *torch.Tensor {
	sh := act.Shape()
	if st.PerPosition {
		if len(sh) != 4 {
			s.Fail(fmt.Errorf("site %s: layer output %v is not [B, C, H, W]", st, sh))
			return nil
		}
		return s.Reshape(s.Permute(act, 0, 2, 3, 1), -1, sh[1])
	}
	if len(sh) == 2 {
		return act
	}
	return s.Reshape(act, sh[0], -1)
}

// unrows is the inverse of rows: rows back in act's shape.
func (st Site) unrows(s *torch.Scope, rows *torch.Tensor, act *torch.Tensor) *torch.Tensor {
	sh := act.Shape()
	if st.PerPosition {
		return s.Permute(s.Reshape(rows, sh[0], sh[2], sh[3], sh[1]), 0, 3, 1, 2)
	}
	return s.Reshape(rows, sh...)
}

// PositionRows converts captured flat rows of a conv layer (each row one
// sample's [C, H, W] values, channel-major) into per-position rows: row
// (n·H + h)·W + w holds the C channel values at (h, w) of sample n.
func PositionRows(m Matrix, shape []int64) (Matrix, error) {
	if len(shape) != 3 || int(shape[0]*shape[1]*shape[2]) != m.Cols {
		return Matrix{}, fmt.Errorf("position rows: per-row shape %v does not hold %d columns as [C, H, W]", shape, m.Cols)
	}
	c, hw := int(shape[0]), int(shape[1]*shape[2])
	out := NewMatrix(m.Rows*hw, c)
	for n := 0; n < m.Rows; n++ {
		row := m.Row(n)
		for p := 0; p < hw; p++ {
			dst := out.Row(n*hw + p)
			for ch := 0; ch < c; ch++ {
				dst[ch] = row[ch*hw+p]
			}
		}
	}
	return out, nil
}
