package stats

import (
	"cmp"
	"slices"
)

// AUC returns the area under the ROC curve of scores for binary labels:
// the probability that a random positive scores above a random negative,
// ties counting one half, i.e. the Mann–Whitney U statistic of the
// positives divided by n₊·n₋, computed from mid-ranks. ½ means the scores
// do not separate the classes, 1 (0) that every positive scores above
// (below) every negative. It is NaN when either class is empty or when
// any score is NaN. It panics if the lengths differ.
func AUC(scores []float64, labels []bool) float64 {
	mustSameLen("AUC", len(scores), len(labels))
	if anyNaN(scores) {
		return nan
	}
	idx := seq(len(scores))
	// Stability is not needed: tied scores share one mid-rank.
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
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
		return nan
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg))
}
