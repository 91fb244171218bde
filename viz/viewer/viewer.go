// Package viewer is the ebiten front end of the misgen viewer: a resizable
// window showing recorded episodes (replay mode: it plays one episode
// after another) or a level played live.
// All state changes happen in Update through the window-free controller
// (package control) and scene (package app); Draw only puts the composed
// *image.RGBA on screen, scaled to fill the window (app.Fit) with
// nearest-neighbour filtering so pixel art stays crisp.
//
// Importing ebiten initialises GLFW at program start (ebiten's package
// init), which panics without an X display. Only cmd/viewer-window links
// this package, and cmd/viewer starts it for the window modes when DISPLAY
// is set; cmd/viewer itself (help, -screenshot, -gif) needs no display.
// This package's tests are behind the "display" build tag:
//
//	xvfb-run -a go test -tags display ./viz/viewer/...
package viewer

import (
	"fmt"
	"image"
	"math"
	"os"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/viewer/app"
)

// Run opens the window for a (replay, play or checkpoint mode) and returns
// when it is closed. ld loads -checkpoint policies (a nil loader makes
// -checkpoint report an error). The window opens at a size that shows the
// first frame at an integer scale (app.WindowSize) and is resizable; the
// frame always fills it (app.Fit).
func Run(a *app.Args, ld app.Loaders) error {
	var g ebiten.Game
	var first *image.RGBA
	switch a.Mode() {
	case app.ModeReplay:
		s, err := app.OpenReplays(a)
		if err != nil {
			return err
		}
		rg := newReplayGame(s)
		if _, err := rg.win.Update(0); err != nil {
			return err
		}
		g, first = rg, rg.win.Image()
	default:
		live, err := app.NewLive(a, ld)
		if err != nil {
			return err
		}
		defer live.Close()
		opts := render.Options{Scale: a.Scale}
		g, first = newLiveGame(live, opts), live.Screen(opts)
	}
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	size := app.DefaultWindow
	if m := ebiten.Monitor(); m != nil {
		mw, mh := m.Size()
		size = app.WindowSize(first.Rect.Size(), image.Pt(mw, mh), m.DeviceScaleFactor())
	}
	ebiten.SetWindowSize(size.X, size.Y)
	ebiten.SetWindowTitle("misgen viewer")
	err := ebiten.RunGame(g)
	if gerr, ok := g.(interface{ Err() error }); ok && gerr.Err() != nil {
		return gerr.Err()
	}
	return err
}

// FirstFrameEnv names a test hook, not a setting: when the environment
// sets it to a path, the window creates that (empty) file once it has put
// its first frame on screen, so a test can wait for the window to be up
// instead of sleeping. A failure to create it is reported on stderr.
const FirstFrameEnv = "MISGEN_VIEWER_FIRST_FRAME"

// canvas holds the composed frame, its texture and where the last Draw put
// it, so cursor positions can be mapped back to frame pixels.
type canvas struct {
	img   *image.RGBA
	tex   *ebiten.Image
	stale bool // img changed since the texture was written
	shown bool // a frame has been drawn (FirstFrameEnv)

	scale  float64
	origin image.Point // screen position of the frame's top-left corner
}

// set replaces the frame to show.
func (c *canvas) set(img *image.RGBA) { c.img, c.stale = img, true }

// draw puts the frame on screen.
func (c *canvas) draw(screen *ebiten.Image) {
	screen.Fill(image.Black)
	if c.img == nil {
		return
	}
	b := c.img.Rect
	if c.tex == nil || c.tex.Bounds().Size() != b.Size() {
		if c.tex != nil {
			c.tex.Deallocate()
		}
		c.tex = ebiten.NewImage(b.Dx(), b.Dy())
		c.stale = true
	}
	if c.stale {
		c.tex.WritePixels(c.img.Pix)
		c.stale = false
	}
	sw, sh := screen.Bounds().Dx(), screen.Bounds().Dy()
	c.scale, c.origin = app.Fit(b.Size(), image.Pt(sw, sh))
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterNearest}
	op.GeoM.Scale(c.scale, c.scale)
	op.GeoM.Translate(float64(c.origin.X), float64(c.origin.Y))
	screen.DrawImage(c.tex, op)
	if !c.shown {
		c.shown = true
		announceFirstFrame()
	}
}

// announceFirstFrame creates the file FirstFrameEnv names, if it is set.
func announceFirstFrame() {
	p := os.Getenv(FirstFrameEnv)
	if p == "" {
		return
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "viewer: %s: %v\n", FirstFrameEnv, err)
	}
}

// toFrame maps a screen point to frame pixel coordinates (by the last
// Draw's placement).
func (c *canvas) toFrame(p image.Point) image.Point {
	if c.scale <= 0 {
		return p
	}
	return image.Pt(int(math.Floor(float64(p.X-c.origin.X)/c.scale)), int(math.Floor(float64(p.Y-c.origin.Y)/c.scale)))
}

// layout makes the logical screen the window's device pixels, so the
// frame is scaled once, by canvas.draw, with nearest-neighbour filtering.
func layout(outsideW, outsideH int) (int, int) {
	s := ebiten.Monitor().DeviceScaleFactor()
	return int(math.Ceil(float64(outsideW) * s)), int(math.Ceil(float64(outsideH) * s))
}

func title(format string, args ...any) string {
	return "misgen viewer — " + fmt.Sprintf(format, args...)
}
