package plot

import (
	"fmt"
	"math"
	"sort"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/misgen/misgen/schema"
)

// Series and Chart are the figure data of package schema, which
// analyses return and this package draws.
type (
	Series = schema.Series
	Chart  = schema.Chart
)

// ChartPNG draws c.
func ChartPNG(c Chart, size Size) (png []byte, err error) {
	if len(c.Series) == 0 {
		return nil, fmt.Errorf("plot: chart %q without series", c.Title)
	}
	defer func() { // gonum/plot panics on some degenerate ranges
		if r := recover(); r != nil {
			png, err = nil, fmt.Errorf("plot: chart %q: %v", c.Title, r)
		}
	}()
	p := gplot.New()
	p.Title.Text = c.Title
	p.X.Label.Text, p.Y.Label.Text = c.XLabel, c.YLabel
	if c.LogX {
		p.X.Scale, p.X.Tick.Marker = gplot.LogScale{}, gplot.LogTicks{Prec: -1}
	}
	if c.LogY {
		p.Y.Scale, p.Y.Tick.Marker = gplot.LogScale{}, gplot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	for i, s := range c.Series {
		if err := checkSeries(s, c.LogX, c.LogY); err != nil {
			return nil, fmt.Errorf("plot: chart %q series %q: %w", c.Title, s.Label, err)
		}
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			pts[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: %w", err)
		}
		line.Color, points.Color = seriesColor(i), seriesColor(i)
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		if s.Dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(line, points)
		p.Legend.Add(s.Label, line, points)
		if s.Low != nil {
			errs := make(errorPoints, len(s.X))
			for j := range s.X {
				errs[j] = errorPoint{x: s.X[j], y: s.Y[j], low: s.Y[j] - s.Low[j], high: s.High[j] - s.Y[j]}
			}
			eb, err := plotter.NewYErrorBars(errs)
			if err != nil {
				return nil, fmt.Errorf("plot: %w", err)
			}
			eb.Color, eb.CapWidth = seriesColor(i), vg.Points(4)
			p.Add(eb)
		}
	}
	if c.LogX {
		p.X.Min, p.X.Max = logRange(c.Series, func(s Series) []float64 { return s.X })
		p.X.Tick.Marker = valueTicks(c.Series)
	}
	if c.YMax > c.YMin {
		p.Y.Min, p.Y.Max = c.YMin, c.YMax
	}
	if c.LogY {
		p.Y.Min, p.Y.Max = logRange(c.Series, func(s Series) []float64 { return s.Y })
	}
	if !math.IsNaN(c.HLine) {
		ref := plotter.NewFunction(func(float64) float64 { return c.HLine })
		ref.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		ref.Color = seriesColor(len(c.Series))
		p.Add(ref)
		if c.HLineLabel != "" {
			p.Legend.Add(c.HLineLabel, ref)
		}
	}
	return renderWithLegendRoom(size, p, len(c.Series)+1)
}

// check reports series whose lengths disagree or whose values cannot be
// drawn on the axes.
func checkSeries(s Series, logX, logY bool) error {
	if len(s.X) == 0 || len(s.X) != len(s.Y) {
		return fmt.Errorf("%d x values, %d y values", len(s.X), len(s.Y))
	}
	if (s.Low == nil) != (s.High == nil) || (s.Low != nil && (len(s.Low) != len(s.X) || len(s.High) != len(s.X))) {
		return fmt.Errorf("error bars need Low and High of %d values", len(s.X))
	}
	for j := range s.X {
		if math.IsNaN(s.X[j]) || math.IsNaN(s.Y[j]) || math.IsInf(s.X[j], 0) || math.IsInf(s.Y[j], 0) {
			return fmt.Errorf("point %d = (%v, %v) is not finite", j, s.X[j], s.Y[j])
		}
		if (logX && s.X[j] <= 0) || (logY && s.Y[j] <= 0) {
			return fmt.Errorf("point %d = (%v, %v) on a log axis", j, s.X[j], s.Y[j])
		}
		if s.Low != nil && !(s.Low[j] <= s.Y[j] && s.Y[j] <= s.High[j]) {
			return fmt.Errorf("point %d: y %v outside its bar [%v, %v]", j, s.Y[j], s.Low[j], s.High[j])
		}
	}
	return nil
}

// WriteChart writes the chart's PNG to path atomically.
func WriteChart(path string, c Chart, size Size) error {
	png, err := ChartPNG(c, size)
	if err != nil {
		return err
	}
	return writePNG(path, png)
}

// logRange is an axis range for a log scale that holds every value of the
// series with a margin, also when they are all equal.
func logRange(series []Series, values func(Series) []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range values(s) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo / 1.5, hi * 1.5
}

// valueTicks labels a log x axis at every x value of the series (e.g. the
// L0 targets 2, 4, 8, 16), which decade ticks would leave unlabelled, with
// three significant digits.
func valueTicks(series []Series) gplot.ConstantTicks {
	seen := map[float64]bool{}
	var ticks gplot.ConstantTicks
	for _, s := range series {
		for _, x := range s.X {
			if !seen[x] {
				seen[x] = true
				ticks = append(ticks, gplot.Tick{Value: x, Label: fmt.Sprintf("%.3g", x)})
			}
		}
	}
	sort.Slice(ticks, func(a, b int) bool { return ticks[a].Value < ticks[b].Value })
	// A measured value next to a target (L0 15.97 beside 16) would print
	// over its neighbour: only the first of values within 10% is labelled.
	last := math.Inf(-1)
	for i := range ticks {
		if ticks[i].Value < last*1.1 {
			ticks[i].Label = ""
			continue
		}
		last = ticks[i].Value
	}
	return ticks
}
