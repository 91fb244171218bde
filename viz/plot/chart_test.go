package plot

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestChartPNG(t *testing.T) {
	size := Size{W: DefaultSize.W / 2, H: DefaultSize.H / 2, DPI: 100}
	c := Chart{Title: "steering", XLabel: "scale", YLabel: "OOD failure", HLine: 0.5, HLineLabel: "baseline",
		Series: []Series{
			{Label: "goal vector", X: []float64{-1, 0, 1}, Y: []float64{0.7, 0.5, 0.3}, Low: []float64{0.6, 0.4, 0.2}, High: []float64{0.8, 0.6, 0.4}},
			{Label: "probe", X: []float64{-1, 0, 1}, Y: []float64{0.5, 0.5, 0.5}, Dashed: true},
		}}
	data, err := ChartPNG(c, size)
	if err != nil {
		t.Fatal(err)
	}
	if _, colored := decode(t, data, size); colored < 200 {
		t.Errorf("only %d coloured pixels", colored)
	}
	for i, bad := range []Chart{
		{Series: nil},
		{Series: []Series{{X: []float64{1, 2}, Y: []float64{1}}}},
		{Series: []Series{{X: []float64{1}, Y: []float64{math.NaN()}}}},
		{LogX: true, Series: []Series{{X: []float64{0}, Y: []float64{1}}}},
		{Series: []Series{{X: []float64{1}, Y: []float64{1}, Low: []float64{2}, High: []float64{3}}}},
	} {
		bad.HLine = math.NaN()
		if _, err := ChartPNG(bad, size); err == nil {
			t.Errorf("bad chart %d accepted", i)
		}
	}
	// One point on log axes (a range of zero width) still draws.
	one := Chart{LogX: true, LogY: true, HLine: math.NaN(), Series: []Series{{X: []float64{4}, Y: []float64{1e-6}}}}
	if _, err := ChartPNG(one, size); err != nil {
		t.Errorf("single point on log axes: %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.png")
	if err := WriteChart(path, c, size); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
