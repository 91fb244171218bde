package app

import (
	"errors"
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/render"
)

// ErrNoPolicy is returned for -checkpoint when no PolicyLoader is given
// (a binary without the policy runtime).
var ErrNoPolicy = errors.New("viewer: -checkpoint: live policy play is not available in this build")

// Actor chooses an action in env's current state and reports the action
// probabilities and value behind it.
type Actor func(env envs.Env) (action int, probs []float32, value float32, err error)

// VectorField computes the live policy's vector field on the current
// level of env, a scratch env of the live game reset to the level shown:
// the expected move on every open tile but the goal's, with the goal where
// the level puts it (probe.VectorField). It may change env's state.
type VectorField func(env envs.Env) ([]schema.Arrow, error)

// LivePolicy is a policy loaded for live play: Act chooses the actions,
// Vectors (nil when the game's agent and goal cannot be placed) computes
// the vector-field overlay, and Release frees the policy.
type LivePolicy struct {
	Act     Actor
	Vectors VectorField
	Release func()
}

// PolicyLoader loads the policy in a checkpoint file for env's game.
type PolicyLoader func(checkpoint string, env envs.Env) (*LivePolicy, error)

// Live is a level played live by a person or a policy: the env, the level
// seed and the running totals the HUD shows.
type Live struct {
	Game, Variant string
	env           envs.Env
	spec          envs.Spec
	seed          uint64
	ret, reward   float32
	action        int
	outcome       envs.Outcome
	done          bool

	actor   Actor // nil: a person plays
	greedy  bool  // the actor takes its most probable action (-greedy)
	release func()
	probs   []float32 // the actor's last decision, shown in the HUD
	value   float32

	vectors overlay // the vector-field overlay (key v)
	note    string  // a key's transient message for the status line
}

// NewLive builds the live level of a (LiveLevel): play mode, or
// checkpoint mode with the policy loaded by ld.Policy.
func NewLive(a *Args, ld Loaders) (*Live, error) {
	if a.Mode() == ModeCheckpoint && ld.Policy == nil {
		return nil, ErrNoPolicy
	}
	lv, err := LiveLevel(a)
	if err != nil {
		return nil, err
	}
	g, err := envs.Lookup(lv.Game)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	env, err := g.New(lv.Config, lv.Obs)
	if err != nil {
		return nil, fmt.Errorf("viewer: %s %s: %w", lv.Game, a.Variant, err)
	}
	l := &Live{Game: lv.Game, Variant: a.Variant, env: env, spec: env.Spec(), seed: a.Seed, greedy: a.Greedy}
	if a.Mode() == ModeCheckpoint {
		p, err := ld.Policy(a.Checkpoint, env)
		if err != nil {
			return nil, err
		}
		l.actor, l.release = p.Act, p.Release
		l.vectors.field = p.Vectors
		l.vectors.newEnv = func() (envs.Env, error) { return g.New(lv.Config, lv.Obs) }
	}
	l.Reset(a.Seed)
	return l, nil
}

// Policy reports whether a policy (rather than a person) plays.
func (l *Live) Policy() bool { return l.actor != nil }

// Close releases the policy, if any.
func (l *Live) Close() {
	if l.release != nil {
		l.release()
		l.release = nil
	}
}

// PolicyStep lets the policy choose and apply one action. It panics when
// no policy plays (a programmer error).
func (l *Live) PolicyStep() error {
	if l.actor == nil {
		panic("viewer: PolicyStep without a policy")
	}
	if l.done {
		return nil
	}
	a, probs, value, err := l.actor(l.env)
	if err != nil {
		return err
	}
	if err := l.Step(a); err != nil {
		return err
	}
	l.probs, l.value = append(l.probs[:0], probs...), value
	return nil
}

// Reset starts level seed from the beginning.
func (l *Live) Reset(seed uint64) {
	l.seed = seed
	l.env.Reset(seed)
	l.ret, l.reward, l.action, l.outcome, l.done = 0, 0, -1, "", false
	l.probs = l.probs[:0]
	l.note = ""
}

// Seed is the level being played.
func (l *Live) Seed() uint64 { return l.seed }

// Done reports whether the episode ended; Step is then a no-op until Reset.
func (l *Live) Done() bool { return l.done }

// Step applies action.
func (l *Live) Step(action int) error {
	if l.done {
		return nil
	}
	r, done, err := l.env.Step(action)
	if err != nil {
		return err
	}
	l.action, l.reward, l.done = action, r, done
	l.ret += r
	l.outcome = l.env.Info().Outcome
	return nil
}

// Render draws the live state with its HUD.
func (l *Live) Render(opts render.Options) (*image.RGBA, render.Layout) {
	info := l.env.Info()
	who := "you play"
	if l.actor != nil {
		who = "policy plays"
	}
	hud := render.HUD{
		Title:       fmt.Sprintf("%s  %s  (%s)", l.Game, l.Variant, who),
		Subtitle:    fmt.Sprintf("level %d", l.seed),
		ActionNames: l.spec.ActionName,
		Action:      l.action,
		Reward:      l.reward,
		Return:      l.ret,
		Frame:       info.Step,
		Outcome:     l.outcome,
		Success:     l.spec.Success,
		Proxy:       l.spec.Proxy,
	}
	if l.actor != nil && len(l.probs) > 0 {
		// The HUD shows the decision that led to this state.
		hud.Probs, hud.Value, hud.HasValue, hud.Greedy = l.probs, l.value, true, l.greedy
	}
	img, lay := render.Draw(l.env, info, hud, opts)
	l.drawVectors(img, lay)
	return img, lay
}

// Legend is the live window's key legend: a policy plays (space pauses
// it; v toggles the vector field where the game has one), or a person plays a real-time game (held keys at the +/- speed) or
// a grid game (one step per key press).
func (l *Live) Legend() string {
	switch {
	case l.actor != nil && l.vectors.field != nil:
		return "space pause  r next level  v vector field  +/- speed  q quit"
	case l.actor != nil:
		return "space pause  r next level  +/- speed  q quit"
	case Realtime(l.Game):
		return "arrows/wasd move (up jumps)  r next level  +/- speed  q quit"
	}
	return "arrows/wasd move  r next level  q quit"
}

// Screen is what the live window shows: Render with Legend below it.
func (l *Live) Screen(opts render.Options) *image.RGBA {
	img, _ := l.Render(opts)
	return render.Caption(img, l.Legend())
}

// Steps is the number of steps taken in the current level.
func (l *Live) Steps() int { return l.env.Info().Step }
