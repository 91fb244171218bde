package audit

import (
	"fmt"
	"image"
	"image/color"
	"math"

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
// y upwards, length at most 1.
type Arrow struct {
	Tile   envs.Point
	DX, DY float64
}

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

// arrowColor is the vector field's ink.
var arrowColor = color.RGBA{R: 200, G: 20, B: 60, A: 255}

// DrawVectorField renders env's level at scale pixels per tile (with the
// goal on tile goal and the agent on its start tile, start) and draws each
// arrow from its tile's centre, a full-length arrow (|move| = 1) reaching
// 0.45 tile.
func DrawVectorField(env Placeable, start, goal envs.Point, arrows []Arrow, scale int) (*image.RGBA, error) {
	if err := env.Place(start, goal); err != nil {
		return nil, err
	}
	img := env.Render(scale)
	rows := img.Bounds().Dy() / scale
	for _, a := range arrows {
		cx := (float64(a.Tile.X) + 0.5) * float64(scale)
		cy := (float64(rows-a.Tile.Y) - 0.5) * float64(scale)
		ex, ey := cx+0.45*float64(scale)*a.DX, cy-0.45*float64(scale)*a.DY
		line(img, cx, cy, ex, ey, arrowColor)
		n := math.Hypot(a.DX, a.DY)
		if n < 1e-3 {
			dot(img, cx, cy, arrowColor)
			continue
		}
		// Arrowhead: two strokes at ±150° from the direction.
		ux, uy := a.DX/n, -a.DY/n
		h := 0.18 * float64(scale) * math.Min(1, 2*n)
		for _, s := range []float64{1, -1} {
			c, si := math.Cos(5*math.Pi/6), s*math.Sin(5*math.Pi/6)
			line(img, ex, ey, ex+h*(ux*c-uy*si), ey+h*(ux*si+uy*c), arrowColor)
		}
	}
	return img, nil
}

// line draws a 2-pixel-wide segment.
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		dot(img, x0+t*(x1-x0), y0+t*(y1-y0), c)
	}
}

func dot(img *image.RGBA, x, y float64, c color.RGBA) {
	px, py := int(x), int(y)
	for dy := 0; dy < 2; dy++ {
		for dx := 0; dx < 2; dx++ {
			if (image.Point{px + dx, py + dy}).In(img.Bounds()) {
				img.SetRGBA(px+dx, py+dy, c)
			}
		}
	}
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
