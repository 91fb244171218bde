package envs

import (
	"math"
	"testing"
)

func TestRNGDeterministic(t *testing.T) {
	a, b := NewRNG(42), NewRNG(42)
	for i := 0; i < 1000; i++ {
		if x, y := a.Uint64(), b.Uint64(); x != y {
			t.Fatalf("draw %d: %d != %d for equal seeds", i, x, y)
		}
	}
	var c RNG
	c.Seed(42)
	a.Seed(42)
	if a.Uint64() != c.Uint64() {
		t.Fatal("Seed does not restart the stream")
	}
}

func TestRNGNearbySeedsUnrelated(t *testing.T) {
	// Streams of seeds s and s+1 must not be shifted copies of each other.
	const n = 64
	first := map[uint64]uint64{}
	for s := uint64(0); s < 200; s++ {
		r := NewRNG(s)
		for i := 0; i < n; i++ {
			v := r.Uint64()
			if prev, dup := first[v]; dup {
				t.Fatalf("value %d appears in streams of seeds %d and %d", v, prev, s)
			}
			first[v] = s
		}
	}
}

func TestRNGIntnUniform(t *testing.T) {
	for ci, n := range []int{1, 2, 3, 7, 10, 100} {
		r := NewRNG(uint64(ci))
		counts := make([]int, n)
		const draws = 20000
		for i := 0; i < draws; i++ {
			v := r.Intn(n)
			if v < 0 || v >= n {
				t.Fatalf("case %d: Intn(%d) = %d", ci, n, v)
			}
			counts[v]++
		}
		// Chi-square with n-1 degrees of freedom; the bound is far beyond
		// the 99.99th percentile for these n.
		exp := float64(draws) / float64(n)
		chi := 0.0
		for _, c := range counts {
			chi += (float64(c) - exp) * (float64(c) - exp) / exp
		}
		if limit := float64(n-1) + 8*math.Sqrt(2*float64(n-1)) + 1; chi > limit {
			t.Errorf("case %d: Intn(%d) chi-square %.1f > %.1f, counts %v", ci, n, chi, limit, counts)
		}
	}
}

func TestRNGFloats(t *testing.T) {
	r := NewRNG(7)
	sum := 0.0
	for i := 0; i < 10000; i++ {
		f := r.Float32()
		d := r.Float64()
		if f < 0 || f >= 1 || d < 0 || d >= 1 {
			t.Fatalf("draw %d: Float32 %v Float64 %v outside [0,1)", i, f, d)
		}
		sum += float64(f)
	}
	if mean := sum / 10000; math.Abs(mean-0.5) > 0.02 {
		t.Errorf("Float32 mean %.3f, want about 0.5", mean)
	}
}

func TestRNGShufflePermutes(t *testing.T) {
	r := NewRNG(3)
	for trial := 0; trial < 100; trial++ {
		xs := make([]int, 1+trial%17)
		for i := range xs {
			xs[i] = i
		}
		r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		seen := make([]bool, len(xs))
		for _, x := range xs {
			if seen[x] {
				t.Fatalf("trial %d: %v is not a permutation", trial, xs)
			}
			seen[x] = true
		}
	}
	// Every position receives every element sometimes.
	pos := [4][4]int{}
	for trial := 0; trial < 4000; trial++ {
		xs := []int{0, 1, 2, 3}
		r.Shuffle(4, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		for p, x := range xs {
			pos[p][x]++
		}
	}
	for p := range pos {
		for x, c := range pos[p] {
			if c < 800 || c > 1200 {
				t.Errorf("element %d at position %d %d times of 4000, want about 1000", x, p, c)
			}
		}
	}
}

func TestRNGPanics(t *testing.T) {
	for ci, f := range []func(r *RNG){
		func(r *RNG) { r.Intn(0) },
		func(r *RNG) { r.Intn(-3) },
		func(r *RNG) { r.Uint64n(0) },
		func(r *RNG) { r.Shuffle(-1, func(int, int) {}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("case %d: no panic", ci)
				}
			}()
			r := NewRNG(1)
			f(&r)
		}()
	}
}
