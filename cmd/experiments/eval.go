package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
)

// evalOptions are the flags and arguments of `experiments eval`.
type evalOptions struct {
	runDir string
	seeds  string // --only-seeds
	old    string // --seeds, which eval refuses: it means a count in run
	shard  string
	streams
}

var evalCommand = command{
	name: "eval", args: "<run-dir>", minArgs: 1, maxArgs: 1,
	summary: "Re-evaluate the trained agents of a run directory (seed × variant jobs), then rebuild its tables.\n\n" +
		"--only-seeds selects seeds the run has: --only-seeds 0 is seed 0 and --only-seeds 0,2 seeds 0 and 2\n" +
		"(run's --seeds is a count or a list of new seeds; eval has no --seeds).",
	setup: setupOf[evalOptions](),
}

func (o *evalOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.seeds, "only-seeds", "", "evaluate only these training `seeds` of the run: one seed (0) or a list (0,2); not a count")
	fs.StringVar(&o.old, "seeds", "", "not for eval: use --only-seeds (run's --seeds is a count)")
	fs.StringVar(&o.shard, "shard", "", "evaluate only shard i/n (0 <= i < n) of the seed × variant jobs")
}

// openRun opens a run directory, reporting a missing one as a usage error.
func openRun(dir string) (*experiments.Run, error) {
	if _, err := os.Stat(experiments.Layout{Dir: dir}.ResolvedConfig()); err != nil {
		return nil, usagef("%s is not a run directory (no resolved.toml)", dir)
	}
	return experiments.OpenRun(dir)
}

// selectSeeds is the run's seeds (have) that --only-seeds flag selects, in the
// run's order; all of them when flag is empty. A seed the run lacks is a
// usage error.
func selectSeeds(flag string, have []int) ([]int, error) {
	if flag == "" {
		return have, nil
	}
	want, err := config.ParseSeedList(flag)
	if err != nil {
		return nil, usagef("%v", err)
	}
	for _, s := range want {
		if !slices.Contains(have, s) {
			return nil, usagef("--only-seeds %s: the run has seeds %v", flag, have)
		}
	}
	var out []int
	for _, s := range have {
		if slices.Contains(want, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (o *evalOptions) run(ctx context.Context, args []string) error {
	o.runDir = args[0]
	if o.old != "" {
		return usagef("eval --seeds %s: eval selects seeds of the run with --only-seeds %s (--seeds is run's count or list of seeds to train)", o.old, o.old)
	}
	r, err := openRun(o.runDir)
	if err != nil {
		return err
	}
	shard, err := parseShardFlag(o.shard)
	if err != nil {
		return err
	}
	seeds, err := selectSeeds(o.seeds, r.Config.Experiment.Seeds)
	if err != nil {
		return err
	}
	var jobs []experiments.Job
	for _, s := range seeds {
		for _, v := range r.Config.Variants() {
			jobs = append(jobs, experiments.Job{Point: r.Config.Experiment.Point, Seed: s, Variant: v})
		}
	}
	r.Shard = shard
	r.Jobs = shard.Select(jobs)
	r.Force = true
	r.Progress = experiments.NewProgress(o.stderr, progressPrefix(r))
	r.Args = os.Args
	if err := r.Execute(ctx, []experiments.Stage{{Name: "eval", Run: o.stages.Eval}}); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "%s\n", r.Dir)
	return nil
}
