package interp

import (
	"fmt"
	"math/bits"
	"sort"

	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/schema"
)

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

// Patterns are the on/off patterns of every unit of one or more ReLU
// layers, one bit per unit and one row per sample: the sample's polytope
// code across those layers (Black et al. code the whole network's ReLUs,
// not one layer's).
type Patterns struct {
	Rows, Bits int
	words      int
	data       []uint64
}

// NewPatterns concatenates the sign patterns (value > 0) of the layers'
// activations; every layer must have the same rows (the same samples).
func NewPatterns(layers ...Matrix) (Patterns, error) {
	if len(layers) == 0 {
		return Patterns{}, fmt.Errorf("polytope: no layers")
	}
	p := Patterns{Rows: layers[0].Rows}
	for i, l := range layers {
		if l.Rows != p.Rows {
			return Patterns{}, fmt.Errorf("polytope: layer %d has %d rows, layer 0 has %d", i, l.Rows, p.Rows)
		}
		p.Bits += l.Cols
	}
	p.words = (p.Bits + 63) / 64
	p.data = make([]uint64, p.Rows*p.words)
	for r := 0; r < p.Rows; r++ {
		row := p.data[r*p.words : (r+1)*p.words]
		bit := 0
		for _, l := range layers {
			for _, v := range l.Row(r) {
				if v > 0 {
					row[bit/64] |= 1 << (bit % 64)
				}
				bit++
			}
		}
	}
	return p, nil
}

// Subset returns the patterns of the given rows.
func (p Patterns) Subset(rows []int) Patterns {
	out := Patterns{Rows: len(rows), Bits: p.Bits, words: p.words, data: make([]uint64, len(rows)*p.words)}
	for i, r := range rows {
		copy(out.data[i*p.words:(i+1)*p.words], p.data[r*p.words:(r+1)*p.words])
	}
	return out
}

// Codes hashes each row's pattern (64-bit FNV-1a over its words) for exact
// comparison: rows share a code exactly when they lie in the same polytope,
// up to hash collisions, negligible at 64 bits for these sample counts.
func (p Patterns) Codes() []uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	out := make([]uint64, p.Rows)
	for r := range out {
		h := uint64(offset)
		for _, w := range p.data[r*p.words : (r+1)*p.words] {
			h ^= w
			h *= prime
		}
		out[r] = h
	}
	return out
}

// Distance is the normalised Hamming distance between row i of p and row
// j of q: the fraction of units whose on/off state differs.
func (p Patterns) Distance(i int, q Patterns, j int) float64 {
	a, b := p.data[i*p.words:(i+1)*p.words], q.data[j*q.words:(j+1)*q.words]
	d := 0
	for k := range a {
		d += bits.OnesCount64(a[k] ^ b[k])
	}
	return float64(d) / float64(p.Bits)
}

// Nearest returns, for every row of q, the normalised Hamming distance to
// the closest row of p: 0 when q's polytope was visited by p's samples, and
// small when it borders one. Duplicate rows of p are compared once.
func (p Patterns) Nearest(q Patterns) ([]float64, error) {
	if p.Bits != q.Bits {
		return nil, fmt.Errorf("polytope: %d-bit patterns against %d-bit ones", q.Bits, p.Bits)
	}
	if p.Rows == 0 {
		return nil, fmt.Errorf("polytope: no reference patterns")
	}
	var uniq []int
	seen := map[uint64]bool{}
	for r, c := range p.Codes() {
		if !seen[c] {
			seen[c] = true
			uniq = append(uniq, r)
		}
	}
	out := make([]float64, q.Rows)
	for j := range out {
		best := 1.0
		for _, i := range uniq {
			if d := p.Distance(i, q, j); d < best {
				best = d
				if d == 0 {
					break
				}
			}
		}
		out[j] = best
	}
	return out, nil
}

// Summarise returns the summary of distances.
func Summarise(d []float64) schema.NearestSummary {
	s := schema.NearestSummary{Samples: len(d)}
	if len(d) == 0 {
		return s
	}
	sorted := append([]float64(nil), d...)
	sort.Float64s(sorted)
	for _, v := range sorted {
		s.Mean += v
		if v == 0 {
			s.Exact++
		}
	}
	s.Mean /= float64(len(d))
	s.Exact /= float64(len(d))
	s.Median = stats.QuantileBlend(sorted, 0.5)
	s.P90 = stats.QuantileBlend(sorted, 0.9)
	return s
}
