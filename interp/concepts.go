package interp

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// Role tags a concept as about the true goal or the proxy goal.
type Role string

// Concept roles.
const (
	RoleGoal  Role = "goal"
	RoleProxy Role = "proxy"
)

// Concept is a ground-truth variable with one value per row, oriented so
// that a feature for it fires more when the value is larger (goal_near, not
// goal_dist). Control is the other role's matching variable (proxy_near for
// goal_near): a latent is credited only with what it tracks beyond the
// control, so a latent that follows the level end is not called a coin
// feature where the two move together.
type Concept struct {
	Name        string
	Role        Role
	Binary      bool // values are 0/1: the AUC is reported too
	Values      []float64
	ControlName string
	Control     []float64 // nil: no control
}

// ConceptScore is every latent's association with one concept.
type ConceptScore struct {
	Concept Concept
	R       []float64 // signed partial correlation per latent
	AUC     []float64 // per latent for a binary concept (NaN otherwise)
	// Best is the latent with the largest R and P the permutation p-value
	// of that maximum (ShiftNull): how often a rotated concept gives some
	// latent an R at least as large.
	Best int
	P    float64
}

// ScoreConcept scores every column of codes against c. shifts rotations
// of the concept (with its control) form the null of the maximum R.
func ScoreConcept(codes Matrix, c Concept, shifts int, seed uint64) (ConceptScore, error) {
	if len(c.Values) != codes.Rows || (c.Control != nil && len(c.Control) != codes.Rows) {
		return ConceptScore{}, fmt.Errorf("concept %q: %d values for %d rows", c.Name, len(c.Values), codes.Rows)
	}
	cols := columns(codes)
	sc := ConceptScore{Concept: c, R: make([]float64, len(cols)), AUC: make([]float64, len(cols))}
	var labels []bool
	if c.Binary {
		labels = make([]bool, len(c.Values))
		for i, v := range c.Values {
			labels[i] = v > 0.5
		}
	}
	for j, col := range cols {
		sc.R[j] = partialR(col, c.Values, c.Control)
		sc.AUC[j] = math.NaN()
		if labels != nil {
			sc.AUC[j] = stats.AUC(col, labels)
		}
		if sc.R[j] > sc.R[sc.Best] {
			sc.Best = j
		}
	}
	null, err := NewShiftNull(codes, c.Values, c.Control, shifts, seed)
	if err != nil {
		return ConceptScore{}, fmt.Errorf("concept %q: %w", c.Name, err)
	}
	sc.P = null.P(sc.R[sc.Best])
	return sc, nil
}

// SelectFeatures names the goal and proxy features among the scored
// latents. A latent's role is that of its single strongest positive
// association over every concept; it is listed when it is specific to that
// role (its strongest association with the other role is at most half as
// large), that concept's maximum beat the null (P ≤ alpha), and its own R
// is at least half that maximum. Each role keeps its n strongest latents,
// so no latent is listed under both roles, and a latent that tracks goal
// and proxy alike is listed under neither. Lists may be empty: then no
// latent is specific to that role.
func SelectFeatures(scores []ConceptScore, alpha float64, n int) (goal, proxy []schema.Feature) {
	if len(scores) == 0 {
		return nil, nil
	}
	latents := len(scores[0].R)
	for j := 0; j < latents; j++ {
		best := -1
		for i, sc := range scores {
			if best < 0 || sc.R[j] > scores[best].R[j] {
				best = i
			}
		}
		sc := scores[best]
		other := 0.0
		for _, o := range scores {
			if o.Concept.Role != sc.Concept.Role {
				other = math.Max(other, o.R[j])
			}
		}
		if !(sc.R[j] > 0) || other > 0.5*sc.R[j] || sc.P > alpha || sc.R[j] < 0.5*sc.R[sc.Best] {
			continue
		}
		f := schema.Feature{Latent: j, Concept: sc.Concept.Name, Role: string(sc.Concept.Role), R: sc.R[j],
			Control: sc.Concept.ControlName, P: sc.P}
		if !math.IsNaN(sc.AUC[j]) {
			auc := sc.AUC[j]
			f.AUC = &auc
		}
		if sc.Concept.Role == RoleGoal {
			goal = append(goal, f)
		} else {
			proxy = append(proxy, f)
		}
	}
	top := func(fs []schema.Feature) []schema.Feature {
		sort.SliceStable(fs, func(a, b int) bool { return fs[a].R > fs[b].R })
		if len(fs) > n {
			fs = fs[:n]
		}
		return fs
	}
	return top(goal), top(proxy)
}
