package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/misgen/misgen/schema"
)

// ScatterPoint and ScatterPanel are the figure data of package schema.
type (
	ScatterPoint = schema.ScatterPoint
	ScatterPanel = schema.ScatterPanel
)

// Scatter draws panels stacked vertically, each with one marker per point
// and its y error bar, and the legend of groups in the first panel, and
// returns the PNG. Points with a non-finite x or y are left out; a panel
// without any finite point is an error.
func Scatter(panels []ScatterPanel, size Size) ([]byte, error) {
	var plots []*gplot.Plot
	for i, pn := range panels {
		p, err := scatterPanel(pn, i == 0)
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil, fmt.Errorf("plot: scatter without panels")
	}
	return render(size, plots...)
}

// WriteScatter writes Scatter to path atomically.
func WriteScatter(path string, panels []ScatterPanel, size Size) error {
	png, err := Scatter(panels, size)
	if err != nil {
		return err
	}
	return writePNG(path, png)
}

func scatterPanel(pn ScatterPanel, legend bool) (*gplot.Plot, error) {
	p := gplot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	if pn.Rates {
		p.Y.Min, p.Y.Max = 0, 1
		p.Y.Tick.Marker = gplot.ConstantTicks([]gplot.Tick{{Value: 0, Label: "0%"}, {Value: 0.25, Label: "25%"},
			{Value: 0.5, Label: "50%"}, {Value: 0.75, Label: "75%"}, {Value: 1, Label: "100%"}})
	}
	p.Add(plotter.NewGrid())
	var groups []string
	byGroup := map[string]errorPoints{}
	for _, pt := range pn.Points {
		if !finite(pt.X) || !finite(pt.Y) {
			continue
		}
		if _, ok := byGroup[pt.Group]; !ok {
			groups = append(groups, pt.Group)
		}
		lo, hi := pt.Y-pt.Lo, pt.Hi-pt.Y
		if !finite(lo) || !finite(hi) {
			lo, hi = 0, 0
		}
		byGroup[pt.Group] = append(byGroup[pt.Group], errorPoint{x: pt.X, y: pt.Y, low: lo, high: hi})
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("plot: scatter panel %q has no finite point", pn.Title)
	}
	for i, g := range groups {
		pts := byGroup[g]
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: %w", err)
		}
		eb.Color = groupColor(i)
		eb.CapWidth = vg.Points(3)
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: groupColor(i), Radius: vg.Points(3.5), Shape: shapeOf(i)}
		p.Add(eb, sc)
		if legend {
			p.Legend.Add(g, sc)
		}
	}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Millimeter
	return p, nil
}

// groupColors colour scatter groups (agents' training configs, variants)
// apart from the outcome families of viz/palette: no green and no red, so a
// group is never read as a success or a failure.
var groupColors = []color.RGBA{
	{R: 0, G: 114, B: 178, A: 255},   // blue
	{R: 230, G: 159, B: 0, A: 255},   // orange
	{R: 204, G: 121, B: 167, A: 255}, // purple
	{R: 86, G: 180, B: 233, A: 255},  // sky blue
	{R: 70, G: 60, B: 140, A: 255},   // slate blue
	{R: 40, G: 40, B: 40, A: 255},    // near black
}

// groupColor is the colour of the i-th scatter group.
func groupColor(i int) color.Color { return groupColors[i%len(groupColors)] }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// shapeOf cycles marker shapes so groups differ in shape as well as colour.
func shapeOf(i int) draw.GlyphDrawer {
	switch i % 4 {
	case 0:
		return draw.CircleGlyph{}
	case 1:
		return draw.SquareGlyph{}
	case 2:
		return draw.TriangleGlyph{}
	}
	return draw.PlusGlyph{}
}
