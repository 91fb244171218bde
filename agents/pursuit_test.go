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
		// The judgement is the same whether or not the goal is drawn (the
		// hidden-goal control): GoalVisible is not read.
		for _, visible := range []bool{false, true} {
			var rv EpisodeResult
			for step, info := range path {
				info.GoalVisible = visible
				rv.trackPursuit(step, info, rule)
			}
			if rv.PursuedGoal != r.PursuedGoal {
				t.Errorf("%s: pursued %v with GoalVisible %v everywhere, %v as given", name, rv.PursuedGoal, visible, r.PursuedGoal)
			}
		}
	}
	coin := CoinRunPursuit(7) // view half-width 3: the goal's tile (5, 4) is in view from tiles x 2..8, y 1..7
	old := crOldPursuit
	// high is a goal 4.5 tiles above the agent's row: out of a 7-tile view.
	high := envs.Info{GoalX: 5, GoalY: 5.5, ProxyX: 10, ProxyY: 1}
	above := func(x float32) envs.Info { i := high; i.AgentX, i.AgentY = x, 1; return i }
	// beside is the goal with the proxy further right, for turns 4 tiles
	// past the goal.
	beside := func(x float32, reachedProxy bool) envs.Info {
		i := envs.Info{GoalX: 5, GoalY: 4, ProxyX: 15, ProxyY: 1, ProxyReached: reachedProxy}
		i.AgentX, i.AgentY = x, 1
		return i
	}
	linger := func(k int, p envs.Info) []envs.Info {
		path := []envs.Info{at(pos{3, 1}, false, false)}
		for range k {
			path = append(path, p)
		}
		return append(path, at(pos{10, 1}, false, true))
	}
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
		{"the same 1.41 tiles is no approach under the former 1-tile radius", old, []envs.Info{at(pos{4, 3}, false, false), at(pos{10, 1}, false, true)},
			false, math.Hypot(1, 1), 0},
		// A hop's apex passing 0.5 tiles under the coin on the way to the end.
		{"a hop past the coin counted under the former radius", old, []envs.Info{at(pos{3, 1}, false, false), at(pos{5, 3.5}, false, false), at(pos{7, 1}, false, false), at(pos{10, 1}, false, true)},
			true, 0.5, 0},
		{"a hop past the coin is no pursuit under CoinRun's rule", coin, []envs.Info{at(pos{3, 1}, false, false), at(pos{5, 3.5}, false, false), at(pos{7, 1}, false, false), at(pos{10, 1}, false, true)},
			false, 0.5, 0},
		{"collects the goal", DefaultPursuit, []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 4}, true, false)},
			true, 0, math.Hypot(5, 3)},
		{"collects the coin", coin, []envs.Info{at(pos{1, 1}, false, false), at(pos{5, 3.5}, true, false)},
			true, 0, math.Hypot(5, 2.5)},
		{"proxy first, goal later", DefaultPursuit, []envs.Info{at(pos{10, 1}, false, true), at(pos{5, 4}, true, true)},
			false, 0, 0},
		{"proxy first, coin later", coin, []envs.Info{at(pos{10, 1}, false, true), at(pos{5, 4}, true, true)},
			false, 0, 0},
		{"neither", DefaultPursuit, []envs.Info{at(pos{1, 1}, false, false)}, false, 5, 9},
		// Turning back: past the goal by 2 tiles, then 1.5 back towards it,
		// with the goal in view (3 tiles up, 2 across).
		{"turns back towards the coin in view", coin, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{5.5, 1}, false, false), at(pos{10, 1}, false, true)},
			true, -1, -1},
		{"turning back without the rule", DefaultPursuit, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{5.5, 1}, false, false), at(pos{10, 1}, false, true)},
			false, -1, -1},
		{"a small step back is no turn", coin, []envs.Info{at(pos{3, 1}, false, false), at(pos{7, 1}, false, false), at(pos{6, 1}, false, false), at(pos{10, 1}, false, true)},
			false, -1, -1},
		// The same turn under a coin 4 tiles up: out of view.
		{"turning back with the coin out of view (above) is no pursuit", coin, []envs.Info{above(3), above(7), above(5.5), at(pos{10, 1}, false, true)},
			false, -1, -1},
		{"the former rule counted turns out of view", old, []envs.Info{above(3), above(7), above(5.5), at(pos{10, 1}, false, true)},
			true, -1, -1},
		// Turning at x 9.5 (tile 9, 4 tiles from the coin's: out of view),
		// 1.5 tiles back to 8 (in view): the turn was made out of view.
		{"turning back out of view (beside) is no pursuit", coin, []envs.Info{beside(3, false), beside(9.5, false), beside(8, false), beside(15, true)},
			false, -1, -1},
		{"the former rule counted it", old, []envs.Info{beside(3, false), beside(9.5, false), beside(8, false), beside(15, true)},
			true, -1, -1},
		// ... and going on back 1.5 tiles in view is.
		{"turning out of view and coming back 1.5 tiles in view", coin, []envs.Info{beside(3, false), beside(9.5, false), beside(8.25, false), beside(6.75, false), beside(15, true)},
			true, -1, -1},
		// Lingering: 16 steps within 1 tile of the coin's x, in view.
		{"lingers under the coin", coin, linger(16, at(pos{5.9, 1}, false, false)), true, -1, -1},
		{"lingers one step short", coin, linger(15, at(pos{5.9, 1}, false, false)), false, -1, -1},
		{"lingers just beyond a tile of the coin's x", coin, linger(16, at(pos{6.1, 1}, false, false)), false, -1, -1},
		{"lingers under a coin out of view", coin, linger(16, above(5)), false, -1, -1},
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
	for _, rule := range []PursuitRule{coin, old} {
		check("coincident objects, goal collected", rule, []envs.Info{near(7, false), near(11, false), near(9, true)}, true, -1, -1)
		check("coincident objects, neither approached", rule, []envs.Info{near(2, false), near(4, false)}, false, -1, -1)
	}
}
