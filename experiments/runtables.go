package experiments

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
)

// WriteRunTables counts the run's evaluation records (every file in
// OutcomesDir, so shards that share the directory are all included) into
// the behaviour tables of package tables and writes them with their plots:
// tables/failure_rates.{md,csv,json} and plots/failure_rates.png (pooled
// rows), tables/pursuit.{md,csv,json}, the variants played on the same
// levels compared level by level into tables/paired.{md,json}, and the
// goal-preference table tables/preference.{md,csv,json} with its per-seed
// plot plots/preference_vs_steps.png. Outcomes and their order come from
// the game's Spec. The eval stage calls it after writing records; the
// report stage may call it again. It returns the failure-rate rows.
func WriteRunTables(r *Run) ([]schema.Row, error) {
	recs, err := schema.ReadRecordsDir(r.OutcomesDir())
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("no evaluation records in %s", r.OutcomesDir())
	}
	spec, err := r.Config.Spec()
	if err != nil {
		return nil, err
	}
	variants := r.Config.Variants()
	rows, err := tables.CountOutcomes(recs, variants, spec.Outcomes)
	if err != nil {
		return nil, err
	}
	title := r.Config.Experiment.Name
	if r.Config.Experiment.Point != "" {
		title += " " + r.Config.Experiment.Point
	}
	run := title + " (" + r.Config.Experiment.Profile + ")"
	title = run + ": failure rates"
	if err := WriteTables(r.Tables(), rows, title); err != nil {
		return nil, err
	}
	if err := plot.WriteFailureBars(filepath.Join(r.Plots(), "failure_rates.png"), rows, outcomeRoles(r.Config), title, plot.DefaultSize); err != nil {
		return nil, err
	}
	pursuit, err := tables.PursuitRows(recs, variants)
	if err != nil {
		return nil, err
	}
	if err := writeFiles(r.Tables())(tables.PursuitFiles(pursuit, run+": goal pursuit")); err != nil {
		return nil, err
	}
	paired := tables.PairedVariants(recs, variants, spec.Success)
	if err := writeFiles(r.Tables())(tables.PairedFiles(paired, run+": variants compared level by level")); err != nil {
		return nil, err
	}
	prefs, err := tables.Preferences(recs, variants, spec.Success, spec.Proxy)
	if err != nil {
		return nil, err
	}
	prefTitle := strings.TrimSuffix(title, "failure rates") + "goal preference"
	if err := writeFiles(r.Tables())(tables.PreferenceFiles(prefs, spec.Success, spec.Proxy, prefTitle)); err != nil {
		return nil, err
	}
	if fig, ok := tables.PreferenceFigure(prefs, spec.Success, spec.Proxy, prefTitle); ok {
		if err := plot.WriteScatter(filepath.Join(r.Plots(), fig.File), fig.Panels, plot.DefaultSize); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// WriteTables atomically writes rows as failure_rates.{md,csv,json} in
// dir (tables.FailureFiles), title heading the Markdown.
func WriteTables(dir string, rows []schema.Row, title string) error {
	return writeFiles(dir)(tables.FailureFiles(rows, title))
}

// writeFiles returns a function that atomically writes files into dir,
// or returns err.
func writeFiles(dir string) func(files tables.Files, err error) error {
	return func(files tables.Files, err error) error {
		if err != nil {
			return err
		}
		for name, data := range files {
			if err := atomicfile.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}
