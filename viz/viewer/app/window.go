package app

import (
	"fmt"
	"image"

	"github.com/misgen/misgen/viz/render"
)

// Command is one user action in the replay window; viz/viewer binds keys
// to commands (the keys ReplayLegend names).
type Command int

// The replay window's commands.
const (
	CmdNone Command = iota
	CmdTogglePlay
	CmdStepForward
	CmdStepBack
	CmdSpeedUp
	CmdSpeedDown
	CmdNextEpisode
	CmdPrevEpisode
	CmdCycleFilter
	CmdSideBySide
	CmdVectorField // answered in the status line: live policies only
	CmdQuit
)

// ReplayLegend is the key legend the replay window keeps on screen.
const ReplayLegend = "space play/pause  left/right step  +/- speed  n/p episode  f filter  s side-by-side  q quit"

// ReplayWindow is the replay window without the window: the session, the
// commands, playback over time and the image to show (the scene with the
// key legend below it). It starts playing and plays one episode after
// another. viz/viewer turns key presses into Apply, clicks into Click and
// ticks into Update, and puts Image on screen.
type ReplayWindow struct {
	sess *Session

	shown    view // what img shows
	rendered bool
	img      *image.RGBA
	timeline render.Layout
	offset   image.Point
	note     string // the last command's message for the status line
}

// view identifies what is on screen, so frames are re-rendered only when
// it changes.
type view struct{ episode, frame, partner, partnerFrame int }

// NewReplayWindow opens the window state on s and starts playback, which
// goes on from each episode's end to the next episode (SetAdvance).
func NewReplayWindow(s *Session) *ReplayWindow {
	s.Ctl.SetAdvance(true)
	if !s.Ctl.Playing() {
		s.Ctl.TogglePlay()
	}
	return &ReplayWindow{sess: s}
}

// Apply runs one command; it reports false for CmdQuit.
func (w *ReplayWindow) Apply(c Command) bool {
	ctl := w.sess.Ctl
	w.note = ""
	switch c {
	case CmdTogglePlay:
		ctl.TogglePlay()
	case CmdStepForward:
		ctl.StepForward()
	case CmdStepBack:
		ctl.StepBack()
	case CmdSpeedUp:
		ctl.SpeedUp()
	case CmdSpeedDown:
		ctl.SpeedDown()
	case CmdNextEpisode:
		ctl.NextEpisode()
	case CmdPrevEpisode:
		ctl.PrevEpisode()
	case CmdCycleFilter:
		ctl.CycleFilter()
	case CmdSideBySide:
		ctl.ToggleSideBySide()
	case CmdVectorField:
		w.note = VectorsNote
	case CmdQuit:
		return false
	}
	return true
}

// Click seeks when image point p (in Image's pixels) is on the timeline.
func (w *ReplayWindow) Click(p image.Point) bool {
	return w.rendered && w.sess.scene.Click(w.sess.Ctl, w.timeline, w.offset, p)
}

// Update advances playback by dt seconds and re-renders the image if what
// is shown changed; it reports whether it did.
func (w *ReplayWindow) Update(dt float64) (changed bool, err error) {
	ctl := w.sess.Ctl
	ctl.Tick(dt)
	v := view{ctl.Episode(), ctl.Frame(), ctl.Partner(), ctl.PartnerFrame()}
	if w.rendered && v == w.shown {
		return false, nil
	}
	img, l, off, err := w.sess.scene.Render(ctl)
	if err != nil {
		return false, err
	}
	w.img = render.Caption(img, ReplayLegend)
	w.timeline, w.offset, w.shown, w.rendered = l, off, v, true
	return true, nil
}

// Image is the image to show: the scene and the legend strip (nil before
// the first Update).
func (w *ReplayWindow) Image() *image.RGBA { return w.img }

// Status is a one-line summary for the window title: episode position,
// filter, speed, mode, and the last command's message, if any.
func (w *ReplayWindow) Status() string {
	ctl := w.sess.Ctl
	e := ctl.Episode()
	if e < 0 {
		return fmt.Sprintf("no episode with outcome %s (f: next filter)", ctl.Filter())
	}
	filter := "all"
	if f := ctl.Filter(); f != "" {
		filter = string(f)
	}
	state := "paused"
	if ctl.Playing() {
		state = fmt.Sprintf("%.0f fps", ctl.Speed())
	}
	side := ""
	if ctl.SideBySide() {
		side = "  side-by-side"
	}
	note := ""
	if w.note != "" {
		note = "  " + w.note
	}
	return fmt.Sprintf("episode %d/%d (%s)  filter %s  %s%s%s", ctl.Position()+1, ctl.Visible(), w.sess.Eps[e].String(), filter, state, side, note)
}
