// Package configtest is a fixture for tests of experiment configs and runs:
// importing it registers "testgame", a tiny corridor game, and BaseTOML is
// a valid config of it. Only tests import it.
package configtest

import (
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
)

// Game is a tiny registered game so the config layer can be tested
// without the real games: the agent walks a corridor of Size tiles; the
// goal sits at the far end ("end") or anywhere ("random").
const Game = "testgame"

type GameConfig struct {
	Size     int     `toml:"size"`
	Goal     string  `toml:"goal"`
	GoalProb float64 `toml:"goal_prob"`
	MaxSteps int     `toml:"max_steps"`
}

func init() {
	envs.Register(envs.Game{
		Name:        Game,
		Description: "test corridor",
		NewConfig:   func() any { return &GameConfig{Size: 8, Goal: "end", MaxSteps: 20} },
		New: func(cfg any, obs envs.ObsConfig) (envs.Env, error) {
			c := cfg.(*GameConfig)
			if err := c.validate(); err != nil {
				return nil, err
			}
			return &testEnv{cfg: *c}, nil
		},
		Spec: func(cfg any, obs envs.ObsConfig) (envs.Spec, error) {
			c := cfg.(*GameConfig)
			if err := c.validate(); err != nil {
				return envs.Spec{}, err
			}
			return (&testEnv{cfg: *c}).Spec(), nil
		},
	})
}

// validate reports keys relative to the game's table, as every game does.
func (c *GameConfig) validate() error {
	switch {
	case c.Size < 3 || c.Size > 64:
		return keyerr.New("size", c.Size, "[3, 64]")
	case c.Goal != "end" && c.Goal != "random":
		return keyerr.New("goal", c.Goal, `"end" or "random"`)
	case c.GoalProb < 0 || c.GoalProb > 1:
		return keyerr.New("goal_prob", c.GoalProb, "[0, 1]")
	case c.MaxSteps < 1:
		return keyerr.New("max_steps", c.MaxSteps, ">= 1")
	}
	return nil
}

type testEnv struct {
	cfg GameConfig
	pos int
}

func (e *testEnv) Spec() envs.Spec {
	return envs.Spec{Game: Game, ObsShape: [3]int{1, 1, e.cfg.Size}, NumActions: 2, MaxSteps: e.cfg.MaxSteps,
		Outcomes: []envs.Outcome{"goal", "end_no_goal", "timeout"}, Success: "goal", Proxy: "end_no_goal"}
}
func (e *testEnv) Reset(uint64)                      { e.pos = 0 }
func (e *testEnv) Step(a int) (float32, bool, error) { e.pos++; return 0, e.pos >= e.cfg.Size, nil }
func (e *testEnv) Observe(dst []float32)             {}
func (e *testEnv) Info() envs.Info                   { return envs.Info{} }
func (e *testEnv) Render(scale int) *image.RGBA      { return image.NewRGBA(image.Rect(0, 0, scale, scale)) }
func (e *testEnv) ASCII() string                     { return "" }

// BaseTOML is a valid config of the test game; the error cases edit it.
const BaseTOML = `# test config
[experiment]
name = "t"
description = "test experiment"
seeds = 2

[env]
game = "testgame"
train_levels = 100

[env.train]
size = 10

[env.ood.random_goal]
goal = "random"

[ppo]
total_steps = 100_000
gamma = 0.99

[interp.sae]
sizes = [64, 128]

[profiles.quick]
ppo.total_steps = 20_000
env.train.size = 6

[profiles.full]
experiment.seeds = [0, 4, 9]
agent.widths = [8]
[profiles.full.env.ood.random_goal]
goal_prob = 0.5
`

// SweepTOML is BaseTOML with a three-point sweep.
const SweepTOML = BaseTOML + `
[sweep]
key = "env.train.goal_prob"
values = [0.0, 0.25, 1]
`
