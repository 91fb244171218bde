package coinrun

import "github.com/misgen/misgen/envs"

// Tile codes of the level grid. Codes at and above codeAgent never appear in
// the grid: they are overlays written into observation windows.
const (
	tileEmpty   uint8 = iota
	tileGround        // solid
	tileWall          // the right end wall and the outside; solid
	tileCrate         // solid
	tileLava          // deadly
	tileSaw           // deadly
	tileEndZone       // empty cell of the end zone (the proxy goal)

	codeOutside // window cell outside the level
	codeAgent
	codeAgentInEnd // agent standing in the end zone
	codeCoin
	codeCoinInEnd
	codeEnemy
	numCodes
)

// solid reports whether bodies collide with tile t.
func solid(t uint8) bool { return t == tileGround || t == tileWall || t == tileCrate }

// endZoneWidth is the number of columns left of the end wall that count as
// the level end (the proxy goal).
const endZoneWidth = 2

// enemy is a patrolling hazard. Its position is a pure function of the
// episode tick, so the reachability search can evaluate it at any time.
type enemy struct {
	x0    float64 // left end of the patrol range of the centre
	y     float64 // bottom of the enemy box
	phase int     // ticks already patrolled at tick 0
}

const (
	enemySpan     = 3.0 // tiles patrolled
	enemyLegTicks = 50  // ticks to walk the span one way (0.06 tile/tick)
	enemyHalfSize = 0.4 // the enemy box is 0.8×0.8
)

// xAt returns the centre x of the enemy at tick t: a triangle wave over the
// patrol range, in integer tick arithmetic so it is exact and cheap.
func (e *enemy) xAt(t int) float64 {
	p := (t + e.phase) % (2 * enemyLegTicks)
	if p > enemyLegTicks {
		p = 2*enemyLegTicks - p
	}
	return e.x0 + enemySpan*float64(p)/enemyLegTicks
}

// level is one generated CoinRun level. Tiles are indexed [y*w+x] with y = 0
// the bottom row; positions are in tiles with the origin bottom-left.
type level struct {
	grid    envs.Grid
	w, h    int
	surface []int // per column: number of ground tiles under the walkable surface, 0 over a gap

	startX, startY float64 // agent start (bottom-centre of its box)
	coinX, coinY   float64 // coin centre
	coinAtEnd      bool    // coin lies in the end zone
	endY           float64 // surface height in the end zone
	enemies        []enemy
}

// resize prepares lv for a w×h level, reusing its buffers.
func (lv *level) resize(w, h int) {
	lv.w, lv.h = w, h
	lv.grid.Resize(w, h)
	if cap(lv.surface) < w {
		lv.surface = make([]int, w)
	}
	lv.surface = lv.surface[:w]
	clear(lv.surface)
	lv.enemies = lv.enemies[:0]
}

// at returns the tile at column x, row y. Cells left of, right of or below
// the level are walls (solid); cells above it are empty sky.
func (lv *level) at(x, y int) uint8 {
	if x < 0 || x >= lv.w || y < 0 {
		return tileWall
	}
	if y >= lv.h {
		return tileEmpty
	}
	return lv.grid.Tiles[y*lv.w+x]
}

// set writes t at (x, y) if that cell lies in the level.
func (lv *level) set(x, y int, t uint8) {
	if lv.grid.In(x, y) {
		lv.grid.Tiles[y*lv.w+x] = t
	}
}

// endX0 is the first column of the end zone.
func (lv *level) endX0() int { return lv.w - 1 - endZoneWidth }

// proxyX returns the centre of the end zone.
func (lv *level) proxyX() float64 { return float64(lv.endX0()) + endZoneWidth/2.0 }

// asciiChars are the ASCII glyphs of the grid tiles.
var asciiChars = func() (c [256]byte) {
	c[tileEmpty], c[tileGround], c[tileWall], c[tileCrate] = '.', '#', '#', 'B'
	c[tileLava], c[tileSaw], c[tileEndZone] = '~', '*', ':'
	return c
}()

// ascii draws the level with the agent at (ax, ay) (bottom-centre) and
// enemies at tick t. Legend: '#' ground/wall, 'B' crate, '~' lava, '*' saw,
// ':' end zone, 'E' enemy, '$' coin (unless collected), '@' agent, '.' empty.
func (lv *level) ascii(ax, ay float64, t int, coinTaken bool) string {
	glyphs := make([]envs.Glyph, 0, len(lv.enemies)+2)
	for i := range lv.enemies {
		e := &lv.enemies[i]
		glyphs = append(glyphs, envs.Glyph{X: int(e.xAt(t)), Y: int(e.y), Ch: 'E'})
	}
	if !coinTaken {
		glyphs = append(glyphs, envs.Glyph{X: int(lv.coinX), Y: int(lv.coinY), Ch: '$'})
	}
	glyphs = append(glyphs, envs.Glyph{X: int(ax), Y: int(ay + agentHeight/2), Ch: '@'})
	return envs.ASCII(&lv.grid, &asciiChars, glyphs...)
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
