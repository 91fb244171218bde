package heist

import "github.com/misgen/misgen/envs"

// Tile codes of the level grid and the extra codes of the observation
// window.
const (
	tileFloor        uint8 = 0
	tileWall         uint8 = 1
	tileKey          uint8 = 2
	tileChest        uint8 = 3
	codeOutside      uint8 = 4
	codeAgent        uint8 = 5
	codeAgentOnChest uint8 = 6 // agent standing on a chest it cannot open
)

// loopProb is the chance that each wall between two maze cells that the
// maze kept is knocked down anyway, making loops so that routes between
// keys and chests are not unique.
const loopProb = 0.2

// level is one generated Keys-and-Chests layout. Keys and chests live in
// the grid as tiles (collected/opened ones become floor); the position
// lists keep where they started, for Info.
type level struct {
	grid   envs.Grid
	start  envs.Point
	keys   []envs.Point
	chests []envs.Point

	scratch *envs.MazeScratch
	open    []envs.Point
}

// generate builds the level of seed for cfg, reusing l's buffers. All
// randomness comes from one generator seeded with the level seed:
//  1. carve a perfect maze over the grid (Kruskal);
//  2. knock down each remaining wall between two cells with probability
//     loopProb (loops keep the maze connected);
//  3. choose 1 + keys + chests distinct open tiles uniformly: the first is
//     the agent start, then the keys, then the chests.
func (l *level) generate(cfg *Config, seed uint64) {
	rng := envs.NewRNG(seed)
	n := cfg.Size
	l.grid.Resize(n, n)
	l.scratch = envs.CarveKruskalMaze(&l.grid, &rng, tileFloor, tileWall, l.scratch)
	for y := 0; y < n; y++ {
		for x := (y + 1) % 2; x < n; x += 2 { // tiles with exactly one odd coordinate
			if l.grid.At(x, y) == tileWall && rng.Bool(loopProb) {
				l.grid.Set(x, y, tileFloor)
			}
		}
	}

	l.open = l.open[:0]
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if l.grid.At(x, y) == tileFloor {
				l.open = append(l.open, envs.Point{X: x, Y: y})
			}
		}
	}
	// Partial Fisher–Yates: the first 1+keys+chests entries become a
	// uniform sample without replacement.
	need := 1 + cfg.Keys + cfg.Chests
	for i := 0; i < need; i++ {
		j := i + rng.Intn(len(l.open)-i)
		l.open[i], l.open[j] = l.open[j], l.open[i]
	}
	l.start = l.open[0]
	l.keys = append(l.keys[:0], l.open[1:1+cfg.Keys]...)
	l.chests = append(l.chests[:0], l.open[1+cfg.Keys:need]...)
	for _, p := range l.keys {
		l.grid.Set(p.X, p.Y, tileKey)
	}
	for _, p := range l.chests {
		l.grid.Set(p.X, p.Y, tileChest)
	}
}
