package maze

import (
	"fmt"
	"image"
	"image/color"

	"github.com/misgen/misgen/envs"
)

// Symbolic observation channels, index = channel.
// The "trail" channel exists only when Config.Trail > 0.
var channelNames = []string{"wall", "floor", "outside", "mouse", "cheese", "trail"}

const (
	chWall = iota
	chFloor
	chOutside
	chMouse
	chCheese
	chTrail
)

// palette colours tiles and window codes for RGB observations and Render.
var palette = func() *envs.Palette {
	var p envs.Palette
	p[tileFloor] = color.RGBA{205, 200, 185, 255}
	p[tileWall] = color.RGBA{45, 70, 50, 255}
	p[codeOutside] = color.RGBA{0, 0, 0, 255}
	p[codeMouse] = color.RGBA{60, 110, 220, 255}
	p[codeCheese] = color.RGBA{250, 200, 30, 255}
	p[codeTrail] = color.RGBA{170, 190, 215, 255}
	return &p
}()

var asciiChars = [256]byte{tileFloor: '.', tileWall: '#'}

// Env is one maze instance. Create it with New or through the envs
// registry.
type Env struct {
	cfg  Config
	spec envs.Spec
	lvl  level

	mouse         envs.Point
	step          int
	done          bool
	cornerVisited bool
	gotCheese     bool
	// goalEdit draws the cheese hidden or elsewhere in the next
	// observation (envs.GoalEditor); zero outside ObserveWithoutGoal and
	// ObserveGoalAt.
	goalEdit envs.GoalOverride
	outcome  envs.Outcome
	// trail is a ring of the last cfg.Trail tiles the mouse moved off;
	// trailLen of them are valid, the newest at trailHead-1.
	trail               []envs.Point
	trailHead, trailLen int

	win *envs.Window
	sym *envs.SymbolicEncoder // nil for rgb observations
	rgb *envs.RGBEncoder      // nil for symbolic observations
}

// New returns a maze Env reset to level seed 0.
func New(cfg Config, obs envs.ObsConfig) (*Env, error) {
	spec, err := SpecOf(cfg, obs)
	if err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, spec: spec, win: envs.NewWindow(obs.View), trail: make([]envs.Point, cfg.Trail)}
	if obs.Kind == envs.ObsRGB {
		e.rgb = envs.NewRGBEncoder(obs.View, obs.RGBSize, palette)
	} else {
		e.sym = envs.NewSymbolicEncoder(obs.View, len(spec.Channels))
		e.sym.SetChannels(tileFloor, chFloor)
		e.sym.SetChannels(tileWall, chWall)
		e.sym.SetChannels(codeOutside, chOutside)
		e.sym.SetChannels(codeMouse, chMouse, chFloor)
		e.sym.SetChannels(codeCheese, chCheese, chFloor)
		if cfg.Trail > 0 {
			e.sym.SetChannels(codeTrail, chTrail, chFloor)
		}
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
	channels := channelNames[:chTrail]
	if cfg.Trail > 0 {
		channels = channelNames
	}
	return envs.GridSpec(Name, cfg.NoOp, cfg.MaxSteps, []envs.Outcome{OutcomeCheese, OutcomeCornerNoCheese, OutcomeTimeout},
		OutcomeCheese, OutcomeCornerNoCheese, channels, obs), nil
}

// Spec implements envs.Env.
func (e *Env) Spec() envs.Spec { return e.spec }

// Reset implements envs.Env.
func (e *Env) Reset(levelSeed uint64) {
	e.lvl.generate(&e.cfg, levelSeed)
	e.mouse = e.lvl.start
	e.step = 0
	e.done, e.cornerVisited, e.gotCheese = false, false, false
	e.outcome = ""
	e.trailHead, e.trailLen = 0, 0
}

// Step implements envs.Env; see the package comment for the rules.
func (e *Env) Step(action int) (float32, bool, error) {
	if action < 0 || action >= e.spec.NumActions {
		return 0, false, fmt.Errorf("maze: action %d out of range [0, %d)", action, e.spec.NumActions)
	}
	if e.done {
		return 0, true, fmt.Errorf("maze: Step after the episode ended; call Reset")
	}
	e.step++
	if action < 4 {
		d := envs.Dirs4[action]
		if nx, ny := e.mouse.X+d.X, e.mouse.Y+d.Y; e.lvl.grid.AtOr(nx, ny, tileWall) == tileFloor {
			e.pushTrail(e.mouse)
			e.mouse = envs.Point{X: nx, Y: ny}
		}
	}
	if e.mouse == e.lvl.corner {
		e.cornerVisited = true
	}
	var reward float32
	switch {
	case e.mouse == e.lvl.cheese:
		e.gotCheese, e.done, e.outcome = true, true, OutcomeCheese
		reward = CheeseReward
	case e.step >= e.cfg.MaxSteps:
		e.done, e.outcome = true, OutcomeTimeout
		if e.cornerVisited {
			e.outcome = OutcomeCornerNoCheese
		}
	}
	return reward, e.done, nil
}

// Observe implements envs.Env: the view×view window centred on the mouse
// (or, with fixed_view, on the level).
func (e *Env) Observe(dst []float32) {
	cx, cy := e.viewCentre()
	e.win.Load(&e.lvl.grid, cx, cy, codeOutside)
	for i := range e.trailLen {
		p := e.trailTile(i)
		e.win.Put(p.X, p.Y, codeTrail)
	}
	switch g := e.goalEdit; {
	case e.gotCheese || g.Hide:
	case g.Moved:
		e.win.Put(g.At.X, g.At.Y, codeCheese)
	default:
		e.win.Put(e.lvl.cheese.X, e.lvl.cheese.Y, codeCheese)
	}
	e.win.Put(e.mouse.X, e.mouse.Y, codeMouse)
	if e.sym != nil {
		e.sym.Encode(dst, e.win)
	} else {
		e.rgb.Encode(dst, e.win)
	}
}

// pushTrail records a tile the mouse moved off, forgetting the oldest
// once cfg.Trail are held.
func (e *Env) pushTrail(p envs.Point) {
	if len(e.trail) == 0 {
		return
	}
	e.trail[e.trailHead] = p
	e.trailHead = (e.trailHead + 1) % len(e.trail)
	e.trailLen = min(e.trailLen+1, len(e.trail))
}

// trailTile returns the i-th newest trail tile, i < trailLen.
func (e *Env) trailTile(i int) envs.Point {
	return e.trail[(e.trailHead-1-i+len(e.trail))%len(e.trail)]
}

// viewCentre is the level tile at the centre of the observation window.
func (e *Env) viewCentre() (x, y int) {
	if e.cfg.FixedView {
		return e.cfg.Size / 2, e.cfg.Size / 2
	}
	return e.mouse.X, e.mouse.Y
}

// Info implements envs.Env. Positions are tile coordinates.
func (e *Env) Info() envs.Info {
	half := e.win.View / 2
	cx, cy := e.viewCentre()
	dx, dy := e.lvl.cheese.X-cx, e.lvl.cheese.Y-cy
	return envs.Info{
		Step:         e.step,
		Outcome:      e.outcome,
		TimeLimit:    e.outcome == OutcomeTimeout || e.outcome == OutcomeCornerNoCheese, // both only at the limit
		AgentX:       float32(e.mouse.X),
		AgentY:       float32(e.mouse.Y),
		GoalX:        float32(e.lvl.cheese.X),
		GoalY:        float32(e.lvl.cheese.Y),
		ProxyX:       float32(e.lvl.corner.X),
		ProxyY:       float32(e.lvl.corner.Y),
		GoalVisible:  !e.gotCheese && dx >= -half && dx <= half && dy >= -half && dy <= half,
		GoalReached:  e.gotCheese,
		ProxyReached: e.cornerVisited,
	}
}

// Render implements envs.Env: the whole maze, the trail (if any), cheese
// and mouse.
func (e *Env) Render(scale int) *image.RGBA {
	c := envs.RenderGrid(&e.lvl.grid, scale, palette)
	for i := range e.trailLen {
		p := e.trailTile(i)
		c.TileRect(p.X, p.Y, 0, palette[codeTrail])
	}
	if !e.gotCheese {
		c.TileCircle(e.lvl.cheese.X, e.lvl.cheese.Y, 0.4, palette[codeCheese])
	}
	c.TileCircle(e.mouse.X, e.mouse.Y, 0.35, palette[codeMouse])
	return c.Img
}

// ASCII implements envs.Env: '#' wall, '.' floor, 'C' cheese, 'M' mouse.
func (e *Env) ASCII() string {
	cheese := envs.Glyph{X: -1, Y: -1}
	if !e.gotCheese {
		cheese = envs.Glyph{X: e.lvl.cheese.X, Y: e.lvl.cheese.Y, Ch: 'C'}
	}
	return envs.ASCII(&e.lvl.grid, &asciiChars, cheese, envs.Glyph{X: e.mouse.X, Y: e.mouse.Y, Ch: 'M'})
}

var _ envs.Env = (*Env)(nil)

// ObserveWithoutGoal implements envs.GoalEditor: the observation without
// the cheese.
func (e *Env) ObserveWithoutGoal(dst []float32) {
	e.goalEdit = envs.GoalOverride{Hide: true}
	e.Observe(dst)
	e.goalEdit = envs.GoalOverride{}
}

// ObserveGoalAt implements envs.GoalEditor: the observation with the
// cheese on the open tile at.
func (e *Env) ObserveGoalAt(dst []float32, at envs.Point) bool {
	if !e.lvl.grid.In(at.X, at.Y) || e.lvl.grid.Tiles[e.lvl.grid.Index(at.X, at.Y)] != tileFloor {
		return false
	}
	got := e.gotCheese
	e.gotCheese, e.goalEdit = false, envs.GoalOverride{Moved: true, At: at}
	e.Observe(dst)
	e.gotCheese, e.goalEdit = got, envs.GoalOverride{}
	return true
}

// ViewCell implements envs.TileMap: the window cell of tile p in the next
// observation (centred on the mouse, or on the level with fixed_view).
func (e *Env) ViewCell(p envs.Point) (row, col int, ok bool) {
	half := e.win.View / 2
	cx, cy := e.viewCentre()
	dx, dy := p.X-cx, p.Y-cy
	if dx < -half || dx > half || dy < -half || dy > half {
		return 0, 0, false
	}
	return half - dy, half + dx, true
}

var (
	_ envs.GoalEditor = (*Env)(nil)
	_ envs.TileMap    = (*Env)(nil)
)
