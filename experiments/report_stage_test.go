package experiments

import (
	"context"
	"os"
	"testing"

	"github.com/misgen/misgen/schema"
)

// The report stage writes the tables only when this process has not just
// written them, and report.html only when it is not deferred: each once
// per run.
func TestReportStageWritesEachOnce(t *testing.T) {
	c, _ := loadText(t, baseTOML, "quick")
	r, err := NewRun(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Experiment.Seeds {
		for _, v := range c.Variants() {
			recs := []schema.EpisodeRecord{{Variant: v, Seed: s, Outcome: "goal"}}
			if err := schema.WriteRecords(r.Outcomes(s, v), recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	table := r.FailureRatesJSON()
	for i, tc := range []struct {
		fresh, deferred   bool
		tables, htmlAfter bool
	}{
		{fresh: true, deferred: true, tables: false, htmlAfter: false},
		{fresh: false, deferred: true, tables: true, htmlAfter: false},
		{fresh: true, deferred: false, tables: false, htmlAfter: true},
	} {
		os.RemoveAll(r.Tables())
		os.Remove(r.Report())
		r.tablesFresh, r.DeferReport = tc.fresh, tc.deferred
		if err := ReportStage(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(table); (err == nil) != tc.tables {
			t.Errorf("case %d: tables written %v, want %v", i, err == nil, tc.tables)
		}
		if _, err := os.Stat(r.Report()); (err == nil) != tc.htmlAfter {
			t.Errorf("case %d: report.html written %v, want %v", i, err == nil, tc.htmlAfter)
		}
		if !r.tablesFresh {
			t.Errorf("case %d: tables not marked fresh after the stage", i)
		}
	}
}
