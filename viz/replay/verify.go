package replay

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/envs"
)

// posTolerance is how far (in tiles) a replayed position may drift from the
// recorded one. The games are deterministic, so any drift beyond float32
// noise means the game code or config changed since recording.
const posTolerance = 1e-4

// Verify rebuilds ep's Env and replays its actions, checking that every
// step reproduces the recorded reward, done flag and agent position and
// that the episode ends with the recorded outcome. The error names the
// first step that differs.
func Verify(ep *Episode) error {
	env, err := ep.NewEnv()
	if err != nil {
		return err
	}
	spec := env.Spec()
	env.Reset(ep.LevelSeed)
	last := len(ep.Steps) - 1
	for i := range ep.Steps {
		s := &ep.Steps[i]
		if s.Probs != nil && len(s.Probs) != spec.NumActions {
			return fmt.Errorf("step %d: %d action probabilities, %s has %d actions", i, len(s.Probs), spec.Game, spec.NumActions)
		}
		reward, done, err := env.Step(s.Action)
		if err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
		if reward != s.Reward {
			return fmt.Errorf("step %d: replay gives reward %v, recorded %v (game code or config changed since recording?)", i, reward, s.Reward)
		}
		info := env.Info()
		if d := math.Hypot(float64(info.AgentX-s.Info.AgentX), float64(info.AgentY-s.Info.AgentY)); d > posTolerance {
			return fmt.Errorf("step %d: replay puts the agent at (%.3f, %.3f), recorded (%.3f, %.3f) (game code or config changed since recording?)",
				i, info.AgentX, info.AgentY, s.Info.AgentX, s.Info.AgentY)
		}
		if info.Outcome != s.Info.Outcome {
			return fmt.Errorf("step %d: replay gives outcome %q, recorded %q", i, info.Outcome, s.Info.Outcome)
		}
		if done && i != last {
			return fmt.Errorf("step %d: replay ends the episode (%s) with %d recorded steps left", i, info.Outcome, last-i)
		}
		if i == last {
			switch {
			case done && info.Outcome != ep.Outcome:
				return fmt.Errorf("replay ends with outcome %q, episode records %q", info.Outcome, ep.Outcome)
			case !done && ep.Outcome != "":
				return fmt.Errorf("replay has not ended after the last of %d steps, episode records outcome %q", len(ep.Steps), ep.Outcome)
			}
		}
	}
	if len(ep.Steps) == 0 && ep.Outcome != "" {
		return fmt.Errorf("no steps but outcome %q", ep.Outcome)
	}
	return nil
}

// Cursor replays an episode in its Env so any step's state can be rendered:
// Seek moves forward by stepping and backward by resetting and replaying
// from the start (the games step in well under a microsecond, so even a
// 1000-step seek is instant).
type Cursor struct {
	Ep  *Episode
	env envs.Env
	pos int // number of steps applied since Reset
}

// NewCursor rebuilds ep's Env at the start of the episode (frame 0).
func NewCursor(ep *Episode) (*Cursor, error) {
	env, err := ep.NewEnv()
	if err != nil {
		return nil, err
	}
	env.Reset(ep.LevelSeed)
	return &Cursor{Ep: ep, env: env}, nil
}

// Frames is the number of renderable states: the start plus one per step.
func (c *Cursor) Frames() int { return len(c.Ep.Steps) + 1 }

// Pos is the frame the Env is at: the number of steps applied.
func (c *Cursor) Pos() int { return c.pos }

// Env is the replayed Env at frame Pos. Callers must not Step or Reset it.
func (c *Cursor) Env() envs.Env { return c.env }

// Seek moves to frame i, clamped to [0, Frames()-1].
func (c *Cursor) Seek(i int) error {
	i = min(max(i, 0), len(c.Ep.Steps))
	if i < c.pos {
		c.env.Reset(c.Ep.LevelSeed)
		c.pos = 0
	}
	for c.pos < i {
		if _, _, err := c.env.Step(c.Ep.Steps[c.pos].Action); err != nil {
			return fmt.Errorf("replay: %s step %d: %w", c.Ep, c.pos, err)
		}
		c.pos++
	}
	return nil
}
