package coinrun

import (
	"image/color"

	"github.com/misgen/misgen/envs"
)

// Symbolic channel layout (Spec.Channels). Channels 0-8 are one-hot over the
// agent-centred window (the agent's tile is the centre cell); 9 and 10 are
// constant planes holding the agent's velocity, because one frame shows no
// motion and a policy without velocity cannot time jumps.
const (
	chOutside = iota // cell outside the level
	chGround         // ground or the end wall (solid)
	chCrate          // crate (solid)
	chLava
	chSaw
	chEnemy
	chCoin
	chAgent
	chEndZone // empty cell of the end zone (the proxy goal)
	chVelX    // vx / max speed, in [-1, 1], every cell
	chVelY    // vy / max fall speed, in [-1, 0.84], every cell
	numChannels
)

var channelNames = []string{
	"outside", "ground", "crate", "lava", "saw", "enemy", "coin", "agent", "end_zone", "vel_x", "vel_y",
}

// Colours of the RGB observation and of Render. The coin is the only
// gold-yellow thing, so tests and the viewer can find it by colour.
var (
	colSky     = color.RGBA{R: 92, G: 148, B: 252, A: 255}
	colGround  = color.RGBA{R: 124, G: 82, B: 44, A: 255}
	colWall    = color.RGBA{R: 70, G: 70, B: 80, A: 255}
	colCrate   = color.RGBA{R: 196, G: 140, B: 60, A: 255}
	colLava    = color.RGBA{R: 230, G: 60, B: 20, A: 255}
	colSaw     = color.RGBA{R: 200, G: 200, B: 210, A: 255}
	colEndZone = color.RGBA{R: 150, G: 230, B: 150, A: 255}
	colOutside = color.RGBA{A: 255}
	colAgent   = color.RGBA{R: 250, G: 250, B: 250, A: 255}
	colCoin    = color.RGBA{R: 255, G: 215, B: 0, A: 255}
	colEnemy   = color.RGBA{R: 150, G: 40, B: 170, A: 255}
)

// palette colours every tile and overlay code for the RGB observation.
var palette = func() (p envs.Palette) {
	p[tileEmpty], p[tileGround], p[tileWall], p[tileCrate] = colSky, colGround, colWall, colCrate
	p[tileLava], p[tileSaw], p[tileEndZone], p[codeOutside] = colLava, colSaw, colEndZone, colOutside
	p[codeAgent], p[codeAgentInEnd] = colAgent, colAgent
	p[codeCoin], p[codeCoinInEnd] = colCoin, colCoin
	p[codeEnemy] = colEnemy
	return p
}()

// observer encodes agent-centred windows with the shared encoders.
type observer struct {
	kind envs.ObsKind
	view int
	win  *envs.Window
	sym  *envs.SymbolicEncoder
	rgb  *envs.RGBEncoder
}

func newObserver(o envs.ObsConfig) observer {
	ob := observer{kind: o.Kind, view: o.View, win: envs.NewWindow(o.View)}
	if o.Kind == envs.ObsRGB {
		ob.rgb = envs.NewRGBEncoder(o.View, o.RGBSize, &palette)
		return ob
	}
	s := envs.NewSymbolicEncoder(o.View, numChannels)
	s.SetChannels(codeOutside, chOutside)
	s.SetChannels(tileGround, chGround)
	s.SetChannels(tileWall, chGround)
	s.SetChannels(tileCrate, chCrate)
	s.SetChannels(tileLava, chLava)
	s.SetChannels(tileSaw, chSaw)
	s.SetChannels(tileEndZone, chEndZone)
	s.SetChannels(codeAgent, chAgent)
	s.SetChannels(codeAgentInEnd, chAgent, chEndZone)
	s.SetChannels(codeCoin, chCoin)
	s.SetChannels(codeCoinInEnd, chCoin, chEndZone)
	s.SetChannels(codeEnemy, chEnemy)
	ob.sym = s
	return ob
}

// obsShape is the observation shape for an observation config.
func obsShape(o envs.ObsConfig) [3]int {
	if o.Kind == envs.ObsRGB {
		return [3]int{3, o.RGBSize, o.RGBSize}
	}
	return [3]int{numChannels, o.View, o.View}
}

// Observe implements envs.Env. It does not allocate.
func (e *Env) Observe(dst []float32) {
	lv, w := &e.lv, e.obs.win
	cx, cy := e.b.centreTile()
	w.Load(&lv.grid, cx, cy, codeOutside)
	for i := range lv.enemies {
		en := &lv.enemies[i]
		w.Put(floorInt(en.xAt(e.t)), int(en.y), codeEnemy)
	}
	switch g := e.goalEdit; {
	case e.coinTaken || e.cfg.HideCoin || g.Hide:
	case g.Moved:
		put(w, lv, g.At.X, g.At.Y, codeCoin, codeCoinInEnd)
	default:
		put(w, lv, int(lv.coinX), int(lv.coinY), codeCoin, codeCoinInEnd)
	}
	put(w, lv, cx, cy, codeAgent, codeAgentInEnd)
	if e.obs.rgb != nil {
		e.obs.rgb.Encode(dst, w)
		return
	}
	e.obs.sym.Encode(dst, w)
	area := e.obs.view * e.obs.view
	fillPlane(dst[chVelX*area:(chVelX+1)*area], float32(e.b.vx/maxSpeed))
	fillPlane(dst[chVelY*area:(chVelY+1)*area], float32(e.b.vy/maxFall))
}

// put overlays an entity code on the window, choosing inEnd where the cell
// belongs to the end zone so the end-zone channel stays hot under it.
func put(w *envs.Window, lv *level, x, y int, code, inEnd uint8) {
	if lv.at(x, y) == tileEndZone {
		code = inEnd
	}
	w.Put(x, y, code)
}

func fillPlane(p []float32, v float32) {
	for i := range p {
		p[i] = v
	}
}

// ObserveWithoutGoal implements envs.GoalEditor: the observation without
// the coin.
func (e *Env) ObserveWithoutGoal(dst []float32) {
	e.goalEdit = envs.GoalOverride{Hide: true}
	e.Observe(dst)
	e.goalEdit = envs.GoalOverride{}
}

// ObserveGoalAt implements envs.GoalEditor: the observation with the coin
// at tile at, which must be inside the level and not solid. A coin already
// taken is drawn too: the edit shows a coin where the agent is.
func (e *Env) ObserveGoalAt(dst []float32, at envs.Point) bool {
	if !e.lv.grid.In(at.X, at.Y) || solid(e.lv.at(at.X, at.Y)) {
		return false
	}
	taken := e.coinTaken
	e.coinTaken, e.goalEdit = false, envs.GoalOverride{Moved: true, At: at}
	e.Observe(dst)
	e.coinTaken, e.goalEdit = taken, envs.GoalOverride{}
	return true
}

// View is the side of the agent-centred observation window in tiles
// (envs.ObsConfig.View), for measures that ask whether something lies in
// view whatever is drawn (agents.PursuitRuleFor).
func (e *Env) View() int { return e.obs.view }
