package interp

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/interp/saeconfig"
)

// The [interp.sae] table lives in the torch-free package saeconfig so that
// configs decode without libtorch; these names are the same types.
type (
	// SAESettings is the [interp.sae] table (saeconfig.SAESettings).
	SAESettings = saeconfig.SAESettings
	// Kind selects an SAE's activation and sparsity mechanism.
	Kind = saeconfig.Kind
)

const (
	// ReLUL1 is Cunningham et al.'s SAE (saeconfig.ReLUL1).
	ReLUL1 = saeconfig.ReLUL1
	// TopK is the TopK SAE (saeconfig.TopK).
	TopK = saeconfig.TopK
)

// DefaultSAESettings is saeconfig.DefaultSAESettings.
func DefaultSAESettings() SAESettings { return saeconfig.DefaultSAESettings() }

// TuneL1 searches, in log space, for the L1 coefficient at which fit(l1)
// (a short training run returning the held-out L0) lands within 15% of
// target, starting from start and halving or doubling until the target is
// bracketed, then bisecting; it stops after rounds fits and returns the
// coefficient whose L0 came closest. A larger coefficient gives a smaller
// L0; fit must be deterministic for a given coefficient.
func TuneL1(fit func(l1 float64) (float64, error), target, start float64, rounds int) (best float64, bestL0 float64, err error) {
	if !(target > 0) || !(start > 0) || rounds < 1 {
		return 0, 0, fmt.Errorf("tune l1: target %v, start %v, rounds %d: want positive values", target, start, rounds)
	}
	lo, hi := 0.0, math.Inf(1) // lo gives L0 above target, hi below
	l1, bestGap := start, math.Inf(1)
	for r := 0; r < rounds; r++ {
		l0, err := fit(l1)
		if err != nil {
			return 0, 0, err
		}
		if gap := math.Abs(math.Log(math.Max(l0, 1e-3) / target)); gap < bestGap {
			best, bestL0, bestGap = l1, l0, gap
		}
		if math.Abs(l0-target) <= 0.15*target {
			break
		}
		if l0 > target {
			lo = l1
		} else {
			hi = l1
		}
		switch {
		case math.IsInf(hi, 1):
			l1 *= 2
		case lo == 0:
			l1 /= 2
		default:
			l1 = math.Sqrt(lo * hi)
		}
	}
	return best, bestL0, nil
}
