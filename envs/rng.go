package envs

import "math/bits"

// RNG is the deterministic random generator every game uses for all of its
// randomness (level layout, spawn positions, stochastic dynamics). It is a
// SplitMix64 generator: 8 bytes of state, fast, statistically strong, and
// its stream is fully determined by the seed, so the same level seed always
// yields the same level on every platform. The zero RNG is usable but is not
// the stream of any seed; seed it with Seed or NewRNG.
//
// RNG is a value type with no hidden global state; it is not safe for
// concurrent use.
type RNG struct {
	state uint64
}

const splitMixGamma = 0x9e3779b97f4a7c15

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) RNG {
	var r RNG
	r.Seed(seed)
	return r
}

// Seed resets the generator to the stream of seed. The seed is hashed first
// so that nearby seeds (level 0, 1, 2, ...) start far-apart, unrelated
// streams instead of streams shifted by one step.
func (r *RNG) Seed(seed uint64) {
	r.state = mix64(seed ^ 0x6a09e667f3bcc909)
}

// mix64 is the SplitMix64 output finaliser (a bijection on uint64).
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uint64 returns a uniformly distributed 64-bit value.
func (r *RNG) Uint64() uint64 {
	r.state += splitMixGamma
	return mix64(r.state)
}

// Uint32 returns a uniformly distributed 32-bit value.
func (r *RNG) Uint32() uint32 { return uint32(r.Uint64() >> 32) }

// Intn returns a uniform integer in [0, n). It panics if n <= 0. It is
// unbiased (Lemire's multiply-and-reject method).
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("envs: RNG.Intn with n <= 0")
	}
	return int(r.Uint64n(uint64(n)))
}

// Uint64n returns a uniform integer in [0, n). It panics if n == 0.
func (r *RNG) Uint64n(n uint64) uint64 {
	if n == 0 {
		panic("envs: RNG.Uint64n with n == 0")
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Float32 returns a uniform value in [0, 1).
func (r *RNG) Float32() float32 {
	return float32(r.Uint64()>>40) * (1.0 / (1 << 24))
}

// Float64 returns a uniform value in [0, 1).
func (r *RNG) Float64() float64 {
	return float64(r.Uint64()>>11) * (1.0 / (1 << 53))
}

// Bool returns true with probability p (clamped to [0, 1]).
func (r *RNG) Bool(p float64) bool { return r.Float64() < p }

// Shuffle permutes n elements uniformly (Fisher–Yates), calling swap to
// exchange elements i and j. It panics if n < 0.
func (r *RNG) Shuffle(n int, swap func(i, j int)) {
	if n < 0 {
		panic("envs: RNG.Shuffle with n < 0")
	}
	for i := n - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		swap(i, j)
	}
}
