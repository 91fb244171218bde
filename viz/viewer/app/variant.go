package app

import (
	"fmt"
	"sort"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/schema"
)

// VariantConfig returns the game config of variant for live play. With
// configFile empty, variant is "train" (the game's default training config)
// or "ood" (its built-in OOD counterpart, the game's registered variant
// "ood"). With a config file
// (an experiment TOML, loaded with experiments.Load), variant is "train" or
// one of its [env.ood.<name>] variants, and game must be empty or match
// the file's game; the file's game and observation config are returned.
func VariantConfig(game, variant, configFile string) (string, any, envs.ObsConfig, error) {
	if configFile != "" {
		return fileVariant(game, variant, configFile)
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

func fileVariant(game, variant, configFile string) (string, any, envs.ObsConfig, error) {
	c, err := experiments.Load(configFile, "base")
	if err != nil {
		return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %w", err)
	}
	if game != "" && game != c.Env.Game {
		return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %s is a %s experiment, not %s", configFile, c.Env.Game, game)
	}
	if variant == schema.IDVariant {
		return c.Env.Game, c.Env.Train, c.Env.Obs, nil
	}
	if cfg, ok := c.Env.OOD[variant]; ok {
		return c.Env.Game, cfg, c.Env.Obs, nil
	}
	names := []string{schema.IDVariant}
	for n := range c.Env.OOD {
		names = append(names, n)
	}
	sort.Strings(names[1:])
	return "", nil, envs.ObsConfig{}, fmt.Errorf("viewer: %s has no variant %q: want one of %v", configFile, variant, names)
}
