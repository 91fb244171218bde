package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
	"github.com/misgen/misgen/schema"
)

// ResolvedTOML encodes the config with every default, the profile and any
// sweep point applied, as written to a run's resolved.toml. LoadResolved
// reads it back into an equal Config, so the encoding is a fixed point.
func (c *Config) ResolvedTOML() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Resolved by misgen from %s: every default, profile and sweep value applied.\n\n", c.Source)
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, fmt.Errorf("experiments: encoding resolved config: %w", err)
	}
	return buf.Bytes(), nil
}

// Hash is the hex SHA-256 of the resolved TOML without its header comment
// (which names the source file), so the same experiment loaded from a
// shipped config, a copy on disk or a resolved.toml hashes the same.
// Checkpoints record it to refuse resuming under a different config.
func (c *Config) Hash() (string, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return "", fmt.Errorf("experiments: encoding resolved config: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// RunID names the run directory: the profile and the first 12 hex digits
// of the config hash. It is deterministic, so re-running the same command
// resumes the same directory, and any change to the resolved config
// (including --seeds) starts a new one.
func (c *Config) RunID() (string, error) {
	h, err := c.Hash()
	if err != nil {
		return "", err
	}
	p := c.Experiment.Profile
	if p == "" {
		p = BaseProfile
	}
	return p + "-" + h[:12], nil
}

// Derived holds every size computed from the config, in one place.
type Derived struct {
	Seeds    []int    // training seeds
	Variants []string // schema.IDVariant first, then the OOD variants sorted by name

	BatchSize     int // samples per PPO update: num_envs × num_steps
	MinibatchSize int // BatchSize / num_minibatches
	NumUpdates    int // total_steps / BatchSize

	TrainLevels envs.LevelSeeds // [0, train_levels), or all seeds below envs.EvalSeedBase
	EvalLevels  envs.LevelSeeds // eval.episodes held-out levels, the same for every seed and variant

	// EvalEpisodes is the number of evaluation episodes per variant over
	// all seeds (the pooled sample size).
	EvalEpisodes int
}

// Derived computes the derived sizes of a valid config.
func (c *Config) Derived() Derived {
	n := uint64(c.Env.TrainLevels)
	if n == 0 {
		n = envs.EvalSeedBase
	}
	return Derived{
		Seeds:         append([]int(nil), c.Experiment.Seeds...),
		Variants:      c.Variants(),
		BatchSize:     c.PPO.BatchSize(),
		MinibatchSize: c.PPO.MinibatchSize(),
		NumUpdates:    c.PPO.NumUpdates(),
		TrainLevels:   envs.TrainSeeds(n),
		EvalLevels:    envs.EvalSeeds(0, uint64(c.Eval.Episodes)),
		EvalEpisodes:  c.Eval.Episodes * len(c.Experiment.Seeds),
	}
}

// Variants lists the evaluation variants: schema.IDVariant, then the OOD variants
// sorted by name.
func (c *Config) Variants() []string {
	out := []string{schema.IDVariant}
	names := make([]string, 0, len(c.Env.OOD))
	for n := range c.Env.OOD {
		names = append(names, n)
	}
	sort.Strings(names)
	return append(out, names...)
}

// VariantConfig returns the game config of variant (schema.IDVariant or an OOD
// name). The result is shared with c: callers must not modify it.
func (c *Config) VariantConfig(variant string) (any, error) {
	if variant == schema.IDVariant {
		return c.Env.Train, nil
	}
	cfg, ok := c.Env.OOD[variant]
	if !ok {
		return nil, fmt.Errorf("experiments: unknown variant %q: want one of %q", variant, c.Variants())
	}
	return cfg, nil
}

// Spec is the game's Spec for the training variant and the config's
// observations, read without building a level.
func (c *Config) Spec() (envs.Spec, error) {
	g, err := envs.Lookup(c.Env.Game)
	if err != nil {
		return envs.Spec{}, err
	}
	return g.Spec(c.Env.Train, c.Env.Obs)
}

// NewEnv builds one environment of variant with the config's observations.
func (c *Config) NewEnv(variant string) (envs.Env, error) {
	cfg, err := c.VariantConfig(variant)
	if err != nil {
		return nil, err
	}
	g, err := envs.Lookup(c.Env.Game)
	if err != nil {
		return nil, err
	}
	return g.New(cfg, c.Env.Obs)
}

// WithSeeds returns a copy of c with its training seeds replaced (the
// --seeds flag). The copy shares the game configs with c.
func (c *Config) WithSeeds(seeds Seeds) (*Config, error) {
	cp := *c
	cp.Experiment.Seeds = append(Seeds(nil), seeds...)
	if err := cp.validate(); err != nil {
		return nil, ErrorIn(c.Source, keyerr.At("--seeds", err))
	}
	return &cp, nil
}

// AuditVariant is the OOD variant that validates the audit: audit.variant,
// or the first OOD variant by name.
func (c *Config) AuditVariant() (string, error) {
	if c.Audit.Variant != "" {
		return c.Audit.Variant, nil
	}
	names := make([]string, 0, len(c.Env.OOD))
	for n := range c.Env.OOD {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s has no OOD variant to validate the audit against", c.Source)
	}
	sort.Strings(names)
	return names[0], nil
}
