package app

import (
	"errors"
	"fmt"
	"sort"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
)

// Experiment is what the viewer needs from an experiment file (-config):
// its game, observation config and variant game configs.
type Experiment struct {
	Game  string
	Obs   envs.ObsConfig
	Train any            // the training variant's game config
	OOD   map[string]any // OOD variant name → game config
}

// ExperimentLoader reads an experiment file for -config. It is injected by
// the binary (cmd/viewer-window wraps config.Load), so this package
// does not link the experiment pipeline.
type ExperimentLoader func(path string) (*Experiment, error)

// ErrNoExperimentLoader is returned for -config when no ExperimentLoader is
// given.
var ErrNoExperimentLoader = errors.New("viewer: -config: experiment files are not readable in this build")

// Loaders are the parts of the viewer that link heavy packages, injected
// by the binary that has them. A nil field makes the feature that needs it
// fail with ErrNoPolicy or ErrNoExperimentLoader.
type Loaders struct {
	Policy     PolicyLoader     // -checkpoint
	Experiment ExperimentLoader // -config
}

// VariantConfig returns the game config of variant for live play. With
// configFile empty, variant is "train" (the game's default training config)
// or the name of one of the game's registered variants ("ood"). With a
// config file (an experiment file, read with load), variant is "train" or
// one of its [env.ood.<name>] variants, and game must be empty or match
// the file's game; the file's game and observation config are returned.
func VariantConfig(game, variant, configFile string, load ExperimentLoader) (string, any, envs.ObsConfig, error) {
	if configFile != "" {
		return fileVariant(game, variant, configFile, load)
	}
	g, err := envs.Lookup(game)
	if err != nil {
		return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %w", err)
	}
	cfg := g.NewConfig()
	if variant != schema.IDVariant {
		v, err := g.Variant(variant)
		if err != nil {
			return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: -variant %q: %w (or -config <experiment.toml> for its named variants)", variant, err)
		}
		v.Apply(cfg)
	}
	return game, cfg, envs.DefaultObsConfig(), nil
}

func fileVariant(game, variant, configFile string, load ExperimentLoader) (string, any, envs.ObsConfig, error) {
	if load == nil {
		return "", nil, envs.ObsConfig{}, ErrNoExperimentLoader
	}
	x, err := load(configFile)
	if err != nil {
		return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %w", err)
	}
	if game != "" && game != x.Game {
		return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %s is a %s experiment, not %s", configFile, x.Game, game)
	}
	if variant == schema.IDVariant {
		return x.Game, x.Train, x.Obs, nil
	}
	if cfg, ok := x.OOD[variant]; ok {
		return x.Game, cfg, x.Obs, nil
	}
	names := []string{schema.IDVariant}
	for n := range x.OOD {
		names = append(names, n)
	}
	sort.Strings(names[1:])
	return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %s has no variant %q: want one of %v", configFile, variant, names)
}
