package maze

import (
	"fmt"

	"github.com/misgen/misgen/envs"
)

// OpenTiles implements envs.TileMap: the floor tiles of the current
// level, row by row from the bottom.
func (e *Env) OpenTiles() []envs.Point {
	var out []envs.Point
	g := &e.lvl.grid
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			if g.At(x, y) == tileFloor {
				out = append(out, envs.Point{X: x, Y: y})
			}
		}
	}
	return out
}

// GoalTile returns the cheese's tile in the current level.
func (e *Env) GoalTile() envs.Point { return e.lvl.cheese }

// Place restarts the current level's episode with the mouse on tile mouse
// and the cheese on tile cheese (both floor tiles), at step 0 with an empty
// trail: a state edited from the level, for analyses such as vector fields.
func (e *Env) Place(mouse, cheese envs.Point) error {
	for _, p := range []envs.Point{mouse, cheese} {
		if e.lvl.grid.AtOr(p.X, p.Y, tileWall) != tileFloor {
			return fmt.Errorf("maze: Place on (%d, %d), not a floor tile", p.X, p.Y)
		}
	}
	e.mouse, e.lvl.cheese = mouse, cheese
	e.step = 0
	e.done, e.cornerVisited, e.gotCheese = false, mouse == e.lvl.corner, false
	e.outcome = ""
	e.trailHead, e.trailLen = 0, 0
	return nil
}
