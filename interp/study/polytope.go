package study

import (
	"fmt"

	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// maxNearest caps the query rows of the nearest-pattern comparison.
const maxNearest = 2000

// analysePolytope codes every step by the on/off pattern of all of the
// policy's ReLU layers and compares the OOD steps' codes with the
// in-distribution training episodes' codes, next to the same comparison
// for held-out in-distribution episodes: how far outside the visited
// polytopes the OOD behaviour runs, against how far new ID episodes do.
func analysePolytope(id, ood *capture, reluLayers []string) (*schema.Polytope, error) {
	if len(reluLayers) == 0 {
		return nil, fmt.Errorf("the policy has no ReLU layers: polytope codes need ReLUs")
	}
	patterns := func(c *capture) (interp.Patterns, error) {
		var ms []interp.Matrix
		for _, l := range reluLayers {
			m, ok := c.acts[l]
			if !ok {
				return interp.Patterns{}, fmt.Errorf("ReLU layer %q was not captured", l)
			}
			ms = append(ms, m)
		}
		return interp.NewPatterns(ms...)
	}
	idp, err := patterns(id)
	if err != nil {
		return nil, err
	}
	oodp, err := patterns(ood)
	if err != nil {
		return nil, err
	}
	var ref, held []int
	for i, s := range id.truth.Steps {
		if HeldOut(s.Episode) {
			held = append(held, i)
		} else {
			ref = append(ref, i)
		}
	}
	refp := idp.Subset(ref)
	near := func(p interp.Patterns, rows []int) (schema.NearestSummary, error) {
		d, err := refp.Nearest(p.Subset(rows[:min(len(rows), maxNearest)]))
		return interp.Summarise(d), err
	}
	res := &schema.Polytope{Layers: reluLayers, Bits: idp.Bits}
	if res.HeldID, err = near(idp, held); err != nil {
		return nil, err
	}
	if res.OOD, err = near(oodp, firstRows(oodp.Rows, oodp.Rows)); err != nil {
		return nil, err
	}
	res.DistinctID, res.ChangeRateID, err = codeStats(idp, id.truth)
	if err != nil {
		return nil, err
	}
	res.DistinctOOD, res.ChangeRateOOD, err = codeStats(oodp, ood.truth)
	return res, err
}

// codeStats counts distinct codes and how often consecutive steps of an
// episode change code.
func codeStats(p interp.Patterns, truth *interp.GroundTruth) (int, float64, error) {
	st, err := interp.Polytopes(p.Codes(), truth.Episodes())
	return st.Distinct, st.ChangeRate, err
}
