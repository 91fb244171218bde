package envs

import "fmt"

// CarveKruskalMaze turns g into a perfect maze (exactly one path between any
// two open tiles) with Kruskal's algorithm, using rng for all choices.
//
// Layout: g must have odd width and height. Tiles with both coordinates even
// are cells; tiles with exactly one odd coordinate are walls that may be
// knocked down to join two neighbouring cells; tiles with both coordinates
// odd stay walls. The maze has no border of its own: the grid edge bounds
// it, so the corner tiles (0, 0) and (W-1, H-1) are cells.
//
// Procedure: list every wall between two horizontally or vertically
// adjacent cells, shuffle the list, and knock a wall down whenever the two
// cells it separates are not yet connected (tracked with a union-find over
// cells). The result is a uniform-random spanning tree of the cell graph
// under Kruskal's edge order, hence connected and loop-free.
//
// scratch is reusable working memory (pass nil the first time); the possibly
// grown scratch is returned so Reset can regenerate without allocating.
func CarveKruskalMaze(g *Grid, rng *RNG, floor, wall uint8, scratch *MazeScratch) *MazeScratch {
	if g.W%2 == 0 || g.H%2 == 0 {
		panic(fmt.Sprintf("envs: CarveKruskalMaze on %d×%d grid: sides must be odd", g.W, g.H))
	}
	if scratch == nil {
		scratch = &MazeScratch{}
	}
	cw, ch := (g.W+1)/2, (g.H+1)/2
	g.Fill(wall)
	for cy := 0; cy < ch; cy++ {
		for cx := 0; cx < cw; cx++ {
			g.Set(2*cx, 2*cy, floor)
		}
	}
	// Candidate walls, identified by their tile coordinates.
	walls := scratch.walls[:0]
	for y := 0; y < g.H; y += 2 {
		for x := 1; x < g.W; x += 2 {
			walls = append(walls, Point{x, y})
		}
	}
	for y := 1; y < g.H; y += 2 {
		for x := 0; x < g.W; x += 2 {
			walls = append(walls, Point{x, y})
		}
	}
	rng.Shuffle(len(walls), func(i, j int) { walls[i], walls[j] = walls[j], walls[i] })

	parent := scratch.parent[:0]
	for i := 0; i < cw*ch; i++ {
		parent = append(parent, int32(i))
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]] // path halving
			i = parent[i]
		}
		return i
	}
	for _, w := range walls {
		// The two cells a wall separates lie on either side along its odd axis.
		var a, b Point
		if w.X%2 == 1 {
			a, b = Point{w.X - 1, w.Y}, Point{w.X + 1, w.Y}
		} else {
			a, b = Point{w.X, w.Y - 1}, Point{w.X, w.Y + 1}
		}
		ra := find(int32((a.Y/2)*cw + a.X/2))
		rb := find(int32((b.Y/2)*cw + b.X/2))
		if ra != rb {
			parent[ra] = rb
			g.Set(w.X, w.Y, floor)
		}
	}
	scratch.walls, scratch.parent = walls, parent
	return scratch
}

// MazeScratch is reusable working memory for CarveKruskalMaze.
type MazeScratch struct {
	walls  []Point
	parent []int32
}
