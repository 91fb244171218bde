// Package replay stores evaluated episodes compactly so the viewer and the
// report can re-render every step: a versioned, checksummed binary file
// holding, per episode, what is needed to rebuild the level (game, variant
// config, observation config, level seed) and, per step, the action taken,
// the action probabilities, the value estimate, the reward, a ground-truth
// snapshot and optionally the top feature activations.
//
// Frames are not stored. The games are deterministic, so re-rendering means
// rebuilding the Env from the stored config, resetting it with the level
// seed and replaying the actions; Load checks that the replayed trajectory
// reproduces the recorded rewards, positions and outcome, so a replay made
// with different game code is refused instead of shown wrongly.
package replay

import (
	"bytes"
	"fmt"

	"github.com/BurntSushi/toml"

	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/all" // replays name games; register them all
	"github.com/misgen/misgen/schema"
)

// Ext is the file name extension of replay files; a run directory keeps
// them under replays/.
const Ext = ".replay"

// Episode is one recorded episode.
type Episode struct {
	Game string // registered game name
	// Variant is schema.IDVariant for the training variant or the OOD variant's
	// name from the experiment config.
	Variant string
	// Config is the game's variant config as TOML (EncodeConfig), decoded
	// into the game's NewConfig to rebuild the Env.
	Config    []byte
	Obs       envs.ObsConfig
	LevelSeed uint64
	TrainSeed int // training seed of the agent that played
	// Outcome is the terminal outcome, or "" for an episode cut off before
	// it ended.
	Outcome envs.Outcome
	// FeatureSource names what Step.Features are activations of (e.g.
	// "sae/fc/topk-256"); empty when no step has features.
	FeatureSource string
	Steps         []Step
}

// Step is one decision: in the state reached after the previous step the
// policy gave Probs and Value, took Action and received Reward; Info is the
// ground truth after the step.
type Step struct {
	Action int
	// Probs are the action probabilities, one per action, or nil when the
	// actor was not a policy (a person or a script).
	Probs  []float32
	Value  float32
	Reward float32
	Info   envs.Info
	// Features are the most active features in the state the decision was
	// made in, most active first; nil when not captured.
	Features []Feature
}

// Feature is one feature activation.
type Feature struct {
	ID    int
	Value float32
}

// ID reports whether ep is an in-distribution episode.
func (ep *Episode) ID() bool { return ep.Variant == schema.IDVariant }

// Return is the undiscounted return of the first n steps (clamped to the
// episode length).
func (ep *Episode) Return(n int) float32 {
	n = min(max(n, 0), len(ep.Steps))
	var sum float32
	for _, s := range ep.Steps[:n] {
		sum += s.Reward
	}
	return sum
}

// String names the episode for messages and lists.
func (ep *Episode) String() string {
	out := ep.Outcome
	if out == "" {
		out = "unfinished"
	}
	return fmt.Sprintf("%s/%s seed %d level %d (%d steps, %s)", ep.Game, ep.Variant, ep.TrainSeed, ep.LevelSeed, len(ep.Steps), out)
}

// EncodeConfig returns a game config (the value or pointer NewConfig gives)
// as TOML for Episode.Config.
func EncodeConfig(cfg any) ([]byte, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		return nil, fmt.Errorf("replay: encoding game config %T: %w", cfg, err)
	}
	return buf.Bytes(), nil
}

// GameConfig decodes ep.Config into a fresh config of ep.Game, rejecting
// keys the game does not know.
func (ep *Episode) GameConfig() (envs.Game, any, error) {
	g, err := envs.Lookup(ep.Game)
	if err != nil {
		return envs.Game{}, nil, fmt.Errorf("replay: %w", err)
	}
	cfg := g.NewConfig()
	md, err := toml.NewDecoder(bytes.NewReader(ep.Config)).Decode(cfg)
	if err != nil {
		return envs.Game{}, nil, fmt.Errorf("replay: %s config: %w", ep.Game, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return envs.Game{}, nil, fmt.Errorf("replay: %s config has unknown key %q", ep.Game, und[0].String())
	}
	return g, cfg, nil
}

// NewEnv rebuilds the episode's Env (not yet Reset).
func (ep *Episode) NewEnv() (envs.Env, error) {
	g, cfg, err := ep.GameConfig()
	if err != nil {
		return nil, err
	}
	env, err := g.New(cfg, ep.Obs)
	if err != nil {
		return nil, fmt.Errorf("replay: rebuilding %s: %w", ep.Game, err)
	}
	return env, nil
}
