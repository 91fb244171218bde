package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
	p := &experiments.Population{Runs: runs, Validate: o.population == "", Out: o.out, Calibration: o.population}
	// Seeds share the pipeline audit stage's job markers, so seeds it
	// audited are skipped here (unless --force).
	stages := []experiments.Stage{{Name: "audit-statistics", Run: experiments.AuditStatistics}}
	if err := o.stages.ExecutePopulation(ctx, p, stages, nil); err != nil {
		return err
	}
	if o.population != "" {
		for _, r := range runs {
			fmt.Fprintf(o.stdout, "%s\n", r.PredictionsJSON())
		}
		return nil
	}
	printVerdict(o.stdout, p)
	fmt.Fprintf(o.stdout, "audit of %d agents took %s\n", len(p.Result.Agents), time.Since(start).Round(time.Second))
	return nil
}

// printVerdict prints a validated population's output directory and
// verdict.
func printVerdict(w io.Writer, p *experiments.Population) {
	fmt.Fprintf(w, "%s\n", p.Out)
	for _, h := range p.Result.Verdict.Headlines {
		fmt.Fprintf(w, "%s\n", h)
	}
	fmt.Fprintf(w, "%s\n", p.Result.Verdict.Goal)
}
