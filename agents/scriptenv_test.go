package agents

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
)

// scriptEnv is a deterministic test env whose episodes follow a script:
// its k-th episode (counting this env's resets from 0) lasts length(k)
// steps whatever the actions, pays reward(k) on its last step and ends in
// outcome "win" when win(k), else "lose"; with timeLimit(k) it ends by its
// time limit instead (outcome "timeout", Info.TimeLimit set). Observations
// are (step in episode, episode) scaled down, so the critic sees the state.
type scriptEnv struct {
	length    func(k int) int
	reward    func(k int) float32
	win       func(k int) bool
	timeLimit func(k int) bool

	episode, step int // episode is -1 before the first reset
	outcome       envs.Outcome
}

func newScriptEnv(length func(int) int, reward func(int) float32, win, timeLimit func(int) bool) *scriptEnv {
	return &scriptEnv{length: length, reward: reward, win: win, timeLimit: timeLimit, episode: -1}
}

func (e *scriptEnv) Spec() envs.Spec {
	return envs.Spec{Game: "script", ObsShape: [3]int{1, 1, 2}, NumActions: 2, ActionName: []string{"a", "b"}, MaxSteps: 1000,
		Outcomes: []envs.Outcome{"win", "lose", "timeout"}, Success: "win", Proxy: "lose"}
}

func (e *scriptEnv) Reset(uint64) { e.episode, e.step, e.outcome = e.episode+1, 0, "" }

func (e *scriptEnv) Step(a int) (float32, bool, error) {
	if a < 0 || a > 1 {
		return 0, false, fmt.Errorf("script: action %d", a)
	}
	e.step++
	if e.step < e.length(e.episode) {
		return 0, false, nil
	}
	switch k := e.episode; {
	case e.timeLimit != nil && e.timeLimit(k):
		e.outcome = "timeout"
	case e.win(k):
		e.outcome = "win"
	default:
		e.outcome = "lose"
	}
	return e.reward(e.episode), true, nil
}

func (e *scriptEnv) Observe(dst []float32) {
	dst[0], dst[1] = float32(e.step)/10, float32(e.episode)/100
}

func (e *scriptEnv) Info() envs.Info {
	return envs.Info{Step: e.step, Outcome: e.outcome, TimeLimit: e.outcome == "timeout"}
}

func (e *scriptEnv) Render(int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 1, 1)) }
func (e *scriptEnv) ASCII() string          { return fmt.Sprintf("episode %d step %d", e.episode, e.step) }
