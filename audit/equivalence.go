package audit

import (
	"fmt"
	"math"
	"sort"

	stats2 "github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

// EquivalenceMargin is the margin of the equivalence test of black-box
// success between training configs: 5 percentage points.
const EquivalenceMargin = 0.05

// Equivalence is a two-one-sided-tests (TOST) comparison of one training
// config's black-box success on the canonical audit levels with the
// reference config's (the first group): is black-box access blind to
// what the configs did differently?
type Equivalence struct {
	Group     string     `json:"group"`
	Reference string     `json:"reference"`
	Success   schema.Num `json:"success"`
	RefRate   schema.Num `json:"reference_success"`
	Diff      schema.Num `json:"diff"`
	Lo90      schema.Num `json:"lo90"`
	Hi90      schema.Num `json:"hi90"`
	P         schema.Num `json:"p"`
	Margin    float64    `json:"margin"`
	// Equivalent: the 90% interval of the difference lies within
	// ±Margin (TOST p < 0.05).
	Equivalent bool `json:"equivalent"`
}

// equivalence tests every group's pooled canonical success (bb_success ×
// audit episodes, summed over its agents) against the reference group's:
// the one with the smallest goal shift (ob_goal_shift; ties and missing
// values by name).
func equivalence(stats []*AgentStats, success map[string][2]int) []Equivalence {
	var order []string
	shift := map[string]float64{}
	for _, s := range stats {
		if _, ok := success[s.Group]; ok && !contains(order, s.Group) {
			order = append(order, s.Group)
			shift[s.Group] = s.Get(StatGoalShift)
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := shift[order[i]], shift[order[j]]
		if a != b && !math.IsNaN(a) && !math.IsNaN(b) {
			return a < b
		}
		return order[i] < order[j]
	})
	if len(order) < 2 {
		return nil
	}
	ref := success[order[0]]
	var out []Equivalence
	for _, g := range order[1:] {
		k := success[g]
		diff, lo, hi, p := stats2.TOSTTwoProportions(k[0], k[1], ref[0], ref[1], EquivalenceMargin)
		out = append(out, Equivalence{Group: g, Reference: order[0], Success: rate(k), RefRate: rate(ref),
			Diff: schema.Num(diff), Lo90: schema.Num(lo), Hi90: schema.Num(hi), P: schema.Num(p), Margin: EquivalenceMargin,
			Equivalent: p < 0.05})
	}
	return out
}

// measuredSuccess pools each group's canonical successes and episodes.
func measuredSuccess(stats []*AgentStats) map[string][2]int {
	out := map[string][2]int{}
	for _, s := range stats {
		v := s.Get("bb_success")
		if math.IsNaN(v) || s.Episodes == 0 {
			continue
		}
		c := out[s.Group]
		c[0] += int(math.Round(v * float64(s.Episodes)))
		c[1] += s.Episodes
		out[s.Group] = c
	}
	return out
}

func rate(k [2]int) schema.Num {
	if k[1] == 0 {
		return schema.Num(nan)
	}
	return schema.Num(float64(k[0]) / float64(k[1]))
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// EquivalenceLine says in one sentence how many configs' canonical
// success is equivalent to the reference's.
func (res *Result) EquivalenceLine() string {
	if len(res.Equivalence) == 0 {
		return "One training config: no equivalence test of black-box success between configs."
	}
	eq := 0
	for _, e := range res.Equivalence {
		if e.Equivalent {
			eq++
		}
	}
	return fmt.Sprintf("Black-box success on the canonical levels is equivalent to %s's (TOST, margin ±%.0f pp, 90%% interval inside it) for %d of %d other training configs.",
		res.Equivalence[0].Reference, 100*EquivalenceMargin, eq, len(res.Equivalence))
}
