package plot

import (
	"fmt"
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/palette"
)

// FailureBars draws the pooled rows of a failure-rate table (rows of one
// seed are skipped): one group of bars per variant (in order of first
// appearance), one bar per outcome, with error bars over the Wilson
// interval, and returns the PNG. Bars take their outcome's palette colour
// (the true goal green, the proxy red, other endings neutral) and the
// legend sits below the axes.
func FailureBars(rows []schema.Row, roles palette.Outcomes, title string, size Size) ([]byte, error) {
	var rates []schema.Row
	for _, r := range rows {
		if r.Seed == schema.PooledSeed {
			rates = append(rates, r)
		}
	}
	if len(rates) == 0 {
		return nil, fmt.Errorf("plot: failure bars without pooled rows")
	}
	var variants, outcomes []string
	vi, oi := map[string]int{}, map[string]int{}
	for _, r := range rates {
		if r.CILow > r.Rate || r.Rate > r.CIHigh || r.CILow < 0 || r.CIHigh > 1 {
			return nil, fmt.Errorf("plot: rate %s/%s = %v with interval [%v, %v]: want 0 <= low <= rate <= high <= 1", r.Variant, r.Outcome, r.Rate, r.CILow, r.CIHigh)
		}
		if _, ok := vi[r.Variant]; !ok {
			vi[r.Variant] = len(variants)
			variants = append(variants, r.Variant)
		}
		if _, ok := oi[r.Outcome]; !ok {
			oi[r.Outcome] = len(outcomes)
			outcomes = append(outcomes, r.Outcome)
		}
	}
	p := gplot.New()
	p.Title.Text = title
	p.Y.Label.Text = "share of episodes (Wilson 95% CI)"
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = gplot.ConstantTicks([]gplot.Tick{{Value: 0, Label: "0%"}, {Value: 0.25, Label: "25%"}, {Value: 0.5, Label: "50%"}, {Value: 0.75, Label: "75%"}, {Value: 1, Label: "100%"}})
	p.NominalX(variants...)
	p.Add(plotter.NewGrid())

	// Bars of one group share 80% of the unit spacing between groups.
	width := 0.8 / float64(len(outcomes))
	bars := make([]*rectBars, len(outcomes))
	others := 0
	for j, o := range outcomes {
		role := roles.Of(o)
		bars[j] = &rectBars{color: palette.Color(role, others), width: width}
		if role == palette.Other {
			others++
		}
		p.Legend.Add(o, bars[j])
	}
	errs := errorPoints{}
	for _, r := range rates {
		x := float64(vi[r.Variant]) + (float64(oi[r.Outcome])-float64(len(outcomes)-1)/2)*width
		bars[oi[r.Outcome]].xs = append(bars[oi[r.Outcome]].xs, x)
		bars[oi[r.Outcome]].ys = append(bars[oi[r.Outcome]].ys, r.Rate)
		errs = append(errs, errorPoint{x: x, y: r.Rate, low: r.Rate - r.CILow, high: r.CIHigh - r.Rate})
	}
	for _, b := range bars {
		p.Add(b)
	}
	eb, err := plotter.NewYErrorBars(errs)
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	eb.CapWidth = vg.Points(4)
	p.Add(eb)
	p.X.Min, p.X.Max = -0.5, float64(len(variants))-0.5
	return renderWithLegendRoom(size, p, len(outcomes))
}

// WriteFailureBars writes FailureBars to path atomically.
func WriteFailureBars(path string, rows []schema.Row, roles palette.Outcomes, title string, size Size) error {
	png, err := FailureBars(rows, roles, title, size)
	if err != nil {
		return err
	}
	return writePNG(path, png)
}

// rectBars draws bars of one colour centred at xs with heights ys, width
// given in data units (gonum's BarChart sizes bars in page units, which
// cannot be lined up with error bars at data coordinates).
type rectBars struct {
	xs, ys []float64
	width  float64
	color  color.Color
}

func (b *rectBars) Plot(c draw.Canvas, p *gplot.Plot) {
	tx, ty := p.Transforms(&c)
	for i, x := range b.xs {
		x0, x1 := tx(x-b.width/2), tx(x+b.width/2)
		y0, y1 := ty(0), ty(b.ys[i])
		pts := c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.FillPolygon(b.color, pts)
	}
}

func (b *rectBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = 0, 0
	for i, x := range b.xs {
		if i == 0 || x-b.width/2 < xmin {
			xmin = x - b.width/2
		}
		if i == 0 || x+b.width/2 > xmax {
			xmax = x + b.width/2
		}
		ymax = max(ymax, b.ys[i])
	}
	return xmin, xmax, 0, ymax
}

// Thumbnail draws the legend swatch.
func (b *rectBars) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(b.color, pts)
}

type errorPoint struct{ x, y, low, high float64 }

type errorPoints []errorPoint

func (e errorPoints) Len() int                         { return len(e) }
func (e errorPoints) XY(i int) (float64, float64)      { return e[i].x, e[i].y }
func (e errorPoints) YError(i int) (low, high float64) { return e[i].low, e[i].high }
