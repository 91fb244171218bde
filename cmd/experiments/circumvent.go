package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/misgen/misgen/circumvent"
	"github.com/misgen/misgen/experiments"
)

// circumventOptions are the flags and arguments of `experiments circumvent`.
type circumventOptions struct {
	seed       int
	population string
	levels     int
	tune       circumvent.FineTuneOptions
	streams
}

var circumventCommand = command{
	name: "circumvent", args: "<run-dir>", minArgs: 1, maxArgs: 1,
	summary: "Stress-test the audit on one agent of a run: exact reparametrisations (controls) and attacks that\n" +
		"fine-tune the agent on ID observations to move one audit statistic while its action distribution stays\n" +
		"within a KL tolerance of the original's. Every audit statistic and the agent's behaviour (ID success, OOD\n" +
		"proxy rate) are measured before and after. Outputs: circumvention.{md,json} in the run's audit/, attacked\n" +
		"agents' checkpoints in audit/circumvent/seed-<n>/. Predictions are calibrated on --population (default:\n" +
		"the run's own audit/audit.json when it exists).",
	setup: setupOf[circumventOptions](),
}

func (o *circumventOptions) register(fs *flag.FlagSet) {
	fs.IntVar(&o.seed, "seed", -1, "training `seed` of the agent to attack (default: the run's first)")
	fs.StringVar(&o.population, "population", "", "population audit.json that calibrates the predictions")
	fs.IntVar(&o.levels, "levels", 64, "training levels played for the ID observations the attacks fine-tune on")
	fs.Float64Var(&o.tune.Tolerance, "tolerance", 0.01, "largest mean KL(original ‖ attacked) in nats on held-out ID observations")
	fs.Float64Var(&o.tune.Lambda, "lambda", 1, "initial penalty weight λ of the fine-tunes (halved when a check exceeds the tolerance)")
	fs.IntVar(&o.tune.Steps, "steps", 400, "optimiser steps per fine-tune")
	fs.Float64Var(&o.tune.LR, "lr", 1e-3, "Adam step size of the fine-tunes")
}

func (o *circumventOptions) run(ctx context.Context, args []string) error {
	r, err := openRun(args[0])
	if err != nil {
		return err
	}
	seeds := r.Config.Experiment.Seeds
	if o.seed < 0 {
		o.seed = seeds[0]
	}
	if !slices.Contains(seeds, o.seed) {
		return usagef("--seed %d: the run has seeds %v", o.seed, seeds)
	}
	if !(o.tune.Tolerance > 0) || o.levels < 2 || o.tune.Steps < 1 || !(o.tune.LR > 0) || o.tune.Lambda < 0 {
		return usagef("--tolerance, --lr must be > 0, --levels >= 2, --steps >= 1, --lambda >= 0")
	}
	if o.population != "" {
		if _, err := os.Stat(o.population); err != nil {
			return usagef("--population: %v", err)
		}
	}
	r.Progress = experiments.NewProgress(o.stderr, progressPrefix(r))
	r.Args = os.Args
	r.Force = true
	var rep *circumvent.Report
	stage := experiments.Stage{Name: "circumvent", Run: func(ctx context.Context, r *experiments.Run) error {
		rep, err = experiments.Circumvent(ctx, r, experiments.CircumventOptions{
			Seed: o.seed, Population: o.population, Levels: o.levels, Tune: o.tune})
		return err
	}}
	if err := r.Execute(ctx, []experiments.Stage{stage}); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "%s\n", filepath.Join(r.AuditDir(), circumvent.MarkdownFile))
	for _, f := range rep.Findings {
		fmt.Fprintf(o.stdout, "%-24s %s\n", f.Statistic, f.Status)
	}
	return nil
}
