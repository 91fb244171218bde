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
	check := func(name string, path []envs.Info, pursued bool, minGoal, minProx float64) {
		t.Helper()
		var r EpisodeResult
		for step, info := range path {
			r.trackPursuit(step, info)
		}
		if r.PursuedGoal != pursued || (minGoal >= 0 && (math.Abs(r.MinGoalDist-minGoal) > 1e-6 || math.Abs(r.MinProxyDist-minProx) > 1e-6)) {
			t.Errorf("%s: pursued %v min goal %.3f min proxy %.3f, want %v %.3f %.3f", name,
				r.PursuedGoal, r.MinGoalDist, r.MinProxyDist, pursued, minGoal, minProx)
		}
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
		check(tc.name, tc.path, tc.pursued, tc.minGoal, tc.minProx)
	}
	// The training placement: goal 1 tile from the proxy's centre. The
	// proxy's radius is entered first on the way, yet the goal was pursued.
	together := envs.Info{GoalX: 9, GoalY: 1, ProxyX: 10, ProxyY: 1}
	near := func(x float32, reached bool) envs.Info {
		i := together
		i.AgentX, i.AgentY, i.GoalReached, i.ProxyReached = x, 1, reached, x >= 10
		return i
	}
	for _, tc := range []struct {
		name    string
		path    []envs.Info
		pursued bool
	}{
		{"coincident objects, goal collected", []envs.Info{near(7, false), near(11, false), near(9, true)}, true},
		{"coincident objects, neither approached", []envs.Info{near(2, false), near(4, false)}, false},
	} {
		check(tc.name, tc.path, tc.pursued, -1, -1)
	}
}
