package experiments

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/interp/study"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/plot"
)

// InterpStage is the interp stage: SAEs (local and end-to-end), MDL selection, feature ↔
// concept statistics, interventions, bilinear and polytope analyses of one
// trained policy, the first training seed of the run (interp/study.Run).
// Interp levels are held-out levels after the evaluation ones, so the
// analyses never see the episodes that the failure table counts. It does
// nothing when interp.enabled is false.
func InterpStage(ctx context.Context, r *Run) error {
	if !r.Config.Interp.Enabled {
		r.Progress.Printf("interp: disabled (interp.enabled = false)")
		return nil
	}
	c := r.Config
	seed, ok := InterpSeed(r)
	if !ok {
		r.Progress.Printf("interp: seed %d is analysed by the shard that trains it", seed)
		return nil
	}
	var variants []study.Variant
	for _, name := range c.Variants() {
		cfg, err := c.VariantConfig(name)
		if err != nil {
			return err
		}
		variants = append(variants, study.Variant{Name: name, Config: cfg, OOD: name != schema.IDVariant})
	}
	selection, test := InterpLevels(c)
	in := c.Interp
	r.Progress.Printf("interp: analysing seed %d's policy at layers %v: choosing on levels %s, testing on %s", seed, in.Layers, selection, test)
	_, figs, err := study.Run(ctx, study.Options{
		Checkpoint:    agents.CheckpointPath(r.Checkpoints(seed)),
		OutDir:        r.Interp(),
		Game:          c.Env.Game,
		Obs:           c.Env.Obs,
		Variants:      variants,
		Selection:     selection,
		Test:          test,
		Layers:        in.Layers,
		Samples:       in.Samples,
		SAE:           in.SAE,
		MDLTolerance:  in.MDLTolerance,
		Bilinear:      in.Bilinear,
		Polytope:      in.Polytope,
		Interventions: in.Interventions,
		SteerScales:   in.SteerScales,
		Seed:          uint64(seed),
		NumEnvs:       c.Eval.NumEnvs,
		Log:           func(format string, args ...any) { r.Progress.Printf(format, args...) },
	})
	if err != nil {
		return fmt.Errorf("seed %d: %w", seed, err)
	}
	for _, f := range figs {
		if err := plot.WriteChart(filepath.Join(r.Interp(), f.File), f.Chart, plot.DefaultSize); err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
	}
	return nil
}

// InterpLevels are the interp stage's two disjoint sets of held-out
// levels, after the evaluation levels (so the analyses never see the
// episodes that the failure table counts): selection levels, on which SAEs,
// features and vectors are chosen, then test levels, on which every
// intervention is measured.
func InterpLevels(c *Config) (selection, test envs.LevelSeeds) {
	e, n := uint64(c.Eval.Episodes), uint64(c.Interp.Episodes)
	return envs.EvalSeeds(e, n), envs.EvalSeeds(e+n, n)
}

// InterpSeed is the training seed whose policy the interp stage analyses:
// the run's first seed, in whichever shard trains it (shards share the
// interp directory, and a sharded run must analyse what an unsharded one
// does). ok is false in the other shards.
func InterpSeed(r *Run) (seed int, ok bool) {
	seed = r.Config.Experiment.Seeds[0]
	return seed, slices.Contains(r.Seeds(), seed)
}
