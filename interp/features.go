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

// Role tags a concept as about the true goal, the proxy goal, or neither.
type Role string

// Concept roles.
const (
	RoleGoal  Role = "goal"
	RoleProxy Role = "proxy"
	RoleOther Role = "other"
)

// Concept is one ground-truth variable with a value per sample.
type Concept struct {
	Name   string
	Role   Role
	Binary bool      // values are 0/1; scored by AUC as well as correlation
	Values []float64 // one per sample
}

// FeatureConcept is one latent's association with one concept.
type FeatureConcept struct {
	Latent  int     `json:"latent"`
	Concept string  `json:"concept"`
	Role    Role    `json:"role"`
	Pearson float64 `json:"pearson"`
	// AUC is the ROC AUC of the latent's activation for a binary concept
	// (NaN for continuous concepts, written as null in JSON).
	AUC float64 `json:"auc"`
	// Strength ranks associations across kinds: |Pearson| for continuous
	// concepts, 2·|AUC − ½| for binary ones (both in [0, 1]).
	Strength float64 `json:"strength"`
}

// MinAUCClass is the fewest samples of the rarer class for which Correlate
// scores a binary concept by AUC. With fewer (e.g. "the level end is to the
// right", false only in the last steps of a few episodes) a latent that
// happens to be silent on those samples would get AUC 0 or 1, so the
// concept is scored by Pearson correlation alone and AUC is NaN.
const MinAUCClass = 20

// Correlate scores every latent (column of codes) against every concept and
// returns the associations in latent-major order. Latents that never fire
// get Pearson 0 and AUC ½ (NaN for a binary concept with fewer than
// MinAUCClass samples of either class).
func Correlate(codes Matrix, concepts []Concept) ([]FeatureConcept, error) {
	for _, c := range concepts {
		if len(c.Values) != codes.Rows {
			return nil, fmt.Errorf("concept %q has %d values, codes have %d rows", c.Name, len(c.Values), codes.Rows)
		}
	}
	col := make([]float64, codes.Rows)
	labels := make([][]bool, len(concepts))
	for j, c := range concepts {
		if c.Binary {
			labels[j] = make([]bool, len(c.Values))
			pos := 0
			for i, v := range c.Values {
				labels[j][i] = v > 0.5
				if labels[j][i] {
					pos++
				}
			}
			if min(pos, len(c.Values)-pos) < MinAUCClass {
				labels[j] = nil // too few of one class: Pearson only
			}
		}
	}
	out := make([]FeatureConcept, 0, codes.Cols*len(concepts))
	for l := 0; l < codes.Cols; l++ {
		for i := range col {
			col[i] = float64(codes.Data[i*codes.Cols+l])
		}
		for j, c := range concepts {
			fc := FeatureConcept{Latent: l, Concept: c.Name, Role: c.Role, Pearson: Pearson(col, c.Values), AUC: math.NaN()}
			fc.Strength = math.Abs(fc.Pearson)
			if labels[j] != nil {
				fc.AUC = AUC(col, labels[j])
				if !math.IsNaN(fc.AUC) {
					fc.Strength = 2 * math.Abs(fc.AUC-0.5)
				}
			}
			out = append(out, fc)
		}
	}
	return out, nil
}

// TopAssociations returns the n strongest associations whose concept has
// the given role (all roles when role is ""), strongest first; ties keep
// latent order.
func TopAssociations(all []FeatureConcept, role Role, n int) []FeatureConcept {
	var sel []FeatureConcept
	for _, fc := range all {
		if role == "" || fc.Role == role {
			sel = append(sel, fc)
		}
	}
	sort.SliceStable(sel, func(a, b int) bool { return sel[a].Strength > sel[b].Strength })
	if len(sel) > n {
		sel = sel[:n]
	}
	return sel
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
