//go:build display

package viewer

import (
	"bytes"
	"image"
	"strings"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay/replaytest"
	"github.com/misgen/misgen/viz/viewer/app"
)

// session writes an ID and an OOD CoinRun episode of a scripted
// "hold right+jump" agent and opens them as the viewer does.
func session(t *testing.T, extra ...string) *app.Session {
	t.Helper()
	path, _ := replaytest.RunDir(t, 1)
	a, err := app.ParseArgs(append([]string{path, "-scale", "4"}, extra...), &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := app.OpenReplays(a)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// drawTo draws g into a fresh w×h screen and returns its pixels.
func drawTo(g interface{ Draw(*ebiten.Image) }, w, h int) *image.RGBA {
	screen := ebiten.NewImage(w, h)
	g.Draw(screen)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	screen.ReadPixels(img.Pix)
	return img
}

func TestReplayGameDrawsFrameWithNearestScaling(t *testing.T) {
	s := session(t)
	g := newReplayGame(s)
	g.win.Apply(app.CmdTogglePlay) // pause: the test places the frame
	if err := g.tick(0); err != nil {
		t.Fatal(err)
	}
	frame := g.img
	fw, fh := frame.Rect.Dx(), frame.Rect.Dy()
	// A screen a bit over twice the frame: integer scale 2, centred.
	W, H := 2*fw+10, 2*fh+6
	got := drawTo(g, W, H)
	if g.scale != 2 || g.origin != image.Pt(5, 3) {
		t.Fatalf("fit: scale %v origin %v", g.scale, g.origin)
	}
	for y := 0; y < fh; y += 3 {
		for x := 0; x < fw; x += 3 {
			want := frame.RGBAAt(x, y)
			for _, d := range []image.Point{{0, 0}, {1, 1}} {
				p := image.Pt(5+2*x, 3+2*y).Add(d)
				if c := got.RGBAAt(p.X, p.Y); c != want {
					t.Fatalf("screen %v = %v, frame (%d,%d) = %v: not a crisp 2× copy", p, c, x, y, want)
				}
			}
		}
	}
	if c := got.RGBAAt(1, 1); c.R != 0 || c.G != 0 || c.B != 0 {
		t.Errorf("border %v, want black", c)
	}
	// Clicking the timeline's middle (screen coordinates) seeks there.
	_, l, _, err := app.NewScene(s.Eps, render.Options{Scale: 4}).Render(s.Ctl)
	if err != nil {
		t.Fatal(err)
	}
	tl := l.Timeline.Inset(2)
	steps := len(s.Eps[0].Steps)
	mid := render.TimelineX(tl, steps/2, steps)
	if !g.click(image.Pt(5+2*mid, 3+2*(tl.Min.Y+1))) {
		t.Fatal("click on the timeline ignored")
	}
	if s.Ctl.Frame() != steps/2 {
		t.Fatalf("timeline click: frame %d, want %d", s.Ctl.Frame(), steps/2)
	}
}

func TestReplayGameCommands(t *testing.T) {
	s := session(t)
	g := newReplayGame(s)
	for k, want := range map[ebiten.Key]app.Command{
		ebiten.KeySpace: app.CmdTogglePlay, ebiten.KeyArrowRight: app.CmdStepForward, ebiten.KeyArrowLeft: app.CmdStepBack,
		ebiten.KeyEqual: app.CmdSpeedUp, ebiten.KeyMinus: app.CmdSpeedDown, ebiten.KeyN: app.CmdNextEpisode,
		ebiten.KeyP: app.CmdPrevEpisode, ebiten.KeyF: app.CmdCycleFilter, ebiten.KeyS: app.CmdSideBySide,
		ebiten.KeyV: app.CmdVectorField, ebiten.KeyQ: app.CmdQuit, ebiten.KeyEscape: app.CmdQuit,
	} {
		if replayKeys[k] != want {
			t.Errorf("key %v → %v, want %v", k, replayKeys[k], want)
		}
	}
	// The legend names the bound keys as a person types them.
	for _, name := range []string{"space", "left/right", "+/-", "n/p", "f ", "s ", "q quit"} {
		if !strings.Contains(app.ReplayLegend, name) {
			t.Errorf("legend %q lacks %q", app.ReplayLegend, name)
		}
	}
	// Playing from the start: ticks advance the frame and the title.
	if !s.Ctl.Playing() {
		t.Fatal("replay window opened paused")
	}
	for i := 0; i < 30; i++ {
		if err := g.tick(1.0 / 60); err != nil {
			t.Fatal(err)
		}
	}
	if s.Ctl.Frame() == 0 || g.img == nil || !strings.Contains(g.title, "15 fps") {
		t.Fatalf("after 0.5 s: frame %d, title %q", s.Ctl.Frame(), g.title)
	}
	g.win.Apply(app.CmdTogglePlay)
	if err := g.tick(0); err != nil {
		t.Fatal(err)
	}
	scene, _, _, err := app.NewScene(s.Eps, render.Options{Scale: 4}).Render(s.Ctl)
	if err != nil {
		t.Fatal(err)
	}
	g.win.Apply(app.CmdSideBySide)
	if err := g.tick(0); err != nil {
		t.Fatal(err)
	}
	// Two scenes side by side, or the legend's width if that is wider.
	want := max(2*scene.Rect.Dx(), render.Caption(scene, app.ReplayLegend).Rect.Dx())
	if g.img.Rect.Dx() != want || g.img.Rect.Dy() != scene.Rect.Dy()+render.CaptionHeight {
		t.Fatalf("side by side %v, want %d wide", g.img.Rect, want)
	}
	before := g.img
	g.win.Apply(app.CmdStepForward)
	if err := g.tick(0); err != nil || g.img == before {
		t.Fatalf("frame not re-rendered after stepping (%v)", err)
	}
	same := g.img
	if err := g.tick(0); err != nil || g.img != same {
		t.Fatalf("unchanged view re-rendered (%v)", err)
	}
	g.win.Apply(app.CmdCycleFilter) // first outcome in Spec order: coin
	if s.Ctl.Filter() != coinrun.OutcomeCoin || s.Ctl.Episode() != 0 {
		t.Fatalf("filter %q episode %d", s.Ctl.Filter(), s.Ctl.Episode())
	}
}

func TestLiveGame(t *testing.T) {
	for i, c := range []struct {
		args     []string
		realtime bool
	}{{[]string{"-play", "coinrun", "-variant", "ood"}, true}, {[]string{"-play", maze.Name}, false}} {
		a, err := app.ParseArgs(c.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := app.NewLive(a, app.Loaders{})
		if err != nil {
			t.Fatal(err)
		}
		g := newLiveGame(l, render.Options{Scale: 4})
		if err := g.Update(); err != nil {
			t.Fatal(err)
		}
		if g.img == nil {
			t.Fatalf("case %d: nothing rendered", i)
		}
		// One second with right held: real-time games take Speeds[4]
		// steps, grid games none (they step per press).
		for k := 0; k < 60; k++ {
			if err := g.advance(1.0/60, app.Keys{Right: true}, app.Keys{}); err != nil {
				t.Fatal(err)
			}
		}
		steps := 0
		if c.realtime {
			steps = 15
		}
		if got := l.Steps(); got != steps {
			t.Errorf("case %d: %d steps after 1 s of held keys, want %d", i, got, steps)
		}
		if err := g.advance(1.0/60, app.Keys{}, app.Keys{Up: true}); err != nil {
			t.Fatal(err)
		}
		if !c.realtime && l.Steps() != 1 {
			t.Errorf("case %d: a key press did not step the grid game", i)
		}
		drawTo(g, 400, 300)
	}
}
