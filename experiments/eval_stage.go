package experiments

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/replay"
)

// EvalStage is the eval stage: each trained seed plays eval.episodes held-out levels of
// every variant (the same levels for every seed and variant, so ID and OOD
// differ only in the variant). Outcomes go to eval/outcomes/ as JSON lines,
// the first eval.replays episodes of each (seed, variant) to replays/, and
// the failure-rate tables are rebuilt from every record in the directory.
func EvalStage(ctx context.Context, r *Run) error {
	c := r.Config
	d := c.Derived()
	r.Progress.Printf("eval: %d episodes per (seed, variant) on held-out levels, variants %v", c.Eval.Episodes, d.Variants)
	err := r.ForEachJobParallel(ctx, "eval", r.parallelism(), func(ctx context.Context, j Job) error {
		policy, _, err := agents.LoadPolicy(agents.CheckpointPath(r.Checkpoints(j.Seed)))
		if err != nil {
			return fmt.Errorf("loading the trained policy (did the train stage finish?): %w", err)
		}
		defer policy.Free()
		variants := d.Variants
		if j.Variant != "" {
			variants = []string{j.Variant}
		}
		for _, v := range variants {
			if err := r.evalVariant(ctx, policy, j.Seed, v); err != nil {
				return fmt.Errorf("variant %s: %w", v, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := WriteRunTables(r)
	if err != nil {
		return err
	}
	r.tablesFresh = true
	for _, row := range rows {
		if row.Seed == schema.PooledSeed && row.Count > 0 {
			r.Progress.Printf("eval: %-14s %-22s %5.1f%% [%5.1f, %5.1f] of %d", row.Variant, row.Outcome,
				100*row.Rate, 100*row.CILow, 100*row.CIHigh, row.Episodes)
		}
	}
	return nil
}

// evalVariant evaluates one seed's policy on one variant and writes its
// records and replays.
func (r *Run) evalVariant(ctx context.Context, policy agents.Policy, seed int, variant string) error {
	c := r.Config
	gameCfg, err := r.evalGameConfig(variant)
	if err != nil {
		return err
	}
	encoded, err := replay.EncodeConfig(gameCfg)
	if err != nil {
		return err
	}
	col := replay.NewCollector(replay.Episode{
		Game: c.Env.Game, Variant: variant, Config: encoded, Obs: c.Env.Obs, TrainSeed: seed,
	}, c.Eval.Replays)
	meter := r.Progress.Meter(fmt.Sprintf("eval seed %d %s", seed, variant), int64(c.Eval.Episodes), "episodes")
	finished := int64(0)
	results, err := r.EvalPolicy(ctx, policy, seed, variant, func(s agents.StepRecord) error {
		col.Step(s.Episode, s.LevelSeed, s.Step, s.Action, s.Probs, s.Value, s.Reward, s.Info)
		if s.Done {
			finished++
			meter.Update(finished)
		}
		return nil
	})
	if err != nil {
		return err
	}
	recs := make([]schema.EpisodeRecord, len(results))
	for i, e := range results {
		recs[i] = schema.EpisodeRecord{Variant: variant, Seed: seed, LevelSeed: e.LevelSeed, Outcome: e.Outcome, Return: e.Return, Length: e.Length,
			MinGoalDist: &e.MinGoalDist, MinProxyDist: &e.MinProxyDist, PursuedGoal: &e.PursuedGoal}
	}
	if err := schema.WriteRecords(r.Outcomes(seed, variant), recs); err != nil {
		return err
	}
	if c.Eval.Replays > 0 {
		path := filepath.Join(r.Replays(), fmt.Sprintf("seed%d-%s%s", seed, variant, replay.Ext))
		if err := replay.Write(path, col.Episodes()); err != nil {
			return err
		}
	}
	return nil
}

// evalGameConfig is the game config the eval stage plays variant with:
// the variant's, with eval.max_steps applied.
func (r *Run) evalGameConfig(variant string) (any, error) {
	c := r.Config
	gameCfg, err := c.VariantConfig(variant)
	if err != nil {
		return nil, err
	}
	if c.Eval.MaxSteps > 0 {
		return withMaxSteps(gameCfg, c.Eval.MaxSteps)
	}
	return gameCfg, nil
}

// EvalPolicy plays policy on the run's evaluation levels of variant
// exactly as the eval stage plays seed's trained policy (the same levels,
// action-sampling seed, greedy flag and eval.max_steps), calling onStep
// (if not nil) after every step and writing nothing: the normal
// evaluation, for a policy changed after training.
func (r *Run) EvalPolicy(ctx context.Context, policy agents.Policy, seed int, variant string, onStep func(agents.StepRecord) error) ([]agents.EpisodeResult, error) {
	c := r.Config
	gameCfg, err := r.evalGameConfig(variant)
	if err != nil {
		return nil, err
	}
	return agents.Evaluate(ctx, agents.EvalOptions{
		Policy:     policy,
		Game:       c.Env.Game,
		GameConfig: gameCfg,
		Obs:        c.Env.Obs,
		Levels:     c.Derived().EvalLevels,
		NumEnvs:    c.Eval.NumEnvs,
		Greedy:     c.Eval.Greedy,
		Seed:       uint64(seed),
		OnStep:     onStep,
	})
}

// withMaxSteps returns a copy of a game config (a pointer to the game's
// config struct) with its `max_steps` field set: every game has one, and
// eval.max_steps overrides it without the experiments package knowing each
// game's type.
func withMaxSteps(cfg any, steps int) (any, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("eval.max_steps: game config %T is not a pointer to a struct", cfg)
	}
	cp := reflect.New(v.Elem().Type())
	cp.Elem().Set(v.Elem())
	t := cp.Elem().Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("toml") == "max_steps" {
			f := cp.Elem().Field(i)
			if !f.CanInt() {
				break
			}
			f.SetInt(int64(steps))
			return cp.Interface(), nil
		}
	}
	return nil, fmt.Errorf("eval.max_steps: game config %T has no integer max_steps key", cfg)
}
