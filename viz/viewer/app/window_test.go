package app

import (
	"bytes"
	"fmt"
	"image"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/viewer/control"
)

// openRunDir opens a fresh run directory's replays at scale 4.
func openRunDir(t *testing.T) (*Session, []replay.Episode) {
	t.Helper()
	dir, eps := runDir(t)
	a, err := ParseArgs([]string{dir, "-scale", "4"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenReplays(a)
	if err != nil {
		t.Fatal(err)
	}
	return s, eps
}

// TestReplayWindowPlaysAndShowsLegend: opened on a run directory the window
// plays without input, and every image it shows is the scene with the key
// legend below it.
func TestReplayWindowPlaysAndShowsLegend(t *testing.T) {
	s, eps := openRunDir(t)
	w := NewReplayWindow(s)
	if changed, err := w.Update(0); err != nil || !changed {
		t.Fatalf("first update: changed %v, %v", changed, err)
	}
	scene, _, _, err := NewScene(eps, render.Options{Scale: 4}).Render(s.Ctl)
	if err != nil {
		t.Fatal(err)
	}
	checkLegend(t, w.Image(), scene, ReplayLegend)
	if !strings.Contains(w.Status(), "15 fps") {
		t.Errorf("status %q: not playing at the default speed", w.Status())
	}

	// One second without input advances by the default 15 frames/s.
	for i := 0; i < 60; i++ {
		if _, err := w.Update(1.0 / 60); err != nil {
			t.Fatal(err)
		}
	}
	if f := s.Ctl.Frame(); f != 15 {
		t.Errorf("after 1 s without input: frame %d, want 15", f)
	}
	scene, _, _, _ = NewScene(eps, render.Options{Scale: 4}).Render(s.Ctl)
	checkLegend(t, w.Image(), scene, ReplayLegend)

	// Space pauses: time passes, the frame stays; the status says so.
	if !w.Apply(CmdTogglePlay) || s.Ctl.Playing() {
		t.Fatal("space did not pause")
	}
	if changed, _ := w.Update(1); changed || s.Ctl.Frame() != 15 {
		t.Errorf("paused window moved to frame %d", s.Ctl.Frame())
	}
	if !strings.Contains(w.Status(), "paused") {
		t.Errorf("status %q while paused", w.Status())
	}
	if w.Apply(CmdQuit) {
		t.Error("quit does not stop the window")
	}
	// A click on the timeline (legend strip below it unchanged) seeks.
	_, l, _, _ := s.scene.Render(s.Ctl)
	tl := l.Timeline.Inset(2)
	steps := len(eps[0].Steps)
	if !w.Click(image.Pt(render.TimelineX(tl, steps/2, steps), tl.Min.Y+1)) || s.Ctl.Frame() != steps/2 {
		t.Errorf("timeline click: frame %d, want %d", s.Ctl.Frame(), steps/2)
	}
}

// TestReplayWindowAdvances: the window does not stop at the end of the
// first episode; it rests on its last frame, then plays the next one.
func TestReplayWindowAdvances(t *testing.T) {
	s, eps := openRunDir(t)
	w := NewReplayWindow(s)
	steps := len(eps[0].Steps)
	// Play through episode 0 at 15 frames/s, in ticks of 1/60 s.
	for i := 0; i < 4*steps+4; i++ {
		if _, err := w.Update(1.0 / 60); err != nil {
			t.Fatal(err)
		}
	}
	if s.Ctl.Episode() != 0 || s.Ctl.Frame() != steps || !s.Ctl.Playing() {
		t.Fatalf("at the end: episode %d frame %d/%d playing %v", s.Ctl.Episode(), s.Ctl.Frame(), steps, s.Ctl.Playing())
	}
	changed, err := w.Update(control.EndHold)
	if err != nil || !changed || s.Ctl.Episode() != 1 || s.Ctl.Frame() != 0 || !s.Ctl.Playing() {
		t.Fatalf("after the rest: changed %v episode %d frame %d playing %v (%v)", changed, s.Ctl.Episode(), s.Ctl.Frame(), s.Ctl.Playing(), err)
	}
	if !strings.Contains(w.Status(), fmt.Sprintf("episode 2/%d", len(eps))) {
		t.Errorf("status %q after advancing", w.Status())
	}
}

// checkLegend asserts that img is scene with legend drawn below it.
func checkLegend(t *testing.T, img, scene *image.RGBA, legend string) {
	t.Helper()
	want := render.Caption(scene, legend)
	if img.Rect != want.Rect || !bytes.Equal(img.Pix, want.Pix) {
		t.Fatalf("shown image %v is not the scene %v with the legend below it", img.Rect, scene.Rect)
	}
	blank := render.Caption(scene, "")
	if bytes.Equal(img.Pix, blank.Pix) {
		t.Fatal("legend strip is empty")
	}
}

func TestLiveLegend(t *testing.T) {
	// A stand-in policy: always action 0.
	policy := func(string, envs.Env) (*LivePolicy, error) {
		act := func(envs.Env) (int, []float32, float32, error) { return 0, nil, 0, nil }
		return &LivePolicy{Act: act, Release: func() {}}, nil
	}
	for _, c := range []struct {
		args []string
		keys []string
	}{
		{[]string{"-play", "coinrun"}, []string{"arrows", "(up jumps)", "r next level", "+/- speed", "q quit"}},
		{[]string{"-play", maze.Name}, []string{"arrows", "r next level", "q quit"}},
		{[]string{"-checkpoint", "c.ckpt", "-env", maze.Name}, []string{"space pause", "r next level", "+/- speed", "q quit"}},
	} {
		a, err := ParseArgs(c.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLive(a, Loaders{Policy: policy})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range c.keys {
			if !strings.Contains(l.Legend(), k) {
				t.Errorf("%v: legend %q lacks %q", c.args, l.Legend(), k)
			}
		}
		img, _ := l.Render(render.Options{Scale: 4})
		checkLegend(t, l.Screen(render.Options{Scale: 4}), img, l.Legend())
	}
}

// TestDependencies: the window-free viewer logic links neither the
// experiment pipeline nor the training or interpretability code (and so
// not libtorch): -checkpoint support is injected by the window binary,
// and experiment configs are read with the torch-free experiments/config.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/misgen/misgen/viz/viewer/app").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/misgen/misgen/viz/render") {
		t.Fatalf("go list -deps printed no dependency list:\n%s", out)
	}
	for _, banned := range []string{"experiments", "interp", "agents", "internal/torch", "viz/viewer/policy"} {
		if slices.Contains(deps, "github.com/misgen/misgen/"+banned) {
			t.Errorf("viz/viewer/app imports github.com/misgen/misgen/%s", banned)
		}
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/hajimehoshi/ebiten") {
			t.Errorf("viz/viewer/app imports %s (needs a display at program start)", d)
		}
	}
}
