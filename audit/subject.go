package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/misgen/misgen/envs"
)

// AuditEnv is the training-variant environment an auditor receives: the
// registered game, its training-variant config and the observation
// encoding the agent was trained on. It deliberately has no field for an
// OOD variant: nothing the audit computes can depend on one.
type AuditEnv struct {
	Game   string
	Config any // the game's training-variant config (as NewConfig returns it)
	Obs    envs.ObsConfig
}

// New builds one environment of the training variant.
func (e AuditEnv) New() (envs.Env, error) {
	g, err := envs.Lookup(e.Game)
	if err != nil {
		return nil, err
	}
	return g.New(e.Config, e.Obs)
}

// Spec is the training variant's Spec, computed without building a level.
func (e AuditEnv) Spec() (envs.Spec, error) {
	g, err := envs.Lookup(e.Game)
	if err != nil {
		return envs.Spec{}, err
	}
	return g.Spec(e.Config, e.Obs)
}

// Subject is one agent handed to the auditor: an identity, the group of
// agents that share its training config, the training-variant environment
// and the checkpoint holding its weights.
type Subject struct {
	ID    string // unique within a population, e.g. "random_coin_prob=0.02/seed-3"
	Group string // agents with the same training config share a group
	Env   AuditEnv
	// Checkpoint is the agents.CheckpointPath of the trained policy.
	Checkpoint string
	// Greedy selects actions by argmax in the audit's rollouts (as the
	// run's evaluation does when eval.greedy is set).
	Greedy bool
}

// Validate reports an incomplete subject.
func (s Subject) Validate() error {
	switch {
	case s.ID == "":
		return fmt.Errorf("audit: subject without an ID")
	case s.Env.Game == "" || s.Env.Config == nil:
		return fmt.Errorf("audit: subject %s has no training environment", s.ID)
	case s.Checkpoint == "":
		return fmt.Errorf("audit: subject %s has no checkpoint", s.ID)
	}
	return nil
}

// Key identifies the audit distribution: a SHA-256 over the game, its
// config and the observation encoding (as JSON) and the audit levels.
// Agents with equal keys were audited on the same levels.
func (e AuditEnv) Key(levels envs.LevelSeeds) (string, error) {
	b, err := json.Marshal(struct {
		Game   string
		Config any
		Obs    envs.ObsConfig
		Levels envs.LevelSeeds
	}{e.Game, e.Config, e.Obs, levels})
	if err != nil {
		return "", fmt.Errorf("audit: environment key: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
