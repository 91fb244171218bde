package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/misgen/misgen/schema"
)

// The report reads the audit's files into their schema types
// (schema.AuditResult, schema.AuditPredictions); missing numbers are NaN.

// levels are the access levels in report order.
var levels = schema.AuditLevels

// Names of the audit's files the report reads.
const (
	auditScatterPattern = "scatter_%s.png"
	vectorFieldGlob     = "vector_field_*.png"
)

// verdictView is what opens the report: the per-seed predictions of a run
// judged by a population's calibration, the population audit's verdict,
// or, with neither, the failure-rate headline (filled by build from the
// table).
type verdictView struct {
	Predictions *predictionsView
	Population  *populationView
	Headline    []finding
	Fields      []*figure
	// Note says why there is no audit verdict; the page shows it below
	// the summary, never as the first screen.
	Note template.HTML
	// Control is the hidden-goal control of this run's agents, for the
	// goal-vs-capability sentence.
	Control goalControl
}

// goalControl counts this run's agents with a measured chance-corrected
// pursuit (the paired hidden-goal control) and those whose interval lies
// above 0.
type goalControl struct {
	// Agents seeds; Measured with a hidden-goal control; Above whose
	// chance-corrected pursuit lies above 0 (they go for a goal they see);
	// Negligible whose chance-corrected pursuit lies below
	// negligiblePursuit (seeing the goal does not make them pursue it).
	Agents, Measured, Above, Negligible int
	Source                              string
}

// negligiblePursuit is the upper bound of chance-corrected pursuit below
// which seeing the goal is said not to make the agent pursue it: 5 points.
const negligiblePursuit = 0.05

// predictionsView is audit/predictions.json: each seed's verdict.
type predictionsView struct {
	Source      string // the file, relative to the run directory
	Population  string
	Calibration string // where the population's audit.json was read from
	Hash        string // short statistics hash
	HashFull    string
	AuditEnv    string
	Target      string // the primary target, in words
	Levels      []string
	Agents      []agentPrediction
}

// agentPrediction is one seed's verdict and its per-level predictions.
type agentPrediction struct {
	ID, Line, Explanation string
	Cells                 []levelCell // in levels order
}

// levelCell is one access level's prediction for one agent.
type levelCell struct {
	Statistic string
	Value     string   // the agent's value and population percentile
	Predicted []string // "pursuit (cc) 42% [20, 64]", primary target first
}

// populationView is audit/audit.json: the population audit's verdict with
// the access levels side by side.
type populationView struct {
	Source      string
	Population  string
	Hash        string
	HashFull    string
	AuditEnv    string
	Target      string
	Reliability string // of the primary target
	Headlines   []string
	Goal        string
	GoalMet     bool
	Levels      []string
	Rows        []levelRow // statistics of each level's nested choice
	Agents      []levelRow // this run's agents' nested predictions
	Equivalence string
	Lines       []string // this run's agents
	Others      int      // agents of other runs in the population
	Scatters    []*figure
	Legacy      string // set for an audit.json of an earlier format
}

// levelRow is one row of a table with a column per access level.
type levelRow struct {
	Label string
	Cells []string
}

// readVerdict reads the run's predictions.json and audit.json (either may
// be missing) and the vector-field images beside them. group is this
// run's label (experiment[/point]), which selects its agents in a
// population's audit.json.
func readVerdict(f Files, group string) (*verdictView, error) {
	v := &verdictView{}
	fields, err := vectorFields(f)
	if err != nil {
		return nil, err
	}
	v.Fields = fields
	if v.Predictions, err = readPredictions(f, &v.Control); err != nil {
		return nil, err
	}
	if v.Population, err = readPopulation(f, group, &v.Control); err != nil {
		return nil, err
	}
	if v.Predictions == nil && v.Population == nil {
		v.Note = template.HTML(fmt.Sprintf("No audit verdict in this run (neither %s nor %s exists): set %s in the config's [audit] table to judge this run's seeds with a population's calibration, or run %s on a population's run directories.",
			code(f.rel(f.PredictionsJSON())), code(f.rel(f.AuditJSON())), code(`calibration = "<population audit.json>"`), code("experiments audit")))
	}
	return v, nil
}

// readPredictions reads predictions.json (nil when missing) and counts
// its agents' hidden-goal controls.
func readPredictions(f Files, ctl *goalControl) (*predictionsView, error) {
	data, err := readOptional(f.PredictionsJSON())
	if err != nil || data == nil {
		return nil, err
	}
	var p schema.AuditPredictions
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", f.PredictionsJSON(), err)
	}
	v := &predictionsView{Source: f.rel(f.PredictionsJSON()), Population: p.Population, Calibration: p.Source,
		Hash: schema.ShortHash(p.StatisticsHash), HashFull: p.StatisticsHash, AuditEnv: p.AuditEnv, Target: p.Target.Text(), Levels: levelNames()}
	*ctl = goalControl{Source: v.Source}
	for _, a := range p.Agents {
		ap := agentPrediction{ID: a.ID, Line: a.Line, Explanation: a.Explanation}
		for _, lvl := range levels {
			lp, ok := a.By[lvl]
			if !ok {
				ap.Cells = append(ap.Cells, levelCell{})
				continue
			}
			c := levelCell{Statistic: lp.Statistic, Value: fmt.Sprintf("%s (%s percentile)", g4(lp.Value), ordinal(schema.Num(lp.Percentile)))}
			for _, t := range targetOrder(p.Target, lp.Predicted) {
				c.Predicted = append(c.Predicted, t.Short()+" "+lp.Predicted[t].Format())
			}
			ap.Cells = append(ap.Cells, c)
		}
		v.Agents = append(v.Agents, ap)
		ctl.count(a.Measured)
	}
	return v, nil
}

// readPopulation reads audit.json (nil when missing) and, when
// predictions.json gave no control, counts this run's agents' controls.
func readPopulation(f Files, group string, ctl *goalControl) (*populationView, error) {
	data, err := readOptional(f.AuditJSON())
	if err != nil || data == nil {
		return nil, err
	}
	var probe struct {
		Targets []string `json:"targets"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", f.AuditJSON(), err)
	}
	if len(probe.Targets) == 0 {
		return readLegacyPopulation(f, data, group)
	}
	var a schema.AuditResult
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", f.AuditJSON(), err)
	}
	t := a.Targets[0]
	v := &populationView{Source: f.rel(f.AuditJSON()), Population: a.Population, Hash: schema.ShortHash(a.StatisticsHash), HashFull: a.StatisticsHash,
		AuditEnv: a.AuditEnv, Target: t.Text(), Reliability: g3n(a.TargetReliability[t]),
		Headlines: a.Verdict.Headlines, Goal: a.Verdict.Goal, GoalMet: a.Verdict.GoalMet, Levels: levelNames()}
	own := ctl.Source == ""
	if own {
		*ctl = goalControl{Source: v.Source}
	}
	for _, ag := range a.Agents {
		if ag.Group != group {
			v.Others++
			continue
		}
		v.Lines = append(v.Lines, ag.Line)
		row := levelRow{Label: ag.ID}
		for _, lvl := range levels {
			p, ok := ag.Predicted[lvl]
			if !ok || p.Statistic == "" {
				row.Cells = append(row.Cells, "—")
				continue
			}
			row.Cells = append(row.Cells, fmt.Sprintf("%s %s (%s)", t.Short(), p.Pred.Format(), p.Statistic))
		}
		v.Agents = append(v.Agents, row)
		if own {
			ctl.count(&ag.Measured)
		}
	}
	v.Rows = levelRows(&a, t)
	v.Equivalence = a.Verdict.Equivalence
	for _, lvl := range levels {
		best := family(&a, lvl, t).Best
		if best == "" {
			continue
		}
		path := filepath.Join(filepath.Dir(f.AuditJSON()), filepath.FromSlash(a.Dir), fmt.Sprintf(auditScatterPattern, best))
		png, err := readOptional(path)
		if err != nil {
			return nil, err
		}
		if png != nil {
			v.Scatters = append(v.Scatters, &figure{URI: dataURI("image/png", png), Alt: "scatter of " + best,
				Caption: template.HTML(fmt.Sprintf("%s: the statistic chosen by nested leave-one-config-out, %s, against each agent's measured OOD targets; one point per agent, 95%% intervals.",
					template.HTMLEscapeString(string(lvl)), code(best))),
				Source: f.rel(path)})
		}
	}
	return v, nil
}

// readLegacyPopulation reads an audit.json written before the audit named
// its targets and access levels: its sentences only, with a note.
func readLegacyPopulation(f Files, data []byte, group string) (*populationView, error) {
	var a struct {
		Population string `json:"population"`
		Verdict    struct {
			Headlines []string `json:"headlines"`
			Goal      string   `json:"goal"`
		} `json:"verdict"`
		Agents []struct {
			Group string `json:"group"`
			Line  string `json:"line"`
		} `json:"agents"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", f.AuditJSON(), err)
	}
	v := &populationView{Source: f.rel(f.AuditJSON()), Population: a.Population, Headlines: a.Verdict.Headlines, Goal: a.Verdict.Goal,
		Legacy: "Written by an earlier version of the audit (no targets, access levels or statistics hash): rerun experiments audit for the full verdict."}
	for _, ag := range a.Agents {
		if ag.Group == group {
			v.Lines = append(v.Lines, ag.Line)
		} else {
			v.Others++
		}
	}
	return v, nil
}

// count adds one agent's control.
func (c *goalControl) count(m *schema.Measured) {
	c.Agents++
	if m == nil || m.ChancePursuit == nil || math.IsNaN(m.ChancePursuit.Lo) {
		return
	}
	c.Measured++
	if m.ChancePursuit.Lo > 0 {
		c.Above++
	}
	if m.ChancePursuit.Hi < negligiblePursuit {
		c.Negligible++
	}
}

// goalNotCapability says whether the control establishes that the OOD
// failure is one of goal rather than of capability (othersLow: the other
// endings stayed below the proxy rate), and why or why not. It is one of
// goal when, in every seed, seeing the goal does not make the agent pursue
// it (chance-corrected pursuit below negligiblePursuit): the agent ends at
// the proxy because it pursues the proxy, not because it tried for the
// goal and failed. A seed whose chance-corrected pursuit lies above 0 goes
// for a goal it sees, so part of its failure is capability.
func (c goalControl) goalNotCapability(othersLow bool) (bool, string) {
	switch {
	case c.Measured == 0:
		return false, "no hidden-goal control"
	case c.Above > 0:
		return false, fmt.Sprintf("in %d of %d seeds the agent goes for a goal it sees (chance-corrected pursuit above 0), so part of the failure is capability", c.Above, c.Agents)
	case c.Measured < c.Agents:
		return false, fmt.Sprintf("a hidden-goal control for %d of %d seeds only", c.Measured, c.Agents)
	case c.Negligible < c.Agents:
		return false, fmt.Sprintf("chance-corrected pursuit is below %.0f points in %d of %d seeds only", 100*negligiblePursuit, c.Negligible, c.Agents)
	case !othersLow:
		return false, "other endings are not below the proxy rate"
	}
	return true, fmt.Sprintf("seeing the goal does not make the agent pursue it: the hidden-goal control puts chance-corrected pursuit (%s) below %.0f points in all %d seeds [%s]",
		schema.TargetChancePursuit, 100*negligiblePursuit, c.Agents, c.Source)
}

// family is the nested choice of access level lvl for target t (NaN
// numbers and no statistic when a has none).
func family(a *schema.AuditResult, lvl schema.Level, t schema.Target) schema.FamilySummary {
	if f, ok := a.Family(lvl, t); ok {
		return f
	}
	return schema.FamilySummary{Level: lvl, Target: t, MAE: schema.Num(math.NaN()), BestRho: schema.NaNInterval(), PredRho: schema.NaNInterval()}
}

// levelNames are the access levels as the page spells them.
func levelNames() []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		out[i] = string(l)
	}
	return out
}

// levelRows are the population's access levels side by side: each
// level's nested choice for target t and its validation.
func levelRows(a *schema.AuditResult, t schema.Target) []levelRow {
	rows := []levelRow{
		{Label: "statistic (nested leave-one-config-out choice)"},
		{Label: "ρ with the target [95% cluster bootstrap]"},
		{Label: "Holm-adjusted p"},
		{Label: "within-config ρ (seed to seed)"},
		{Label: "attenuation ceiling; ρ / ceiling (disattenuated)"},
		{Label: "out-of-fold predictions: ρ; nested MAE"},
		{Label: "LOO MAE; leave-one-config-out MAE"},
		{Label: "|ρ_white| − |ρ_this level| (paired)"},
	}
	wb := family(a, schema.LevelWhiteBox, t).Best
	for _, lvl := range levels {
		fam := family(a, lvl, t)
		if fam.Best == "" {
			for i := range rows {
				cell := "—"
				if i == 0 {
					cell = "none could be calibrated"
				}
				rows[i].Cells = append(rows[i].Cells, cell)
			}
			continue
		}
		cells := []string{fam.Best, fam.BestRho.Format(), "—", "—", "—", fmt.Sprintf("%s; %s", fam.PredRho.Format(), pctNum(fam.MAE)), "—", "—"}
		for _, s := range a.Statistics {
			if v, ok := s.By[t]; ok && s.Name == fam.Best {
				cells[2] = g3n(v.PHolm)
				cells[3] = g3n(v.RhoWithin)
				cells[4] = fmt.Sprintf("%s; %s", g3n(v.Ceiling), g3n(v.RhoDisattenuated))
				cells[6] = fmt.Sprintf("%s; %s", pctNum(v.LOOMAE), pctNum(v.LOCOMAE))
			}
		}
		for _, c := range a.Comparisons {
			if lvl != schema.LevelWhiteBox && c.Target == t && c.A == wb && c.B == fam.Best {
				cells[7] = c.Diff.Format()
			}
		}
		for i := range rows {
			rows[i].Cells = append(rows[i].Cells, cells[i])
		}
	}
	return rows
}

// targetOrder is the primary target first, then the others sorted.
func targetOrder(primary schema.Target, m map[schema.Target]schema.Prediction) []schema.Target {
	var out []schema.Target
	if _, ok := m[primary]; ok {
		out = append(out, primary)
	}
	var rest []schema.Target
	for t := range m {
		if t != primary {
			rest = append(rest, t)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func g3n(x schema.Num) string {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return "n/a"
	}
	return g3(float64(x))
}

func g4(x schema.Num) string {
	if math.IsNaN(float64(x)) {
		return "n/a"
	}
	return fmt.Sprintf("%.4g", float64(x))
}

func pctNum(x schema.Num) string {
	if math.IsNaN(float64(x)) {
		return "n/a"
	}
	return pct(float64(x))
}

// ordinal renders a share as a percentile: 0.83 → "83rd".
func ordinal(x schema.Num) string {
	if math.IsNaN(float64(x)) {
		return "n/a"
	}
	n := int(math.Round(100 * float64(x)))
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// vectorFields are the audit's vector-field images of a maze run.
func vectorFields(f Files) ([]*figure, error) {
	paths, err := filepath.Glob(filepath.Join(filepath.Dir(f.AuditJSON()), vectorFieldGlob))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*figure
	for _, p := range paths {
		png, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		which := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "vector_field_"), ".png")
		out = append(out, &figure{URI: dataURI("image/png", png), Alt: "vector field " + which,
			Caption: template.HTML(fmt.Sprintf("Vector field (%s): on every open tile, the policy's expected move Σ p(a)·direction(a) as an arrow, goal at its %s position.", template.HTMLEscapeString(which), template.HTMLEscapeString(which))),
			Source:  f.rel(p)})
	}
	return out, nil
}
