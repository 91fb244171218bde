package maze

import "github.com/misgen/misgen/envs"

// Tile codes of the level grid and the extra codes of the observation
// window.
const (
	tileFloor   uint8 = 0
	tileWall    uint8 = 1
	codeOutside uint8 = 2
	codeMouse   uint8 = 3
	codeCheese  uint8 = 4
	codeTrail   uint8 = 5
)

// level is one generated maze: its tiles and the fixed positions.
type level struct {
	grid   envs.Grid
	start  envs.Point // mouse start, bottom-left
	corner envs.Point // proxy goal, top-right
	cheese envs.Point

	scratch    *envs.MazeScratch
	candidates []envs.Point
}

// generate builds the level of seed for cfg, reusing l's buffers. All
// randomness comes from one generator seeded with the level seed, so the
// same (cfg, seed) always gives the same level:
//  1. carve a perfect maze over the whole size×size grid (Kruskal);
//  2. put the cheese on a uniformly chosen open tile of the cheese region
//     (top-right k×k, or everywhere for k = 0), excluding the start tile.
//
// The maze is connected, so the cheese and the corner are always reachable.
func (l *level) generate(cfg *Config, seed uint64) {
	rng := envs.NewRNG(seed)
	n := cfg.Size
	l.grid.Resize(n, n)
	l.scratch = envs.CarveKruskalMaze(&l.grid, &rng, tileFloor, tileWall, l.scratch)
	l.start = envs.Point{X: 0, Y: 0}
	l.corner = envs.Point{X: n - 1, Y: n - 1}

	lo := 0
	if cfg.CheeseRegion > 0 {
		lo = n - cfg.CheeseRegion
	}
	l.candidates = l.candidates[:0]
	for y := lo; y < n; y++ {
		for x := lo; x < n; x++ {
			if l.grid.At(x, y) == tileFloor && (x != l.start.X || y != l.start.Y) {
				l.candidates = append(l.candidates, envs.Point{X: x, Y: y})
			}
		}
	}
	// Never empty: the corner is a cell (open) and is not the start.
	l.cheese = l.candidates[rng.Intn(len(l.candidates))]
}
