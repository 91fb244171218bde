package experiments

import (
	"context"
	"fmt"
	"slices"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/interp/stage"
	"github.com/misgen/misgen/schema"
)

// InterpStage is the interp stage: SAEs (local and end-to-end), MDL selection, feature ↔
// concept statistics, interventions, bilinear and polytope analyses of one
// trained policy, the first training seed of the run (interp.RunStage).
// Interp levels are held-out levels after the evaluation ones, so the
// analyses never see the episodes that the failure table counts. It does
// nothing when interp.enabled is false.
func InterpStage(ctx context.Context, r *Run) error {
	if !r.Config.Interp.Enabled {
		r.Progress.Printf("interp: disabled (interp.enabled = false)")
		return nil
	}
	c := r.Config
	// The run's first seed, in whichever shard trains it: shards share the
	// interp directory, and a sharded run must analyse what an unsharded
	// one does.
	seed := c.Experiment.Seeds[0]
	if !slices.Contains(r.Seeds(), seed) {
		r.Progress.Printf("interp: seed %d is analysed by the shard that trains it", seed)
		return nil
	}
	var variants []stage.Variant
	for _, name := range c.Variants() {
		cfg, err := c.VariantConfig(name)
		if err != nil {
			return err
		}
		variants = append(variants, stage.Variant{Name: name, Config: cfg, OOD: name != schema.IDVariant})
	}
	levels := envs.EvalSeeds(uint64(c.Eval.Episodes), uint64(c.Interp.Episodes))
	in := c.Interp
	r.Progress.Printf("interp: analysing seed %d's policy at layers %v on %d episodes per variant", seed, in.Layers, in.Episodes)
	_, err := stage.Run(ctx, stage.Options{
		Checkpoint: agents.CheckpointPath(r.Checkpoints(seed)),
		OutDir:     r.Interp(),
		Game:       c.Env.Game,
		Obs:        c.Env.Obs,
		Variants:   variants,
		Levels:     func(int) envs.LevelSeeds { return levels },
		Layers:     in.Layers,
		Samples:    in.Samples,
		SAE: stage.SAE{
			Kind: interp.Kind(in.SAE.Kind), Sizes: in.SAE.Sizes, K: in.SAE.K, L1: in.SAE.L1,
			Steps: in.SAE.Steps, BatchSize: in.SAE.BatchSize, LR: in.SAE.LearningRate, EndToEnd: in.SAE.EndToEnd,
		},
		MDLTolerance:  in.MDLTolerance,
		Bilinear:      in.Bilinear,
		Polytope:      in.Polytope,
		Interventions: in.Interventions,
		SteerScale:    in.SteerScale,
		Interval:      schema.Wilson,
		Seed:          uint64(seed),
		NumEnvs:       c.Eval.NumEnvs,
		Log:           func(format string, args ...any) { r.Progress.Printf(format, args...) },
	})
	if err != nil {
		return fmt.Errorf("seed %d: %w", seed, err)
	}
	return nil
}
