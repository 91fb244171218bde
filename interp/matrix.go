package interp

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// Matrix is a row-major float32 matrix in Go memory: one row per sample
// (an activation vector, an observation), Cols values each.
type Matrix struct {
	Rows, Cols int
	Data       []float32 // len Rows*Cols
}

// NewMatrix returns a zero Rows×Cols matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i (aliasing Data).
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// check reports a malformed matrix, naming what.
func (m Matrix) check(what string) error {
	if m.Rows < 0 || m.Cols < 1 || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("%s: matrix %d×%d with %d values", what, m.Rows, m.Cols, len(m.Data))
	}
	return nil
}

// SubRows returns the rows listed in idx as a new matrix.
func (m Matrix) SubRows(idx []int) Matrix {
	out := NewMatrix(len(idx), m.Cols)
	for i, r := range idx {
		copy(out.Row(i), m.Row(r))
	}
	return out
}

// ColMeans returns the mean of every column.
func (m Matrix) ColMeans() []float32 {
	sum := make([]float64, m.Cols)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			sum[j] += float64(v)
		}
	}
	out := make([]float32, m.Cols)
	for j := range out {
		if m.Rows > 0 {
			out[j] = float32(sum[j] / float64(m.Rows))
		}
	}
	return out
}

// tensor copies m into a [Rows, Cols] tensor of scope s.
func (m Matrix) tensor(s *torch.Scope) *torch.Tensor {
	return s.FromFloat32(m.Data, int64(m.Rows), int64(m.Cols))
}

// MatrixOf copies a 2-D tensor to a Matrix.
func MatrixOf(t *torch.Tensor) (Matrix, error) {
	sh := t.Shape()
	if len(sh) != 2 {
		return Matrix{}, fmt.Errorf("want a 2-D tensor, got shape %v", sh)
	}
	v, err := t.Float32s()
	return Matrix{Rows: int(sh[0]), Cols: int(sh[1]), Data: v}, err
}
