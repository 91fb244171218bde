package coinrun

import "github.com/misgen/misgen/envs"

// Level generation is a readable procedure separate from the step dynamics:
//
//  1. terrain: a start platform, then a sequence of sections chosen with the
//     terrain RNG until the end platform (flat ground, a step up or down, a
//     gap with lava at the bottom, a lava pit, a saw, a crate stack, a
//     patrolling enemy), then the end zone and the right wall;
//  2. the terrain is accepted only if the reachability search proves the
//     end-zone coin spot reachable from the start; otherwise it is rebuilt
//     from the next terrain RNG stream (after maxTerrainTries, a flat level
//     is used so generation always terminates);
//  3. the coin: with the coin RNG decide "random" (Coin = "random", or with
//     probability RandomCoinProb) or "end"; a random coin hovers
//     RandomCoinLift tiles above a ground tile in the first RandomCoinRegion
//     of the level that the search proves reachable.
//
// The terrain depends only on the seed, the difficulty, the length, the
// height and the hazard density, never on the coin variant: the same seed
// gives the same level in the training and the OOD variant, with only the
// coin moved.

const (
	minSurface      = 2 // lowest walkable surface (leaves room for a lava pit)
	startColumns    = 5 // flat columns at the left (a run-up), the agent starts on column 1
	endColumns      = endZoneWidth + 2
	maxTerrainTries = 32
	terrainStreams  = 64 // RNG streams reserved per seed for terrain retries (> maxTerrainTries)
	maxCoinTries    = 24
)

// generator builds levels into a reused level value.
type generator struct {
	cfg    Config // resolved
	hard   bool
	rng    envs.RNG
	lv     *level
	x, h   int // next column to fill and current surface height
	maxH   int
	search searcher
	cands  []int
}

func newGenerator(cfg Config, lv *level) *generator {
	g := &generator{
		cfg:  cfg,
		hard: cfg.Difficulty == DifficultyHard,
		lv:   lv,
		maxH: min(cfg.Height-7, 8),
	}
	// Typical searches store a few hundred nodes; starting with room for
	// more keeps Reset from allocating after the first levels.
	g.search.nodes = make([]searchNode, 0, 4096)
	g.search.heap = make([]int32, 0, 4096)
	return g
}

// generate builds the level for seed.
func (g *generator) generate(seed uint64) {
	lv := g.lv
	ok := false
	for try := uint64(0); try < maxTerrainTries && !ok; try++ {
		g.rng.Seed(seed*terrainStreams + try)
		g.terrain()
		g.placeCoinAtEnd()
		ok = g.search.reachable(lv, g.cfg.MaxSteps)
	}
	if !ok {
		g.flatTerrain()
		g.placeCoinAtEnd()
	}
	g.rng.Seed(^seed) // the coin stream: distinct from every terrain stream of seeds < 2^57
	wantRandom := g.rng.Float64() < g.cfg.RandomCoinProb || g.cfg.Coin == CoinRandom
	if wantRandom {
		g.placeCoinRandom()
	}
}

// terrain fills lv with a start platform, random sections and the end.
func (g *generator) terrain() {
	lv := g.lv
	lv.resize(g.cfg.Length, g.cfg.Height)
	g.x, g.h = 0, minSurface+g.rng.Intn(2)
	g.flat(startColumns)
	bodyEnd := lv.w - 1 - endColumns
	for g.x < bodyEnd {
		if g.rng.Float64() < g.cfg.HazardDensity {
			g.obstacle(bodyEnd - g.x)
		} else {
			g.stepOrFlat()
		}
	}
	g.finish()
}

// flatTerrain is the fallback level: flat ground from start to end.
func (g *generator) flatTerrain() {
	g.lv.resize(g.cfg.Length, g.cfg.Height)
	g.x, g.h = 0, minSurface
	g.finish()
}

// finish fills the remaining columns with flat ground and the right wall.
func (g *generator) finish() {
	lv := g.lv
	g.flat(lv.w - 1 - g.x)
	for y := 0; y < lv.h; y++ {
		lv.set(lv.w-1, y, tileWall)
	}
	lv.startX, lv.startY = 1.5, float64(lv.surface[1])
	lv.endY = float64(lv.surface[lv.w-2])
	for x := lv.endX0(); x < lv.w-1; x++ {
		for y := lv.surface[x]; y < lv.h; y++ {
			lv.set(x, y, tileEndZone)
		}
	}
}

// column makes column x solid ground up to height h (h = 0: a pit).
func (g *generator) column(h int) {
	for y := 0; y < h; y++ {
		g.lv.set(g.x, y, tileGround)
	}
	g.lv.surface[g.x] = h
	g.x++
}

func (g *generator) flat(n int) {
	for range n {
		g.column(g.h)
	}
}

// stepOrFlat emits flat ground, or a step up or down followed by a landing.
func (g *generator) stepOrFlat() {
	if g.rng.Intn(2) == 0 {
		g.flat(2 + g.rng.Intn(3))
		return
	}
	d := 1
	if g.hard {
		d += g.rng.Intn(2)
	}
	if g.rng.Intn(2) == 0 {
		d = -d
	}
	g.h = clampInt(g.h+d, minSurface, g.maxH)
	g.flat(2 + g.rng.Intn(2))
}

// obstacle emits one obstacle section followed by a landing strip, or flat
// ground when fewer than room columns are left for it.
func (g *generator) obstacle(room int) {
	lv := g.lv
	maxWide, landing := 2, 3
	kinds := 4 // gap, lava pit, saw, crates
	if g.hard {
		maxWide, landing = 3, 2
		kinds = 5 // + enemy
	}
	kind := g.rng.Intn(kinds)
	switch {
	case kind == 0 && room >= maxWide+landing: // gap with lava at the bottom
		for range 1 + g.rng.Intn(maxWide) {
			lv.set(g.x, 0, tileLava)
			g.column(0)
		}
	case kind == 1 && room >= maxWide+landing: // lava pit sunk one tile into the ground
		for range 1 + g.rng.Intn(maxWide) {
			lv.set(g.x, g.h-1, tileLava)
			g.column(g.h - 1)
			lv.surface[g.x-1] = 0
		}
	case kind == 2 && room >= 1+landing: // saw on the ground, or raised one tile (hard)
		y := g.h
		if g.hard && g.rng.Intn(2) == 0 {
			y++
		}
		lv.set(g.x, y, tileSaw)
		g.column(g.h)
	case kind == 3 && room >= 2+landing: // crate stack, 1 or 2 wide
		tall, wide := 1, 1+g.rng.Intn(2)
		if g.hard {
			tall += g.rng.Intn(2)
		}
		for range wide {
			for y := g.h; y < g.h+tall; y++ {
				lv.set(g.x, y, tileCrate)
			}
			g.column(g.h)
			lv.surface[g.x-1] = g.h + tall
		}
	case kind == 4 && room >= 5+landing: // enemy patrolling a flat strip
		x0 := float64(g.x) + 1.5
		lv.enemies = append(lv.enemies, enemy{x0: x0, y: float64(g.h), phase: g.rng.Intn(2 * enemyLegTicks)})
		g.flat(5)
	default:
		g.flat(1)
		return
	}
	g.flat(landing)
}

// placeCoinAtEnd puts the coin in the end zone beside the wall.
func (g *generator) placeCoinAtEnd() {
	lv := g.lv
	lv.coinAtEnd = true
	lv.coinX, lv.coinY = float64(lv.w)-1.5, lv.endY+0.5
}

// placeCoinRandom moves the coin RandomCoinLift tiles above a ground tile
// in the first RandomCoinRegion of the level that the search proves
// reachable. It tries candidates in random order, quiet ones first (flat
// ground with no obstacle within quietRadius columns, where an agent
// running for the end has no reason to jump, so it collects a hovering coin
// only on purpose); if none of maxCoinTries candidates is reachable the
// coin stays at the end.
func (g *generator) placeCoinRandom() {
	lv := g.lv
	lift := g.cfg.RandomCoinLift
	limit := min(int(g.cfg.RandomCoinRegion*float64(lv.w)), lv.endX0()-1)
	g.cands = g.cands[:0]
	quiet := 0
	for x := startColumns; x < limit; x++ {
		if s := lv.surface[x]; s > 0 && s+lift < lv.h && g.emptyCells(x, s, s+lift) {
			g.cands = append(g.cands, x)
			if g.quiet(x) {
				last := len(g.cands) - 1
				g.cands[quiet], g.cands[last] = g.cands[last], g.cands[quiet]
				quiet++
			}
		}
	}
	g.shuffle(g.cands[:quiet])
	g.shuffle(g.cands[quiet:])
	for i, x := range g.cands {
		if i == maxCoinTries {
			break
		}
		lv.coinAtEnd = false
		lv.coinX, lv.coinY = float64(x)+0.5, float64(lv.surface[x]+lift)+0.5
		if g.search.reachable(lv, g.cfg.MaxSteps) {
			return
		}
	}
	g.placeCoinAtEnd()
}

// shuffle permutes xs uniformly (Fisher–Yates by hand: RNG.Shuffle's swap
// closure would allocate).
func (g *generator) shuffle(xs []int) {
	for i := len(xs) - 1; i > 0; i-- {
		j := g.rng.Intn(i + 1)
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// quietRadius is how far from a quiet coin column the ground stays flat and
// free of obstacles.
const quietRadius = 2

// quiet reports whether columns x±quietRadius are flat ground at column x's
// height with nothing on it.
func (g *generator) quiet(x int) bool {
	lv := g.lv
	s := lv.surface[x]
	for c := x - quietRadius; c <= x+quietRadius; c++ {
		if lv.surface[c] != s || lv.at(c, s) != tileEmpty || lv.at(c, s+1) != tileEmpty {
			return false
		}
	}
	for i := range lv.enemies {
		if e := &lv.enemies[i]; e.x0-1 < float64(x+quietRadius+1) && e.x0+enemySpan+1 > float64(x-quietRadius) {
			return false
		}
	}
	return true
}

// emptyCells reports whether cells y0..y1 of column x are all empty.
func (g *generator) emptyCells(x, y0, y1 int) bool {
	for y := y0; y <= y1; y++ {
		if g.lv.at(x, y) != tileEmpty {
			return false
		}
	}
	return true
}
