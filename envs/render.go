package envs

import (
	"fmt"
	"image"
	"image/color"
)

// Palette maps tile codes to colours for rendering.
type Palette [256]color.RGBA

// Canvas is an *image.RGBA showing a level in tile units: each tile is
// Scale×Scale pixels and tile y = 0 is the bottom row of the image, so games
// draw in level coordinates (also fractional ones, for smooth movement) and
// never flip y themselves. The viewer and reports draw with the same Canvas.
type Canvas struct {
	Img   *image.RGBA
	Scale int
	Rows  int // level height in tiles
}

// NewCanvas returns a canvas for a w×h-tile level at scale pixels per tile.
// It panics if a size is not positive.
func NewCanvas(w, h, scale int) *Canvas {
	if w <= 0 || h <= 0 || scale <= 0 {
		panic(fmt.Sprintf("envs: NewCanvas(%d, %d, scale %d): sizes must be positive", w, h, scale))
	}
	return &Canvas{Img: image.NewRGBA(image.Rect(0, 0, w*scale, h*scale)), Scale: scale, Rows: h}
}

// RenderGrid returns a new image of g with each tile scale×scale pixels in
// the colours of pal.
func RenderGrid(g *Grid, scale int, pal *Palette) *Canvas {
	c := NewCanvas(g.W, g.H, scale)
	c.DrawGrid(g, pal)
	return c
}

// DrawGrid paints every tile of g with its palette colour.
func (c *Canvas) DrawGrid(g *Grid, pal *Palette) {
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			c.Rect(float32(x), float32(y), float32(x+1), float32(y+1), pal[g.Tiles[y*g.W+x]])
		}
	}
}

// pixelX and pixelY convert level coordinates to pixel coordinates.
func (c *Canvas) pixelX(x float32) float32 { return x * float32(c.Scale) }
func (c *Canvas) pixelY(y float32) float32 { return float32(c.Rows*c.Scale) - y*float32(c.Scale) }

// Rect fills the level-space rectangle [x0, x1)×[y0, y1) with col, clipped
// to the image. Pixels whose centre lies inside the rectangle are painted.
func (c *Canvas) Rect(x0, y0, x1, y1 float32, col color.RGBA) {
	px0, px1 := roundPix(c.pixelX(x0)), roundPix(c.pixelX(x1))
	py0, py1 := roundPix(c.pixelY(y1)), roundPix(c.pixelY(y0))
	b := c.Img.Rect
	px0, py0 = max(px0, b.Min.X), max(py0, b.Min.Y)
	px1, py1 = min(px1, b.Max.X), min(py1, b.Max.Y)
	for py := py0; py < py1; py++ {
		off := c.Img.PixOffset(px0, py)
		for px := px0; px < px1; px++ {
			p := c.Img.Pix[off : off+4 : off+4]
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, col.A
			off += 4
		}
	}
}

// TileRect fills tile (x, y) inset by the fraction inset of a tile on every
// side (0 fills the whole tile).
func (c *Canvas) TileRect(x, y int, inset float32, col color.RGBA) {
	c.Rect(float32(x)+inset, float32(y)+inset, float32(x+1)-inset, float32(y+1)-inset, col)
}

// Circle fills the disc of radius r (level units) centred at (cx, cy) with
// col. Pixels whose centre lies inside the disc are painted.
func (c *Canvas) Circle(cx, cy, r float32, col color.RGBA) {
	pcx, pcy, pr := c.pixelX(cx), c.pixelY(cy), r*float32(c.Scale)
	b := c.Img.Rect
	x0, x1 := max(int(pcx-pr)-1, b.Min.X), min(int(pcx+pr)+2, b.Max.X)
	y0, y1 := max(int(pcy-pr)-1, b.Min.Y), min(int(pcy+pr)+2, b.Max.Y)
	for py := y0; py < y1; py++ {
		dy := float32(py) + 0.5 - pcy
		for px := x0; px < x1; px++ {
			dx := float32(px) + 0.5 - pcx
			if dx*dx+dy*dy <= pr*pr {
				c.Img.SetRGBA(px, py, col)
			}
		}
	}
}

// TileCircle fills a disc centred in tile (x, y) whose radius is the
// fraction frac of a tile.
func (c *Canvas) TileCircle(x, y int, frac float32, col color.RGBA) {
	c.Circle(float32(x)+0.5, float32(y)+0.5, frac, col)
}

// TileShape paints the pixels of tile (x, y) whose centre lies inside
// shape (tile-relative coordinates, see Shape) with col.
func (c *Canvas) TileShape(x, y int, shape Shape, col color.RGBA) {
	px0, px1 := roundPix(c.pixelX(float32(x))), roundPix(c.pixelX(float32(x+1)))
	py0, py1 := roundPix(c.pixelY(float32(y+1))), roundPix(c.pixelY(float32(y)))
	b := c.Img.Rect
	side := float32(c.Scale)
	for py := max(py0, b.Min.Y); py < min(py1, b.Max.Y); py++ {
		v := 1 - (float32(py-py0)+0.5)/side
		for px := max(px0, b.Min.X); px < min(px1, b.Max.X); px++ {
			if shape((float32(px-px0)+0.5)/side, v) {
				c.Img.SetRGBA(px, py, col)
			}
		}
	}
}

// roundPix rounds a pixel edge so that a pixel is covered when its centre is.
func roundPix(v float32) int {
	if v < 0 {
		return -int(-v + 0.5)
	}
	return int(v + 0.5)
}
