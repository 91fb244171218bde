package experiments

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
)

// The population stage: after every run of a population finished its own
// stages, the agents of all of them are audited as one population.

// Population is the runs whose agents are audited as one population:
// every sweep point of one config (`experiments run`, see PopulationOf)
// or the run directories given to `experiments audit`.
type Population struct {
	Runs []*Run
	// Validate makes the population stage validate the audit over every
	// agent of Runs (AuditPopulation) and then write each run's report,
	// which the runs' report stages leave to it (Run.DeferReport).
	Validate bool
	// Out is the directory of the validation's outputs; "" is
	// DefaultAuditDir(Runs), which the stage fills in.
	Out string
	// Calibration, when set, makes the population stage judge every run's
	// agents with the population audit.json at this path instead
	// (Run.WritePredictions) and rewrite their reports.
	Calibration string
	// Result is the validation, set by the population stage when
	// Validate.
	Result *audit.Result
}

// PopulationOf is the population of the runs planned from c for shard, as
// `experiments run` executes it: validated after the runs' stages when
// the audit is enabled without a shipped calibration (with one, the audit
// stage already judged each run's agents), the runs hold at least
// audit.MinAgents agents and no shard is missing. Each run of a validated
// population defers its report to the population stage. why says, when
// the audit is enabled but the population is not validated, why not.
func PopulationOf(c *Config, runs []*Run, shard Shard) (p *Population, why string) {
	p = &Population{Runs: runs}
	switch n := len(runs) * len(c.Experiment.Seeds); {
	case !c.Audit.Enabled || c.Audit.Calibration != "":
	case n < audit.MinAgents:
		why = fmt.Sprintf("%d agents are too few to validate a population (at least %d); statistics are in each run's audit/agents/, or set audit.calibration to judge them with a shipped population", n, audit.MinAgents)
	case shard.Count > 1:
		why = "the population validation needs every shard; when all are done run `experiments audit` on the run directories"
	default:
		p.Validate = true
	}
	for _, r := range runs {
		r.DeferReport = p.Validate
	}
	return p, why
}

// ExecutePopulation runs stages on every run of p in order (Run.Execute)
// and then the population stage (PopulationStage) once over all of them.
// done, unless nil, is called after each run's stages succeeded. The first
// error stops it and is returned.
func (s Stages) ExecutePopulation(ctx context.Context, p *Population, stages []Stage, done func(*Run)) error {
	for _, r := range p.Runs {
		if err := r.Execute(ctx, stages); err != nil {
			return err
		}
		if done != nil {
			done(r)
		}
	}
	return s.PopulationStage(ctx, p)
}

// PopulationStage is the stage that follows every run's stages of a
// population: it validates the population (p.Validate) into p.Out, sets
// p.Result and writes each run's report with s.Report, whether or not the
// validation succeeded; or it judges the agents with p.Calibration and
// rewrites the reports; or, with neither, does nothing. It marks nothing
// done: it reads only what the runs' stages wrote, and re-runs in full.
func (s Stages) PopulationStage(ctx context.Context, p *Population) error {
	switch {
	case p.Calibration != "":
		return s.judgePopulation(ctx, p)
	case !p.Validate:
		return nil
	}
	if p.Out == "" {
		p.Out = DefaultAuditDir(p.Runs)
	}
	res, err := AuditPopulation(p.Runs, PopulationName(p.Runs), p.Out)
	p.Result = res
	for _, r := range p.Runs {
		r.DeferReport = false
	}
	if rerr := s.writeReports(ctx, p.Runs); err == nil {
		err = rerr
	}
	return err
}

// judgePopulation judges every run's agents with the population audit at
// p.Calibration and rewrites their reports.
func (s Stages) judgePopulation(ctx context.Context, p *Population) error {
	for _, r := range p.Runs {
		if err := r.WritePredictions(p.Calibration); err != nil {
			return fmt.Errorf("%s: judged by %s: %w", r.Dir, p.Calibration, err)
		}
		if err := s.writeReports(ctx, []*Run{r}); err != nil {
			return err
		}
	}
	return nil
}

// writeReports writes the report of every run that has one (report.html
// = true) with s.Report.
func (s Stages) writeReports(ctx context.Context, runs []*Run) error {
	for _, r := range runs {
		if r.Config.Report.HTML {
			if err := s.Report(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// auditScatterSize is 8 × 10 inches at 64 dpi: 512 × 640 pixels, two
// panels.
var auditScatterSize = plot.Size{W: 8 * vg.Inch, H: 10 * vg.Inch, DPI: 64}

// DefaultAuditDir is where the population audit of runs goes: a single
// run's own audit/ directory, or audit-<profile> beside the sweep points
// of one experiment (results/<experiment>/audit-quick), or audit/ in the
// runs' closest common ancestor.
func DefaultAuditDir(runs []*Run) string {
	if len(runs) == 1 {
		return runs[0].AuditDir()
	}
	parents := make([]string, len(runs))
	for i, r := range runs {
		parents[i] = filepath.Dir(filepath.Clean(r.Dir))
		if r.Config.Experiment.Point != "" {
			parents[i] = filepath.Dir(parents[i])
		}
	}
	common := parents[0]
	for _, p := range parents[1:] {
		for !within(p, common) {
			common = filepath.Dir(common)
		}
	}
	e := runs[0].Config.Experiment
	same := true
	for _, r := range runs {
		same = same && r.Config.Experiment.Name == e.Name && r.Config.Experiment.Profile == e.Profile
	}
	if same && e.Profile != "" {
		return filepath.Join(common, "audit-"+e.Profile)
	}
	return filepath.Join(common, "audit")
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// PopulationName names a population: the runs' experiment and profile
// when they share them.
func PopulationName(runs []*Run) string {
	e := runs[0].Config.Experiment
	for _, r := range runs {
		if r.Config.Experiment.Name != e.Name {
			return fmt.Sprintf("%d runs", len(runs))
		}
	}
	if e.Profile != "" {
		return e.Name + " (" + e.Profile + ")"
	}
	return e.Name
}

// AuditPopulation validates the audit over every seed of runs: it reads
// each run's audit statistics (the audit stage must have run) and measured
// OOD rates, writes the population outputs (audit.{md,csv,json} and the
// scatter plots) to out, and a copy of audit.json into each run's audit/
// directory for its report.
//
// The statistics of every agent, with their SHA-256, are written to
// out/statistics.json before any OOD record is read.
func AuditPopulation(runs []*Run, name, out string) (*audit.Result, error) {
	var stats []*audit.AgentStats
	for _, r := range runs {
		st, err := r.readAuditStats()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Dir, err)
		}
		stats = append(stats, st...)
	}
	if err := writeStatistics(out, stats); err != nil {
		return nil, err
	}
	measured := map[string]audit.Measured{}
	for _, r := range runs {
		m, err := r.measuredRates()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Dir, err)
		}
		for k, v := range m {
			measured[k] = v
		}
	}
	spec, err := runs[0].trainSpec()
	if err != nil {
		return nil, err
	}
	res, err := audit.Validate(name, string(spec.Proxy), stats, measured, audit.DefaultBootstrap)
	if err != nil {
		return nil, err
	}
	if err := audit.WriteOutputs(out, res); err != nil {
		return nil, err
	}
	for _, f := range audit.ScatterFigures(res) {
		if err := plot.WriteScatter(filepath.Join(out, f.File), f.Panels, auditScatterSize); err != nil {
			return nil, fmt.Errorf("audit: %s: %w", f.File, err)
		}
	}
	for _, r := range runs {
		if filepath.Clean(out) == filepath.Clean(r.AuditDir()) {
			continue // the population outputs are this run's own
		}
		rel, err := filepath.Rel(r.AuditDir(), out)
		if err != nil {
			rel = out
		}
		cp := *res
		cp.Dir = filepath.ToSlash(rel)
		if err := schema.WriteJSON(r.AuditJSON(), &cp); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// StatisticsFile is the agents' statistics with their hash, written in a
// population audit's directory before any OOD record is read.
const StatisticsFile = "statistics.json"

// writeStatistics writes out/statistics.json: the hash and every agent's
// statistics.
func writeStatistics(out string, stats []*audit.AgentStats) error {
	hash, err := audit.StatisticsHash(stats)
	if err != nil {
		return err
	}
	return schema.WriteJSON(filepath.Join(out, StatisticsFile), struct {
		SHA256 string              `json:"sha256"`
		Agents []*audit.AgentStats `json:"agents"`
	}{hash, stats})
}
