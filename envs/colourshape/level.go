package colourshape

import (
	"fmt"
	"slices"

	"github.com/misgen/misgen/envs"
)

// Tile codes of the level grid and the extra codes of the observation
// window. Object codes are codeObject + colour*len(Shapes) + shape.
const (
	tileFloor   uint8 = 0
	tileWall    uint8 = 1
	codeOutside uint8 = 2
	codeAgent   uint8 = 3
	codeObject  uint8 = 8
)

// Object roles: what an object is for the outcome classification.
const (
	roleGoal        = iota // goal colour and goal shape (training)
	roleColourMatch        // goal colour, another shape (OOD)
	roleShapeMatch         // another colour, goal shape (OOD)
	roleDistractor         // neither
)

// object is one object of a level.
type object struct {
	pos           envs.Point
	colour, shape int // indices into Colours, Shapes
	role          int
}

// code is the window code of o.
func (o object) code() uint8 { return codeObject + uint8(o.colour*len(Shapes)+o.shape) }

// maxAttempts bounds how many mazes generate carves for one seed before
// giving up; Config.Validate keeps placement likely enough that a test
// over many seeds of the tightest configs never needs more than a few.
const maxAttempts = 1000

// level is one generated maze with its start and objects.
type level struct {
	grid    envs.Grid
	start   envs.Point
	objects []object

	scratch *envs.MazeScratch
	dist    []int32 // maze distance of each tile from the start
	queue   []int32 // open tiles in breadth-first order from the start
	cands   []envs.Point
	count   []int32 // free tiles per distance (placeEqualPair)
	flags   []int32 // per tile (freeTiles)
}

// generate builds the level of seed for cfg, reusing l's buffers. All
// randomness comes from one generator seeded with the level seed, so the
// same (cfg, seed) always gives the same level:
//  1. carve a perfect maze (Kruskal) and choose the start uniformly among
//     its open tiles;
//  2. place the pair the agent chooses between (training: the goal and,
//     with distractors, the first distractor; OOD: the colour match and the
//     shape match), at one maze distance from the start with
//     equal_distance;
//  3. place the remaining distractors uniformly;
//  4. draw the attributes the roles leave open.
//
// Every object goes on a tile whose path from the start crosses no object
// placed before it and that lies on no placed object's path. When a maze
// admits no such placement (rare; e.g. no two tiles at one distance),
// generate carves another one with the same generator.
func (l *level) generate(cfg *Config, seed uint64) {
	rng := envs.NewRNG(seed)
	n := cfg.Size
	for range maxAttempts {
		l.grid.Resize(n, n)
		l.scratch = envs.CarveKruskalMaze(&l.grid, &rng, tileFloor, tileWall, l.scratch)
		if l.place(cfg, &rng) {
			l.drawAttributes(cfg, &rng)
			return
		}
	}
	panic(fmt.Sprintf("colourshape: no object placement in %d mazes for seed %d and config %+v (Validate should prevent this)", maxAttempts, seed, *cfg))
}

// place chooses the start and the object tiles and roles on the carved
// maze; it reports false when the maze admits no valid placement.
func (l *level) place(cfg *Config, rng *envs.RNG) bool {
	g := &l.grid
	l.cands = l.cands[:0]
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			if g.At(x, y) == tileFloor {
				l.cands = append(l.cands, envs.Point{X: x, Y: y})
			}
		}
	}
	l.start = l.cands[rng.Intn(len(l.cands))]
	if cap(l.dist) < len(g.Tiles) {
		l.dist = make([]int32, len(g.Tiles))
	}
	l.dist = l.dist[:len(g.Tiles)]
	l.queue = g.Distances(l.start, func(t uint8) bool { return t == tileFloor }, l.dist, l.queue)

	l.objects = l.objects[:0]
	roles := [2]int{roleGoal, roleDistractor}
	pair := 1
	if cfg.Distractors > 0 {
		pair = 2
	}
	if cfg.Objects == ObjectsSplit {
		roles, pair = [2]int{roleColourMatch, roleShapeMatch}, 2
	}
	if pair == 2 && cfg.EqualDistance {
		if !l.placeEqualPair(rng, roles) {
			return false
		}
	} else {
		for _, role := range roles[:pair] {
			if !l.placeFree(rng, role) {
				return false
			}
		}
	}
	for len(l.objects) < cfg.numObjects() {
		if !l.placeFree(rng, roleDistractor) {
			return false
		}
	}
	return true
}

// placeEqualPair puts objects of the two roles on two tiles at the same
// maze distance from the start: the first uniformly among free tiles that
// share their distance with another free tile, the second uniformly among
// those. Tiles at one distance are never on each other's path.
func (l *level) placeEqualPair(rng *envs.RNG, roles [2]int) bool {
	l.freeTiles()
	l.count = resetInts(l.count, len(l.grid.Tiles))
	for _, p := range l.cands {
		l.count[l.distAt(p)]++
	}
	l.cands = slices.DeleteFunc(l.cands, func(p envs.Point) bool { return l.count[l.distAt(p)] < 2 })
	if len(l.cands) == 0 {
		return false
	}
	a := l.cands[rng.Intn(len(l.cands))]
	l.cands = slices.DeleteFunc(l.cands, func(p envs.Point) bool { return p == a || l.distAt(p) != l.distAt(a) })
	b := l.cands[rng.Intn(len(l.cands))]
	l.objects = append(l.objects, object{pos: a, role: roles[0]}, object{pos: b, role: roles[1]})
	return true
}

// placeFree puts an object of role on a uniformly chosen free tile.
func (l *level) placeFree(rng *envs.RNG, role int) bool {
	l.freeTiles()
	if len(l.cands) == 0 {
		return false
	}
	l.objects = append(l.objects, object{pos: l.cands[rng.Intn(len(l.cands))], role: role})
	return true
}

// Tile flags of freeTiles.
const (
	flagOnPath    = 1 << iota // on the path from the start to a placed object (its tile included)
	flagHasObject             // the path from the start to this tile crosses a placed object
)

// freeTiles lists in l.cands, in breadth-first order from the start, the
// open tiles where a new object may go: not the start, not on the path
// from the start to a placed object, and with no placed object on its own
// path.
func (l *level) freeTiles() {
	g := &l.grid
	l.flags = resetInts(l.flags, len(g.Tiles))
	for _, o := range l.objects {
		l.flags[g.Index(o.pos.X, o.pos.Y)] |= flagHasObject
		for q := o.pos; ; q = l.parent(q) {
			l.flags[g.Index(q.X, q.Y)] |= flagOnPath
			if q == l.start {
				break
			}
		}
	}
	l.cands = l.cands[:0]
	for _, i := range l.queue { // parents come before their children
		p := envs.Point{X: int(i) % g.W, Y: int(i) / g.W}
		if p == l.start {
			continue
		}
		q := l.parent(p)
		l.flags[i] |= l.flags[g.Index(q.X, q.Y)] & flagHasObject
		if l.flags[i] == 0 {
			l.cands = append(l.cands, p)
		}
	}
}

// resetInts returns buf resized to n zeros, reusing its storage.
func resetInts(buf []int32, n int) []int32 {
	if cap(buf) < n {
		return make([]int32, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// distAt is the maze distance of p from the start.
func (l *level) distAt(p envs.Point) int32 { return l.dist[p.Y*l.grid.W+p.X] }

// parent is the neighbour of p one step nearer the start (p != start). In
// a perfect maze it is unique.
func (l *level) parent(p envs.Point) envs.Point {
	d := l.distAt(p)
	for _, dir := range envs.Dirs4 {
		q := p.Add(dir)
		if l.grid.In(q.X, q.Y) && l.distAt(q) == d-1 {
			return q
		}
	}
	panic(fmt.Sprintf("colourshape: tile %v at distance %d has no parent", p, d))
}

// objectAt returns the index of the object on p, or -1.
func (l *level) objectAt(p envs.Point) int {
	for i, o := range l.objects {
		if o.pos == p {
			return i
		}
	}
	return -1
}

// drawAttributes sets each object's colour and shape from its role: the
// goal attributes where the role has them, a uniformly drawn other one
// where it does not.
func (l *level) drawAttributes(cfg *Config, rng *envs.RNG) {
	colour, shape := slices.Index(Colours, cfg.Colour), slices.Index(Shapes, cfg.Shape)
	other := func(goal, n int) int { return (goal + 1 + rng.Intn(n-1)) % n }
	for i := range l.objects {
		o := &l.objects[i]
		o.colour, o.shape = colour, shape
		if o.role == roleShapeMatch || o.role == roleDistractor {
			o.colour = other(colour, len(Colours))
		}
		if o.role == roleColourMatch || o.role == roleDistractor {
			o.shape = other(shape, len(Shapes))
		}
	}
}
