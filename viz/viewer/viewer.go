// Package viewer is the ebiten front end of the misgen viewer: a resizable
// window showing recorded episodes (replay mode) or a level played live.
// All state changes happen in Update through the window-free controller
// (package control) and scene (package app); Draw only puts the composed
// *image.RGBA on screen, scaled with nearest-neighbour filtering so pixel
// art stays crisp.
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
// when it is closed. ld loads -checkpoint policies and -config experiment
// files (a nil loader makes its flag report an error).
func Run(a *app.Args, ld app.Loaders) error {
	var g ebiten.Game
	switch a.Mode() {
	case app.ModeReplay:
		s, err := app.OpenReplays(a)
		if err != nil {
			return err
		}
		g = newReplayGame(s)
	default:
		live, err := app.NewLive(a, ld)
		if err != nil {
			return err
		}
		defer live.Close()
		g = newLiveGame(live, render.Options{Scale: a.Scale})
	}
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetWindowSize(1280, 720)
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

// fit is the scale and top-left position that fit a w×h frame centred in
// a W×H screen: an integer scale when the frame fits at least once (crisp
// pixels), else the largest fraction that fits.
func fit(w, h, W, H int) (float64, image.Point) {
	if w <= 0 || h <= 0 {
		return 1, image.Point{}
	}
	s := math.Min(float64(W)/float64(w), float64(H)/float64(h))
	if s >= 1 {
		s = math.Floor(s)
	}
	return s, image.Pt(int((float64(W)-s*float64(w))/2), int((float64(H)-s*float64(h))/2))
}

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
	c.scale, c.origin = fit(b.Dx(), b.Dy(), sw, sh)
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
