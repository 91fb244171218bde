package schema

import "github.com/misgen/misgen/envs"

// Figure data: what analyses (audit, interp) return for a figure, and
// viz/plot draws. The types carry numbers and labels only, no drawing
// code, so an analysis package need not import viz.

// Series is one line of a Chart: points (X[i], Y[i]) joined in order, with
// an optional error bar from Low[i] to High[i] (absolute y values) at each.
type Series struct {
	Label     string
	X, Y      []float64
	Low, High []float64 // nil: no error bars
	Dashed    bool
}

// Chart is an XY line chart of one or more series, with the legend below
// the plot area so it never covers the title or the data.
type Chart struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool // logarithmic axes (values must be > 0)
	Series                []Series
	// HLine, when not NaN, draws a dotted horizontal reference line (e.g.
	// a tolerance or the unedited baseline) labelled HLineLabel.
	HLine      float64
	HLineLabel string
	// YMin and YMax fix the y range when YMax > YMin (e.g. 0 and 1 for
	// rates); otherwise it fits the data.
	YMin, YMax float64
}

// ScatterPoint is one unit (an agent) of a scatter plot: x, y and the 95%
// interval [Lo, Hi] of y, drawn as an error bar; Group chooses its colour
// and marker (one legend entry per group).
type ScatterPoint struct {
	X, Y, Lo, Hi float64
	Group        string
}

// ScatterPanel is one panel of a scatter figure.
type ScatterPanel struct {
	Title, XLabel, YLabel string
	Points                []ScatterPoint
	// Rates puts the y axis at [0, 1] labelled in percent.
	Rates bool
}

// ChartFile is a chart an analysis asks to be drawn to File (a name
// relative to the analysis' output directory).
type ChartFile struct {
	File  string
	Chart Chart
}

// ScatterFile is a scatter figure, panels stacked vertically, to be drawn
// to File (relative to the analysis' output directory).
type ScatterFile struct {
	File   string
	Panels []ScatterPanel
}

// Arrow is a policy's expected move on one tile of a grid level, one arrow
// of a vector field: Σ p(a)·direction(a) in tiles, y upwards, length at
// most 1. agents/probe computes them; viz/render draws them.
type Arrow struct {
	Tile   envs.Point
	DX, DY float64
}

// VectorField is a policy's vector field on one level with the goal on
// tile Goal: an arrow on every open tile but the goal's, drawn with the
// agent on tile Start.
type VectorField struct {
	Start, Goal envs.Point
	Arrows      []Arrow
}
