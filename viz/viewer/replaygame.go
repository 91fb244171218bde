package viewer

import (
	"image"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/viewer/app"
	"github.com/misgen/misgen/viz/viewer/control"
)

// command is one user action on the replay viewer.
type command int

const (
	cmdNone command = iota
	cmdTogglePlay
	cmdStepForward
	cmdStepBack
	cmdSpeedUp
	cmdSpeedDown
	cmdNextEpisode
	cmdPrevEpisode
	cmdCycleFilter
	cmdSideBySide
	cmdQuit
)

// replayKeys maps keys to commands (the keys documented in app.Usage).
var replayKeys = map[ebiten.Key]command{
	ebiten.KeySpace:          cmdTogglePlay,
	ebiten.KeyArrowRight:     cmdStepForward,
	ebiten.KeyArrowLeft:      cmdStepBack,
	ebiten.KeyEqual:          cmdSpeedUp, // '+' without shift on most layouts
	ebiten.KeyNumpadAdd:      cmdSpeedUp,
	ebiten.KeyMinus:          cmdSpeedDown,
	ebiten.KeyNumpadSubtract: cmdSpeedDown,
	ebiten.KeyN:              cmdNextEpisode,
	ebiten.KeyP:              cmdPrevEpisode,
	ebiten.KeyF:              cmdCycleFilter,
	ebiten.KeyS:              cmdSideBySide,
	ebiten.KeyQ:              cmdQuit,
	ebiten.KeyEscape:         cmdQuit,
}

// view identifies what is on screen, so frames are re-rendered only when
// it changes.
type view struct{ episode, frame, partner, partnerFrame int }

type replayGame struct {
	sess *app.Session
	ctl  *control.Controller
	canvas

	shown    view
	rendered bool
	timeline render.Layout
	offset   image.Point
	err      error
}

func newReplayGame(s *app.Session) *replayGame {
	return &replayGame{sess: s, ctl: s.Ctl}
}

// Err is the rendering error that stopped the game, if any.
func (g *replayGame) Err() error { return g.err }

// apply runs one command; it reports false for cmdQuit.
func (g *replayGame) apply(c command) bool {
	switch c {
	case cmdTogglePlay:
		g.ctl.TogglePlay()
	case cmdStepForward:
		g.ctl.StepForward()
	case cmdStepBack:
		g.ctl.StepBack()
	case cmdSpeedUp:
		g.ctl.SpeedUp()
	case cmdSpeedDown:
		g.ctl.SpeedDown()
	case cmdNextEpisode:
		g.ctl.NextEpisode()
	case cmdPrevEpisode:
		g.ctl.PrevEpisode()
	case cmdCycleFilter:
		g.ctl.CycleFilter()
	case cmdSideBySide:
		g.ctl.ToggleSideBySide()
	case cmdQuit:
		return false
	}
	return true
}

// Update implements ebiten.Game: input, playback, then re-rendering the
// frame if what is shown changed.
func (g *replayGame) Update() error {
	for _, k := range inpututil.AppendJustPressedKeys(nil) {
		if !g.apply(replayKeys[k]) {
			return ebiten.Termination
		}
	}
	// Holding the arrows repeats the step after a short delay.
	for _, k := range []ebiten.Key{ebiten.KeyArrowRight, ebiten.KeyArrowLeft} {
		if d := inpututil.KeyPressDuration(k); d > 20 && d%3 == 0 {
			g.apply(replayKeys[k])
		}
	}
	if ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		x, y := ebiten.CursorPosition()
		s := ebiten.Monitor().DeviceScaleFactor()
		g.click(image.Pt(int(float64(x)*s), int(float64(y)*s)))
	}
	g.ctl.Tick(1 / float64(ebiten.TPS()))
	return g.refresh()
}

// click seeks when screen point p is on the timeline.
func (g *replayGame) click(p image.Point) bool {
	return g.rendered && g.sess.View().Click(g.ctl, g.timeline, g.offset, g.toFrame(p))
}

// refresh re-renders the frame when the controller shows something new.
func (g *replayGame) refresh() error {
	v := view{g.ctl.Episode(), g.ctl.Frame(), g.ctl.Partner(), g.ctl.PartnerFrame()}
	if g.rendered && v == g.shown {
		return nil
	}
	img, l, off, err := g.sess.View().Render(g.ctl)
	if err != nil {
		g.err = err
		return err
	}
	g.set(img)
	g.timeline, g.offset, g.shown, g.rendered = l, off, v, true
	ebiten.SetWindowTitle(g.status())
	return nil
}

// status is the window title: episode position, filter, speed, mode.
func (g *replayGame) status() string {
	e := g.ctl.Episode()
	if e < 0 {
		return title("no episode with outcome %s (f: next filter)", g.ctl.Filter())
	}
	filter := "all"
	if f := g.ctl.Filter(); f != "" {
		filter = string(f)
	}
	side := ""
	if g.ctl.SideBySide() {
		side = "  side-by-side"
	}
	return title("episode %d/%d (%s)  filter %s  %.0f fps%s", g.ctl.Position()+1, g.ctl.Visible(), g.sess.Eps[e].String(), filter, g.ctl.Speed(), side)
}

// Draw implements ebiten.Game.
func (g *replayGame) Draw(screen *ebiten.Image) { g.draw(screen) }

// Layout implements ebiten.Game.
func (g *replayGame) Layout(w, h int) (int, int) { return layout(w, h) }
