package experiments

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
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
			switch {
			case c.Size < 3 || c.Size > 64:
				return nil, fmt.Errorf("env.testgame.size = %d: want [3, 64]", c.Size) // games prefix their keys
			case c.Goal != "end" && c.Goal != "random":
				return nil, fmt.Errorf("goal = %q: want \"end\" or \"random\"", c.Goal)
			case c.GoalProb < 0 || c.GoalProb > 1:
				return nil, fmt.Errorf("goal_prob = %v: want [0, 1]", c.GoalProb)
			case c.MaxSteps < 1:
				return nil, fmt.Errorf("max_steps = %d: want >= 1", c.MaxSteps)
			}
			return &testEnv{cfg: *c}, nil
		},
	})
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
