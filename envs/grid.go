package envs

import "fmt"

// Point is a tile coordinate: x grows to the right, y grows upwards, (0, 0)
// is the bottom-left tile of a level.
type Point struct{ X, Y int }

// Add returns p translated by q.
func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

// Dirs4 are the unit moves up, right, down, left, in that order (the order
// grid games use for their move actions).
var Dirs4 = [4]Point{{0, 1}, {1, 0}, {0, -1}, {-1, 0}}

// Grid is a W×H array of tile codes stored row by row from the bottom row
// (y = 0) upwards: tile (x, y) is Tiles[y*W+x]. Tile codes are game-defined.
type Grid struct {
	W, H  int
	Tiles []uint8
}

// NewGrid returns a w×h grid of tile code 0. It panics if w or h is not
// positive.
func NewGrid(w, h int) *Grid {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("envs: NewGrid(%d, %d): size must be positive", w, h))
	}
	return &Grid{W: w, H: h, Tiles: make([]uint8, w*h)}
}

// Resize changes the grid to w×h, reusing its storage when it is large
// enough, and fills it with tile code 0. It panics if w or h is not
// positive. Games call it on Reset so that regenerating a level does not
// allocate.
func (g *Grid) Resize(w, h int) {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("envs: Grid.Resize(%d, %d): size must be positive", w, h))
	}
	g.W, g.H = w, h
	if cap(g.Tiles) < w*h {
		g.Tiles = make([]uint8, w*h)
		return
	}
	g.Tiles = g.Tiles[:w*h]
	clear(g.Tiles)
}

// In reports whether (x, y) lies inside the grid.
func (g *Grid) In(x, y int) bool { return uint(x) < uint(g.W) && uint(y) < uint(g.H) }

// Index returns the offset of tile (x, y) in Tiles. It panics if (x, y) is
// outside the grid.
func (g *Grid) Index(x, y int) int {
	if !g.In(x, y) {
		panic(fmt.Sprintf("envs: tile (%d, %d) outside %d×%d grid", x, y, g.W, g.H))
	}
	return y*g.W + x
}

// At returns the tile at (x, y). It panics if (x, y) is outside the grid;
// use AtOr where outside is a legal question.
func (g *Grid) At(x, y int) uint8 { return g.Tiles[g.Index(x, y)] }

// AtOr returns the tile at (x, y), or outside if (x, y) is not in the grid.
func (g *Grid) AtOr(x, y int, outside uint8) uint8 {
	if !g.In(x, y) {
		return outside
	}
	return g.Tiles[y*g.W+x]
}

// Set writes tile t at (x, y). It panics if (x, y) is outside the grid.
func (g *Grid) Set(x, y int, t uint8) { g.Tiles[g.Index(x, y)] = t }

// Fill sets every tile to t.
func (g *Grid) Fill(t uint8) {
	for i := range g.Tiles {
		g.Tiles[i] = t
	}
}

// FillRect sets every tile with x0 <= x < x1 and y0 <= y < y1 to t,
// clipping the rectangle to the grid.
func (g *Grid) FillRect(x0, y0, x1, y1 int, t uint8) {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, g.W), min(y1, g.H)
	for y := y0; y < y1; y++ {
		row := g.Tiles[y*g.W : y*g.W+g.W]
		for x := x0; x < x1; x++ {
			row[x] = t
		}
	}
}

// Count returns how many tiles equal t.
func (g *Grid) Count(t uint8) int {
	n := 0
	for _, v := range g.Tiles {
		if v == t {
			n++
		}
	}
	return n
}

// CopyFrom makes g an exact copy of src, reusing g's storage when possible.
func (g *Grid) CopyFrom(src *Grid) {
	g.Resize(src.W, src.H)
	copy(g.Tiles, src.Tiles)
}

// Neighbours4 appends to dst the in-grid 4-neighbours of (x, y) in Dirs4
// order and returns the extended slice.
func (g *Grid) Neighbours4(dst []Point, x, y int) []Point {
	for _, d := range Dirs4 {
		if nx, ny := x+d.X, y+d.Y; g.In(nx, ny) {
			dst = append(dst, Point{nx, ny})
		}
	}
	return dst
}

// Distances computes breadth-first 4-connected step distances from start
// over tiles for which passable returns true. dist must have length W*H; it
// receives the distance of each tile (index y*W+x), or -1 where the tile is
// unreachable or impassable. queue is scratch space reused between calls
// (pass nil the first time); the possibly grown queue is returned. The start
// tile gets distance 0 even if it is not passable.
func (g *Grid) Distances(start Point, passable func(tile uint8) bool, dist []int32, queue []int32) []int32 {
	if len(dist) != len(g.Tiles) {
		panic(fmt.Sprintf("envs: Grid.Distances: len(dist) = %d, want %d", len(dist), len(g.Tiles)))
	}
	for i := range dist {
		dist[i] = -1
	}
	s := int32(g.Index(start.X, start.Y))
	dist[s] = 0
	queue = append(queue[:0], s)
	for head := 0; head < len(queue); head++ {
		i := queue[head]
		x, y := int(i)%g.W, int(i)/g.W
		for _, d := range Dirs4 {
			nx, ny := x+d.X, y+d.Y
			if !g.In(nx, ny) {
				continue
			}
			j := int32(ny*g.W + nx)
			if dist[j] >= 0 || !passable(g.Tiles[j]) {
				continue
			}
			dist[j] = dist[i] + 1
			queue = append(queue, j)
		}
	}
	return queue
}

// MoveActionNames name the actions of the grid games: the four moves of
// Dirs4, then the optional no-op.
var MoveActionNames = []string{"up", "right", "down", "left", "noop"}

// GridSpec is the Spec of a grid game whose actions are the four moves
// (and a no-op when noop) and whose symbolic observation has the given
// channels over the view (for rgb observations, 3 colour planes).
// Outcomes lists every terminal outcome; success and proxy are among them.
func GridSpec(game string, noop bool, maxSteps int, outcomes []Outcome, success, proxy Outcome, channels []string, obs ObsConfig) Spec {
	n := 4
	if noop {
		n = 5
	}
	spec := Spec{Game: game, NumActions: n, ActionName: MoveActionNames[:n], MaxSteps: maxSteps,
		Outcomes: outcomes, Success: success, Proxy: proxy}
	if obs.Kind == ObsRGB {
		spec.ObsShape = [3]int{3, obs.RGBSize, obs.RGBSize}
		return spec
	}
	spec.ObsShape = [3]int{len(channels), obs.View, obs.View}
	spec.Channels = channels
	return spec
}
