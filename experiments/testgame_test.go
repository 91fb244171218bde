package experiments

import (
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
)

// testGame is a tiny registered game so the config layer can be tested
// without the real games: the agent walks a corridor of Size tiles; the
// goal sits at the far end ("end") or anywhere ("random").
const testGame = "testgame"

type testGameConfig struct {
	Size     int     `toml:"size"`
	Goal     string  `toml:"goal"`
	GoalProb float64 `toml:"goal_prob"`
	MaxSteps int     `toml:"max_steps"`
}

func init() {
	envs.Register(envs.Game{
		Name:        testGame,
		Description: "test corridor",
		NewConfig:   func() any { return &testGameConfig{Size: 8, Goal: "end", MaxSteps: 20} },
		New: func(cfg any, obs envs.ObsConfig) (envs.Env, error) {
			c := cfg.(*testGameConfig)
			if err := c.validate(); err != nil {
				return nil, err
			}
			return &testEnv{cfg: *c}, nil
		},
		Spec: func(cfg any, obs envs.ObsConfig) (envs.Spec, error) {
			c := cfg.(*testGameConfig)
			if err := c.validate(); err != nil {
				return envs.Spec{}, err
			}
			return (&testEnv{cfg: *c}).Spec(), nil
		},
	})
}

// validate reports keys relative to the game's table, as every game does.
func (c *testGameConfig) validate() error {
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
	cfg testGameConfig
	pos int
}

func (e *testEnv) Spec() envs.Spec {
	return envs.Spec{Game: testGame, ObsShape: [3]int{1, 1, e.cfg.Size}, NumActions: 2, MaxSteps: e.cfg.MaxSteps,
		Outcomes: []envs.Outcome{"goal", "end_no_goal", "timeout"}, Success: "goal", Proxy: "end_no_goal"}
}
func (e *testEnv) Reset(uint64)                      { e.pos = 0 }
func (e *testEnv) Step(a int) (float32, bool, error) { e.pos++; return 0, e.pos >= e.cfg.Size, nil }
func (e *testEnv) Observe(dst []float32)             {}
func (e *testEnv) Info() envs.Info                   { return envs.Info{} }
func (e *testEnv) Render(scale int) *image.RGBA      { return image.NewRGBA(image.Rect(0, 0, scale, scale)) }
func (e *testEnv) ASCII() string                     { return "" }
