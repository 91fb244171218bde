package audit

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
)

// Output file names in a population audit directory.
const (
	JSONFile       = "audit.json"
	MarkdownFile   = "audit.md"
	AgentsCSV      = "audit.csv"      // one row per agent
	StatisticsCSV  = "statistics.csv" // one row per statistic
	ScatterPattern = "scatter_%s.png"
)

// ScatterFile is the scatter plot of statistic name.
func ScatterFile(name string) string { return fmt.Sprintf(ScatterPattern, name) }

// WriteOutputs writes audit.{json,md,csv} and statistics.csv into dir.
// The scatter plots are ScatterFigures' data, which the caller draws.
func WriteOutputs(dir string, res *Result) error {
	js, err := schema.EncodeJSON(res)
	if err != nil {
		return err
	}
	agentsCSV, err := agentsCSV(res)
	if err != nil {
		return err
	}
	statsCSV, err := statisticsCSV(res)
	if err != nil {
		return err
	}
	files := map[string][]byte{JSONFile: js, MarkdownFile: []byte(Markdown(res)), AgentsCSV: agentsCSV, StatisticsCSV: statsCSV}
	for name, data := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ScatterFigures are one scatter figure per statistic with at least one
// value (ScatterFile(name) in the audit directory): the statistic against
// each target, one panel per target.
func ScatterFigures(res *Result) []schema.ScatterFile {
	var out []schema.ScatterFile
	for _, st := range res.Statistics {
		if st.N > 0 {
			out = append(out, schema.ScatterFile{File: ScatterFile(st.Name), Panels: scatterPanels(res, st)})
		}
	}
	return out
}

// scatterPanels are the statistic against each target (primary first),
// one point per agent with its 95% interval.
func scatterPanels(res *Result, st StatRow) []schema.ScatterPanel {
	xl := st.Name
	if st.Scale == Log10 {
		xl = "log10 " + st.Name
	}
	var panels []schema.ScatterPanel
	for _, t := range res.Targets {
		v := st.By[t]
		pn := schema.ScatterPanel{XLabel: xl + " (" + string(st.Level) + ", canonical levels)", Rates: t != TargetChancePursuit,
			Title: fmt.Sprintf("%s vs %s\nSpearman ρ = %s (cluster bootstrap), ceiling %s; within configs %s (perm. p %s); %d agents",
				st.Name, targetTitle(t), FormatInterval(v.Rho), num2(v.Ceiling), num2(v.RhoWithin), pNum(v.PWithin), st.N),
			YLabel: targetTitle(t) + " (95%)"}
		prefix := commonGroupPrefix(res.Groups())
		for _, a := range res.Agents {
			r := a.Measured.Interval95(t)
			pn.Points = append(pn.Points, schema.ScatterPoint{X: st.Scale.Apply(float64(a.Stats[st.Name])), Y: r.Value, Lo: r.Lo, Hi: r.Hi,
				Group: strings.TrimPrefix(a.Group, prefix)})
		}
		panels = append(panels, pn)
	}
	return panels
}

// commonGroupPrefix is the prefix up to a '/' shared by every group name
// ("coinrun-population/" of sweep points), which legends leave out.
func commonGroupPrefix(groups []string) string {
	if len(groups) < 2 {
		return ""
	}
	p := groups[0]
	for _, g := range groups[1:] {
		for !strings.HasPrefix(g, p) {
			p = p[:len(p)-1]
		}
	}
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i+1]
	}
	return ""
}

func targetTitle(t Target) string {
	switch t {
	case TargetProxy:
		return "OOD failure (proxy outcome)"
	case TargetChancePursuit:
		return "OOD pursuit, visible − hidden goal"
	case TargetGoalShare:
		return "OOD goal share of decided episodes"
	}
	return string(t)
}

// FormatInterval renders "0.71 [0.42, 0.88]" ("n/a" parts where missing).
func FormatInterval(i Interval) string { return i.Format() }

// FormatPercent renders a measured rate or difference of rates in
// percent, "42.0% [32.8, 51.8]" ("n/a" when missing).
func FormatPercent(i Interval) string {
	if math.IsNaN(i.Value) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%% [%.1f, %.1f]", 100*i.Value, 100*i.Lo, 100*i.Hi)
}

// FormatPrediction renders a predicted rate "42% [20, 64]".
func FormatPrediction(p Prediction) string { return p.Format() }

// FormatRate renders a measured rate "42.0% [32.8, 51.8]".
func FormatRate(r Rate) string { return FormatPercent(r.Interval()) }

func fmtNum(x schema.Num) string {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func agentsCSV(res *Result) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{"agent", "group"}
	for _, t := range res.Targets {
		head = append(head, string(t), string(t)+"_lo", string(t)+"_hi")
	}
	for _, lvl := range Levels {
		k := strings.ReplaceAll(string(lvl), "-", "_")
		head = append(head, "predicted_"+k, "predicted_"+k+"_lo", "predicted_"+k+"_hi", "predicted_"+k+"_from")
	}
	for _, st := range res.Statistics {
		head = append(head, st.Name)
	}
	w.Write(head)
	for _, a := range res.Agents {
		row := []string{a.ID, a.Group}
		for _, t := range res.Targets {
			r := a.Measured.Interval95(t)
			row = append(row, fmtNum(schema.Num(r.Value)), fmtNum(schema.Num(r.Lo)), fmtNum(schema.Num(r.Hi)))
		}
		for _, lvl := range Levels {
			p := a.Predicted[lvl]
			row = append(row, fmtNum(schema.Num(p.Pred.Value)), fmtNum(schema.Num(p.Pred.Lo)), fmtNum(schema.Num(p.Pred.Hi)), p.Statistic)
		}
		for _, st := range res.Statistics {
			row = append(row, fmtNum(a.Stats[st.Name]))
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func statisticsCSV(res *Result) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := []string{"statistic", "level", "expected_sign", "touches", "scale", "agents", "reliability"}
	for _, t := range res.Targets {
		for _, k := range []string{"rho", "rho_lo", "rho_hi", "p", "p_holm", "rho_within", "p_within", "ceiling", "rho_disattenuated", "loo_mae", "loo_coverage", "loco_mae"} {
			head = append(head, string(t)+"_"+k)
		}
	}
	w.Write(append(head, "predicts"))
	for _, st := range res.Statistics {
		row := []string{st.Name, string(st.Level), strconv.Itoa(st.Sign), touches(st.Touches), string(st.Scale), strconv.Itoa(st.N), fmtNum(st.Reliability)}
		for _, t := range res.Targets {
			v := st.By[t]
			for _, x := range []schema.Num{schema.Num(v.Rho.Value), schema.Num(v.Rho.Lo), schema.Num(v.Rho.Hi), v.P, v.PHolm, v.RhoWithin, v.PWithin,
				v.Ceiling, v.RhoDisattenuated, v.LOOMAE, v.LOOCover, v.LOCOMAE} {
				row = append(row, fmtNum(x))
			}
		}
		w.Write(append(row, st.Predicts))
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func touches(a []Access) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = string(x)
	}
	return strings.Join(s, "; ")
}
