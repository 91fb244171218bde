package envs

import (
	"fmt"
	"image/color"
	"math/bits"
)

// Window is an agent-centred View×View patch of tile codes, the common
// input of the symbolic and RGB observation encoders. A game fills it each
// Observe: Load copies the level tiles around the agent, then Put overlays
// entities (agent, cheese, ...) with their own codes. Row 0 of Codes is the
// top row of the window (highest y), column 0 the leftmost (lowest x), so
// observations come out upright like the rendered image.
type Window struct {
	View  int     // side in tiles (odd)
	Codes []uint8 // View*View codes, row-major from the top row

	cx, cy int // level tile at the window centre
}

// NewWindow returns a view×view window. It panics unless view is odd and
// positive.
func NewWindow(view int) *Window {
	if view <= 0 || view%2 == 0 {
		panic(fmt.Sprintf("envs: NewWindow(%d): view must be odd and positive", view))
	}
	return &Window{View: view, Codes: make([]uint8, view*view)}
}

// Load fills the window with the tiles of g around the centre tile (cx, cy);
// tiles outside g get the code outside.
func (w *Window) Load(g *Grid, cx, cy int, outside uint8) {
	w.cx, w.cy = cx, cy
	half := w.View / 2
	for r := 0; r < w.View; r++ {
		y := cy + half - r
		row := w.Codes[r*w.View : (r+1)*w.View]
		x0 := cx - half
		if y < 0 || y >= g.H {
			for i := range row {
				row[i] = outside
			}
			continue
		}
		src := g.Tiles[y*g.W : (y+1)*g.W]
		for i := range row {
			x := x0 + i
			if uint(x) < uint(g.W) {
				row[i] = src[x]
			} else {
				row[i] = outside
			}
		}
	}
}

// Contains reports whether level tile (x, y) lies inside the window loaded
// last.
func (w *Window) Contains(x, y int) bool {
	half := w.View / 2
	dx, dy := x-w.cx, y-w.cy
	return dx >= -half && dx <= half && dy >= -half && dy <= half
}

// Cell returns the window row (0 = top) and column of level tile (x, y),
// and whether that tile lies inside the window loaded last.
func (w *Window) Cell(x, y int) (row, col int, ok bool) {
	if !w.Contains(x, y) {
		return 0, 0, false
	}
	half := w.View / 2
	return half - (y - w.cy), half + (x - w.cx), true
}

// Put overlays code at level tile (x, y) if that tile lies inside the
// window loaded last; it reports whether it did.
func (w *Window) Put(x, y int, code uint8) bool {
	r, c, ok := w.Cell(x, y)
	if ok {
		w.Codes[r*w.View+c] = code
	}
	return ok
}

// SymbolicEncoder turns a Window into multi-hot channel planes: each tile
// code sets the channels of its mask (usually one; an entity standing on
// floor may set both "agent" and "floor"). The output is channel-major
// C×View×View float32 in {0, 1}.
type SymbolicEncoder struct {
	View     int
	Channels int
	masks    [256]uint32
}

// NewSymbolicEncoder returns an encoder for view×view windows with the given
// number of channels (at most 32); every code starts with no channels.
func NewSymbolicEncoder(view, channels int) *SymbolicEncoder {
	if view <= 0 || view%2 == 0 {
		panic(fmt.Sprintf("envs: NewSymbolicEncoder: view %d must be odd and positive", view))
	}
	if channels <= 0 || channels > 32 {
		panic(fmt.Sprintf("envs: NewSymbolicEncoder: %d channels, want 1..32", channels))
	}
	return &SymbolicEncoder{View: view, Channels: channels}
}

// SetChannels makes tile code set exactly the given channels.
func (e *SymbolicEncoder) SetChannels(code uint8, channels ...int) {
	var m uint32
	for _, c := range channels {
		if c < 0 || c >= e.Channels {
			panic(fmt.Sprintf("envs: SetChannels(%d): channel %d out of range [0, %d)", code, c, e.Channels))
		}
		m |= 1 << c
	}
	e.masks[code] = m
}

// Size is the number of floats Encode writes: Channels*View*View.
func (e *SymbolicEncoder) Size() int { return e.Channels * e.View * e.View }

// Encode writes the planes of w into dst, which must have length Size().
// It does not allocate.
func (e *SymbolicEncoder) Encode(dst []float32, w *Window) {
	area := e.View * e.View
	if len(dst) != e.Channels*area || w.View != e.View {
		panic(fmt.Sprintf("envs: SymbolicEncoder.Encode: len(dst) = %d, view %d; want %d, view %d",
			len(dst), w.View, e.Channels*area, e.View))
	}
	clear(dst)
	for i, code := range w.Codes[:area] {
		for m := e.masks[code]; m != 0; m &= m - 1 {
			dst[bits.TrailingZeros32(m)*area+i] = 1
		}
	}
}

// RGBEncoder renders a Window into a Size×Size RGB image, channel-major
// 3×Size×Size float32 in [0, 1], by nearest-neighbour sampling: pixel
// (px, py) shows the colour of window cell (floor((py+0.5)·View/Size),
// floor((px+0.5)·View/Size)). Colours come from a palette indexed by tile
// code, converted to floats once.
type RGBEncoder struct {
	View, Size int
	cellOf     []int32 // pixel column/row -> window column/row
	pal        [256][3]float32
}

// NewRGBEncoder returns an encoder from view×view windows to size×size
// images with the colours of pal.
func NewRGBEncoder(view, size int, pal *Palette) *RGBEncoder {
	if view <= 0 || view%2 == 0 || size <= 0 {
		panic(fmt.Sprintf("envs: NewRGBEncoder(view %d, size %d): want odd view and positive size", view, size))
	}
	e := &RGBEncoder{View: view, Size: size, cellOf: make([]int32, size)}
	for p := range e.cellOf {
		e.cellOf[p] = int32((2*p + 1) * view / (2 * size))
	}
	for code, c := range pal {
		e.pal[code] = [3]float32{float32(c.R) / 255, float32(c.G) / 255, float32(c.B) / 255}
	}
	return e
}

// Size3 is the number of floats Encode writes: 3*Size*Size.
func (e *RGBEncoder) Size3() int { return 3 * e.Size * e.Size }

// Encode renders w into dst, which must have length Size3(). It does not
// allocate. Pixel rows that sample the same window row as the previous
// pixel row are copied rather than recomputed, so the cost is about one
// computed row per window row plus memory copies.
func (e *RGBEncoder) Encode(dst []float32, w *Window) {
	s := e.Size
	plane := s * s
	if len(dst) != 3*plane || w.View != e.View {
		panic(fmt.Sprintf("envs: RGBEncoder.Encode: len(dst) = %d, view %d; want %d, view %d",
			len(dst), w.View, 3*plane, e.View))
	}
	r, g, b := dst[:plane], dst[plane:2*plane], dst[2*plane:]
	prev := int32(-1)
	for py := 0; py < s; py++ {
		row := e.cellOf[py]
		o := py * s
		if row == prev {
			copy(r[o:o+s], r[o-s:o])
			copy(g[o:o+s], g[o-s:o])
			copy(b[o:o+s], b[o-s:o])
			continue
		}
		prev = row
		codes := w.Codes[int(row)*w.View : int(row+1)*w.View]
		rr, gg, bb := r[o:o+s], g[o:o+s], b[o:o+s]
		for px, cell := range e.cellOf {
			c := &e.pal[codes[cell]]
			rr[px], gg[px], bb[px] = c[0], c[1], c[2]
		}
	}
}

// Shape says whether the point (u, v) of a tile belongs to a glyph; u and
// v are in [0, 1), u from the tile's left edge, v from its bottom edge. The
// same Shape draws a glyph in observations (RGBEncoder.PaintCell) and in
// rendered images (Canvas.TileShape) at any scale.
type Shape func(u, v float32) bool

// PaintCell paints, in an image Encode wrote for w, the pixels of the
// window cell of level tile (x, y) whose centre lies inside shape, with
// colour c; it does nothing when the tile is outside the window. It does
// not allocate.
func (e *RGBEncoder) PaintCell(dst []float32, w *Window, x, y int, shape Shape, c color.RGBA) {
	row, col, ok := w.Cell(x, y)
	if !ok {
		return
	}
	s := e.Size
	plane := s * s
	cf := [3]float32{float32(c.R) / 255, float32(c.G) / 255, float32(c.B) / 255}
	// A pixel centre p+0.5 lies at (2p+1)·View/(2·Size) window cells; its
	// offset inside cell k is that minus k, computed exactly in integers.
	den := float32(2 * s)
	within := func(p, k int) float32 { return float32((2*p+1)*e.View-2*s*k) / den }
	for py, r := range e.cellOf {
		if int(r) != row {
			continue
		}
		v := 1 - within(py, row)
		for px, cc := range e.cellOf {
			if int(cc) == col && shape(within(px, col), v) {
				for ch := 0; ch < 3; ch++ {
					dst[ch*plane+py*s+px] = cf[ch]
				}
			}
		}
	}
}

// FillRGBRect paints pixels x0 <= px < x1, y0 <= py < y1 (py = 0 is the top
// row) of a channel-major 3×size×size image with colour c, clipped to the
// image. Games use it for HUD marks such as held keys.
func FillRGBRect(dst []float32, size, x0, y0, x1, y1 int, c color.RGBA) {
	plane := size * size
	x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, size), min(y1, size)
	cf := [3]float32{float32(c.R) / 255, float32(c.G) / 255, float32(c.B) / 255}
	for ch := 0; ch < 3; ch++ {
		for y := y0; y < y1; y++ {
			row := dst[ch*plane+y*size : ch*plane+y*size+size]
			for x := x0; x < x1; x++ {
				row[x] = cf[ch]
			}
		}
	}
}
