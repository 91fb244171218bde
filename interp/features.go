package interp

import (
	"fmt"
	"sort"

	"github.com/misgen/misgen/internal/torch"
)

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
