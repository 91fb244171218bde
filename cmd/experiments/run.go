package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/experiments/tables"
)

// runOptions are the flags and arguments of `experiments run`.
type runOptions struct {
	config  string
	profile string
	out     string
	seeds   string
	shard   string
	streams
}

func (o *runOptions) register(fs *flag.FlagSet) {
	registerProfile(fs, &o.profile)
	fs.StringVar(&o.out, "out", "runs", "results root directory (the reference results under results/ are written with --out results)")
	fs.StringVar(&o.seeds, "seeds", "", seedsOverrideHelp)
	fs.StringVar(&o.shard, "shard", "", "run only shard i/n (0 <= i < n) of the independent seed jobs")
}

var runCommand = command{
	name: "run", args: "<config>", minArgs: 1, maxArgs: 1,
	summary: "Run an experiment: train → eval → interp → audit → report for each run (sweep point), then,\n" +
		"when the audit is enabled and there are enough agents, the population audit of all of them.\n\n" +
		"<config> is a TOML file, or the name of a shipped config (see 'experiments list'). A re-run of\n" +
		"the same command resumes in the same run directory: finished stages and seeds are skipped.\n" +
		"--seeds chooses the training seeds: --seeds 3 is a count (seeds 0, 1, 2), --seeds 0,5,7 a list\n" +
		"and --seeds 7, the single seed 7 (eval's --only-seeds 0 selects seed 0 of a run).",
	setup: setupOf[runOptions](),
}

// seedsOverrideHelp is the --seeds help of the commands that choose the
// training seeds (run, validate); eval's --only-seeds selects existing ones.
const seedsOverrideHelp = "override the training `seeds`: a count N (seeds 0..N-1), or a list like 0,5,7 (7, for seed 7 alone)"

// loadWithOverrides loads a config with the profile and --seeds applied.
func loadWithOverrides(file, profile, seeds string) (*experiments.Config, error) {
	c, err := config.Load(file, profile)
	if err != nil {
		return nil, err
	}
	if seeds != "" {
		s, err := config.ParseSeeds(seeds)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if c, err = c.WithSeeds(s); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func parseShardFlag(s string) (experiments.Shard, error) {
	if s == "" {
		return experiments.Shard{}, nil
	}
	sh, err := experiments.ParseShard(s)
	if err != nil {
		return sh, usagef("%v", err)
	}
	return sh, nil
}

func (o *runOptions) run(ctx context.Context, args []string) error {
	o.config = args[0]
	c, err := loadWithOverrides(o.config, o.profile, o.seeds)
	if err != nil {
		return err
	}
	if _, err := experiments.Device(c); err != nil {
		return err // before any directory is made: this binary cannot run it
	}
	shard, err := parseShardFlag(o.shard)
	if err != nil {
		return err
	}
	runs, err := experiments.Plan(c, experiments.PlanOptions{Out: o.out, Shard: shard})
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintf(o.stderr, "shard %s has no jobs\n", shard)
		return nil
	}
	// The population is every run of the config (all sweep points); when
	// it is validated, its stage writes the reports, once, with the verdict.
	p, why := experiments.PopulationOf(c, runs, shard)
	for _, r := range runs {
		r.Progress = experiments.NewProgress(o.stderr, progressPrefix(r))
		r.Args = os.Args
	}
	err = o.stages.ExecutePopulation(ctx, p, o.stages.Pipeline(), func(r *experiments.Run) {
		fmt.Fprintf(o.stdout, "%s\n", r.Dir)
		printTable(o.stdout, filepath.Join(r.Tables(), tables.FailureRatesMD))
	})
	if err != nil {
		return err
	}
	if why != "" {
		fmt.Fprintf(o.stderr, "audit: %s\n", why)
	}
	if p.Result != nil {
		printVerdict(o.stdout, p)
	}
	return nil
}

func progressPrefix(r *experiments.Run) string {
	e := r.Config.Experiment
	p := e.Name
	if e.Point != "" {
		p += "/" + e.Point
	}
	return p + " " + e.Profile
}

// printTable copies a finished run's markdown table to w, if there is one.
func printTable(w interface{ Write([]byte) (int, error) }, path string) {
	if md, err := os.ReadFile(path); err == nil {
		w.Write(append([]byte("\n"), md...))
	}
}
