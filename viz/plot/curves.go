package plot

import (
	"fmt"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// CurvePoint is one logged point of a training run.
type CurvePoint struct {
	Step    int64   // environment steps so far (all envs)
	Return  float64 // mean episodic return of the episodes finished near Step
	Success float64 // fraction of those episodes that reached the true goal, in [0, 1]
}

// Curve is the learning curve of one training seed.
type Curve struct {
	Label  string // legend entry, e.g. "seed 0"
	Points []CurvePoint
}

// LearningCurves draws return (top panel) and success rate (bottom panel)
// against environment steps, one line per curve, and returns the PNG. It
// needs at least one curve with at least one point; NaN values (no episode
// finished yet) are left out of the lines.
func LearningCurves(curves []Curve, title string, size Size) ([]byte, error) {
	n := 0
	for _, c := range curves {
		n += len(c.Points)
	}
	if n == 0 {
		return nil, fmt.Errorf("plot: learning curves without points")
	}
	ret := gplot.New()
	ret.Title.Text = title
	ret.Y.Label.Text = "episodic return"
	ret.X.Tick.Marker = stepTicks{}
	succ := gplot.New()
	succ.X.Label.Text = "environment steps"
	succ.Y.Label.Text = "success rate"
	succ.Y.Min, succ.Y.Max = 0, 1
	succ.X.Tick.Marker = stepTicks{}
	for i, c := range curves {
		r, s := make(plotter.XYs, 0, len(c.Points)), make(plotter.XYs, 0, len(c.Points))
		for _, p := range c.Points {
			if !math.IsNaN(p.Return) && !math.IsInf(p.Return, 0) {
				r = append(r, plotter.XY{X: float64(p.Step), Y: p.Return})
			}
			if !math.IsNaN(p.Success) {
				s = append(s, plotter.XY{X: float64(p.Step), Y: p.Success})
			}
		}
		for j, pts := range []plotter.XYs{r, s} {
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, fmt.Errorf("plot: curve %q: %w", c.Label, err)
			}
			l.Color = seriesColor(i)
			l.Width = vg.Points(1.5)
			if j == 0 {
				ret.Add(l)
				ret.Legend.Add(c.Label, l)
			} else {
				succ.Add(l)
			}
		}
	}
	ret.Legend.Top = false
	ret.Legend.Left = false
	ret.Add(plotter.NewGrid())
	succ.Add(plotter.NewGrid())
	return render(size, ret, succ)
}

// WriteLearningCurves writes LearningCurves to path atomically.
func WriteLearningCurves(path string, curves []Curve, title string, size Size) error {
	png, err := LearningCurves(curves, title, size)
	if err != nil {
		return err
	}
	return writePNG(path, png)
}

// stepTicks labels step counts compactly (250k, 1.5M).
type stepTicks struct{}

func (stepTicks) Ticks(min, max float64) []gplot.Tick {
	ticks := gplot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = compact(ticks[i].Value)
		}
	}
	return ticks
}

func compact(x float64) string {
	switch a := math.Abs(x); {
	case a >= 1e6:
		return trim(fmt.Sprintf("%.2f", x/1e6)) + "M"
	case a >= 1e3:
		return trim(fmt.Sprintf("%.1f", x/1e3)) + "k"
	}
	return trim(fmt.Sprintf("%.1f", x))
}

func trim(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' && containsDot(s) {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func containsDot(s string) bool {
	for _, c := range s {
		if c == '.' {
			return true
		}
	}
	return false
}
