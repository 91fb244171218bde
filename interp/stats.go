package interp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/internal/stats"
)

// partialR is stats.PartialCorrelation with an undefined correlation
// (a constant latent, whose residual is constant) read as 0: no linear
// association can be measured, and the scores stay comparable when
// picking the strongest latent and building the null of the maximum.
func partialR(x, y, control []float64) float64 {
	r := stats.PartialCorrelation(x, y, control)
	if math.IsNaN(r) {
		return 0
	}
	return r
}

// ShiftNull is a permutation null for the strongest association between
// any column of acts and a concept. Rows are time-ordered steps, so
// neighbouring rows are not independent and shuffling rows would make the
// null too narrow; instead the concept (with its control) is rotated
// circularly by a random offset, which keeps both series' autocorrelation
// and breaks their alignment. Max[i] is the largest signed partial
// correlation over columns under the i-th rotation.
type ShiftNull struct {
	Max []float64
}

// NewShiftNull draws shifts rotations (offsets uniform in [n/10, 9n/10],
// away from the unrotated alignment) from seed and records the column
// maximum of partialR(col, rotated concept, rotated control).
func NewShiftNull(acts Matrix, concept, control []float64, shifts int, seed uint64) (ShiftNull, error) {
	n := acts.Rows
	if len(concept) != n || (control != nil && len(control) != n) {
		return ShiftNull{}, fmt.Errorf("shift null: %d concept values for %d rows", len(concept), n)
	}
	if n < 10 || shifts < 1 {
		return ShiftNull{}, fmt.Errorf("shift null: %d rows, %d shifts: want at least 10 rows and one shift", n, shifts)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5417))
	cols := columns(acts)
	out := ShiftNull{Max: make([]float64, shifts)}
	rc, rk := make([]float64, n), []float64(nil)
	if control != nil {
		rk = make([]float64, n)
	}
	for i := range out.Max {
		off := n/10 + rng.IntN(n-2*(n/10)+1)
		for r := range rc {
			rc[r] = concept[(r+off)%n]
			if rk != nil {
				rk[r] = control[(r+off)%n]
			}
		}
		best := math.Inf(-1)
		for _, c := range cols {
			best = max(best, partialR(c, rc, rk))
		}
		out.Max[i] = best
	}
	return out, nil
}

// P returns the one-sided permutation p-value of an observed maximum:
// (1 + #{null ≥ observed}) / (1 + shifts).
func (s ShiftNull) P(observed float64) float64 {
	k := 0
	for _, v := range s.Max {
		if v >= observed {
			k++
		}
	}
	return float64(1+k) / float64(1+len(s.Max))
}

// columns returns the columns of m as float64 slices.
func columns(m Matrix) [][]float64 {
	out := make([][]float64, m.Cols)
	for j := range out {
		out[j] = make([]float64, m.Rows)
	}
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			out[j][i] = float64(v)
		}
	}
	return out
}
