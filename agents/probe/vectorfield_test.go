package probe

import (
	"math"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
)

// seekPolicy is a hand-built maze policy: the logit of each move is k
// times the number of cheese cells in the window lying in that direction
// from the mouse (up: dy > 0, right: dx > 0, ...), so it heads for the
// cheese whenever it sees it.
type seekPolicy struct {
	io    agents.PolicyIO
	w     *torch.Tensor
	scope *torch.Scope
}

func newSeekPolicy(t *testing.T, spec envs.Spec, k float32) *seekPolicy {
	g := GridOf(spec.ObsShape)
	cheese := indexOf(spec.Channels, "cheese")
	w := make([]float32, spec.NumActions*spec.ObsSize())
	for r := 0; r < g.H; r++ {
		for c := 0; c < g.W; c++ {
			dx, dy := g.Offset(Cell{r, c})
			i := g.At(cheese, Cell{r, c})
			for a, cond := range []bool{dy > 0, dx > 0, dy < 0, dx < 0} { // up, right, down, left
				if cond {
					w[a*spec.ObsSize()+i] = k
				}
			}
		}
	}
	s := torch.NewNoGradScope()
	p := &seekPolicy{io: agents.IOOf(spec), scope: s, w: s.FromFloat32(w, int64(spec.NumActions), int64(spec.ObsSize()))}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *seekPolicy) Forward(s *torch.Scope, obs *torch.Tensor, hook agents.Hook) (logits, value *torch.Tensor) {
	logits = s.Linear(s.Flatten(obs), p.w, nil)
	return logits, s.Sum(logits, false, 1)
}
func (p *seekPolicy) Params() []torch.Named       { return []torch.Named{{Name: "w", Tensor: p.w}} }
func (p *seekPolicy) Layers() []string            { return nil }
func (p *seekPolicy) ReLULayers() []string        { return nil }
func (p *seekPolicy) Config() agents.PolicyConfig { return agents.PolicyConfig{Arch: "seek"} }
func (p *seekPolicy) IO() agents.PolicyIO         { return p.io }
func (p *seekPolicy) Free()                       { p.scope.Close() }

// The window covers the whole maze from every tile, so on every tile the
// arrow must point towards the cheese along each axis where it is offset,
// and have no component along an axis where it is aligned.
func TestVectorFieldOfACheeseSeekingPolicy(t *testing.T) {
	cfg := maze.DefaultConfig()
	cfg.Size, cfg.CheeseRegion = 7, 0
	env, err := maze.New(*cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: 13})
	if err != nil {
		t.Fatal(err)
	}
	p := newSeekPolicy(t, env.Spec(), 4)
	defer p.Free()
	env.Reset(envs.EvalSeedBase + 3)
	for _, goal := range []envs.Point{env.GoalTile(), FarthestTile(env, env.GoalTile())} {
		arrows, err := VectorField(p, env, goal)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(env.OpenTiles()) - 1; len(arrows) != want {
			t.Fatalf("%d arrows, want one per open tile but the goal's (%d)", len(arrows), want)
		}
		sign := func(v float64) int {
			switch {
			case v > 1e-6:
				return 1
			case v < -1e-6:
				return -1
			}
			return 0
		}
		cmp := func(a, b int) int { return sign(float64(a - b)) }
		for _, a := range arrows {
			if sign(a.DX) != cmp(goal.X, a.Tile.X) || sign(a.DY) != cmp(goal.Y, a.Tile.Y) {
				t.Errorf("goal %v, tile %v: arrow (%.3f, %.3f) does not point at the goal", goal, a.Tile, a.DX, a.DY)
			}
			if n := math.Hypot(a.DX, a.DY); n > 1+1e-9 {
				t.Errorf("tile %v: arrow length %v > 1", a.Tile, n)
			}
		}
	}
}

// FieldPair's first field has the level's own goal, its second the tile
// farthest from it; the agent is drawn on its start tile unless the goal
// is there, and every arrow of the cheese seeker points towards its goal.
func TestFieldPair(t *testing.T) {
	cfg := maze.DefaultConfig()
	cfg.Size, cfg.CheeseRegion = 7, 0
	env, err := maze.New(*cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: 13})
	if err != nil {
		t.Fatal(err)
	}
	p := newSeekPolicy(t, env.Spec(), 4)
	defer p.Free()
	level := envs.EvalSeedBase + 3
	fields, err := FieldPair(p, env, level)
	if err != nil {
		t.Fatal(err)
	}
	env.Reset(level)
	goal := env.GoalTile()
	if fields[0].Goal != goal || fields[1].Goal != FarthestTile(env, goal) || fields[0].Goal == fields[1].Goal {
		t.Fatalf("goals %v and %v, want the level's %v and the farthest tile", fields[0].Goal, fields[1].Goal, goal)
	}
	for i, f := range fields {
		if f.Start == f.Goal {
			t.Errorf("field %d: agent drawn on the goal tile %v", i, f.Goal)
		}
		if len(f.Arrows) != len(env.OpenTiles())-1 {
			t.Errorf("field %d: %d arrows", i, len(f.Arrows))
		}
		for _, a := range f.Arrows {
			dx, dy := float64(f.Goal.X-a.Tile.X), float64(f.Goal.Y-a.Tile.Y)
			if a.DX*dx+a.DY*dy <= 0 {
				t.Errorf("field %d: arrow on %v = (%.2f, %.2f) does not point towards the goal %v", i, a.Tile, a.DX, a.DY, f.Goal)
				break
			}
		}
	}
}
