package coinrun

import (
	"testing"

	"github.com/misgen/misgen/envs"
)

// benchmarkStep steps 64 envs in lock-step on one goroutine with uniformly
// random actions, resetting finished envs to fresh seeds and observing every
// env every step, like a rollout. One benchmark op is one env step; the
// steps/s figure is comparable to the Procgen anchor in design.md §3.
func benchmarkStep(b *testing.B, cfg Config, obs envs.ObsConfig) {
	const n = 64
	es := make([]*Env, n)
	var seed uint64
	for i := range es {
		e, err := New(cfg, obs)
		if err != nil {
			b.Fatal(err)
		}
		e.Reset(seed)
		seed++
		es[i] = e
	}
	buf := make([]float32, n*es[0].Spec().ObsSize())
	size := es[0].Spec().ObsSize()
	rng := envs.NewRNG(1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		for j, e := range es {
			_, done, err := e.Step(rng.Intn(NumActions))
			if err != nil {
				b.Fatal(err)
			}
			if done {
				e.Reset(seed)
				seed++
			}
			e.Observe(buf[j*size : (j+1)*size])
			i++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkStepSymbolicEasy(b *testing.B) {
	benchmarkStep(b, DefaultConfig(), envs.DefaultObsConfig())
}

func BenchmarkStepSymbolicHard(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Difficulty = DifficultyHard
	benchmarkStep(b, cfg, envs.DefaultObsConfig())
}

func BenchmarkStepRGBEasy(b *testing.B) {
	obs := envs.DefaultObsConfig()
	obs.Kind = envs.ObsRGB
	benchmarkStep(b, DefaultConfig(), obs)
}

func BenchmarkStepRGBHard(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Difficulty = DifficultyHard
	obs := envs.DefaultObsConfig()
	obs.Kind = envs.ObsRGB
	benchmarkStep(b, cfg, obs)
}

// BenchmarkReset measures level generation including the solvability
// searches, for the OOD variant (two searches per level).
func BenchmarkResetRandomCoinEasy(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Coin = CoinRandom
	e, err := New(cfg, envs.DefaultObsConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Reset(uint64(i))
	}
}
