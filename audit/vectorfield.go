package audit

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/render"
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
// y upwards, length at most 1. It is render's type, so the viewer draws
// the same arrows over its frames.
type Arrow = render.Arrow

// VectorField puts the agent on every open tile of env's current level
// but goal's, with the goal on tile goal, and returns the policy's
// expected move there (as procgen-tools draws maze vector fields). The
// observations are states edited from the level (no trail, step 0).
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
	lp, err := logProbs(policy, obs, nil)
	if err != nil {
		return nil, err
	}
	na := policy.IO().NumActions
	out := make([]Arrow, len(tiles))
	for i, t := range tiles {
		dx, dy := expectedMove(lp[i*na:(i+1)*na], roles)
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

// DrawVectorField renders env's level at scale pixels per tile (with the
// goal on tile goal and the agent on its start tile, start) and draws each
// arrow from its tile's centre with render.DrawArrows, a full-length arrow
// (|move| = 1) reaching 0.45 tile.
func DrawVectorField(env Placeable, start, goal envs.Point, arrows []Arrow, scale int) (*image.RGBA, error) {
	if err := env.Place(start, goal); err != nil {
		return nil, err
	}
	img := env.Render(scale)
	render.DrawArrows(img, img.Bounds(), scale, 0, arrows)
	return img, nil
}

// VectorFieldPair renders the vector fields of policy on one level of a
// placeable game: with the goal at its position in the level as generated
// (the training placement) and moved to the open tile farthest from it.
// The agent is drawn on its start tile.
func VectorFieldPair(policy agents.Policy, env Placeable, level uint64, scale int) (train, moved *image.RGBA, err error) {
	env.Reset(level)
	info := env.Info()
	start := envs.Point{X: int(info.AgentX), Y: int(info.AgentY)}
	goal := env.GoalTile()
	for i, g := range []envs.Point{goal, FarthestTile(env, goal)} {
		arrows, err := VectorField(policy, env, g)
		if err != nil {
			return nil, nil, err
		}
		at := start
		if at == g {
			at = arrows[0].Tile // any open tile but the goal's
		}
		img, err := DrawVectorField(env, at, g, arrows, scale)
		if err != nil {
			return nil, nil, fmt.Errorf("audit: vector field: %w", err)
		}
		if i == 0 {
			train = img
		} else {
			moved = img
		}
	}
	return train, moved, nil
}
