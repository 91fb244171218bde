package app

import (
	"errors"
	"fmt"
	"image"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/render"
)

// ErrNoPolicy is returned for -checkpoint while the agents package offers
// no way to load a policy from a checkpoint.
var ErrNoPolicy = errors.New("viewer: -checkpoint: live policy play is not available yet (package agents has no LoadPolicy in this build); record replays with the eval stage and view those")

// Live is a level played live by a person (or, later, a policy): the env,
// the level seed and the running totals the HUD shows.
type Live struct {
	Game, Variant string
	env           envs.Env
	spec          envs.Spec
	seed          uint64
	ret, reward   float32
	action        int
	outcome       envs.Outcome
	done          bool
}

// NewLive builds the live level of a (play or checkpoint mode).
func NewLive(a *Args) (*Live, error) {
	if a.Mode() == ModeCheckpoint {
		return nil, ErrNoPolicy
	}
	game, cfg, obs, err := VariantConfig(a.Play, a.Variant, a.ConfigFile)
	if err != nil {
		return nil, err
	}
	g, err := envs.Lookup(game)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	env, err := g.New(cfg, obs)
	if err != nil {
		return nil, fmt.Errorf("viewer: %s %s: %w", game, a.Variant, err)
	}
	l := &Live{Game: game, Variant: a.Variant, env: env, spec: env.Spec(), seed: a.Seed}
	l.Reset(a.Seed)
	return l, nil
}

// Reset starts level seed from the beginning.
func (l *Live) Reset(seed uint64) {
	l.seed = seed
	l.env.Reset(seed)
	l.ret, l.reward, l.action, l.outcome, l.done = 0, 0, -1, "", false
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
	hud := render.HUD{
		Title:       fmt.Sprintf("%s  %s  (you play)", l.Game, l.Variant),
		Subtitle:    fmt.Sprintf("level %d   r: new level", l.seed),
		ActionNames: l.spec.ActionName,
		Action:      l.action,
		Reward:      l.reward,
		Return:      l.ret,
		Frame:       info.Step,
		Outcome:     l.outcome,
		Success:     l.spec.Success,
		Proxy:       l.spec.Proxy,
	}
	return render.Draw(l.env, info, hud, opts)
}

// Steps is the number of steps taken in the current level.
func (l *Live) Steps() int { return l.env.Info().Step }
