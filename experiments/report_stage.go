package experiments

import (
	"context"
	"os"
	"path/filepath"

	"github.com/misgen/misgen/viz/report"
)

// ReportStage is the report stage: it rebuilds the failure-rate tables from every evaluation
// record in the directory (so a report made after all shards finished
// counts every shard's episodes) unless this process's eval stage just
// wrote them, then writes report.html (unless r.DeferReport). Each is
// written once per run.
func ReportStage(_ context.Context, r *Run) error {
	if recs, _ := filepath.Glob(filepath.Join(r.OutcomesDir(), "*.jsonl")); len(recs) > 0 && !r.tablesFresh {
		if _, err := WriteRunTables(r); err != nil {
			return err
		}
		r.tablesFresh = true
	}
	if r.DeferReport {
		r.Progress.Printf("report: report.html after the population audit")
		return nil
	}
	if !r.Config.Report.HTML {
		r.Progress.Printf("report: report.html disabled (report.html = false)")
		return nil
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return err
	}
	if err := report.WriteFiles(ReportFiles(r.Layout)); err != nil {
		return err
	}
	r.Progress.Printf("report: wrote %s", r.Report())
	return nil
}

// ReportFiles names a run directory's report inputs and output from the
// layout, so the report reads exactly the files the other stages write.
func ReportFiles(l Layout) report.Files { return report.Files{RunLayout: l} }
