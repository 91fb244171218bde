package experiments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/misgen/misgen/audit"
	"github.com/misgen/misgen/experiments/config"
)

// auditTOML enables the audit of the test config.
const auditTOML = "\n[audit]\nenabled = true\n"

func TestPopulationOf(t *testing.T) {
	for i, tc := range []struct {
		src         string
		seeds       int
		calibration string
		shard       Shard
		validate    bool
		why         string // substring; "" for none
	}{
		{src: baseTOML, seeds: audit.MinAgents},                                        // no audit
		{src: baseTOML + auditTOML, seeds: audit.MinAgents, calibration: "pop.json"},   // judged by the audit stage
		{src: baseTOML + auditTOML, seeds: audit.MinAgents - 1, why: "too few"},        // one run, 9 agents
		{src: sweepTOML + auditTOML, seeds: 3, why: "9 agents are too few"},            // 3 points × 3 seeds
		{src: sweepTOML + auditTOML, seeds: 4, validate: true},                         // 3 points × 4 seeds
		{src: baseTOML + auditTOML, seeds: audit.MinAgents, validate: true},            // one run, 10 agents
		{src: sweepTOML + auditTOML, seeds: 4, shard: Shard{0, 2}, why: "every shard"}, // a shard alone
	} {
		c, err := loadText(t, tc.src, "quick")
		if err != nil {
			t.Fatal(err)
		}
		if c, err = c.WithSeeds(seedCount(t, tc.seeds)); err != nil {
			t.Fatal(err)
		}
		c.Audit.Calibration = tc.calibration
		runs, err := Plan(c, PlanOptions{Out: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		p, why := PopulationOf(c, runs, tc.shard)
		if p.Validate != tc.validate || len(p.Runs) != len(runs) || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("case %d: validate %v, why %q; want %v, %q", i, p.Validate, why, tc.validate, tc.why)
		}
		for _, r := range runs {
			if r.DeferReport != tc.validate {
				t.Errorf("case %d: run %s defers its report: %v", i, r.Label(), r.DeferReport)
			}
		}
	}
}

func seedCount(t *testing.T, n int) config.Seeds {
	t.Helper()
	s, err := config.ParseSeeds(strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// populationRuns plans the three runs of the sweep config with seeds
// seeds each under a fresh directory, with stages that do nothing but
// count the reports written (not deferred) per run.
func populationRuns(t *testing.T, seeds int) ([]*Run, Stages, map[string]int) {
	t.Helper()
	c, err := loadText(t, sweepTOML+auditTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	if c, err = c.WithSeeds(seedCount(t, seeds)); err != nil {
		t.Fatal(err)
	}
	runs, err := Plan(c, PlanOptions{Out: t.TempDir()})
	if err != nil || len(runs) != 3 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	reports := map[string]int{}
	nop := func(context.Context, *Run) error { return nil }
	s := Stages{Train: nop, Eval: nop, Interp: nop, Report: func(_ context.Context, r *Run) error {
		if r.DeferReport {
			return nil
		}
		reports[r.Label()]++
		return nil
	}}
	return runs, s, reports
}

// ExecutePopulation runs every run's stages in order, reporting each
// finished run, and stops at the first failure.
func TestExecutePopulation(t *testing.T) {
	runs, s, reports := populationRuns(t, 2)
	var done []string
	p := &Population{Runs: runs}
	if err := s.ExecutePopulation(context.Background(), p, s.Pipeline(), func(r *Run) { done = append(done, r.Label()) }); err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 || done[0] != runs[0].Label() || done[2] != runs[2].Label() || len(reports) != 3 || p.Result != nil {
		t.Errorf("done %v, reports %v, result %v", done, reports, p.Result)
	}
	for _, r := range runs {
		if _, err := os.Stat(r.ManifestPath(r.Shard)); err != nil {
			t.Errorf("run %s: %v", r.Label(), err)
		}
	}
	fail := errors.New("eval failed")
	done = nil
	broken := []Stage{{Name: "eval", Run: func(context.Context, *Run) error { return fail }}}
	for _, r := range runs {
		r.Force = true
	}
	if err := s.ExecutePopulation(context.Background(), p, broken, func(r *Run) { done = append(done, r.Label()) }); !errors.Is(err, fail) || len(done) != 0 {
		t.Errorf("failing stage: err %v, done %v", err, done)
	}
}

// The population stage writes every run's deferred report even when the
// validation fails (here: no audit statistics), then returns its error.
func TestPopulationStageWritesReportsAfterValidation(t *testing.T) {
	runs, s, reports := populationRuns(t, 4)
	p, _ := PopulationOf(runs[0].Config, runs, Shard{})
	if !p.Validate {
		t.Fatal("12 agents not validated")
	}
	if err := s.ExecutePopulation(context.Background(), p, s.Pipeline(), nil); err == nil || !strings.Contains(err.Error(), "has the audit stage run?") {
		t.Fatalf("validation without statistics: err %v", err)
	}
	if len(reports) != 3 {
		t.Errorf("reports written: %v, want each of 3 runs once", reports)
	}
	for _, r := range runs {
		if r.DeferReport || reports[r.Label()] != 1 {
			t.Errorf("run %s: defers its report %v, %d reports", r.Label(), r.DeferReport, reports[r.Label()])
		}
	}
	if want := filepath.Join(filepath.Dir(filepath.Dir(runs[0].Dir)), "audit-quick"); p.Out != want {
		t.Errorf("population outputs in %s, want %s", p.Out, want)
	}

	// Judged by a calibration that is not there: the first run's error,
	// no report rewritten.
	clear(reports)
	p = &Population{Runs: runs, Calibration: filepath.Join(t.TempDir(), "audit.json")}
	if err := s.PopulationStage(context.Background(), p); err == nil || !strings.Contains(err.Error(), runs[0].Dir+": judged by") || len(reports) != 0 {
		t.Errorf("missing calibration: err %v, reports %v", err, reports)
	}
}
