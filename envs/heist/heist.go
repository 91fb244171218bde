package heist

import (
	"fmt"
	"image"
	"image/color"

	"github.com/misgen/misgen/envs"
)

// Symbolic observation channels, index = channel. "keys_held" is the
// inventory: its first KeysHeld cells in reading order (top row, from the
// left) are 1, like the key icons of a HUD.
var channelNames = []string{"wall", "floor", "outside", "agent", "key", "chest", "keys_held"}

const (
	chWall = iota
	chFloor
	chOutside
	chAgent
	chKey
	chChest
	chKeysHeld
)

var palette = func() *envs.Palette {
	var p envs.Palette
	p[tileFloor] = color.RGBA{200, 195, 180, 255}
	p[tileWall] = color.RGBA{60, 55, 75, 255}
	p[tileKey] = color.RGBA{240, 190, 20, 255}
	p[tileChest] = color.RGBA{150, 75, 25, 255}
	p[codeOutside] = color.RGBA{0, 0, 0, 255}
	p[codeAgent] = color.RGBA{40, 120, 230, 255}
	p[codeAgentOnChest] = p[codeAgent]
	return &p
}()

var asciiChars = [256]byte{tileFloor: '.', tileWall: '#', tileKey: 'k', tileChest: 'C'}

// Env is one Keys-and-Chests instance. Create it with New or through the
// envs registry.
type Env struct {
	cfg  Config
	spec envs.Spec
	lvl  level

	agent         envs.Point
	step          int
	done          bool
	keysHeld      int
	keysOnFloor   int
	keysCollected int
	chestsOpened  int
	extraKeys     int // keys picked up while already holding enough
	outcome       envs.Outcome

	win     *envs.Window
	sym     *envs.SymbolicEncoder // nil for rgb observations
	rgb     *envs.RGBEncoder      // nil for symbolic observations
	rgbSize int
}

var _ envs.Env = (*Env)(nil)

// New returns a Keys-and-Chests Env reset to level seed 0.
func New(cfg Config, obs envs.ObsConfig) (*Env, error) {
	spec, err := SpecOf(cfg, obs)
	if err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, spec: spec, win: envs.NewWindow(obs.View)}
	if obs.Kind == envs.ObsRGB {
		e.rgb = envs.NewRGBEncoder(obs.View, obs.RGBSize, palette)
		e.rgbSize = obs.RGBSize
	} else {
		e.sym = envs.NewSymbolicEncoder(obs.View, len(channelNames))
		e.sym.SetChannels(tileFloor, chFloor)
		e.sym.SetChannels(tileWall, chWall)
		e.sym.SetChannels(tileKey, chKey, chFloor)
		e.sym.SetChannels(tileChest, chChest, chFloor)
		e.sym.SetChannels(codeOutside, chOutside)
		e.sym.SetChannels(codeAgent, chAgent, chFloor)
		e.sym.SetChannels(codeAgentOnChest, chAgent, chChest, chFloor)
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
	return envs.GridSpec(Name, cfg.NoOp, cfg.MaxSteps, []envs.Outcome{OutcomeAllChests, OutcomeKeysHoarded, OutcomeTimeout},
		OutcomeAllChests, OutcomeKeysHoarded, channelNames, obs), nil
}

// Spec implements envs.Env.
func (e *Env) Spec() envs.Spec { return e.spec }

// Reset implements envs.Env.
func (e *Env) Reset(levelSeed uint64) {
	e.lvl.generate(&e.cfg, levelSeed)
	e.agent = e.lvl.start
	e.step = 0
	e.done = false
	e.keysHeld, e.keysCollected, e.chestsOpened, e.extraKeys = 0, 0, 0, 0
	e.keysOnFloor = e.cfg.Keys
	e.outcome = ""
	if e.cfg.KeysInHand {
		for _, k := range e.lvl.keys {
			e.lvl.grid.Set(k.X, k.Y, tileFloor)
		}
		e.keysOnFloor, e.keysHeld = 0, min(e.cfg.Keys, e.cfg.Chests)
	}
}

// closedChests is the number of chests not yet opened.
func (e *Env) closedChests() int { return e.cfg.Chests - e.chestsOpened }

// Step implements envs.Env; see the package comment for the rules.
func (e *Env) Step(action int) (float32, bool, error) {
	if action < 0 || action >= e.spec.NumActions {
		return 0, false, fmt.Errorf("heist: action %d out of range [0, %d)", action, e.spec.NumActions)
	}
	if e.done {
		return 0, true, fmt.Errorf("heist: Step after the episode ended; call Reset")
	}
	e.step++
	if action < 4 {
		d := envs.Dirs4[action]
		if nx, ny := e.agent.X+d.X, e.agent.Y+d.Y; e.lvl.grid.AtOr(nx, ny, tileWall) != tileWall {
			e.agent = envs.Point{X: nx, Y: ny}
		}
	}
	var reward float32
	g := &e.lvl.grid
	switch g.At(e.agent.X, e.agent.Y) {
	case tileKey:
		if e.keysHeld >= e.closedChests() {
			e.extraKeys++
		}
		g.Set(e.agent.X, e.agent.Y, tileFloor)
		e.keysHeld++
		e.keysOnFloor--
		e.keysCollected++
		reward = KeyReward
	case tileChest:
		if e.keysHeld > 0 {
			g.Set(e.agent.X, e.agent.Y, tileFloor)
			e.keysHeld--
			e.chestsOpened++
			reward = ChestReward
		}
	}
	switch {
	case e.closedChests() == 0 || e.keysHeld == 0 && e.keysOnFloor == 0:
		e.done, e.outcome = true, OutcomeAllChests
	case e.step >= e.cfg.MaxSteps:
		e.done, e.outcome = true, OutcomeTimeout
		if e.extraKeys > 0 {
			e.outcome = OutcomeKeysHoarded
		}
	}
	return reward, e.done, nil
}

// Observe implements envs.Env: the view×view window centred on the agent,
// plus the inventory (a channel in symbolic mode; key-coloured squares
// along the top-left of the image in rgb mode).
func (e *Env) Observe(dst []float32) {
	e.win.Load(&e.lvl.grid, e.agent.X, e.agent.Y, codeOutside)
	code := codeAgent
	if e.lvl.grid.At(e.agent.X, e.agent.Y) == tileChest {
		code = codeAgentOnChest
	}
	e.win.Put(e.agent.X, e.agent.Y, code)
	if e.sym != nil {
		e.sym.Encode(dst, e.win)
		area := e.win.View * e.win.View
		held := dst[chKeysHeld*area : (chKeysHeld+1)*area]
		for i := 0; i < e.keysHeld && i < area; i++ {
			held[i] = 1
		}
		return
	}
	e.rgb.Encode(dst, e.win)
	// One square of side s per held key, s pixels apart, in the top row.
	s := max(e.rgbSize/16, 1)
	for i := 0; i < e.keysHeld; i++ {
		x0 := s/2 + 2*s*i
		envs.FillRGBRect(dst, e.rgbSize, x0, s/2, x0+s, s/2+s, palette[tileKey])
	}
}

// nearest returns the position of the closest (Manhattan) of ps whose tile
// is still t, or (-1, -1) if none is.
func (e *Env) nearest(ps []envs.Point, t uint8) (float32, float32, bool) {
	best, bx, by := -1, -1, -1
	for _, p := range ps {
		if e.lvl.grid.At(p.X, p.Y) != t {
			continue
		}
		d := abs(p.X-e.agent.X) + abs(p.Y-e.agent.Y)
		if best < 0 || d < best {
			best, bx, by = d, p.X, p.Y
		}
	}
	return float32(bx), float32(by), best >= 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Info implements envs.Env. Goal is the nearest closed chest, proxy the
// nearest key still on the floor ((-1, -1) when there is none). GoalVisible
// says whether any closed chest is in the observation window; GoalReached
// marks the success end, ProxyReached that an extra key was picked up.
func (e *Env) Info() envs.Info {
	gx, gy, _ := e.nearest(e.lvl.chests, tileChest)
	px, py, _ := e.nearest(e.lvl.keys, tileKey)
	half := e.win.View / 2
	visible := false
	for _, p := range e.lvl.chests {
		dx, dy := p.X-e.agent.X, p.Y-e.agent.Y
		if e.lvl.grid.At(p.X, p.Y) == tileChest && dx >= -half && dx <= half && dy >= -half && dy <= half {
			visible = true
			break
		}
	}
	return envs.Info{
		Step:          e.step,
		Outcome:       e.outcome,
		TimeLimit:     e.outcome == OutcomeTimeout || e.outcome == OutcomeKeysHoarded, // both only at the limit
		AgentX:        float32(e.agent.X),
		AgentY:        float32(e.agent.Y),
		GoalX:         gx,
		GoalY:         gy,
		ProxyX:        px,
		ProxyY:        py,
		GoalVisible:   visible,
		GoalReached:   e.outcome == OutcomeAllChests,
		ProxyReached:  e.extraKeys > 0,
		KeysHeld:      e.keysHeld,
		KeysCollected: e.keysCollected,
		ChestsOpened:  e.chestsOpened,
	}
}

// Render implements envs.Env: the whole level with keys, chests, the agent,
// and the held keys along the top edge.
func (e *Env) Render(scale int) *image.RGBA {
	g := &e.lvl.grid
	c := envs.NewCanvas(g.W, g.H, scale)
	for y := 0; y < g.H; y++ {
		for x := 0; x < g.W; x++ {
			t := g.At(x, y)
			base := t
			if t == tileKey || t == tileChest {
				base = tileFloor
			}
			c.TileRect(x, y, 0, palette[base])
			switch t {
			case tileKey:
				c.TileCircle(x, y, 0.3, palette[tileKey])
			case tileChest:
				c.TileRect(x, y, 0.15, palette[tileChest])
				c.Rect(float32(x)+0.45, float32(y)+0.35, float32(x)+0.55, float32(y)+0.6, palette[tileKey])
			}
		}
	}
	c.TileCircle(e.agent.X, e.agent.Y, 0.35, palette[codeAgent])
	for i := 0; i < e.keysHeld; i++ {
		c.Circle(float32(i)*0.5+0.25, float32(g.H)-0.25, 0.2, palette[tileKey])
	}
	return c.Img
}

// ASCII implements envs.Env: '#' wall, '.' floor, 'k' key, 'C' closed
// chest, 'A' agent, followed by a line with the counters.
func (e *Env) ASCII() string {
	return envs.ASCII(&e.lvl.grid, &asciiChars, envs.Glyph{X: e.agent.X, Y: e.agent.Y, Ch: 'A'}) +
		fmt.Sprintf("held %d collected %d opened %d/%d step %d\n", e.keysHeld, e.keysCollected, e.chestsOpened, e.cfg.Chests, e.step)
}
