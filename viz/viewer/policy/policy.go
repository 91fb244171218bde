// Package policy loads a trained policy from an agents checkpoint as the
// viewer's live actor (viewer -checkpoint). It is separate from package app
// so only the viewer binary, not the window-free logic and its tests,
// links the libtorch runtime.
package policy

import (
	"fmt"
	"math/rand/v2"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/viewer/app"
)

// Loader returns an app.PolicyLoader whose actors sample actions from the
// policy's distribution with a PCG stream seeded by seed, or take the most
// probable action when greedy. For games whose agent and goal can be
// placed (probe.Placeable: maze) the loaded policy also computes vector
// fields with probe.VectorField.
func Loader(seed uint64, greedy bool) app.PolicyLoader {
	return func(checkpoint string, env envs.Env) (*app.LivePolicy, error) {
		p, err := load(checkpoint, env)
		if err != nil {
			return nil, err
		}
		lp := &app.LivePolicy{Act: actor(p, rand.New(rand.NewPCG(seed, 0x5eed)), greedy), Release: p.Free}
		if _, ok := env.(probe.Placeable); ok {
			lp.Vectors = Vectors(p)
		}
		return lp, nil
	}
}

// Vectors is the vector field of policy p for the viewer's overlay: on a
// placeable env (probe.Placeable), probe.VectorField with the goal on the
// current level's goal tile; on any other env, an error.
func Vectors(p agents.Policy) app.VectorField {
	return func(env envs.Env) ([]schema.Arrow, error) {
		pl, ok := env.(probe.Placeable)
		if !ok {
			return nil, fmt.Errorf("viewer: vector field: %s's agent and goal cannot be placed", env.Spec().Game)
		}
		return probe.VectorField(p, pl, pl.GoalTile())
	}
}

// load loads the policy in checkpoint and checks it fits env's
// observations and actions.
func load(checkpoint string, env envs.Env) (agents.Policy, error) {
	p, _, err := agents.LoadPolicy(checkpoint)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	io, want := p.IO(), agents.IOOf(env.Spec())
	if io.ObsShape != want.ObsShape || io.NumActions != want.NumActions || (io.Game != "" && io.Game != want.Game) {
		p.Free()
		return nil, fmt.Errorf("viewer: checkpoint %s is a %s policy for observations %v and %d actions; the env is %s with %v and %d (check -env, -variant, -config)",
			checkpoint, io.Game, io.ObsShape, io.NumActions, want.Game, want.ObsShape, want.NumActions)
	}
	return p, nil
}

// actor plays p live: it samples from p's action distribution with rng, or
// takes the most probable action when greedy.
func actor(p agents.Policy, rng *rand.Rand, greedy bool) app.Actor {
	io := p.IO()
	obs := make([]float32, io.ObsSize())
	probs := make([]float32, io.NumActions)
	value := make([]float32, 1)
	sh := io.ObsShape
	return func(env envs.Env) (int, []float32, float32, error) {
		env.Observe(obs)
		s := torch.NewNoGradScope()
		defer s.Close()
		x := s.FromFloat32(obs, 1, int64(sh[0]), int64(sh[1]), int64(sh[2]))
		logits, v := p.Forward(s, x, nil)
		pr := s.Softmax(logits, 1)
		if err := s.Err(); err != nil {
			return 0, nil, 0, fmt.Errorf("viewer: policy forward: %w", err)
		}
		if err := pr.CopyToFloat32(probs); err != nil {
			return 0, nil, 0, err
		}
		if err := v.CopyToFloat32(value); err != nil {
			return 0, nil, 0, err
		}
		return choose(rng, probs, greedy), probs, value[0], nil
	}
}

// choose samples an action from probs (or takes the most probable one).
func choose(rng *rand.Rand, probs []float32, greedy bool) int {
	best := 0
	for a, p := range probs {
		if p > probs[best] {
			best = a
		}
	}
	if greedy {
		return best
	}
	u := rng.Float32()
	for a, p := range probs {
		if u < p {
			return a
		}
		u -= p
	}
	return best // rounding left u just above the total
}
