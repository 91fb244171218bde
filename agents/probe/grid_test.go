package probe

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
)

// coinEnv is a CoinRun env of the tests' 7×7 symbolic window.
func coinEnv(t testing.TB) *coinrun.Env {
	t.Helper()
	env, err := coinrun.New(coinrun.DefaultConfig(), envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// coinObs returns n CoinRun observations of levels played with random
// actions, a new level after every episode, and the game's resolved
// roles.
func coinObs(t testing.TB, n int, seed uint64) ([][]float32, Channels, Grid) {
	t.Helper()
	env := coinEnv(t)
	roles, err := ResolveChannels(env.Spec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	level := seed * 1000
	env.Reset(level)
	var out [][]float32
	for len(out) < n {
		o := make([]float32, env.Spec().ObsSize())
		env.Observe(o)
		out = append(out, o)
		if _, done, err := env.Step(rng.IntN(env.Spec().NumActions)); err != nil {
			t.Fatal(err)
		} else if done {
			level++
			env.Reset(level)
		}
	}
	return out, roles, GridOf(env.Spec().ObsShape)
}

// A 3-channel 3×3 grid: channel 0 is background (set everywhere), channel
// 1 a wall at the top-left, channel 2 the goal at the bottom-right.
func tinyScene() (Grid, Channels, []float32) {
	g := Grid{C: 3, H: 3, W: 3}
	obs := make([]float32, g.Size())
	for i := 0; i < 9; i++ {
		obs[i] = 1
	}
	obs[g.At(1, Cell{0, 0})] = 1
	obs[g.At(2, Cell{2, 2})] = 0.9
	return g, Channels{Goal: []int{2}, Background: []int{0}}, obs
}

func TestGridEdits(t *testing.T) {
	g, r, obs := tinyScene()
	if dx, dy := g.Offset(Cell{0, 2}); dx != 1 || dy != 1 {
		t.Errorf("Offset(top right) = (%v, %v), want (1, 1)", dx, dy)
	}
	if got := g.Cells(obs, r.Goal); !slices.Equal(got, []Cell{{2, 2}}) {
		t.Errorf("goal cells %v", got)
	}
	if !g.Visible(obs, r.Goal) || g.Visible(obs, nil) {
		t.Error("Visible: the goal is in view and no channels are never")
	}
	// Free: not the centre, not the wall, not the goal; background ignored.
	want := []Cell{{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}}
	if got := g.FreeCells(obs, r); !slices.Equal(got, want) {
		t.Errorf("FreeCells %v, want %v", got, want)
	}
	erased := g.Erase(obs, r.Goal)
	if g.Visible(erased, r.Goal) || !g.Visible(obs, r.Goal) || erased[0] != 1 {
		t.Error("Erase must clear the goal plane of a copy and nothing else")
	}
	batch := g.Erase(Join([][]float32{obs, obs}), r.Goal)
	for _, o := range g.Split(batch) {
		if !slices.Equal(o, erased) {
			t.Error("Erase of a batch differs from Erase of each observation")
		}
	}
	placed := g.Place(erased, r.Goal, Cell{0, 1})
	if got := g.Cells(placed, r.Goal); !slices.Equal(got, []Cell{{0, 1}}) || g.Visible(erased, r.Goal) {
		t.Errorf("Place: goal cells %v (on a copy)", got)
	}
	// MoveTo: never where the goal was, and one draw of rng.
	rng := rand.New(rand.NewPCG(1, 2))
	twin := rand.New(rand.NewPCG(1, 2))
	moved, at, ok := g.MoveTo(obs, r.Goal, r, rng)
	if !ok || at == (Cell{2, 2}) || !slices.Contains(want, at) || !slices.Equal(g.Cells(moved, r.Goal), []Cell{at}) {
		t.Errorf("MoveTo: to %v (ok %v), goal cells %v", at, ok, g.Cells(moved, r.Goal))
	}
	twin.IntN(6) // the 6 free cells other than the goal's own
	if rng.Uint64() != twin.Uint64() {
		t.Error("MoveTo must draw from rng exactly once")
	}
	full := Grid{C: 1, H: 1, W: 1}
	if _, _, ok := full.MoveTo([]float32{0}, []int{0}, Channels{}, rng); ok {
		t.Error("MoveTo on a window with only the centre succeeded")
	}
}

// GoalPairs: each pair differs only in the goal channel, by the goal
// erased where it was in view or drawn on one free cell where it was not.
func TestGoalPairs(t *testing.T) {
	obs, roles, g := coinObs(t, 300, 14)
	p := g.GoalPairs(obs, roles, rand.New(rand.NewPCG(1, 1)))
	if len(p.With) != len(p.Without) || len(p.With) != len(p.Index) || len(p.With) < 200 {
		t.Fatalf("%d/%d/%d pairs", len(p.With), len(p.Without), len(p.Index))
	}
	plane, goal := g.H*g.W, roles.Goal[0]
	for i := range p.With {
		w, o := p.With[i], p.Without[i]
		if !slices.Equal(w, obs[p.Index[i]]) && !slices.Equal(o, obs[p.Index[i]]) {
			t.Fatalf("pair %d: neither side is the source observation", i)
		}
		added := 0
		for j := range w {
			if w[j] == o[j] {
				continue
			}
			if j/plane != goal || w[j] != 1 {
				t.Fatalf("pair %d differs at channel %d (%v vs %v)", i, j/plane, w[j], o[j])
			}
			added++
			cell := j % plane
			for ch := 0; ch < g.C; ch++ {
				if ch != goal && !slices.Contains(roles.Planes, ch) && !slices.Contains(roles.Background, ch) && o[ch*plane+cell] > 0.5 {
					t.Fatalf("pair %d: goal drawn on an occupied cell (channel %d)", i, ch)
				}
			}
		}
		if added == 0 || g.Visible(o, roles.Goal) {
			t.Fatalf("pair %d: %d goal differences, goal in view without it: %v", i, added, g.Visible(o, roles.Goal))
		}
	}
}

// PlaceGoal: the goal appears at exactly one cell, at the recorded offset.
func TestPlaceGoal(t *testing.T) {
	obs, roles, g := coinObs(t, 200, 16)
	pl := g.PlaceGoal(obs, roles, rand.New(rand.NewPCG(3, 3)))
	if len(pl.Target) < 150 || len(pl.Obs) != len(pl.Target) || len(pl.Index) != len(pl.Target) {
		t.Fatalf("%d placed frames", len(pl.Target))
	}
	for i, tg := range pl.Target {
		cells := g.Cells(pl.Obs[i], roles.Goal)
		if len(cells) != 1 {
			t.Fatalf("frame %d: %d goal cells", i, len(cells))
		}
		if dx, dy := g.Offset(cells[0]); dx != tg[0] || dy != tg[1] {
			t.Fatalf("frame %d: goal at (%v, %v), target %v", i, dx, dy, tg)
		}
		if was := g.Cells(obs[pl.Index[i]], roles.Goal); slices.Contains(was, cells[0]) {
			t.Fatalf("frame %d: goal left where it was", i)
		}
	}
}
