package agents

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/internal/torch"
)

// paramBuilder creates a policy's parameters in one owner scope, with
// values drawn from a Go PCG generator seeded by the policy seed. Drawing in
// Go rather than with libtorch's global generator keeps initialisation
// deterministic per policy (no shared global state) and identical across
// libtorch builds.
type paramBuilder struct {
	s      *torch.Scope
	rng    *rand.Rand
	params []torch.Named
	// dry only records each parameter's name and shape in shapes: no
	// tensor is created, no value drawn (paramShapes).
	dry    bool
	shapes []paramShape
}

// paramShape is a parameter's name and shape.
type paramShape struct {
	name  string
	shape []int64
}

// paramShapes lists the parameters NewPolicy(cfg, io, ·) creates, in order,
// without creating them or drawing values: cheap for any size, so a
// checkpoint's parameters can be checked against its config before a
// network of that size is built. cfg and io must be valid.
func paramShapes(cfg PolicyConfig, io PolicyIO) []paramShape {
	b := &paramBuilder{dry: true}
	buildArch(b, cfg, io)
	return b.shapes
}

func newParamBuilder(seed uint64) *paramBuilder {
	return &paramBuilder{s: torch.NewScope(), rng: rand.New(rand.NewPCG(seed, 0x6d697367656e)) /* "misgen" */}
}

func (b *paramBuilder) err() error { return b.s.Err() }
func (b *paramBuilder) free()      { b.s.Close() }

// base returns the shared part of a policy whose parameters b built.
// base is the shared part of a policy with hook points layers, of which
// relu are ReLU outputs.
func (b *paramBuilder) base(cfg PolicyConfig, io PolicyIO, layers, relu []string) basePolicy {
	return basePolicy{cfg: cfg, io: io, params: b.params, owner: b.s, layers: layers, relu: relu}
}

// add creates the parameter name with the values gen returns (called
// here, so values are drawn in parameter order), or in a dry run records
// its shape.
func (b *paramBuilder) add(name string, gen func() []float32, shape ...int64) *torch.Tensor {
	if b.dry {
		b.shapes = append(b.shapes, paramShape{name: name, shape: shape})
		return nil
	}
	t := b.s.FromFloat32(gen(), shape...)
	if t == nil {
		return nil
	}
	if err := t.SetRequiresGrad(true); err != nil {
		b.s.Fail(fmt.Errorf("parameter %q: %w", name, err))
		return nil
	}
	b.params = append(b.params, torch.Named{Name: name, Tensor: t})
	return t
}

func (b *paramBuilder) zeros(name string, n int) *torch.Tensor {
	return b.add(name, func() []float32 { return make([]float32, n) }, int64(n))
}

// uniformFanIn adds a tensor drawn from U(-1/√fanIn, 1/√fanIn), the bound of
// PyTorch's default conv/linear weight init (kaiming-uniform with a = √5),
// which CleanRL's IMPALA convolutions keep.
func (b *paramBuilder) uniformFanIn(name string, fanIn int, shape ...int64) *torch.Tensor {
	return b.add(name, func() []float32 {
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		bound := 1 / math.Sqrt(float64(fanIn))
		data := make([]float32, n)
		for i := range data {
			data[i] = float32((2*b.rng.Float64() - 1) * bound)
		}
		return data
	}, shape...)
}

// orthogonal adds a [rows, cols] weight initialised like
// torch.nn.init.orthogonal_ (CleanRL's layer_init): a Gaussian matrix made
// orthogonal (orthonormal rows or columns, whichever are fewer), scaled by
// gain.
func (b *paramBuilder) orthogonal(name string, gain float64, rows, cols int) *torch.Tensor {
	return b.add(name, func() []float32 { return orthogonalData(b.rng, gain, rows, cols) }, int64(rows), int64(cols))
}

// orthogonalData returns a rows×cols row-major matrix with orthonormal
// columns (rows >= cols) or rows (rows < cols), times gain. It orthogonalises
// the long side's vectors by modified Gram-Schmidt, which equals QR with a
// positive R diagonal, without forming a full square Q.
func orthogonalData(rng *rand.Rand, gain float64, rows, cols int) []float32 {
	// Work on the transpose when rows < cols so vectors are the short side.
	m, n := rows, cols // m-long vectors, n of them
	if rows < cols {
		m, n = cols, rows
	}
	vecs := make([][]float64, n)
	for j := range vecs {
		v := make([]float64, m)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for k := 0; k < j; k++ {
			dot := 0.0
			for i := range v {
				dot += v[i] * vecs[k][i]
			}
			for i := range v {
				v[i] -= dot * vecs[k][i]
			}
		}
		norm := 0.0
		for _, x := range v {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= norm
		}
		vecs[j] = v
	}
	out := make([]float32, rows*cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			var x float64
			if rows >= cols {
				x = vecs[c][r]
			} else {
				x = vecs[r][c]
			}
			out[r*cols+c] = float32(gain * x)
		}
	}
	return out
}
