package stats

import (
	"math"
	"sort"
)

// ClusterBootstrap returns stat over all n units (indices 0..n−1) with a
// percentile 95 % interval from a cluster bootstrap: each of resamples
// draws picks as many clusters as there are, with replacement, from a PCG
// generator seeded by seed, and passes stat every unit of every drawn
// cluster (a cluster drawn twice contributes its units twice; resamples
// differ in size when clusters do). Lo and Hi are the 2.5 % and 97.5 %
// Quantiles of the finite resampled values; NaN or infinite resamples
// (e.g. a constant resample) are dropped, and when fewer than half of
// the resamples are usable, or there are fewer than 2 clusters, or
// resamples < 1, Lo and Hi are NaN. With clusters nil (or every unit its
// own cluster) it is the ordinary bootstrap of units.
//
// stat must not keep idx: its backing array is reused. ClusterBootstrap
// panics if clusters is neither nil nor of length n.
func ClusterBootstrap(n int, clusters []int, resamples int, seed uint64, stat func(idx []int) float64) Interval {
	out, _ := clusterBootstrap(n, clusters, resamples, seed, stat)
	return out
}

// clusterBootstrap is ClusterBootstrap that also returns the sorted finite
// resampled values (nil when the interval is undefined).
func clusterBootstrap(n int, clusters []int, resamples int, seed uint64, stat func(idx []int) float64) (Interval, []float64) {
	mustClusters("ClusterBootstrap", n, clusters)
	out := Interval{Value: stat(seq(n)), Lo: nan, Hi: nan}
	groups := groupsOf(n, clusters)
	if len(groups) < 2 || resamples < 1 {
		return out, nil
	}
	rng := newRNG(seed, streamBootstrap)
	vals := make([]float64, 0, resamples)
	idx := make([]int, 0, 2*n)
	for range resamples {
		idx = idx[:0]
		for range groups {
			idx = append(idx, groups[rng.IntN(len(groups))]...)
		}
		if v := stat(idx); finite(v) {
			vals = append(vals, v)
		}
	}
	if 2*len(vals) < resamples {
		return out, nil
	}
	sort.Float64s(vals)
	out.Lo, out.Hi = Quantile(vals, 0.025), Quantile(vals, 0.975)
	return out, vals
}

// SpearmanClusterTest is SpearmanClusterCI with the bootstrap's two-sided
// p-value of ρ = 0: twice the share of usable resamples on the far side of
// 0 (ρ* ≤ 0 or ρ* ≥ 0, whichever is smaller), capped at 1 and at least
// 1/usable resamples, so it never claims more than the resampling can
// show. p is NaN when the interval is undefined. It panics if the lengths
// differ.
func SpearmanClusterTest(x, y []float64, clusters []int, resamples int, seed uint64) (Interval, float64) {
	mustSameLen("SpearmanClusterTest", len(x), len(y))
	var bx, by []float64
	ci, vals := clusterBootstrap(len(x), clusters, resamples, seed, func(idx []int) float64 {
		bx, by = pickInto(bx, x, idx), pickInto(by, y, idx)
		return Spearman(bx, by)
	})
	if len(vals) == 0 {
		return ci, nan
	}
	below, above := 0, 0
	for _, v := range vals {
		if v <= 0 {
			below++
		}
		if v >= 0 {
			above++
		}
	}
	n := float64(len(vals))
	return ci, math.Max(1/n, math.Min(1, 2*float64(min(below, above))/n))
}

// SpearmanClusterCI is Spearman's ρ of x and y with a ClusterBootstrap
// 95 % interval (clusters nil: units resampled singly). It panics if the
// lengths differ.
func SpearmanClusterCI(x, y []float64, clusters []int, resamples int, seed uint64) Interval {
	mustSameLen("SpearmanClusterCI", len(x), len(y))
	var bx, by []float64
	return ClusterBootstrap(len(x), clusters, resamples, seed, func(idx []int) float64 {
		bx, by = pickInto(bx, x, idx), pickInto(by, y, idx)
		return Spearman(bx, by)
	})
}

// PairedAbsRhoDiff compares two predictors of the same target: Value is
// |ρ(x1, y)| − |ρ(x2, y)| (Spearman) on all units, and [Lo, Hi] its
// ClusterBootstrap 95 % interval with both ρ computed on the same
// resample (paired), so the interval reflects the difference's own
// variability rather than that of two independent intervals. An interval
// excluding 0 says x1 tracks y more (Lo > 0) or less (Hi < 0) strongly
// than x2. It panics if the lengths differ.
func PairedAbsRhoDiff(x1, x2, y []float64, clusters []int, resamples int, seed uint64) Interval {
	mustSameLen("PairedAbsRhoDiff", len(y), len(x1), len(x2))
	var b1, b2, by []float64
	return ClusterBootstrap(len(y), clusters, resamples, seed, func(idx []int) float64 {
		b1, b2, by = pickInto(b1, x1, idx), pickInto(b2, x2, idx), pickInto(by, y, idx)
		return math.Abs(Spearman(b1, by)) - math.Abs(Spearman(b2, by))
	})
}

// BootstrapMean returns the mean of x with a percentile 95 % interval
// from the ordinary bootstrap of units: resamples draws of len(x) units
// with replacement, from the PCG generator and stream of ClusterBootstrap
// (so it is ClusterBootstrap with clusters nil and stat the mean), except
// that Lo and Hi are the 2.5 % and 97.5 % QuantileBlend of the resampled
// means. The rules of ClusterBootstrap apply: Value is NaN for an empty
// x or one holding NaN; resamples whose mean is not finite are dropped;
// Lo and Hi are NaN when len(x) < 2, resamples < 1 or fewer than half of
// the resamples are usable. Drop missing units first (Complete).
func BootstrapMean(x []float64, resamples int, seed uint64) Interval {
	out, vals := clusterBootstrap(len(x), nil, resamples, seed, func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += x[i]
		}
		return s / float64(len(idx))
	})
	if vals != nil {
		out.Lo, out.Hi = QuantileBlend(vals, 0.025), QuantileBlend(vals, 0.975)
	}
	return out
}
