package replay

import (
	"fmt"
	"slices"

	"github.com/misgen/misgen/envs"
)

// Recorder collects one episode's steps from a per-step callback. Wire it
// to an evaluation loop by passing rec.Step as (or from) the callback:
//
//	rec := replay.NewRecorder(meta)
//	... each step: rec.Step(t, action, probs, value, reward, info)
//	ep := rec.Episode()
type Recorder struct {
	ep Episode
}

// NewRecorder starts recording an episode described by meta (every field
// but Steps and Outcome, which the recorder fills).
func NewRecorder(meta Episode) *Recorder {
	meta.Steps = nil
	meta.Outcome = ""
	return &Recorder{ep: meta}
}

// Step records step t: the action taken, the action probabilities (copied;
// nil when not from a policy), the value estimate, the reward received and
// the ground truth after the step. Steps must arrive in order from 0; a
// gap or repeat panics, since it means the caller's wiring is wrong.
func (r *Recorder) Step(t, action int, probs []float32, value, reward float32, info envs.Info) {
	if t != len(r.ep.Steps) {
		panic(fmt.Sprintf("replay: Recorder.Step(%d) after %d recorded steps", t, len(r.ep.Steps)))
	}
	if r.ep.Outcome != "" {
		panic(fmt.Sprintf("replay: Recorder.Step(%d) after the episode ended (%s)", t, r.ep.Outcome))
	}
	r.ep.Steps = append(r.ep.Steps, Step{
		Action: action, Probs: slices.Clone(probs), Value: value, Reward: reward, Info: info,
	})
	r.ep.Outcome = info.Outcome
}

// Features attaches the top feature activations to the last recorded step
// (copied). It panics if no step was recorded.
func (r *Recorder) Features(fs []Feature) {
	if len(r.ep.Steps) == 0 {
		panic("replay: Recorder.Features before the first Step")
	}
	r.ep.Steps[len(r.ep.Steps)-1].Features = slices.Clone(fs)
}

// Len is the number of steps recorded so far.
func (r *Recorder) Len() int { return len(r.ep.Steps) }

// Done reports whether the last recorded step ended the episode.
func (r *Recorder) Done() bool { return r.ep.Outcome != "" }

// Episode returns the recorded episode. Recording can continue afterwards
// only if the episode has not ended; the returned Steps are not shared
// with later recording.
func (r *Recorder) Episode() Episode {
	ep := r.ep
	ep.Steps = slices.Clone(r.ep.Steps)
	return ep
}

// Actor chooses an action in the Env's current state and optionally
// reports the action probabilities and value behind it (nil, 0 for a
// script or a person).
type Actor func(t int, env envs.Env) (action int, probs []float32, value float32)

// Run plays one episode of meta's game variant on meta.LevelSeed with act
// choosing the actions, for at most maxSteps steps (0: until the episode
// ends), and returns it recorded. It is how scripted or live episodes
// become replays.
func Run(meta Episode, act Actor, maxSteps int) (Episode, error) {
	env, err := meta.NewEnv()
	if err != nil {
		return Episode{}, err
	}
	env.Reset(meta.LevelSeed)
	rec := NewRecorder(meta)
	for t := 0; maxSteps <= 0 || t < maxSteps; t++ {
		a, probs, value := act(t, env)
		reward, done, err := env.Step(a)
		if err != nil {
			return Episode{}, fmt.Errorf("replay: %s step %d: %w", meta.Game, t, err)
		}
		rec.Step(t, a, probs, value, reward, env.Info())
		if done {
			break
		}
	}
	return rec.Episode(), nil
}

// NewMeta describes an episode of game with the given variant config (the
// value NewConfig returns, possibly modified) for NewRecorder or Run.
func NewMeta(game, variant string, cfg any, obs envs.ObsConfig, levelSeed uint64, trainSeed int) (Episode, error) {
	raw, err := EncodeConfig(cfg)
	if err != nil {
		return Episode{}, err
	}
	return Episode{Game: game, Variant: variant, Config: raw, Obs: obs, LevelSeed: levelSeed, TrainSeed: trainSeed}, nil
}
