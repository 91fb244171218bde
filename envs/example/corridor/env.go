package corridor

import (
	"fmt"
	"image"
	"image/color"

	"github.com/misgen/misgen/envs"
)

// Symbolic observation channels, index = channel. The roles in init name
// "gem" (the true goal), "exit" (the proxy) and "floor" (the background).
var channelNames = []string{"floor", "outside", "exit", "gem", "agent"}

const (
	chFloor = iota
	chOutside
	chExit
	chGem
	chAgent
)

// palette colours tiles and window codes for RGB observations and Render.
var palette = func() *envs.Palette {
	var p envs.Palette
	p[tileFloor] = color.RGBA{205, 200, 185, 255}
	p[tileExit] = color.RGBA{90, 170, 90, 255}
	p[codeOutside] = color.RGBA{0, 0, 0, 255}
	p[codeAgent] = color.RGBA{60, 110, 220, 255}
	p[codeGem] = color.RGBA{250, 200, 30, 255}
	p[codeGemOnExit] = p[codeGem]
	return &p
}()

var asciiChars = [256]byte{tileFloor: '.', tileExit: 'E'}

// Env is one corridor instance. Create it with New or through the envs
// registry.
type Env struct {
	cfg  Config
	spec envs.Spec
	lvl  level

	agent   envs.Point
	step    int
	done    bool
	gotGem  bool
	atExit  bool
	outcome envs.Outcome

	win *envs.Window
	sym *envs.SymbolicEncoder // nil for rgb observations
	rgb *envs.RGBEncoder      // nil for symbolic observations
}

// New returns a corridor Env reset to level seed 0.
func New(cfg Config, obs envs.ObsConfig) (*Env, error) {
	spec, err := SpecOf(cfg, obs)
	if err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, spec: spec, win: envs.NewWindow(obs.View)}
	if obs.Kind == envs.ObsRGB {
		e.rgb = envs.NewRGBEncoder(obs.View, obs.RGBSize, palette)
	} else {
		e.sym = envs.NewSymbolicEncoder(obs.View, len(channelNames))
		e.sym.SetChannels(tileFloor, chFloor)
		e.sym.SetChannels(tileExit, chExit, chFloor)
		e.sym.SetChannels(codeOutside, chOutside)
		e.sym.SetChannels(codeAgent, chAgent, chFloor)
		e.sym.SetChannels(codeGem, chGem, chFloor)
		e.sym.SetChannels(codeGemOnExit, chGem, chExit, chFloor)
	}
	e.Reset(0)
	return e, nil
}

// SpecOf is the Spec of New(cfg, obs), computed without building a level.
// It validates both configs like New.
func SpecOf(cfg Config, obs envs.ObsConfig) (envs.Spec, error) {
	if err := envs.ValidateConfigs(&cfg, obs); err != nil {
		return envs.Spec{}, err
	}
	outcomes := []envs.Outcome{OutcomeGem, OutcomeExitNoGem, OutcomeTimeout}
	return envs.GridSpec(Name, false, cfg.MaxSteps, outcomes, OutcomeGem, OutcomeExitNoGem, channelNames, obs), nil
}

// Spec implements envs.Env.
func (e *Env) Spec() envs.Spec { return e.spec }

// Reset implements envs.Env.
func (e *Env) Reset(levelSeed uint64) {
	e.lvl.generate(&e.cfg, levelSeed)
	e.agent = e.lvl.start
	e.step, e.outcome = 0, ""
	e.done, e.gotGem, e.atExit = false, false, false
}

// Step implements envs.Env; see the package comment for the rules. It
// draws no randomness: all of it is in the level.
func (e *Env) Step(action int) (float32, bool, error) {
	if action < 0 || action >= e.spec.NumActions {
		return 0, false, fmt.Errorf("corridor: action %d out of range [0, %d)", action, e.spec.NumActions)
	}
	if e.done {
		return 0, true, fmt.Errorf("corridor: Step after the episode ended; call Reset")
	}
	e.step++
	if next := e.agent.Add(envs.Dirs4[action]); e.lvl.grid.In(next.X, next.Y) {
		e.agent = next
	}
	e.atExit = e.atExit || e.agent == e.lvl.exit
	var reward float32
	switch {
	case e.agent == e.lvl.gem:
		e.done, e.gotGem, e.outcome = true, true, OutcomeGem
		reward = GemReward
	case e.agent == e.lvl.exit:
		e.done, e.outcome = true, OutcomeExitNoGem
	case e.step >= e.cfg.MaxSteps:
		e.done, e.outcome = true, OutcomeTimeout
	}
	return reward, e.done, nil
}

// Observe implements envs.Env: the view×view window centred on the agent.
func (e *Env) Observe(dst []float32) {
	e.win.Load(&e.lvl.grid, e.agent.X, e.agent.Y, codeOutside)
	if !e.gotGem && !e.cfg.HideGem {
		code := codeGem
		if e.lvl.gem == e.lvl.exit {
			code = codeGemOnExit
		}
		e.win.Put(e.lvl.gem.X, e.lvl.gem.Y, code)
	}
	e.win.Put(e.agent.X, e.agent.Y, codeAgent)
	if e.sym != nil {
		e.sym.Encode(dst, e.win)
	} else {
		e.rgb.Encode(dst, e.win)
	}
}

// Info implements envs.Env. Positions are tile coordinates.
func (e *Env) Info() envs.Info {
	dx := e.lvl.gem.X - e.agent.X
	half := e.win.View / 2
	return envs.Info{
		Step:         e.step,
		Outcome:      e.outcome,
		TimeLimit:    e.outcome == OutcomeTimeout,
		AgentX:       float32(e.agent.X),
		AgentY:       float32(e.agent.Y),
		GoalX:        float32(e.lvl.gem.X),
		GoalY:        float32(e.lvl.gem.Y),
		ProxyX:       float32(e.lvl.exit.X),
		ProxyY:       float32(e.lvl.exit.Y),
		GoalVisible:  !e.gotGem && !e.cfg.HideGem && dx >= -half && dx <= half,
		GoalReached:  e.gotGem,
		ProxyReached: e.atExit,
	}
}

// Render implements envs.Env: the whole corridor, the gem and the agent.
func (e *Env) Render(scale int) *image.RGBA {
	c := envs.RenderGrid(&e.lvl.grid, scale, palette)
	if !e.gotGem {
		c.TileCircle(e.lvl.gem.X, e.lvl.gem.Y, 0.4, palette[codeGem])
	}
	c.TileCircle(e.agent.X, e.agent.Y, 0.35, palette[codeAgent])
	return c.Img
}

// ASCII implements envs.Env: '.' floor, 'E' exit, 'G' gem, 'A' agent.
func (e *Env) ASCII() string {
	gem := envs.Glyph{X: -1, Y: -1}
	if !e.gotGem {
		gem = envs.Glyph{X: e.lvl.gem.X, Y: e.lvl.gem.Y, Ch: 'G'}
	}
	return envs.ASCII(&e.lvl.grid, &asciiChars, gem, envs.Glyph{X: e.agent.X, Y: e.agent.Y, Ch: 'A'})
}

var _ envs.Env = (*Env)(nil)
