package audit

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/render"
)

// DrawVectorField renders env's level at scale pixels per tile (with the
// goal on tile goal and the agent on its start tile, start) and draws each
// arrow from its tile's centre with render.DrawArrows, a full-length arrow
// (|move| = 1) reaching 0.45 tile.
func DrawVectorField(env probe.Placeable, start, goal envs.Point, arrows []probe.Arrow, scale int) (*image.RGBA, error) {
	if err := env.Place(start, goal); err != nil {
		return nil, err
	}
	img := env.Render(scale)
	drawn := make([]render.Arrow, len(arrows))
	for i, a := range arrows {
		drawn[i] = render.Arrow(a)
	}
	render.DrawArrows(img, img.Bounds(), scale, 0, drawn)
	return img, nil
}

// VectorFieldPair renders the vector fields (probe.VectorField) of policy
// on one level of a placeable game: with the goal at its position in the
// level as generated (the training placement) and moved to the open tile
// farthest from it. The agent is drawn on its start tile.
func VectorFieldPair(policy agents.Policy, env probe.Placeable, level uint64, scale int) (train, moved *image.RGBA, err error) {
	env.Reset(level)
	info := env.Info()
	start := envs.Point{X: int(info.AgentX), Y: int(info.AgentY)}
	goal := env.GoalTile()
	for i, g := range []envs.Point{goal, probe.FarthestTile(env, goal)} {
		arrows, err := probe.VectorField(policy, env, g)
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
