package interp

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/internal/torch"
)

// Pearson returns the Pearson correlation of x and y, or 0 when either is
// constant (no linear relation can be measured). It panics if the lengths
// differ (programmer error).
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("interp: Pearson of slices with different lengths")
	}
	n := float64(len(x))
	if n == 0 {
		return 0
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// AUC returns the area under the ROC curve of scores for binary labels: the
// probability that a random positive scores above a random negative, ties
// counting one half (the Mann–Whitney U statistic over n₊n₋). It returns NaN
// when either class is empty.
func AUC(scores []float64, labels []bool) float64 {
	if len(scores) != len(labels) {
		panic("interp: AUC of slices with different lengths")
	}
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	// Sum of the positives' mid-ranks (1-based), ties sharing their mean rank.
	var rankSum float64
	var pos, neg int
	for lo := 0; lo < len(idx); {
		hi := lo
		for hi < len(idx) && scores[idx[hi]] == scores[idx[lo]] {
			hi++
		}
		mid := float64(lo+hi+1) / 2
		for _, i := range idx[lo:hi] {
			if labels[i] {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
		lo = hi
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg))
}

// TopActivating returns the row indices of the n largest values of column
// latent of codes, largest first, skipping rows where it is zero.
func TopActivating(codes Matrix, latent, n int) []int {
	var idx []int
	for i := 0; i < codes.Rows; i++ {
		if codes.Data[i*codes.Cols+latent] > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return codes.Data[idx[a]*codes.Cols+latent] > codes.Data[idx[b]*codes.Cols+latent]
	})
	if len(idx) > n {
		idx = idx[:n]
	}
	return idx
}

// Codes returns the SAE's latent codes for the rows of data.
func Codes(m *SAE, data Matrix) (Matrix, error) {
	if data.Cols != m.Config.DIn {
		return Matrix{}, fmt.Errorf("codes: data has %d columns, sae d_in is %d", data.Cols, m.Config.DIn)
	}
	out := NewMatrix(data.Rows, m.Config.Latents)
	for lo := 0; lo < data.Rows; lo += evalChunk {
		hi := min(data.Rows, lo+evalChunk)
		s := torch.NewNoGradScope()
		z := m.Encode(s, s.FromFloat32(data.Data[lo*data.Cols:hi*data.Cols], int64(hi-lo), int64(data.Cols)))
		if err := s.Err(); err != nil {
			s.Close()
			return Matrix{}, err
		}
		err := z.CopyToFloat32(out.Data[lo*out.Cols : hi*out.Cols])
		s.Close()
		if err != nil {
			return Matrix{}, err
		}
	}
	return out, nil
}
