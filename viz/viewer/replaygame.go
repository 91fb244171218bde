package viewer

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/misgen/misgen/viz/viewer/app"
)

// replayKeys maps keys to commands (the keys app.ReplayLegend and
// app.Usage name).
var replayKeys = map[ebiten.Key]app.Command{
	ebiten.KeySpace:          app.CmdTogglePlay,
	ebiten.KeyArrowRight:     app.CmdStepForward,
	ebiten.KeyArrowLeft:      app.CmdStepBack,
	ebiten.KeyEqual:          app.CmdSpeedUp, // '+' without shift on most layouts
	ebiten.KeyNumpadAdd:      app.CmdSpeedUp,
	ebiten.KeyMinus:          app.CmdSpeedDown,
	ebiten.KeyNumpadSubtract: app.CmdSpeedDown,
	ebiten.KeyN:              app.CmdNextEpisode,
	ebiten.KeyP:              app.CmdPrevEpisode,
	ebiten.KeyF:              app.CmdCycleFilter,
	ebiten.KeyS:              app.CmdSideBySide,
	ebiten.KeyV:              app.CmdVectorField,
	ebiten.KeyQ:              app.CmdQuit,
	ebiten.KeyEscape:         app.CmdQuit,
}

// replayGame is the ebiten face of app.ReplayWindow.
type replayGame struct {
	win *app.ReplayWindow
	canvas
	title string // window title last set
	err   error
}

func newReplayGame(s *app.Session) *replayGame {
	return &replayGame{win: app.NewReplayWindow(s)}
}

// Err is the rendering error that stopped the game, if any.
func (g *replayGame) Err() error { return g.err }

// Update implements ebiten.Game: input, playback, then the new image if
// what is shown changed.
func (g *replayGame) Update() error {
	for _, k := range inpututil.AppendJustPressedKeys(nil) {
		if !g.win.Apply(replayKeys[k]) {
			return ebiten.Termination
		}
	}
	// Holding the arrows repeats the step after a short delay.
	for _, k := range []ebiten.Key{ebiten.KeyArrowRight, ebiten.KeyArrowLeft} {
		if d := inpututil.KeyPressDuration(k); d > 20 && d%3 == 0 {
			g.win.Apply(replayKeys[k])
		}
	}
	if ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		x, y := ebiten.CursorPosition()
		s := ebiten.Monitor().DeviceScaleFactor()
		g.click(image.Pt(int(float64(x)*s), int(float64(y)*s)))
	}
	return g.tick(1 / float64(ebiten.TPS()))
}

// click seeks when screen point p is on the timeline.
func (g *replayGame) click(p image.Point) bool { return g.win.Click(g.toFrame(p)) }

// tick advances the window state by dt seconds and shows its new image.
func (g *replayGame) tick(dt float64) error {
	changed, err := g.win.Update(dt)
	if err != nil {
		g.err = err
		return err
	}
	if changed {
		g.set(g.win.Image())
	}
	if t := title("%s", g.win.Status()); t != g.title {
		ebiten.SetWindowTitle(t)
		g.title = t
	}
	return nil
}

// Draw implements ebiten.Game.
func (g *replayGame) Draw(screen *ebiten.Image) { g.draw(screen) }

// Layout implements ebiten.Game.
func (g *replayGame) Layout(w, h int) (int, int) { return layout(w, h) }
