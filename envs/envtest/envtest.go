// Package envtest holds helpers shared by the games' tests and benchmarks.
package envtest

import (
	"testing"

	"github.com/misgen/misgen/envs"
)

// BenchmarkVec steps 64 envs built by newEnv on one goroutine with uniformly
// random actions and auto-reset, the setting of the bench "envs" group; it
// reports env steps per second and allocations per VecEnv step (64 env
// steps).
func BenchmarkVec(b *testing.B, newEnv func() (envs.Env, error)) {
	const n = 64
	es := make([]envs.Env, n)
	for i := range es {
		e, err := newEnv()
		if err != nil {
			b.Fatal(err)
		}
		es[i] = e
	}
	v, err := envs.NewVecEnv(es, envs.TrainSeeds(100_000), 1, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	rng := envs.NewRNG(1)
	acts := make([]int, n)
	b.ReportAllocs()
	for b.Loop() {
		for i := range acts {
			acts[i] = rng.Intn(v.Spec().NumActions)
		}
		if err := v.Step(acts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "steps/s")
}
