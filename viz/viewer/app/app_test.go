package app

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/heist"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/viz/render"
	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/replay/replaytest"
	"github.com/misgen/misgen/viz/viewer/control"
)

// runDir writes a run directory whose replays hold, for training seeds 0
// and 1, an ID and an OOD CoinRun episode of a scripted "hold right+jump"
// agent on level 0 — in the OOD level it runs past the coin to the end.
func runDir(t *testing.T) (dir string, eps []replay.Episode) { return replaytest.RunDir(t, 2) }

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args []string
		mode string
		err  string
	}{
		{[]string{"run/dir"}, ModeReplay, ""},
		{[]string{"r.replay", "-screenshot", "o.png", "-frame", "3"}, ModeReplay, ""},
		{[]string{"-gif", "o.gif", "-episode", "2", "r.replay"}, ModeReplay, ""},
		{[]string{"-play", "coinrun", "-variant", "ood"}, ModePlay, ""},
		{[]string{"-checkpoint", "c.ckpt", "-env", "coinrun", "-variant", "ood", "-seed", "7"}, ModeCheckpoint, ""},
		{nil, "", "give a replay file"},
		{[]string{"a", "b"}, "", "one replay file or run directory, got 2"},
		{[]string{"a", "-play", "maze"}, "", "exclude each other"},
		{[]string{"-checkpoint", "c"}, ModeCheckpoint, ""}, // the run's resolved.toml names the game
		{[]string{"-play", "maze", "-screenshot", "x.png"}, "", "render recorded episodes"},
		{[]string{"a", "-screenshot", "x.png", "-gif", "y.gif"}, "", "exclude each other"},
		{[]string{"a", "-scale", "100"}, "", "-scale 100"},
		{[]string{"a", "-episode", "-1"}, "", "-episode -1"},
		{[]string{"a", "-bogus"}, "", "flag provided but not defined: -bogus"},
	}
	for i, c := range cases {
		var stderr bytes.Buffer
		a, err := ParseArgs(c.args, &bytes.Buffer{}, &stderr)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error()+stderr.String(), c.err) {
				t.Errorf("case %d %v: error %v, want %q", i, c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d %v: %v", i, c.args, err)
		}
		if a.Mode() != c.mode {
			t.Errorf("case %d: mode %s, want %s", i, a.Mode(), c.mode)
		}
	}
	a, _ := ParseArgs([]string{"-checkpoint", "c.ckpt", "-env", "coinrun", "-seed", "7"}, &bytes.Buffer{}, &bytes.Buffer{})
	if a.Seed != 7 || a.Env != "coinrun" {
		t.Errorf("checkpoint args %+v", a)
	}
	// Help goes to stdout (exit 0 in main); a flag error's help to stderr.
	var out, errb bytes.Buffer
	if _, err := ParseArgs([]string{"-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), Usage) || !strings.Contains(out.String(), "-screenshot file") || errb.Len() != 0 {
		t.Errorf("-h: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if _, err := ParseArgs([]string{"-bogus"}, &out, &errb); err == nil || out.Len() != 0 || strings.Count(errb.String(), "usage:") != 1 {
		t.Errorf("-bogus: %v\nstdout %q\nstderr %q", err, out.String(), errb.String())
	}
}

func TestReplayFilesAndLoad(t *testing.T) {
	dir, eps := runDir(t)
	files, err := ReplayFiles(dir)
	if err != nil || len(files) != 2 {
		t.Fatalf("run dir: %v %v", files, err)
	}
	got, err := LoadEpisodes(dir)
	if err != nil || len(got) != len(eps) {
		t.Fatalf("LoadEpisodes: %d episodes, %v", len(got), err)
	}
	if one, err := LoadEpisodes(files[1]); err != nil || len(one) != 2 || one[0].TrainSeed != 1 {
		t.Fatalf("single file: %v", err)
	}
	if _, err := ReplayFiles(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .replay files") {
		t.Errorf("empty dir: %v", err)
	}
	// A corrupt replay is refused with a clear message.
	data, _ := os.ReadFile(files[0])
	data[len(data)-3] ^= 0xff
	os.WriteFile(files[0], data, 0o644)
	if _, err := LoadEpisodes(dir); !errors.Is(err, replay.ErrChecksum) || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("corrupt replay: %v", err)
	}
}

func TestHeadlessScreenshotAndGIF(t *testing.T) {
	dir, eps := runDir(t)
	if eps[1].Outcome != coinrun.OutcomeReachedEnd {
		t.Fatalf("fixture: OOD episode ended %q, want the misgeneralization", eps[1].Outcome)
	}
	out := t.TempDir()
	shot := filepath.Join(out, "shot.png")
	var log bytes.Buffer
	args := func(s ...string) *Args {
		a, err := ParseArgs(s, &log, &log)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Episode 1 is the first OOD episode; with -filter the index counts
	// filtered episodes.
	if err := RunHeadless(args(dir, "-screenshot", shot, "-frame", "10", "-filter", "reached_end_no_coin"), &log); err != nil {
		t.Fatal(err)
	}
	single := decodePNG(t, shot)
	want, err := render.Frame(&eps[1], 10, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if single.Bounds() != want.Rect || !sameImage(single, want) {
		t.Fatalf("screenshot differs from render.Frame of the filtered episode")
	}
	side := filepath.Join(out, "side.png")
	if err := RunHeadless(args(dir, "-screenshot", side, "-episode", "3", "-side", "-frame", "-1"), &log); err != nil {
		t.Fatal(err)
	}
	pair := decodePNG(t, side)
	if pair.Bounds().Dx() != 2*want.Rect.Dx() {
		t.Errorf("side-by-side screenshot %v, want twice %d wide", pair.Bounds(), want.Rect.Dx())
	}
	g := filepath.Join(out, "ep.gif")
	if err := RunHeadless(args(dir, "-gif", g, "-episode", "1", "-every", "4", "-scale", "4"), &log); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(g)
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(anim.Image); n != (len(eps[1].Steps)+3)/4+1 {
		t.Errorf("GIF has %d frames for %d steps every 4", n, len(eps[1].Steps))
	}
	// A frame past the end writes the last frame and says so; the
	// README's example asks for one.
	log.Reset()
	if err := RunHeadless(args(dir, "-screenshot", shot, "-frame", "5000"), &log); err != nil {
		t.Fatal(err)
	}
	last, err := render.Frame(&eps[0], len(eps[0].Steps), render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(decodePNG(t, shot), last) || !strings.Contains(log.String(), fmt.Sprintf("-frame 5000 is past the end (frames 0..%d)", len(eps[0].Steps))) {
		t.Errorf("-frame 5000: not the last frame, or no note:\n%s", log.String())
	}
	for i, bad := range [][]string{
		{dir, "-screenshot", shot, "-frame", "-2"},
		{dir, "-screenshot", shot, "-episode", "9"},
		{dir, "-screenshot", shot, "-filter", "timeout"},
	} {
		if err := RunHeadless(args(bad...), &log); err == nil {
			t.Errorf("case %d %v accepted", i, bad)
		}
	}
	t.Log(log.String())
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func sameImage(a image.Image, b *image.RGBA) bool {
	for y := b.Rect.Min.Y; y < b.Rect.Max.Y; y++ {
		for x := b.Rect.Min.X; x < b.Rect.Max.X; x++ {
			r, g, bb, _ := a.At(x, y).RGBA()
			w := b.RGBAAt(x, y)
			if uint8(r>>8) != w.R || uint8(g>>8) != w.G || uint8(bb>>8) != w.B {
				return false
			}
		}
	}
	return true
}

func TestSceneSideBySideAndClick(t *testing.T) {
	_, eps := runDir(t)
	s := NewScene(eps, render.Options{Scale: 4})
	c := control.New(ControlEpisodes(eps), s.Outcomes())
	c.NextEpisode() // OOD episode of seed 0: shown on the right, ID on the left
	c.ToggleSideBySide()
	img, l, off, err := s.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	if off.X == 0 || img.Rect.Dx() != 2*off.X {
		t.Fatalf("OOD episode should be the right half: offset %v in %v", off, img.Rect)
	}
	// A click a quarter along the OOD episode's timeline seeks there.
	tl := l.Timeline.Inset(2)
	steps := len(eps[1].Steps)
	x := render.TimelineX(tl, steps/4, steps)
	if !s.Click(c, l, off, image.Pt(x, tl.Min.Y+1).Add(off)) || c.Frame() != steps/4 {
		t.Fatalf("click at x=%d: frame %d, want %d", x, c.Frame(), steps/4)
	}
	if s.Click(c, l, off, off.Add(image.Pt(5, 5))) {
		t.Errorf("click on the level seeks")
	}
	if c.Filters()[1] != coinrun.OutcomeCoin {
		t.Errorf("filter order %v does not follow Spec.Outcomes", c.Filters())
	}
}

func TestHumanActionAndLive(t *testing.T) {
	cases := []struct {
		game string
		keys Keys
		want string // action name, "" for no step
	}{
		{coinrun.Name, Keys{}, "none"},
		{coinrun.Name, Keys{Right: true}, "right"},
		{coinrun.Name, Keys{Right: true, Up: true}, "right+jump"},
		{coinrun.Name, Keys{Left: true, Down: true}, "left+down"},
		{coinrun.Name, Keys{Left: true, Right: true, Up: true}, "jump"},
		{maze.Name, Keys{}, ""},
		{maze.Name, Keys{Left: true}, "left"},
		{heist.Name, Keys{Up: true}, "up"},
	}
	for i, c := range cases {
		a, ok := HumanAction(c.game, c.keys)
		if !ok {
			if c.want != "" {
				t.Errorf("case %d: no action, want %s", i, c.want)
			}
			continue
		}
		lv, _ := GameVariant(c.game, "train")
		g, _ := envs.Lookup(c.game)
		env, _ := g.New(lv.Config, lv.Obs)
		if got := env.Spec().ActionName[a]; got != c.want {
			t.Errorf("case %d: %+v → %s, want %s", i, c.keys, got, c.want)
		}
	}
	// Holding right+jump on OOD level 0 reproduces the misgeneralization.
	a, _ := ParseArgs([]string{"-play", "coinrun", "-variant", "ood"}, &bytes.Buffer{}, &bytes.Buffer{})
	l, err := NewLive(a, Loaders{})
	if err != nil {
		t.Fatal(err)
	}
	act, _ := HumanAction(coinrun.Name, Keys{Right: true, Up: true})
	for i := 0; i < 1000 && !l.Done(); i++ {
		if err := l.Step(act); err != nil {
			t.Fatal(err)
		}
	}
	img, lay := l.Render(render.Options{Scale: 4})
	if !l.Done() || l.outcome != coinrun.OutcomeReachedEnd || img.Rect.Size() != lay.Size {
		t.Fatalf("live play: done %v outcome %q", l.Done(), l.outcome)
	}
	l.Reset(l.Seed() + 1)
	if l.Done() || l.env.Info().Step != 0 {
		t.Fatal("reset did not start a new level")
	}
	c, _ := ParseArgs([]string{"-checkpoint", "x", "-env", "coinrun"}, &bytes.Buffer{}, &bytes.Buffer{})
	if _, err := NewLive(c, Loaders{}); !errors.Is(err, ErrNoPolicy) {
		t.Errorf("checkpoint mode: %v", err)
	}
}
