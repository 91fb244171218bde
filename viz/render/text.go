package render

import (
	"image"
	"image/color"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The HUD uses the 7×13 bitmap font: its glyph masks are fully opaque or
// fully transparent, so text adds no blended colours and GIF palettes stay
// exact.
const (
	charW   = 7  // advance of one glyph in pixels
	lineH   = 13 // line height in pixels
	ascent  = 11 // baseline offset from the top of a line
	padding = 6  // margin inside panels
)

// drawText draws s with its line box's top-left corner at (x, y), cut to at
// most maxChars characters (0: no limit) with a trailing '~' marking a cut.
func drawText(dst *image.RGBA, x, y int, s string, col color.RGBA, maxChars int) {
	if maxChars > 0 && len(s) > maxChars {
		s = s[:maxChars-1] + "~"
	}
	d := font.Drawer{Dst: dst, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y+ascent)}
	d.DrawString(s)
}

// fill paints r (clipped to dst) with col.
func fill(dst *image.RGBA, r image.Rectangle, col color.RGBA) {
	r = r.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		off := dst.PixOffset(r.Min.X, y)
		for x := r.Min.X; x < r.Max.X; x++ {
			p := dst.Pix[off : off+4 : off+4]
			p[0], p[1], p[2], p[3] = col.R, col.G, col.B, col.A
			off += 4
		}
	}
}
