package viewer

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/viewer/app"
	"github.com/misgen/misgen/viz/viewer/control"
)

// liveGame shows a level played live. A person plays real-time games at a
// fixed rate with the held keys and grid games one step per key press; a
// policy plays every game at the fixed rate (space pauses it).
type liveGame struct {
	live *app.Live
	opts render.Options
	canvas

	speed  int     // index into control.Speeds: steps per second
	acc    float64 // fractional steps carried between ticks
	paused bool    // policy play paused
	dirty  bool
	err    error
}

func newLiveGame(l *app.Live, opts render.Options) *liveGame {
	return &liveGame{live: l, opts: opts, speed: 4, dirty: true}
}

// Err is the error that stopped the game, if any.
func (g *liveGame) Err() error { return g.err }

func heldKeys() app.Keys {
	return app.Keys{
		Left:  ebiten.IsKeyPressed(ebiten.KeyArrowLeft) || ebiten.IsKeyPressed(ebiten.KeyA),
		Right: ebiten.IsKeyPressed(ebiten.KeyArrowRight) || ebiten.IsKeyPressed(ebiten.KeyD),
		Up:    ebiten.IsKeyPressed(ebiten.KeyArrowUp) || ebiten.IsKeyPressed(ebiten.KeyW),
		Down:  ebiten.IsKeyPressed(ebiten.KeyArrowDown) || ebiten.IsKeyPressed(ebiten.KeyS),
	}
}

func pressedKeys() app.Keys {
	j := inpututil.IsKeyJustPressed
	return app.Keys{
		Left: j(ebiten.KeyArrowLeft) || j(ebiten.KeyA), Right: j(ebiten.KeyArrowRight) || j(ebiten.KeyD),
		Up: j(ebiten.KeyArrowUp) || j(ebiten.KeyW), Down: j(ebiten.KeyArrowDown) || j(ebiten.KeyS),
	}
}

// Update implements ebiten.Game.
func (g *liveGame) Update() error {
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyQ) || inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		return ebiten.Termination
	case inpututil.IsKeyJustPressed(ebiten.KeySpace):
		g.paused = !g.paused
	case inpututil.IsKeyJustPressed(ebiten.KeyR):
		g.live.Reset(g.live.Seed() + 1)
		g.dirty = true
	case inpututil.IsKeyJustPressed(ebiten.KeyV):
		g.live.ToggleVectors()
		g.dirty = true
	case inpututil.IsKeyJustPressed(ebiten.KeyEqual) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadAdd):
		g.speed = min(g.speed+1, len(control.Speeds)-1)
	case inpututil.IsKeyJustPressed(ebiten.KeyMinus) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadSubtract):
		g.speed = max(g.speed-1, 0)
	}
	if err := g.advance(1/float64(ebiten.TPS()), heldKeys(), pressedKeys()); err != nil {
		g.err = err
		return err
	}
	if g.dirty {
		g.set(g.live.Screen(g.opts))
		g.dirty = false
		ebiten.SetWindowTitle(title("%s  %.0f steps/s", g.live.Status(), control.Speeds[g.speed]))
	}
	return nil
}

// advance steps the live level for dt seconds of play with the given held
// and just-pressed keys.
func (g *liveGame) advance(dt float64, held, pressed app.Keys) error {
	if g.live.Done() {
		return nil
	}
	if g.live.Policy() {
		if g.paused {
			return nil
		}
		g.acc += dt * control.Speeds[g.speed]
		for ; g.acc >= 1 && !g.live.Done(); g.acc-- {
			if err := g.live.PolicyStep(); err != nil {
				return err
			}
			g.dirty = true
		}
		return nil
	}
	if !app.Realtime(g.live.Game) {
		if a, ok := app.HumanAction(g.live.Game, pressed); ok {
			g.dirty = true
			return g.live.Step(a)
		}
		return nil
	}
	g.acc += dt * control.Speeds[g.speed]
	for ; g.acc >= 1 && !g.live.Done(); g.acc-- {
		a, _ := app.HumanAction(g.live.Game, held)
		if err := g.live.Step(a); err != nil {
			return err
		}
		g.dirty = true
	}
	return nil
}

// Draw implements ebiten.Game.
func (g *liveGame) Draw(screen *ebiten.Image) { g.draw(screen) }

// Layout implements ebiten.Game.
func (g *liveGame) Layout(w, h int) (int, int) { return layout(w, h) }
