package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/misgen/misgen/experiments"
)

// auditOptions are the flags and arguments of `experiments audit`.
type auditOptions struct {
	runDirs    []string
	out        string
	force      bool
	population string
	streams
}

var auditCommand = command{
	name: "audit", args: "<run-dir>...", minArgs: 1, maxArgs: -1,
	summary: "Audit every agent of the run directories from in-distribution access alone, then validate\n" +
		"the statistics against the agents' measured OOD rates (from the eval stage).\n\n" +
		"Statistics of seeds audited earlier are reused unless --force. Outputs: audit.{md,csv,json},\n" +
		"statistics.csv and scatter_<statistic>.png in --out (default: a single run's audit/, or\n" +
		"audit-<profile> beside one experiment's sweep points), a copy of audit.json in each run's\n" +
		"audit/, and refreshed report.html files.\n\n" +
		"With --population <audit.json>, the agents are judged by that population's calibration instead\n" +
		"(for runs with fewer agents than a validation needs): audit/predictions.{json,md} in each run.",
	setup: func(fs *flag.FlagSet, st streams) func(context.Context, []string) error {
		o := &auditOptions{streams: st}
		fs.StringVar(&o.out, "out", "", "directory for the population outputs (default: see above)")
		fs.BoolVar(&o.force, "force", false, "recompute the statistics of seeds audited earlier")
		fs.StringVar(&o.population, "population", "", "judge the agents with this population `audit.json`'s calibration instead of validating them")
		return func(ctx context.Context, args []string) error {
			o.runDirs = args
			return runAudit(ctx, o)
		}
	},
}

func runAudit(ctx context.Context, o *auditOptions) error {
	var runs []*experiments.Run
	for _, dir := range o.runDirs {
		r, err := openRun(dir)
		if err != nil {
			return err
		}
		r.Force = o.force
		r.Progress = experiments.NewProgress(o.stderr, progressPrefix(r))
		r.Args = os.Args
		runs = append(runs, r)
	}
	start := time.Now()
	for _, r := range runs {
		// Seeds share the pipeline audit stage's job markers, so seeds it
		// audited are skipped here (unless --force).
		if err := r.Execute(ctx, []experiments.Stage{{Name: "audit-statistics", Run: experiments.AuditStatistics}}); err != nil {
			return err
		}
	}
	if o.population != "" {
		return predictWith(ctx, runs, o.population, o.streams)
	}
	n, err := auditPopulation(ctx, runs, o.out, o.streams)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "audit of %d agents took %s\n", n, time.Since(start).Round(time.Second))
	return nil
}

// auditPopulation validates the statistics of runs, writes the outputs and
// refreshes each run's report; it prints the verdict and returns the
// number of agents.
func auditPopulation(ctx context.Context, runs []*experiments.Run, out string, st streams) (int, error) {
	if out == "" {
		out = experiments.DefaultAuditDir(runs)
	}
	res, err := experiments.AuditPopulation(runs, experiments.PopulationName(runs), out)
	if rerr := writeReports(ctx, runs, st); err == nil {
		err = rerr
	}
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(st.stdout, "%s\n", out)
	for _, h := range res.Verdict.Headlines {
		fmt.Fprintf(st.stdout, "%s\n", h)
	}
	fmt.Fprintf(st.stdout, "%s\n", res.Verdict.Goal)
	return len(res.Agents), nil
}

// writeReports writes the report of every run that has one, including
// those whose pipeline deferred it to the population audit (written
// whether or not the audit succeeded, once).
func writeReports(ctx context.Context, runs []*experiments.Run, st streams) error {
	for _, r := range runs {
		r.DeferReport = false
		if r.Config.Report.HTML {
			if err := st.stages.Report(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// predictWith judges every run's agents with the population audit at
// src, prints each agent's line and refreshes the reports.
func predictWith(ctx context.Context, runs []*experiments.Run, src string, st streams) error {
	for _, r := range runs {
		if err := r.WritePredictions(src); err != nil {
			return fmt.Errorf("%s: --population %s: %w", r.Dir, src, err)
		}
		if r.Config.Report.HTML {
			if err := st.stages.Report(ctx, r); err != nil {
				return err
			}
		}
		fmt.Fprintf(st.stdout, "%s\n", r.PredictionsJSON())
	}
	return nil
}
