package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/export"
	"github.com/misgen/misgen/schema"
)

// exportOptions are the flags and arguments of `experiments export`.
type exportOptions struct {
	runDir string
	out    string
	streams
}

var exportCommand = command{
	name: "export", args: "<run-dir>", minArgs: 1, maxArgs: 1,
	summary: "Export a run for Python: policies and SAEs as safetensors, activations and concepts as .npy, outcomes as CSV.\n" +
		"python/misgen loads them in PyTorch (README: \"Using the results from Python\").",
	setup: setupOf[exportOptions](),
}

func (o *exportOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.out, "out", "", "export directory (default <run-dir>/export)")
}

func (o *exportOptions) run(ctx context.Context, args []string) error {
	o.runDir = args[0]
	start := time.Now()
	r, err := openRun(o.runDir)
	if err != nil {
		return err
	}
	opts, err := exportSources(r)
	if err != nil {
		return err
	}
	opts.Out = o.out
	if opts.Out == "" {
		opts.Out = filepath.Join(o.runDir, "export")
	}
	idx, err := export.Write(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stderr, "exported %d policies, %d SAEs, activations: %v, %d episodes in %.1fs\n",
		len(idx.Policies), len(idx.SAEs), idx.Activations != "", len(opts.Outcomes), time.Since(start).Seconds())
	fmt.Fprintln(o.stdout, opts.Out)
	return nil
}

// exportSources gathers what a run directory holds for export.Write: the
// checkpoints of its seeds, the game's spec, its variants, the interp
// stage's outputs and the evaluation records.
func exportSources(r *experiments.Run) (export.Options, error) {
	c := r.Config
	spec, err := c.Spec()
	if err != nil {
		return export.Options{}, err
	}
	selection, _ := experiments.InterpLevels(c)
	o := export.Options{
		Run: map[string]string{"experiment": c.Experiment.Name, "point": c.Experiment.Point, "profile": c.Experiment.Profile,
			"run_dir": r.Dir, "config_hash": r.Hash},
		Spec: spec, Obs: c.Env.Obs, NewEnv: c.NewEnv,
		InterpLevels: selection,
	}
	for _, v := range c.Variants() {
		o.Variants = append(o.Variants, export.Variant{Name: v, OOD: v != schema.IDVariant})
	}
	for _, seed := range r.Seeds() {
		ckpt := agents.CheckpointPath(r.Checkpoints(seed))
		if _, err := os.Stat(ckpt); err != nil {
			return o, fmt.Errorf("seed %d has no checkpoint (%w): train it first", seed, err)
		}
		o.Policies = append(o.Policies, export.PolicySource{Seed: seed, Checkpoint: ckpt})
	}
	if seed, ok := experiments.InterpSeed(r); ok && c.Interp.Enabled {
		o.InterpDir, o.InterpSeed = r.Interp(), seed
	}
	if o.Outcomes, err = schema.ReadRecordsDir(r.OutcomesDir()); err != nil {
		return o, err
	}
	return o, nil
}
