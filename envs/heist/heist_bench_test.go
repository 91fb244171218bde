package heist

import (
	"testing"

	"github.com/misgen/misgen/envs"
)

// benchmarkVec steps 64 envs on one goroutine with uniformly random actions
// and auto-reset, the setting of the bench "envs" group; it reports env
// steps per second and allocations per VecEnv step (64 env steps).
func benchmarkVec(b *testing.B, cfg *Config, obs envs.ObsConfig) {
	const n = 64
	es := make([]envs.Env, n)
	for i := range es {
		e, err := New(*cfg, obs)
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

func BenchmarkVec64Symbolic(b *testing.B) { benchmarkVec(b, DefaultConfig(), envs.DefaultObsConfig()) }

func BenchmarkVec64RGB(b *testing.B) {
	benchmarkVec(b, DefaultConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64})
}
