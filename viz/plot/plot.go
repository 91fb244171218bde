// Package plot draws misgen's result plots as PNG images with gonum/plot:
// learning curves (episodic return and success rate against environment
// steps, one line per training seed) and failure-rate bar charts (one
// group per variant, one bar per outcome, Wilson interval error bars).
//
// Inputs are plain structs so the package does not depend on how the
// experiments package stores logs and tables.
package plot

import (
	"bytes"
	"fmt"
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/misgen/misgen/internal/atomicfile"
)

// Size is the size of a plot image.
type Size struct {
	W, H vg.Length // physical size
	DPI  int       // pixels per inch
}

// DefaultSize is 8 × 6 inches at 100 dpi: an 800 × 600 pixel PNG.
var DefaultSize = Size{W: 8 * vg.Inch, H: 6 * vg.Inch, DPI: 100}

// Pixels returns the image size in pixels.
func (s Size) Pixels() (w, h int) {
	return int(s.W.Dots(float64(s.DPI)) + 0.5), int(s.H.Dots(float64(s.DPI)) + 0.5)
}

// render draws plots stacked vertically into one PNG.
func render(size Size, plots ...*gplot.Plot) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(size.W, size.H), vgimg.UseDPI(size.DPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	rows := make([][]*gplot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*gplot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := gplot.Align(rows, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// writePNG atomically writes png to path.
func writePNG(path string, png []byte) error {
	if err := atomicfile.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// seriesColor is the colour of the i-th line of a chart (SAE kinds,
// seeds, steering directions). Lines are not outcomes, so they take the
// scatter groups' colours, which avoid the success and proxy families.
func seriesColor(i int) color.Color { return groupColor(i) }

// renderWithLegendRoom draws one plot with its legend below the axes, in
// a strip of legendRows lines, so the legend covers neither the title nor
// the data.
func renderWithLegendRoom(size Size, p *gplot.Plot, legendRows int) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(size.W, size.H), vgimg.UseDPI(size.DPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	leg := p.Legend
	p.Legend = gplot.NewLegend()
	room := vg.Length(legendRows)*leg.TextStyle.Height("Xg")*1.25 + 4*vg.Millimeter
	p.Draw(draw.Crop(dc, 2*vg.Millimeter, -2*vg.Millimeter, room, -2*vg.Millimeter))
	leg.Top, leg.Left = true, true
	leg.Draw(draw.Crop(dc, 12*vg.Millimeter, 0, 2*vg.Millimeter, -(size.H - room)))
	p.Legend = leg
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}
