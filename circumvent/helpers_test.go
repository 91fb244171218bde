package circumvent

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
)

// testArchs are small networks of each architecture.
var testArchs = []agents.PolicyConfig{
	{Arch: "impala", Widths: []int{4, 6}, ResBlocks: 1, Hidden: 16},
	{Arch: "mlp", Hidden: 16, Layers: 2},
	{Arch: "bilinear", Hidden: 16},
}

// testObs is the observation config of the tests' CoinRun levels.
var testObs = envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7, RGBSize: 64}

// coinrunEnv builds a training-variant CoinRun env with the tests'
// observations.
func coinrunEnv(t testing.TB) envs.Env {
	t.Helper()
	g, err := envs.Lookup(coinrun.Name)
	if err != nil {
		t.Fatal(err)
	}
	env, err := g.New(g.NewConfig(), testObs)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// realObs returns n observations of CoinRun levels played with random
// actions (a new level after every episode), flattened.
func realObs(t testing.TB, n int, seed uint64) ([]float32, envs.Spec) {
	t.Helper()
	env := coinrunEnv(t)
	spec := env.Spec()
	rng := rand.New(rand.NewPCG(seed, 1))
	level := seed * 1000
	env.Reset(level)
	buf := make([]float32, spec.ObsSize())
	var out []float32
	for len(out) < n*spec.ObsSize() {
		env.Observe(buf)
		out = append(out, buf...)
		if _, done, err := env.Step(rng.IntN(spec.NumActions)); err != nil {
			t.Fatal(err)
		} else if done {
			level++
			env.Reset(level)
		}
	}
	return out, spec
}

// randomObs returns n observations of uniform values in [0, 2).
func randomObs(n, size int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]float32, n*size)
	for i := range out {
		out[i] = 2 * rng.Float32()
	}
	return out
}

// testParams builds a policy of cfg for spec with the actor head's
// initial gain of 0.01 raised to 1 and every bias drawn at random, so
// logits and values are of order 1 and a wrong bias rule would show.
func testParams(t testing.TB, cfg agents.PolicyConfig, spec envs.Spec, seed uint64) *Params {
	t.Helper()
	p, err := agents.NewPolicy(cfg, agents.IOOf(spec), seed)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	ps, err := Snapshot(p)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range ps.Tensors {
		ht := &ps.Tensors[i]
		switch {
		case ht.Name == "actor.w":
			for j := range ht.Data {
				ht.Data[j] *= 100
			}
		case len(ht.Shape) == 1:
			for j := range ht.Data {
				ht.Data[j] = 0.2 * (2*rng.Float32() - 1)
			}
		}
	}
	return ps
}

// build builds ps's policy, freed when the test ends.
func build(t testing.TB, ps *Params) agents.Policy {
	t.Helper()
	p, err := ps.Build()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Free)
	return p
}

// maxRelChange is the largest |a − b| / max|a| over the parameters: how
// far a reparametrisation moved the weights.
func maxRelChange(a, b *Params) float64 {
	var worst float64
	for i, ta := range a.Tensors {
		var scale float64
		for _, x := range ta.Data {
			scale = max(scale, float64(abs32(x)))
		}
		if scale == 0 {
			continue
		}
		for j, x := range ta.Data {
			worst = max(worst, float64(abs32(x-b.Tensors[i].Data[j]))/scale)
		}
	}
	return worst
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// channelIndex returns the index of the named channel of spec.
func channelIndex(t testing.TB, spec envs.Spec, name string) int {
	t.Helper()
	i := slices.Index(spec.Channels, name)
	if i < 0 {
		t.Fatalf("no channel %q in %v", name, spec.Channels)
	}
	return i
}
