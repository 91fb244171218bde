package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/palette"
)

// decode checks the PNG's size and returns how many pixels are not white
// and how many carry colour (r, g, b not all equal: lines and bars, not
// black text or grey grid).
func decode(t *testing.T, data []byte, size Size) (nonWhite, colored int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	w, h := size.Pixels()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("image %v, want %d×%d", b, w, h)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.R < 250 || c.G < 250 || c.B < 250 {
				nonWhite++
			}
			if maxDiff(c) > 60 {
				colored++
			}
		}
	}
	return nonWhite, colored
}

func maxDiff(c color.NRGBA) int {
	r, g, b := int(c.R), int(c.G), int(c.B)
	return max(abs(r-g), abs(g-b), abs(r-b))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func testCurves() []Curve {
	var curves []Curve
	for s := 0; s < 3; s++ {
		c := Curve{Label: "seed " + string(rune('0'+s))}
		for i := 0; i <= 20; i++ {
			step := int64(i) * 20_000
			succ := 1 - math.Exp(-float64(i)/(5+float64(s)))
			ret := 10 * succ
			if i == 0 {
				ret, succ = math.NaN(), math.NaN() // no episode finished yet
			}
			c.Points = append(c.Points, CurvePoint{Step: step, Return: ret, Success: succ})
		}
		curves = append(curves, c)
	}
	return curves
}

func TestLearningCurvesPNG(t *testing.T) {
	size := Size{W: DefaultSize.W / 2, H: DefaultSize.H / 2, DPI: 100}
	data, err := LearningCurves(testCurves(), "test curves", size)
	if err != nil {
		t.Fatal(err)
	}
	nonWhite, colored := decode(t, data, size)
	w, h := size.Pixels()
	if nonWhite < w*h/100 || colored < 200 {
		t.Errorf("image looks blank: %d non-white, %d coloured pixels of %d", nonWhite, colored, w*h)
	}
	if _, err := LearningCurves([]Curve{{Label: "empty"}}, "", size); err == nil {
		t.Errorf("curves without points accepted")
	}
}

var roles = palette.Outcomes{Success: "coin", Proxy: "reached_end_no_coin"}

func TestFailureBarsPNG(t *testing.T) {
	size := Size{W: DefaultSize.W / 2, H: DefaultSize.H / 2, DPI: 100}
	rates := []schema.Row{
		pooled("train", "coin", 0.9, 0.85, 0.94), pooled("train", "reached_end_no_coin", 0.05, 0.02, 0.09), pooled("train", "died", 0.05, 0.02, 0.09),
		pooled("random_coin", "coin", 0.2, 0.15, 0.26), pooled("random_coin", "reached_end_no_coin", 0.7, 0.63, 0.76), pooled("random_coin", "died", 0.1, 0.06, 0.15),
		{Variant: "train", Seed: "0", Outcome: "coin", Rate: 0.1, CILow: 2, CIHigh: 3}, // a per-seed row: skipped
	}
	data, err := FailureBars(rates, roles, "failure rates", size)
	if err != nil {
		t.Fatal(err)
	}
	_, colored := decode(t, data, size)
	w, h := size.Pixels()
	// The bars cover a sizeable share of the plot area.
	if colored < w*h/20 {
		t.Errorf("bars cover only %d of %d pixels", colored, w*h)
	}
	// Shorter bars, fewer coloured pixels: the drawing follows the data.
	low := append([]schema.Row(nil), rates[:6]...)
	for i := range low {
		low[i].Rate, low[i].CILow, low[i].CIHigh = low[i].Rate/4, low[i].CILow/4, low[i].CIHigh/4
	}
	data2, err := FailureBars(low, roles, "failure rates", size)
	if err != nil {
		t.Fatal(err)
	}
	_, colored2 := decode(t, data2, size)
	if colored2 >= colored/2 {
		t.Errorf("quartered rates drew %d coloured pixels vs %d", colored2, colored)
	}
	if _, err := FailureBars([]schema.Row{pooled("v", "o", 0.5, 0.6, 0.7)}, roles, "", size); err == nil {
		t.Errorf("rate outside its interval accepted")
	}
	if _, err := FailureBars(nil, roles, "", size); err == nil {
		t.Errorf("empty rates accepted")
	}
}

// pooled is a pooled table row with the given rate and interval.
func pooled(variant, outcome string, rate, lo, hi float64) schema.Row {
	return schema.Row{Variant: variant, Seed: schema.PooledSeed, Outcome: outcome, Rate: rate, CILow: lo, CIHigh: hi}
}

func TestWritePNGFiles(t *testing.T) {
	dir := t.TempDir()
	size := Size{W: DefaultSize.W / 4, H: DefaultSize.H / 4, DPI: 100}
	p1 := filepath.Join(dir, "plots", "curves.png")
	p2 := filepath.Join(dir, "plots", "bars.png")
	if err := WriteLearningCurves(p1, testCurves(), "", size); err != nil {
		t.Fatal(err)
	}
	if err := WriteFailureBars(p2, []schema.Row{pooled("a", "b", 0.5, 0.4, 0.6)}, palette.Outcomes{}, "", size); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{p1, p2} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		w, h := size.Pixels()
		if err != nil || cfg.Width != w || cfg.Height != h {
			t.Errorf("%s: %v %dx%d", p, err, cfg.Width, cfg.Height)
		}
	}
}

func TestCompactLabels(t *testing.T) {
	for i, tc := range []struct {
		x    float64
		want string
	}{{0, "0"}, {500, "500"}, {250_000, "250k"}, {1_500_000, "1.5M"}, {25_000_000, "25M"}, {2_500, "2.5k"}} {
		if got := compact(tc.x); got != tc.want {
			t.Errorf("case %d: compact(%v) = %q, want %q", i, tc.x, got, tc.want)
		}
	}
}

func TestScatterDrawsPointsAndErrorBars(t *testing.T) {
	pts := []ScatterPoint{{X: 0.1, Y: 0.2, Lo: 0.1, Hi: 0.3, Group: "a"}, {X: 0.5, Y: 0.6, Lo: 0.5, Hi: 0.7, Group: "b"},
		{X: math.NaN(), Y: 0.5, Group: "a"}}
	size := Size{W: DefaultSize.W, H: DefaultSize.H, DPI: 60}
	png, err := Scatter([]ScatterPanel{{Title: "vs pursuit", XLabel: "stat", YLabel: "rate", Points: pts, Rates: true},
		{Title: "vs failure", XLabel: "stat", YLabel: "rate", Points: pts}}, size)
	if err != nil {
		t.Fatal(err)
	}
	if _, colored := decode(t, png, size); colored < 50 {
		t.Errorf("%d coloured pixels: the markers are missing", colored)
	}
	if _, err := Scatter([]ScatterPanel{{Title: "empty", Points: []ScatterPoint{{X: math.NaN(), Y: 1}}}}, size); err == nil {
		t.Error("a panel without finite points was drawn")
	}
}

// Scatter groups are variants or training configs, not outcomes: none of
// their colours may be (near) the success or the proxy family's.
func TestScatterGroupsAvoidOutcomeColours(t *testing.T) {
	for i := range groupColors {
		c := groupColor(i).(color.RGBA)
		for _, f := range []color.RGBA{palette.SuccessColor, palette.ProxyColor} {
			d := math.Abs(float64(c.R)-float64(f.R)) + math.Abs(float64(c.G)-float64(f.G)) + math.Abs(float64(c.B)-float64(f.B))
			if d < 120 {
				t.Errorf("group colour %d %v is within %v of outcome colour %v", i, c, d, f)
			}
		}
	}
}

func TestValueTicksLabelNeighboursOnce(t *testing.T) {
	ticks := valueTicks([]Series{{X: []float64{2, 4, 8, 16}}, {X: []float64{2, 4, 8, 15.973666}}})
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, ","), "2,4,8,16"; got != want {
		t.Errorf("labels %q, want %q (one label per cluster, 3 significant digits)", got, want)
	}
	if len(ticks) != 5 {
		t.Errorf("%d ticks, want a mark at each of the 5 distinct values", len(ticks))
	}
}
