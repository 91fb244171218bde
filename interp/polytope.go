package interp

import "fmt"

// SignCodes returns one code per row of acts: a 64-bit FNV-1a hash of the
// row's on/off pattern (bit j set when acts[i, j] > 0). Rows of a ReLU
// layer's output share a code exactly when they lie in the same polytope of
// the layer's input partition (up to hash collisions, negligible at 64 bits
// for the sample counts here).
func SignCodes(acts Matrix) []uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	codes := make([]uint64, acts.Rows)
	for i := range codes {
		h := uint64(offset)
		var b byte
		for j, v := range acts.Row(i) {
			if v > 0 {
				b |= 1 << (j % 8)
			}
			if j%8 == 7 || j == acts.Cols-1 {
				h ^= uint64(b)
				h *= prime
				b = 0
			}
		}
		codes[i] = h
	}
	return codes
}

// PolytopeStats describes a set of sign codes.
type PolytopeStats struct {
	Samples  int `json:"samples"`
	Distinct int `json:"distinct_codes"`
	// ChangeRate is the fraction of consecutive steps within an episode
	// whose codes differ: how often the trajectory crosses a polytope
	// boundary per step.
	ChangeRate  float64 `json:"change_rate"`
	Transitions int     `json:"transitions"` // consecutive same-episode step pairs
}

// Polytopes computes PolytopeStats for codes whose rows are steps of
// episodes (episode[i] names row i's episode). Each episode's rows must be
// in time order, but episodes may interleave (as in batched evaluation,
// where one forward pass holds a step of every running episode).
func Polytopes(codes []uint64, episode []int32) (PolytopeStats, error) {
	if len(codes) != len(episode) {
		return PolytopeStats{}, fmt.Errorf("polytope: %d codes, %d episode ids", len(codes), len(episode))
	}
	seen := make(map[uint64]struct{}, len(codes))
	st := PolytopeStats{Samples: len(codes)}
	changes := 0
	last := map[int32]uint64{} // each episode's previous code
	for i, c := range codes {
		seen[c] = struct{}{}
		if prev, ok := last[episode[i]]; ok {
			st.Transitions++
			if c != prev {
				changes++
			}
		}
		last[episode[i]] = c
	}
	st.Distinct = len(seen)
	if st.Transitions > 0 {
		st.ChangeRate = float64(changes) / float64(st.Transitions)
	}
	return st, nil
}

// PolytopeComparison contrasts two code sets, e.g. ID and OOD rollouts.
type PolytopeComparison struct {
	A, B PolytopeStats
	// BInA is the fraction of B's samples whose code also occurs in A: how
	// much of the OOD behaviour runs through regions seen in distribution.
	BInA float64 `json:"b_in_a"`
}

// ComparePolytopes computes both sets' statistics and their overlap.
func ComparePolytopes(codesA []uint64, epA []int32, codesB []uint64, epB []int32) (PolytopeComparison, error) {
	a, err := Polytopes(codesA, epA)
	if err != nil {
		return PolytopeComparison{}, err
	}
	b, err := Polytopes(codesB, epB)
	if err != nil {
		return PolytopeComparison{}, err
	}
	inA := make(map[uint64]struct{}, len(codesA))
	for _, c := range codesA {
		inA[c] = struct{}{}
	}
	hit := 0
	for _, c := range codesB {
		if _, ok := inA[c]; ok {
			hit++
		}
	}
	cmp := PolytopeComparison{A: a, B: b}
	if len(codesB) > 0 {
		cmp.BInA = float64(hit) / float64(len(codesB))
	}
	return cmp, nil
}
