package corridor

import "github.com/misgen/misgen/envs"

// Tile codes of the level grid, then the extra codes of the observation
// window.
const (
	tileFloor     uint8 = 0
	tileExit      uint8 = 1
	codeOutside   uint8 = 2
	codeAgent     uint8 = 3
	codeGem       uint8 = 4
	codeGemOnExit uint8 = 5 // the training layout: both objects on one tile
)

// level is one generated corridor: its tiles and where things are.
type level struct {
	grid  envs.Grid
	start envs.Point
	exit  envs.Point // the proxy
	gem   envs.Point // the true goal
}

// generate builds the level of seed for cfg, reusing l's grid. All of its
// randomness comes from one generator seeded with the level seed, and
// nothing else draws from it, so the same (cfg, seed) always gives the
// same level, and a training and an OOD config give the same start for
// the same seed:
//  1. the start, uniformly on the left half;
//  2. with probability gem_shift, the gem on a uniformly chosen tile other
//     than the start and the exit; otherwise the gem on the exit.
func (l *level) generate(cfg *Config, seed uint64) {
	rng := envs.NewRNG(seed)
	n := cfg.Length
	l.grid.Resize(n, 1)
	l.exit = envs.Point{X: n - 1, Y: 0}
	l.grid.Set(l.exit.X, l.exit.Y, tileExit)
	l.start = envs.Point{X: rng.Intn(n / 2), Y: 0}
	l.gem = l.exit
	if rng.Bool(cfg.GemShift) {
		x := rng.Intn(n - 2) // n-2 tiles: all but the exit and the start
		if x >= l.start.X {
			x++
		}
		l.gem = envs.Point{X: x, Y: 0}
	}
}
