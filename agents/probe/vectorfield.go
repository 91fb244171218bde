package probe

import (
	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

// Placeable is a grid game whose agent and goal can be put on any open tile
// of the current level (envs/maze implements it).
type Placeable interface {
	envs.Env
	OpenTiles() []envs.Point
	GoalTile() envs.Point
	Place(agent, goal envs.Point) error
}

// VectorField puts the agent on every open tile of env's current level
// but goal's, with the goal on tile goal, and returns the policy's
// expected move there (as procgen-tools draws maze vector fields). The
// observations are states edited from the level (no trail, step 0); env
// is left with the agent on the last tile.
func VectorField(policy agents.Policy, env Placeable, goal envs.Point) ([]schema.Arrow, error) {
	roles, err := ResolveChannels(env.Spec(), nil)
	if err != nil {
		return nil, err
	}
	size := env.Spec().ObsSize()
	var tiles []envs.Point
	var obs []float32
	for _, t := range env.OpenTiles() {
		if t == goal {
			continue
		}
		if err := env.Place(t, goal); err != nil {
			return nil, err
		}
		o := make([]float32, size)
		env.Observe(o)
		obs = append(obs, o...)
		tiles = append(tiles, t)
	}
	lp, err := LogProbs(policy, obs, nil)
	if err != nil {
		return nil, err
	}
	na := policy.IO().NumActions
	out := make([]schema.Arrow, len(tiles))
	for i, t := range tiles {
		dx, dy := roles.ExpectedMove(lp[i*na : (i+1)*na])
		out[i] = schema.Arrow{Tile: t, DX: dx, DY: dy}
	}
	return out, nil
}

// FieldPair returns policy's vector fields on level of a placeable game:
// with the goal where the level puts it (the training placement) and moved
// to the open tile farthest from there (FarthestTile). Each field's Start
// is the agent's start tile, or, where the goal sits on it, another open
// tile. env is left reset to level with the agent on the last tile probed.
func FieldPair(policy agents.Policy, env Placeable, level uint64) ([2]schema.VectorField, error) {
	var out [2]schema.VectorField
	env.Reset(level)
	info := env.Info()
	start := envs.Point{X: int(info.AgentX), Y: int(info.AgentY)}
	goal := env.GoalTile()
	for i, g := range []envs.Point{goal, FarthestTile(env, goal)} {
		arrows, err := VectorField(policy, env, g)
		if err != nil {
			return out, err
		}
		at := start
		if at == g {
			at = arrows[0].Tile // any open tile but the goal's
		}
		out[i] = schema.VectorField{Start: at, Goal: g, Arrows: arrows}
	}
	return out, nil
}

// FarthestTile is the open tile farthest (in tiles, Manhattan) from p, the
// first in OpenTiles order among equals: the "moved" goal position of a
// vector field, chosen without any OOD config.
func FarthestTile(env Placeable, p envs.Point) envs.Point {
	best, bestD := p, -1
	for _, t := range env.OpenTiles() {
		if d := abs(t.X-p.X) + abs(t.Y-p.Y); d > bestD {
			best, bestD = t, d
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
