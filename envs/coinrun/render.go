package coinrun

import (
	"image"
	"image/color"

	"github.com/misgen/misgen/envs"
)

// colCrateEdge frames crates in Render so stacked crates are countable.
var colCrateEdge = color.RGBA{R: 120, G: 80, B: 30, A: 255}

// renderPalette colours the grid for Render: saws are drawn as discs over
// sky, so their cell is sky here, and crates as a lighter square on their
// frame colour.
var renderPalette = func() envs.Palette {
	p := palette
	p[tileSaw] = colSky
	p[tileCrate] = colCrateEdge
	return p
}()

// render draws the whole level at scale pixels per tile with the agent box
// of b, enemies at tick t and, unless taken, the coin as a gold disc.
func (lv *level) render(scale int, b *body, t int, coinTaken bool) *image.RGBA {
	if scale <= 0 {
		panic("coinrun: Render with non-positive scale")
	}
	c := envs.RenderGrid(&lv.grid, scale, &renderPalette)
	for y := 0; y < lv.h; y++ {
		for x := 0; x < lv.w; x++ {
			switch lv.grid.Tiles[y*lv.w+x] {
			case tileSaw:
				c.TileCircle(x, y, 0.45, colSaw)
			case tileCrate:
				c.TileRect(x, y, 0.15, colCrate)
			}
		}
	}
	for i := range lv.enemies {
		e := &lv.enemies[i]
		ex := float32(e.xAt(t))
		c.Rect(ex-enemyHalfSize, float32(e.y), ex+enemyHalfSize, float32(e.y)+2*enemyHalfSize, colEnemy)
	}
	if !coinTaken {
		c.Circle(float32(lv.coinX), float32(lv.coinY), coinHalf+0.05, colCoin)
	}
	x, y := float32(b.x), float32(b.y)
	c.Rect(x-agentHalfWidth, y, x+agentHalfWidth, y+agentHeight, colAgent)
	return c.Img
}
