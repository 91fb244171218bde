package probe

import (
	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
)

// Placeable is a grid game whose agent and goal can be put on any open tile
// of the current level (envs/maze implements it).
type Placeable interface {
	envs.Env
	OpenTiles() []envs.Point
	GoalTile() envs.Point
	Place(agent, goal envs.Point) error
}

// Arrow is the policy's expected move on one tile: Σ p(a)·direction(a),
// y upwards, length at most 1. It has the layout of viz/render.Arrow and
// converts to it.
type Arrow struct {
	Tile   envs.Point
	DX, DY float64
}

// VectorField puts the agent on every open tile of env's current level
// but goal's, with the goal on tile goal, and returns the policy's
// expected move there (as procgen-tools draws maze vector fields). The
// observations are states edited from the level (no trail, step 0); env
// is left with the agent on the last tile.
func VectorField(policy agents.Policy, env Placeable, goal envs.Point) ([]Arrow, error) {
	roles, err := ResolveRoles(env.Spec(), nil)
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
	out := make([]Arrow, len(tiles))
	for i, t := range tiles {
		dx, dy := roles.ExpectedMove(lp[i*na : (i+1)*na])
		out[i] = Arrow{Tile: t, DX: dx, DY: dy}
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
