package interp

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Figure geometry shared by the labelled figures.
const (
	figPad      = 8  // outer margin, pixels
	figLineH    = 15 // text line height (7×13 font + 2)
	figCharW    = 7  // text advance per character
	figMinWidth = 600
)

var (
	figBackground = color.RGBA{255, 255, 255, 255}
	figInk        = color.RGBA{20, 20, 20, 255}
	figFrame      = color.RGBA{160, 160, 160, 255}
)

// ChannelGrid is a figure of vectors laid out over an observation's
// channels: one column per vector, one row per channel, each cell the
// channel's H×W values on a diverging scale (blue negative, white 0, red
// positive) shared by the whole figure, so cells compare directly. Columns
// carry captions (e.g. eigenvalues), rows carry channel names, and a colour
// bar names the scale.
type ChannelGrid struct {
	Title    string
	Shape    [3]int      // C, H, W of one vector
	Channels []string    // row labels, len C (missing names are numbered)
	Vectors  [][]float64 // columns; each of length C·H·W (extra values ignored)
	Captions []string    // column captions, len(Vectors)
	// Note is an optional line under the colour bar (e.g. what the extra
	// coordinate of a vector held).
	Note string
}

// Render draws the grid at least figMinWidth pixels wide.
func (g ChannelGrid) Render() (*image.RGBA, error) {
	c, h, w := g.Shape[0], g.Shape[1], g.Shape[2]
	if c < 1 || h < 1 || w < 1 || len(g.Vectors) == 0 {
		return nil, fmt.Errorf("channel grid: shape %v with %d vectors", g.Shape, len(g.Vectors))
	}
	scale := float64(0)
	for i, v := range g.Vectors {
		if len(v) < c*h*w {
			return nil, fmt.Errorf("channel grid: vector %d has %d values, shape %v needs %d", i, len(v), g.Shape, c*h*w)
		}
		for _, x := range v[:c*h*w] {
			scale = math.Max(scale, math.Abs(x))
		}
	}
	if scale == 0 {
		scale = 1
	}
	labelW := figCharW * (longest(g.Channels, c) + 1)
	cell := max(6, min(24, 96/max(h, w)))
	colW := max(w*cell, figCharW*(longest(g.Captions, len(g.Vectors))+1)) + 6
	gridW := len(g.Vectors) * colW
	width := max(figMinWidth, 2*figPad+labelW+gridW)
	top := figPad + 2*figLineH
	height := top + c*(h*cell+4) + 3*figLineH + 12 + figPad
	if g.Note != "" {
		height += figLineH
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(figBackground), image.Point{}, draw.Src)
	drawText(img, figPad, figPad, g.Title, figInk)
	x0 := figPad + labelW
	for j, v := range g.Vectors {
		cx := x0 + j*colW
		if j < len(g.Captions) {
			drawText(img, cx, figPad+figLineH, g.Captions[j], figInk)
		}
		for ch := 0; ch < c; ch++ {
			y := top + ch*(h*cell+4)
			drawHeat(img, cx, y, v[ch*h*w:(ch+1)*h*w], h, w, cell, scale)
		}
	}
	for ch := 0; ch < c; ch++ {
		drawText(img, figPad, top+ch*(h*cell+4)+(h*cell-13)/2, channelName(g.Channels, ch), figInk)
	}
	barY := top + c*(h*cell+4) + 6
	drawColourBar(img, x0, barY, min(gridW, 300), 12, scale)
	if g.Note != "" {
		drawText(img, x0, barY+12+figLineH+2, g.Note, figInk)
	}
	return img, nil
}

// Panels is a figure of observation-shaped vectors (e.g. the observations
// on which a latent fires most), each with a caption, channels side by
// side, one panel per row, each panel on its own diverging scale.
type Panels struct {
	Title    string
	Shape    [3]int
	Channels []string
	Vectors  [][]float32
	Captions []string
}

// Render draws the panels at least figMinWidth pixels wide.
func (p Panels) Render() (*image.RGBA, error) {
	c, h, w := p.Shape[0], p.Shape[1], p.Shape[2]
	if c < 1 || h < 1 || w < 1 || len(p.Vectors) == 0 {
		return nil, fmt.Errorf("panels: shape %v with %d vectors", p.Shape, len(p.Vectors))
	}
	cell := max(4, min(12, 72/max(h, w)))
	tileW := max(w*cell, figCharW*6) + 6
	width := max(figMinWidth, 2*figPad+c*tileW)
	rowH := figLineH + h*cell + 6
	height := figPad + 2*figLineH + len(p.Vectors)*rowH + figPad
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(figBackground), image.Point{}, draw.Src)
	drawText(img, figPad, figPad, p.Title, figInk)
	for ch := 0; ch < c; ch++ {
		drawText(img, figPad+ch*tileW, figPad+figLineH, truncate(channelName(p.Channels, ch), tileW/figCharW), figInk)
	}
	for i, v := range p.Vectors {
		if len(v) != c*h*w {
			return nil, fmt.Errorf("panels: vector %d has %d values, shape %v needs %d", i, len(v), p.Shape, c*h*w)
		}
		y := figPad + 2*figLineH + i*rowH
		if i < len(p.Captions) {
			drawText(img, figPad, y, p.Captions[i], figInk)
		}
		scale := 0.0
		for _, x := range v {
			scale = math.Max(scale, math.Abs(float64(x)))
		}
		if scale == 0 {
			scale = 1
		}
		f := make([]float64, len(v))
		for k, x := range v {
			f[k] = float64(x)
		}
		for ch := 0; ch < c; ch++ {
			drawHeat(img, figPad+ch*tileW, y+figLineH, f[ch*h*w:(ch+1)*h*w], h, w, cell, scale)
		}
	}
	return img, nil
}

// drawHeat draws h×w values as cell-sized squares with a frame.
func drawHeat(img *image.RGBA, x0, y0 int, vals []float64, h, w, cell int, scale float64) {
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			col := diverging(vals[y*w+x] / scale)
			draw.Draw(img, image.Rect(x0+x*cell, y0+y*cell, x0+(x+1)*cell, y0+(y+1)*cell), image.NewUniform(col), image.Point{}, draw.Src)
		}
	}
	r := image.Rect(x0-1, y0-1, x0+w*cell+1, y0+h*cell+1)
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetRGBA(x, r.Min.Y, figFrame)
		img.SetRGBA(x, r.Max.Y-1, figFrame)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.SetRGBA(r.Min.X, y, figFrame)
		img.SetRGBA(r.Max.X-1, y, figFrame)
	}
}

// drawColourBar draws the diverging scale from −scale to +scale with its
// end and middle values.
func drawColourBar(img *image.RGBA, x0, y0, w, h int, scale float64) {
	for x := 0; x < w; x++ {
		col := diverging(2*float64(x)/float64(w-1) - 1)
		draw.Draw(img, image.Rect(x0+x, y0, x0+x+1, y0+h), image.NewUniform(col), image.Point{}, draw.Src)
	}
	lo, hi := fmt.Sprintf("%.3g", -scale), fmt.Sprintf("%+.3g", scale)
	drawText(img, x0, y0+h+2, lo, figInk)
	drawText(img, x0+w/2-figCharW/2, y0+h+2, "0", figInk)
	drawText(img, x0+w-figCharW*len(hi), y0+h+2, hi, figInk)
}

// drawText draws s with its top-left corner at (x, y). The bitmap font has
// ASCII glyphs only: the minus sign becomes '-' and other non-ASCII runes
// '?', so callers write captions in ASCII.
func drawText(img *image.RGBA, x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y+11)}
	d.DrawString(strings.Map(func(r rune) rune {
		switch {
		case r == '−':
			return '-'
		case r > 126:
			return '?'
		}
		return r
	}, s))
}

func channelName(names []string, i int) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return fmt.Sprintf("ch%d", i)
}

// longest is the length of the longest of the first n names (numbered
// names for missing ones).
func longest(names []string, n int) int {
	l := 0
	for i := 0; i < n; i++ {
		l = max(l, len([]rune(channelName(names, i))))
	}
	return l
}

func truncate(s string, n int) string {
	r := []rune(s)
	if n < 1 || len(r) <= n {
		return s
	}
	return string(r[:n])
}
