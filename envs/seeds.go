package envs

import "fmt"

// EvalSeedBase is the first level seed of the evaluation range. By
// convention training levels use seeds [0, N) with N < EvalSeedBase and
// evaluation levels use seeds from EvalSeedBase upwards, so the two sets are
// disjoint for any training set size a run can use.
const EvalSeedBase uint64 = 1 << 32

// SeedOrder says how a LevelSeeds set hands out seeds.
type SeedOrder int

const (
	// SeedsUniform draws each episode's seed uniformly from the set, with
	// the VecEnv's own generator (training).
	SeedsUniform SeedOrder = iota
	// SeedsSequential hands out Start, Start+1, ... in order, wrapping after
	// Count seeds (evaluation: every level once, no repeats while fewer than
	// Count episodes are started).
	SeedsSequential
)

// LevelSeeds is a set of level seeds [Start, Start+Count) and the order in
// which a VecEnv hands them to episodes.
type LevelSeeds struct {
	Start, Count uint64
	Order        SeedOrder
}

// TrainSeeds is the training set convention: n levels [0, n) drawn
// uniformly at random.
func TrainSeeds(n uint64) LevelSeeds { return LevelSeeds{Start: 0, Count: n, Order: SeedsUniform} }

// EvalSeeds is the evaluation convention: n distinct levels starting offset
// seeds into the evaluation range, handed out in order.
func EvalSeeds(offset, n uint64) LevelSeeds {
	return LevelSeeds{Start: EvalSeedBase + offset, Count: n, Order: SeedsSequential}
}

// Validate reports an empty or overflowing set.
func (s LevelSeeds) Validate() error {
	if s.Count == 0 {
		return fmt.Errorf("level seeds: count = 0: want at least one level")
	}
	if s.Start+s.Count < s.Start {
		return fmt.Errorf("level seeds: start %d + count %d overflows uint64", s.Start, s.Count)
	}
	switch s.Order {
	case SeedsUniform, SeedsSequential:
	default:
		return fmt.Errorf("level seeds: unknown order %d", s.Order)
	}
	return nil
}

// Overlaps reports whether two valid sets share a seed.
func (s LevelSeeds) Overlaps(o LevelSeeds) bool {
	return s.Count > 0 && o.Count > 0 && s.Start < o.Start+o.Count && o.Start < s.Start+s.Count
}

// Contains reports whether seed belongs to the set.
func (s LevelSeeds) Contains(seed uint64) bool { return seed-s.Start < s.Count && seed >= s.Start }

// seedSource hands out seeds of a LevelSeeds set.
type seedSource struct {
	set    LevelSeeds
	rng    RNG
	issued uint64
}

func (s *seedSource) next() uint64 {
	var seed uint64
	if s.set.Order == SeedsUniform {
		seed = s.set.Start + s.rng.Uint64n(s.set.Count)
	} else {
		seed = s.set.Start + s.issued%s.set.Count
	}
	s.issued++
	return seed
}

// String renders the range as "[start, end)".
func (l LevelSeeds) String() string { return fmt.Sprintf("[%d, %d)", l.Start, l.Start+l.Count) }
