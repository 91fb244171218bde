package experiments

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
)

// WriteRunTables counts the run's evaluation records (every file in
// OutcomesDir, so shards that share the directory are all included) into
// tables/failure_rates.{md,csv,json} and plots/failure_rates.png (pooled
// rows), and into the goal-preference table tables/preference.{md,csv,json}
// with its per-seed plot plots/preference_vs_steps.png (see Preferences),
// and variants played on the same levels compared level by level into
// tables/paired.{md,json} (see PairedVariants).
// Outcomes and their order come from the game's Spec. The eval stage calls
// it after writing records; `experiments report` may call it again.
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
	rows, err := CountOutcomes(recs, r.Config.Variants(), spec.Outcomes)
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
	if err := WritePursuitTables(r.Tables(), recs, r.Config.Variants(), run+": goal pursuit"); err != nil {
		return nil, err
	}
	paired := PairedVariants(recs, r.Config.Variants(), spec.Success)
	if err := WritePaired(r.Tables(), paired, run+": variants compared level by level"); err != nil {
		return nil, err
	}
	prefs, err := Preferences(recs, r.Config.Variants(), spec.Success, spec.Proxy)
	if err != nil {
		return nil, err
	}
	prefTitle := strings.TrimSuffix(title, "failure rates") + "goal preference"
	if err := WritePreference(r.Tables(), filepath.Join(r.Plots(), PreferencePlot), prefs, spec.Success, spec.Proxy, prefTitle); err != nil {
		return nil, err
	}
	return rows, nil
}
