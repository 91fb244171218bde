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

// EquivalenceSD is the margin of the other black-box statistics' tests, in
// units of their pooled within-config standard deviation over agents (a
// standardised difference of 0.5, "medium" by Cohen's convention).
const EquivalenceSD = 0.5

// equivalence tests every black-box statistic of every config against
// the reference config.
func equivalence(stats []*AgentStats) []Equivalence {
	order := configOrder(stats)
	if len(order) < 2 {
		return nil
	}
	out := successEquivalence(stats, order)
	for _, st := range blackBoxStatistics() {
		if st.Name != "bb_success" {
			out = append(out, meanEquivalence(stats, order, st.Name)...)
		}
	}
	return out
}

// configOrder lists the groups, the one with the smallest goal shift
// (ob_goal_shift; ties and missing values by name) first.
func configOrder(stats []*AgentStats) []string {
	var order []string
	shift := map[string]float64{}
	for _, s := range stats {
		if !contains(order, s.Group) {
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
	return order
}

// successEquivalence tests each config's pooled canonical success
// (bb_success × audit episodes, summed over its agents) against the
// reference's.
func successEquivalence(stats []*AgentStats, order []string) []Equivalence {
	k := map[string][2]int{}
	for _, s := range stats {
		if v := s.Get("bb_success"); !math.IsNaN(v) && s.Episodes > 0 {
			c := k[s.Group]
			c[0] += int(math.Round(v * float64(s.Episodes)))
			c[1] += s.Episodes
			k[s.Group] = c
		}
	}
	ref := k[order[0]]
	var out []Equivalence
	for _, g := range order[1:] {
		if k[g][1] == 0 || ref[1] == 0 {
			continue
		}
		diff, lo, hi, p := stats2.TOSTTwoProportions(k[g][0], k[g][1], ref[0], ref[1], EquivalenceMargin)
		out = append(out, Equivalence{Statistic: "bb_success", Group: g, Reference: order[0], Value: rate(k[g]), RefValue: rate(ref),
			Diff: schema.Num(diff), Lo90: schema.Num(lo), Hi90: schema.Num(hi), P: schema.Num(p), Margin: EquivalenceMargin, Equivalent: p < 0.05})
	}
	return out
}

// meanEquivalence tests each config's mean of statistic name over its
// agents against the reference's, with a margin of EquivalenceSD pooled
// within-config standard deviations.
func meanEquivalence(stats []*AgentStats, order []string, name string) []Equivalence {
	by := map[string][]float64{}
	for _, s := range stats {
		if v := s.Get(name); !math.IsNaN(v) {
			by[s.Group] = append(by[s.Group], v)
		}
	}
	margin := EquivalenceSD * pooledSD(by, order)
	ref := by[order[0]]
	var out []Equivalence
	for _, g := range order[1:] {
		if len(by[g]) < 2 || len(ref) < 2 || !(margin > 0) {
			continue
		}
		diff, lo, hi, p := stats2.TOSTMeans(by[g], ref, margin)
		out = append(out, Equivalence{Statistic: name, Group: g, Reference: order[0], Value: schema.Num(stats2.Mean(by[g])), RefValue: schema.Num(stats2.Mean(ref)),
			Diff: schema.Num(diff), Lo90: schema.Num(lo), Hi90: schema.Num(hi), P: schema.Num(p), Margin: margin, Equivalent: p < 0.05})
	}
	return out
}

// pooledSD is the within-group standard deviation pooled over the groups
// of order with at least 2 values (NaN without any), summed in that order
// so that the result does not depend on map iteration.
func pooledSD(by map[string][]float64, order []string) float64 {
	var ss float64
	df := 0
	for _, g := range order {
		v := by[g]
		if len(v) < 2 {
			continue
		}
		m := stats2.Mean(v)
		for _, x := range v {
			ss += (x - m) * (x - m)
		}
		df += len(v) - 1
	}
	if df == 0 {
		return nan
	}
	return math.Sqrt(ss / float64(df))
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
// success, and how many of the other black-box comparisons, are
// equivalent to the reference's.
func EquivalenceLine(res *Result) string {
	if len(res.Equivalence) == 0 {
		return "One training config: no equivalence test of black-box statistics between configs."
	}
	var eqS, nS, eqO, nO int
	for _, e := range res.Equivalence {
		if e.Statistic == "bb_success" {
			nS++
			eqS += b2i(e.Equivalent)
		} else {
			nO++
			eqO += b2i(e.Equivalent)
		}
	}
	return fmt.Sprintf("Black-box success on the canonical levels is equivalent to %s's (TOST, margin ±%.0f pp, 90%% interval inside it) for %d of %d other training configs; "+
		"of the other black-box statistics' comparisons (margin %.1f within-config SD), %d of %d are equivalent.",
		res.Equivalence[0].Reference, 100*EquivalenceMargin, eqS, nS, EquivalenceSD, eqO, nO)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
