package agents

import (
	"math"
	"testing"

	"github.com/misgen/misgen/envs"
)

func TestTrackPursuit(t *testing.T) {
	type pos struct{ ax, ay float32 }
	goal := envs.Info{GoalX: 5, GoalY: 4, ProxyX: 10, ProxyY: 1}
	at := func(p pos, reachedGoal, reachedProxy bool) envs.Info {
		i := goal
		i.AgentX, i.AgentY, i.GoalReached, i.ProxyReached = p.ax, p.ay, reachedGoal, reachedProxy
		return i
	}
	for _, tc := range []struct {
		name             string
		path             []envs.Info
		pursued          bool
		minGoal, minProx float64
	}{
		{"runs under the goal to the proxy", []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 1}, false, false), at(pos{10, 1}, false, true)},
			false, 3, 0},
		{"jumps within the radius, misses, then ends at the proxy", []envs.Info{at(pos{4, 3}, false, false), at(pos{10, 1}, false, true)},
			true, math.Hypot(1, 1), 0},
		{"collects the goal", []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 4}, true, false)},
			true, 0, math.Hypot(5, 3)},
		{"proxy first, goal later", []envs.Info{at(pos{10, 1}, false, true), at(pos{5, 4}, true, true)},
			false, 0, 0},
		{"both at the same step (training placement)", []envs.Info{at(pos{5, 4}, true, true)},
			true, 0, 0},
		{"neither", []envs.Info{at(pos{1, 1}, false, false)}, false, 5, 9},
	} {
		var r EpisodeResult
		for step, info := range tc.path {
			r.trackPursuit(step, info)
		}
		if r.PursuedGoal != tc.pursued || math.Abs(r.MinGoalDist-tc.minGoal) > 1e-6 || math.Abs(r.MinProxyDist-tc.minProx) > 1e-6 {
			t.Errorf("%s: pursued %v min goal %.3f min proxy %.3f, want %v %.3f %.3f", tc.name,
				r.PursuedGoal, r.MinGoalDist, r.MinProxyDist, tc.pursued, tc.minGoal, tc.minProx)
		}
	}
}
