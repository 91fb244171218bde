// Package render draws misgen episodes to *image.RGBA without a window: a
// level view (the game's own Render, with a camera that follows the agent
// through wide levels), a HUD panel (action-probability bars, value,
// reward, return, step, outcome), an optional feature strip and a step
// timeline; side-by-side composition of two frames; and animated GIF
// export. The viewer, the headless screenshot mode and the report all draw
// through this package, so plain `go test` covers everything they show.
package render

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/viz/replay"
)

// Options control how a frame is drawn.
type Options struct {
	// Scale is the size of a tile in pixels; 0 picks the scale at which
	// the level is about as tall as the HUD panel.
	Scale int
	// CameraTiles is the width in tiles of the level window; levels wider
	// than it (CoinRun) are cropped to a window that follows the agent.
	// 0 means DefaultCameraTiles.
	CameraTiles int
	// Greedy says the recorded policies took their most probable action
	// (eval.greedy) rather than sampling it; the HUD's legend names the
	// orange bar accordingly (HUD.Greedy).
	Greedy bool
}

// DefaultCameraTiles is the camera width used when Options.CameraTiles is 0:
// an easy CoinRun level (32 tiles) fits whole, a hard one (64) scrolls.
const DefaultCameraTiles = 32

const timelineH = 12

// Layout places the parts of a frame.
type Layout struct {
	Size     image.Point
	View     image.Rectangle // level window
	Panel    image.Rectangle // HUD panel
	Features image.Rectangle // feature strip (empty when not shown)
	Timeline image.Rectangle // step timeline (empty when not shown)
	// Bars are the full-length slots of the action-probability bars, one
	// per action; the aliases of an action (ActionRows) share its row's
	// slot. A row's bar of probability p (the sum over its actions) fills
	// round(p·width) pixels from the left of its slot.
	Bars []image.Rectangle
	// Scale is the tile size used and CameraX the level x (in pixels at
	// Scale) of the window's left edge, so level position (x, y) in tiles
	// is at View.Min + (x·Scale − CameraX, (levelRows − y)·Scale).
	Scale, CameraX int
}

// SeekFrame is the frame under point p on the timeline of a frame with
// this layout showing a steps-step episode; ok is false when p is not on
// the timeline.
func (l Layout) SeekFrame(p image.Point, steps int) (frame int, ok bool) {
	if !p.In(l.Timeline) {
		return 0, false
	}
	return TimelineFrame(l.Timeline.Inset(2), p.X, steps), true
}

// autoScale is the tile size at which a level rows tiles high is about as
// tall as a HUD panel with lines action lines.
func autoScale(rows, lines int) int {
	return max(2, panelHeight(lines)/rows)
}

// Draw renders env's current state with hud beside it.
func Draw(env envs.Env, info envs.Info, hud HUD, opts Options) (*image.RGBA, Layout) {
	probe := env.Render(1) // level size in tiles
	cols, rows := probe.Rect.Dx(), probe.Rect.Dy()
	scale := opts.Scale
	if scale <= 0 {
		scale = autoScale(rows, actionLines(hud.ActionNames))
	}
	level := env.Render(scale)
	camTiles := opts.CameraTiles
	if camTiles <= 0 {
		camTiles = DefaultCameraTiles
	}
	viewW := min(cols, camTiles) * scale
	viewH := rows * scale
	// The camera centres the agent and stops at the level edges.
	camX := int(info.AgentX*float32(scale)) - viewW/2
	camX = min(max(camX, 0), cols*scale-viewW)

	var l Layout
	l.Scale, l.CameraX = scale, camX
	bodyH := max(viewH, panelHeight(actionLines(hud.ActionNames)))
	l.View = image.Rect(0, 0, viewW, viewH)
	l.Panel = image.Rect(viewW, 0, viewW+panelW, bodyH)
	y := bodyH
	if hud.ShowFeatures {
		l.Features = image.Rect(0, y, l.Panel.Max.X, y+featStripH)
		y += featStripH
	}
	if hud.Timeline {
		l.Timeline = image.Rect(0, y, l.Panel.Max.X, y+timelineH)
		y += timelineH
	}
	l.Size = image.Pt(l.Panel.Max.X, y)

	img := image.NewRGBA(image.Rectangle{Max: l.Size})
	fill(img, img.Rect, colPanel)
	draw.Draw(img, l.View, level, image.Pt(camX, 0), draw.Src)
	l.Bars = hud.drawPanel(img, l.Panel)
	if hud.ShowFeatures {
		hud.drawFeatures(img, l.Features)
	}
	if hud.Timeline {
		hud.drawTimeline(img, l.Timeline)
	}
	return img, l
}

// Player renders the frames of one episode, replaying it in its Env.
type Player struct {
	cur  *replay.Cursor
	spec envs.Spec
	Opts Options
}

// NewPlayer prepares ep for rendering.
func NewPlayer(ep *replay.Episode, opts Options) (*Player, error) {
	cur, err := replay.NewCursor(ep)
	if err != nil {
		return nil, err
	}
	return &Player{cur: cur, spec: cur.Env().Spec(), Opts: opts}, nil
}

// Episode is the episode being played.
func (p *Player) Episode() *replay.Episode { return p.cur.Ep }

// Frames is the number of frames: one per step plus the start.
func (p *Player) Frames() int { return p.cur.Frames() }

// Spec is the game's Spec.
func (p *Player) Spec() envs.Spec { return p.spec }

// Frame renders frame i (clamped to [0, Frames()-1]): the state after i
// steps with the HUD of EpisodeHUD.
func (p *Player) Frame(i int) (*image.RGBA, Layout, error) {
	if err := p.cur.Seek(i); err != nil {
		return nil, Layout{}, err
	}
	i = p.cur.Pos()
	env := p.cur.Env()
	hud := EpisodeHUD(p.cur.Ep, p.spec, i)
	hud.Greedy = p.Opts.Greedy
	img, l := Draw(env, env.Info(), hud, p.Opts)
	return img, l, nil
}

// Frame renders frame i of ep (see Player.Frame). Rendering many frames of
// one episode is cheaper through a Player.
func Frame(ep *replay.Episode, i int, opts Options) (*image.RGBA, error) {
	if i < 0 || i > len(ep.Steps) {
		return nil, fmt.Errorf("render: frame %d of %s: want a frame in [0, %d]", i, ep, len(ep.Steps))
	}
	p, err := NewPlayer(ep, opts)
	if err != nil {
		return nil, err
	}
	img, _, err := p.Frame(i)
	return img, err
}

// SideBySide places a and b next to each other, tops aligned: the result
// is as wide as both together and as tall as the taller; the area below
// the shorter one is the panel colour.
func SideBySide(a, b *image.RGBA) *image.RGBA {
	wa := a.Rect.Dx()
	out := image.NewRGBA(image.Rect(0, 0, wa+b.Rect.Dx(), max(a.Rect.Dy(), b.Rect.Dy())))
	fill(out, out.Rect, colPanel)
	draw.Draw(out, image.Rect(0, 0, wa, a.Rect.Dy()), a, a.Rect.Min, draw.Src)
	draw.Draw(out, image.Rect(wa, 0, wa+b.Rect.Dx(), b.Rect.Dy()), b, b.Rect.Min, draw.Src)
	return out
}
