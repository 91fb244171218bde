package colourshape

import (
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/envtest"
)

// benchmarkVec runs envtest.BenchmarkVec on envs built from cfg.
func benchmarkVec(b *testing.B, cfg Config, obs envs.ObsConfig) {
	envtest.BenchmarkVec(b, func() (envs.Env, error) { return New(cfg, obs) })
}

func BenchmarkVec64Symbolic(b *testing.B) { benchmarkVec(b, *DefaultConfig(), envs.DefaultObsConfig()) }

func BenchmarkVec64SymbolicSplit(b *testing.B) {
	benchmarkVec(b, splitConfig(), envs.DefaultObsConfig())
}

func BenchmarkVec64RGB(b *testing.B) {
	benchmarkVec(b, *DefaultConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64})
}
