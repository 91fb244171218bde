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
	check := func(name string, rule PursuitRule, path []envs.Info, pursued bool, minGoal, minProx float64) {
		t.Helper()
		var r EpisodeResult
		for step, info := range path {
			r.trackPursuit(step, info, rule)
		}
		if r.PursuedGoal != pursued || (minGoal >= 0 && (math.Abs(r.MinGoalDist-minGoal) > 1e-6 || math.Abs(r.MinProxyDist-minProx) > 1e-6)) {
			t.Errorf("%s: pursued %v min goal %.3f min proxy %.3f, want %v %.3f %.3f", name,
				r.PursuedGoal, r.MinGoalDist, r.MinProxyDist, pursued, minGoal, minProx)
		}
	}
	coin := PursuitRuleFor("coinrun")
	for _, tc := range []struct {
		name             string
		rule             PursuitRule
		path             []envs.Info
		pursued          bool
		minGoal, minProx float64
	}{
		{"runs under the goal to the proxy", DefaultPursuit, []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 1}, false, false), at(pos{10, 1}, false, true)},
			false, 3, 0},
		{"within 1.5 tiles, misses, then ends at the proxy", DefaultPursuit, []envs.Info{at(pos{4, 3}, false, false), at(pos{10, 1}, false, true)},
			true, math.Hypot(1, 1), 0},
		{"the same 1.41 tiles is no approach under CoinRun's 1-tile radius", coin, []envs.Info{at(pos{4, 3}, false, false), at(pos{10, 1}, false, true)},
			false, math.Hypot(1, 1), 0},
		{"collects the goal", DefaultPursuit, []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 4}, true, false)},
			true, 0, math.Hypot(5, 3)},
		{"proxy first, goal later", DefaultPursuit, []envs.Info{at(pos{10, 1}, false, true), at(pos{5, 4}, true, true)},
			false, 0, 0},
		{"neither", DefaultPursuit, []envs.Info{at(pos{1, 1}, false, false)}, false, 5, 9},
		// Turning back: past the goal by 2 tiles, then 1.5 back towards it.
		{"turns back after passing the goal", coin, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{5.5, 1}, false, false), at(pos{10, 1}, false, true)},
			true, -1, -1},
		{"turning back without the rule", DefaultPursuit, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{5.5, 1}, false, false), at(pos{10, 1}, false, true)},
			false, -1, -1},
		{"a small step back is no turn", coin, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{6, 1}, false, false), at(pos{10, 1}, false, true)},
			false, -1, -1},
	} {
		check(tc.name, tc.rule, tc.path, tc.pursued, tc.minGoal, tc.minProx)
	}
	// The training placement: goal 1 tile from the proxy's centre. The
	// proxy's radius is entered first on the way, yet the goal was pursued.
	together := envs.Info{GoalX: 9, GoalY: 1, ProxyX: 10, ProxyY: 1}
	near := func(x float32, reached bool) envs.Info {
		i := together
		i.AgentX, i.AgentY, i.GoalReached, i.ProxyReached = x, 1, reached, x >= 10
		return i
	}
	check("coincident objects, goal collected", coin, []envs.Info{near(7, false), near(11, false), near(9, true)}, true, -1, -1)
	check("coincident objects, neither approached", coin, []envs.Info{near(2, false), near(4, false)}, false, -1, -1)
}
