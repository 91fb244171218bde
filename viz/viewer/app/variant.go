package app

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/schema"
)

// Loaders are the parts of the viewer that link heavy packages, injected
// by the binary that has them. A nil Policy makes -checkpoint fail with
// ErrNoPolicy.
type Loaders struct {
	Policy PolicyLoader // -checkpoint
}

// Level is what a live level is built from: the game, the variant's game
// config and the observation config.
type Level struct {
	Game   string
	Config any
	Obs    envs.ObsConfig
	// From names the experiment the config was read from (-config, or the
	// checkpoint's run), "" for the game's registered defaults.
	From string
}

// LiveLevel resolves the level of a's live mode. The experiment is
// -config when given; else, for -checkpoint, the resolved.toml of the run
// the checkpoint belongs to (RunOf), so the policy sees the observations
// it was trained on; else none, and the game (-play or -env) is played
// with its registered defaults (GameVariant). With an experiment, -play or
// -env must be empty or name its game.
func LiveLevel(a *Args) (Level, error) {
	game := a.Play
	if a.Mode() == ModeCheckpoint {
		game = a.Env
	}
	file := a.ConfigFile
	if file == "" && a.Mode() == ModeCheckpoint {
		if run, ok := RunOf(a.Checkpoint); ok {
			file = schema.RunLayout{Dir: run}.ResolvedConfig()
		} else if game == "" {
			return Level{}, fmt.Errorf("viewer: -checkpoint %s: no %s in its directory or above, so its game and observations are unknown: a run keeps its checkpoints in <run>/checkpoints/seed-N/%s; give -config <experiment.toml | run-dir> or -env <game>",
				a.Checkpoint, resolvedName, checkpointName)
		}
	}
	if file == "" {
		return GameVariant(game, a.Variant)
	}
	x, err := LoadExperiment(file)
	if err != nil {
		return Level{}, fmt.Errorf("viewer: %w", err)
	}
	return ExperimentVariant(x, file, game, a.Variant)
}

// resolvedName is the file name of a run's resolved config, and
// checkpointName that of a seed's checkpoint (agents.CheckpointFile,
// which this package does not link).
var resolvedName = filepath.Base(schema.RunLayout{}.ResolvedConfig())

const checkpointName = "latest.ckpt"

// RunOf finds the run directory that path, a checkpoint, replay file or
// directory, belongs to: the nearest directory at or above it (path
// itself when it is a directory) that holds a resolved.toml. Checkpoints
// are <run>/checkpoints/seed-N/latest.ckpt (circumvention checkpoints
// deeper under <run>/audit), replays <run>/replays/seed-N.replay. ok is
// false when there is none.
func RunOf(path string) (dir string, ok bool) {
	d, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		d = filepath.Dir(d)
	}
	for {
		if st, err := os.Stat(schema.RunLayout{Dir: d}.ResolvedConfig()); err == nil && st.Mode().IsRegular() {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
		d = filepath.Dir(d)
	}
}

// GreedyEval reports whether the episodes under path (a replay file or
// run directory) were played greedily: eval.greedy of the run's
// resolved.toml (RunOf). It is false, episodes sampled as the shipped
// configs do, when path is in no run or its config cannot be read: the
// flag only names the orange bar in the HUD's legend.
func GreedyEval(path string) bool {
	run, ok := RunOf(path)
	if !ok {
		return false
	}
	c, err := config.LoadResolved(schema.RunLayout{Dir: run}.ResolvedConfig())
	return err == nil && c.Eval.Greedy
}

// LoadExperiment reads the experiment path names: a run directory (its
// resolved.toml), a run's resolved.toml as written, or an experiment file
// or shipped config name with its base values (no profile: the variants
// are the file's own).
func LoadExperiment(path string) (*config.Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = schema.RunLayout{Dir: path}.ResolvedConfig()
	}
	if filepath.Base(path) == resolvedName {
		return config.LoadResolved(path)
	}
	return config.Load(path, config.BaseProfile)
}

// GameVariant is the level of game's variant with the default
// observations: variant is schema.IDVariant ("train", the game's default
// config) or the name of one of the game's registered variants ("ood").
func GameVariant(game, variant string) (Level, error) {
	g, err := envs.Lookup(game)
	if err != nil {
		return Level{}, fmt.Errorf("viewer: %w", err)
	}
	cfg := g.NewConfig()
	if variant != schema.IDVariant {
		v, err := g.Variant(variant)
		if err != nil {
			return Level{}, fmt.Errorf("viewer: -variant %q: %w (or -config <experiment.toml> for its named variants)", variant, err)
		}
		v.Apply(cfg)
	}
	return Level{Game: game, Config: cfg, Obs: envs.DefaultObsConfig()}, nil
}

// ExperimentVariant is the level of variant (schema.IDVariant or one of
// the experiment's OOD variants) of experiment x, read from file, with
// its observations; game must be empty or x's game.
func ExperimentVariant(x *config.Config, file, game, variant string) (Level, error) {
	if game != "" && game != x.Env.Game {
		return Level{}, fmt.Errorf("viewer: %s is a %s experiment, not %s", file, x.Env.Game, game)
	}
	cfg, err := x.VariantConfig(variant)
	if err != nil {
		return Level{}, fmt.Errorf("viewer: %s has no variant %q: want one of %v", file, variant, x.Variants())
	}
	return Level{Game: x.Env.Game, Config: cfg, Obs: x.Env.Obs, From: file}, nil
}
