package interp

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/misgen/misgen/internal/atomicfile"
)

// WriteJSON atomically writes v, indented, to dir/name.
func WriteJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("interp: encoding %s: %w", name, err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// WriteText atomically writes text (e.g. a markdown table) to dir/name.
func WriteText(dir, name, text string) error {
	return atomicfile.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
}

// WritePNG atomically writes img as a PNG to dir/name.
func WritePNG(dir, name string, img image.Image) error {
	return atomicfile.Write(filepath.Join(dir, name), 0o644, func(w io.Writer) error { return png.Encode(w, img) })
}

// MarshalJSON writes a NaN AUC (continuous concept) as null.
func (fc FeatureConcept) MarshalJSON() ([]byte, error) {
	type plain FeatureConcept
	var auc *float64
	if !math.IsNaN(fc.AUC) {
		auc = &fc.AUC
	}
	return json.Marshal(struct {
		plain
		AUC *float64 `json:"auc"`
	}{plain(fc), auc})
}

// table renders a markdown table.
func table(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

func f3(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.3g", v)
}

// NamedMetrics labels an SAE's metrics for a table.
type NamedMetrics struct {
	Name string `json:"name"`
	Metrics
	// DownstreamKL is KL(original ‖ spliced) over held-out observations.
	DownstreamKL float64 `json:"downstream_kl"`
	// Spliced are rollouts with the SAE spliced in (zero value: not run).
	Spliced EpisodeStats `json:"spliced"`
}

// MetricsTable renders SAE metrics as markdown.
func MetricsTable(ms []NamedMetrics) string {
	var rows [][]string
	for _, m := range ms {
		succ := "–"
		if m.Spliced.Episodes > 0 {
			succ = fmt.Sprintf("%d/%d, return %.3g", m.Spliced.Successes, m.Spliced.Episodes, m.Spliced.MeanReturn)
		}
		rows = append(rows, []string{m.Name, f3(m.L0), f3(m.MSE), f3(m.FVU), f3(m.DeadFraction), f3(m.DownstreamKL), succ})
	}
	return table([]string{"SAE", "L0", "MSE", "FVU", "dead fraction", "KL(orig‖SAE)", "episodes with SAE (success)"}, rows)
}

// ComparisonTable renders local-vs-e2e comparisons as markdown.
func ComparisonTable(cs []Comparison) string {
	var rows [][]string
	for _, c := range cs {
		rows = append(rows, []string{c.Layer, string(c.Kind), fmt.Sprint(c.Latents), fmt.Sprint(c.K),
			f3(c.Local.L0), f3(c.E2E.L0), f3(c.Local.KL), f3(c.E2E.KL), f3(c.Local.FVU), f3(c.E2E.FVU),
			fmt.Sprint(c.Local.Alive), fmt.Sprint(c.E2E.Alive)})
	}
	return table([]string{"layer", "kind", "latents", "k", "L0 local", "L0 e2e", "KL local", "KL e2e",
		"FVU local", "FVU e2e", "alive local", "alive e2e"}, rows)
}

// MDLTable renders description lengths as markdown and marks the minimum.
func MDLTable(rs []MDLResult) string {
	best := BestMDL(rs)
	var rows [][]string
	for i, r := range rs {
		mark := ""
		if i == best {
			mark = "**min**"
		}
		bits := "–"
		if r.Feasible {
			bits = fmt.Sprint(r.Bits)
		}
		rows = append(rows, []string{r.Name, fmt.Sprint(r.Latents), fmt.Sprint(r.K), f3(r.L0), f3(r.KL), bits,
			f3(r.KLAtBits), f3(r.IndexBits), f3(r.ValueBits), f3(r.DL), mark})
	}
	tol, coding := 0.0, Coding("")
	if len(rs) > 0 {
		tol, coding = rs[0].Tolerance, rs[0].Coding
	}
	return fmt.Sprintf("DL = index bits (%s) + L0 × bits per value; KL tolerance %.3g nats.\n\n", coding, tol) +
		table([]string{"SAE", "latents", "k", "L0", "KL", "bits/value", "KL at bits", "index bits", "value bits", "DL (bits)", ""}, rows)
}

// AssociationsTable renders feature↔concept associations as markdown.
func AssociationsTable(fcs []FeatureConcept) string {
	var rows [][]string
	for _, fc := range fcs {
		auc := "–"
		if !math.IsNaN(fc.AUC) {
			auc = f3(fc.AUC)
		}
		rows = append(rows, []string{fmt.Sprint(fc.Latent), fc.Concept, string(fc.Role), f3(fc.Pearson), auc, f3(fc.Strength)})
	}
	return table([]string{"latent", "concept", "role", "Pearson r", "AUC", "strength"}, rows)
}

// InterventionTable renders intervention results as markdown.
func InterventionTable(rs []InterventionResult) string {
	pct := func(r Rate) string {
		return fmt.Sprintf("%.1f%% [%.1f, %.1f] (%d/%d)", 100*r.Rate, 100*r.Lo, 100*r.Hi, r.K, r.N)
	}
	var rows [][]string
	for _, r := range rs {
		rows = append(rows, []string{r.Name, r.Variant, pct(r.BaseFailure), pct(r.TreatedFailure),
			fmt.Sprintf("%+.1f pp", 100*r.FailureChange), pct(r.BaseSuccess), pct(r.TreatedSuccess)})
	}
	return table([]string{"intervention", "variant", "failure before", "failure after", "Δ failure",
		"success before", "success after"}, rows)
}

// SpectrumTable renders the top n eigenvalues with cumulative fractions.
func SpectrumTable(name string, sp Spectrum, n int) string {
	var rows [][]string
	for i := 0; i < min(n, len(sp.Values)); i++ {
		rows = append(rows, []string{fmt.Sprint(i + 1), f3(sp.Values[i]), f3(sp.CumAbs[i]), f3(sp.CumSq[i])})
	}
	return "Direction: " + name + "\n\n" + table([]string{"rank", "eigenvalue", "cum. frac Σ|λ|", "cum. frac Σλ²"}, rows)
}

// PolytopeTable renders polytope comparisons as markdown.
func PolytopeTable(layer string, c PolytopeComparison, nameA, nameB string) string {
	return table([]string{"layer", "set", "samples", "distinct codes", "code-change rate", "codes seen in " + nameA},
		[][]string{
			{layer, nameA, fmt.Sprint(c.A.Samples), fmt.Sprint(c.A.Distinct), f3(c.A.ChangeRate), "1"},
			{layer, nameB, fmt.Sprint(c.B.Samples), fmt.Sprint(c.B.Distinct), f3(c.B.ChangeRate), f3(c.BInA)},
		})
}

// HeatmapGrid draws panels as rows of heatmaps: each panel holds C·H·W
// values (shape = C, H, W) drawn as C tiles of H×W cells side by side,
// cell pixels scale×scale, on a diverging scale (blue negative, white 0,
// red positive) normalised per panel by its largest |value|. Rows of the
// image are separated by a 2-pixel gap. Use it for eigenvectors over the
// observation layout and for observations themselves.
func HeatmapGrid(panels [][]float32, shape [3]int, scale int) (*image.RGBA, error) {
	c, h, w := shape[0], shape[1], shape[2]
	if c < 1 || h < 1 || w < 1 || scale < 1 || len(panels) == 0 {
		return nil, fmt.Errorf("heatmap: shape %v, scale %d, %d panels", shape, scale, len(panels))
	}
	const gap = 2
	tileW, tileH := w*scale, h*scale
	img := image.NewRGBA(image.Rect(0, 0, c*(tileW+gap), len(panels)*(tileH+gap)))
	for i := range img.Pix {
		img.Pix[i] = 0x40 // dark grey background shows the gaps
	}
	for p, vals := range panels {
		if len(vals) != c*h*w {
			return nil, fmt.Errorf("heatmap: panel %d has %d values, shape %v needs %d", p, len(vals), shape, c*h*w)
		}
		var mx float64
		for _, v := range vals {
			mx = math.Max(mx, math.Abs(float64(v)))
		}
		if mx == 0 {
			mx = 1
		}
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					col := diverging(float64(vals[(ch*h+y)*w+x]) / mx)
					x0, y0 := ch*(tileW+gap)+x*scale, p*(tileH+gap)+y*scale
					for dy := 0; dy < scale; dy++ {
						for dx := 0; dx < scale; dx++ {
							img.SetRGBA(x0+dx, y0+dy, col)
						}
					}
				}
			}
		}
	}
	return img, nil
}

// diverging maps t ∈ [−1, 1] to blue–white–red.
func diverging(t float64) color.RGBA {
	t = math.Max(-1, math.Min(1, t))
	fade := func(a float64) uint8 { return uint8(math.Round(255 * (1 - a))) }
	if t >= 0 {
		return color.RGBA{255, fade(t), fade(t), 255}
	}
	return color.RGBA{fade(-t), fade(-t), 255, 255}
}

// PanelShape returns a drawable layout for vectors of n values: obs when
// its product is n, else one channel of a near-square grid (padded with
// zeros by PadPanel).
func PanelShape(n int, obs [3]int) [3]int {
	if obs[0]*obs[1]*obs[2] == n {
		return obs
	}
	w := int(math.Ceil(math.Sqrt(float64(n))))
	return [3]int{1, (n + w - 1) / w, w}
}

// PadPanel converts v to float32 and pads it with zeros to the size of shape.
func PadPanel(v []float64, shape [3]int) []float32 {
	out := make([]float32, shape[0]*shape[1]*shape[2])
	for i, x := range v {
		if i < len(out) {
			out[i] = float32(x)
		}
	}
	return out
}
