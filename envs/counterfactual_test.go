package envs_test

import (
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/maze"
)

// Hiding the goal clears exactly the goal's channel (plus what the goal
// covered), moving it lights that channel elsewhere, and neither changes
// the state: the next plain observation equals the one before.
func TestGoalEditors(t *testing.T) {
	obs := envs.ObsConfig{Kind: envs.ObsSymbolic, View: 63, RGBSize: 64}
	cr := coinrun.DefaultConfig()
	crEnv, err := coinrun.New(cr, obs)
	if err != nil {
		t.Fatal(err)
	}
	mz := maze.DefaultConfig()
	mzEnv, err := maze.New(*mz, envs.ObsConfig{Kind: envs.ObsSymbolic, View: 31, RGBSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env     envs.Env
		channel string
	}{{crEnv, "coin"}, {mzEnv, "cheese"}} {
		e := tc.env
		ed, ok := e.(envs.GoalEditor)
		if !ok {
			t.Fatalf("%T is not a GoalEditor", e)
		}
		e.Reset(3)
		spec := e.Spec()
		ch := -1
		for i, n := range spec.Channels {
			if n == tc.channel {
				ch = i
			}
		}
		if ch < 0 {
			t.Fatalf("%s: no %q channel in %v", spec.Game, tc.channel, spec.Channels)
		}
		area := spec.ObsShape[1] * spec.ObsShape[2]
		plain, hidden, moved, after := make([]float32, spec.ObsSize()), make([]float32, spec.ObsSize()), make([]float32, spec.ObsSize()), make([]float32, spec.ObsSize())
		e.Observe(plain)
		ed.ObserveWithoutGoal(hidden)
		count := func(o []float32) (n int) {
			for _, v := range o[ch*area : (ch+1)*area] {
				if v > 0 {
					n++
				}
			}
			return n
		}
		if count(plain) != 1 || count(hidden) != 0 {
			t.Errorf("%s: goal cells %d plain, %d hidden; want 1 and 0", spec.Game, count(plain), count(hidden))
		}
		info := e.Info()
		agent := envs.Point{X: int(info.AgentX), Y: int(info.AgentY)}
		placed := false
		for _, d := range []envs.Point{{1, 0}, {0, 1}, {-1, 0}, {2, 0}, {0, 2}, {1, 1}} {
			if ed.ObserveGoalAt(moved, agent.Add(d)) {
				placed = true
				break
			}
		}
		if !placed {
			t.Fatalf("%s: no free tile next to the agent accepted", spec.Game)
		}
		if count(moved) != 1 {
			t.Errorf("%s: moved goal lights %d cells", spec.Game, count(moved))
		}
		if ed.ObserveGoalAt(moved, envs.Point{X: -5, Y: -5}) {
			t.Errorf("%s: a tile outside the level accepted", spec.Game)
		}
		e.Observe(after)
		for i := range plain {
			if plain[i] != after[i] {
				t.Fatalf("%s: an edited observation changed the state (value %d)", spec.Game, i)
			}
		}
	}
}
