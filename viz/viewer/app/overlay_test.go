package app

import (
	"bytes"
	"image"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/colourshape"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/render"
)

// fakeField is a stand-in vector field: fixed arrows, and a record of
// the levels it was asked for (identified by the scratch env's first
// observation, compared with a fresh env's).
type fakeField struct {
	arrows []schema.Arrow
	calls  int
	obs    [][]float32
}

func (f *fakeField) field(env envs.Env) ([]schema.Arrow, error) {
	f.calls++
	o := make([]float32, env.Spec().ObsSize())
	env.Observe(o)
	f.obs = append(f.obs, o)
	// It may change the scratch env; the live level must not notice.
	if _, _, err := env.Step(0); err != nil {
		return nil, err
	}
	return f.arrows, nil
}

// liveWith opens a live level on args with a stand-in policy (always
// action 0) whose vector field is vf (nil: none).
func liveWith(t *testing.T, vf VectorField, args ...string) *Live {
	t.Helper()
	policy := func(string, envs.Env) (*LivePolicy, error) {
		act := func(envs.Env) (int, []float32, float32, error) { return 0, nil, 0, nil }
		return &LivePolicy{Act: act, Vectors: vf, Release: func() {}}, nil
	}
	a, err := ParseArgs(args, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(a, Loaders{Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// inked lists the pixels of img in r painted in the arrow colour, relative
// to r.Min.
func inked(img *image.RGBA, r image.Rectangle) []image.Point {
	var out []image.Point
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == render.ArrowColor {
				out = append(out, image.Pt(x-r.Min.X, y-r.Min.Y))
			}
		}
	}
	return out
}

// tileRect is the pixel rectangle of level tile p in a frame with layout l.
func tileRect(l render.Layout, p envs.Point) image.Rectangle {
	rows := l.View.Dy() / l.Scale
	x0 := l.View.Min.X + p.X*l.Scale - l.CameraX
	y0 := l.View.Min.Y + (rows-1-p.Y)*l.Scale
	return image.Rect(x0, y0, x0+l.Scale, y0+l.Scale)
}

// TestVectorOverlayDrawsArrowsOnTheirTiles: with the overlay on, a
// hand-built arrow set is drawn over the level, each arrow inside its own
// tile and pointing its way (right, up, or a dot for no move), and nothing
// anywhere else; off, no arrow ink at all.
func TestVectorOverlayDrawsArrowsOnTheirTiles(t *testing.T) {
	right, up, still := envs.Point{X: 1, Y: 1}, envs.Point{X: 3, Y: 2}, envs.Point{X: 2, Y: 4}
	f := &fakeField{arrows: []schema.Arrow{{Tile: right, DX: 1}, {Tile: up, DY: 1}, {Tile: still}}}
	l := liveWith(t, f.field, "-checkpoint", "c.ckpt", "-env", maze.Name, "-seed", "5")
	const s = 10
	opts := render.Options{Scale: s}
	off, _ := l.Render(opts)
	if n := len(inked(off, off.Rect)); n != 0 || f.calls != 0 {
		t.Fatalf("overlay off: %d arrow pixels, %d field calls", n, f.calls)
	}
	l.ToggleVectors()
	img, lay := l.Render(opts)
	type probe struct {
		tile     envs.Point
		ink, not image.Point // tile-relative pixels that must be / must not be inked
	}
	for _, p := range []probe{
		{right, image.Pt(8, 5), image.Pt(1, 5)},
		{up, image.Pt(5, 1), image.Pt(5, 8)},
		{still, image.Pt(5, 5), image.Pt(1, 1)},
	} {
		r := tileRect(lay, p.tile)
		got := inked(img, r)
		has := func(q image.Point) bool { return img.RGBAAt(r.Min.X+q.X, r.Min.Y+q.Y) == render.ArrowColor }
		if !has(p.ink) || has(p.not) {
			t.Errorf("tile %v: ink at %v %v, at %v %v (inked %v)", p.tile, p.ink, has(p.ink), p.not, has(p.not), got)
		}
	}
	// All ink lies in the three arrows' tiles (the 2-pixel pen may pass
	// a tile's edge by one pixel).
	total := len(inked(img, img.Rect))
	for _, p := range []envs.Point{right, up, still} {
		total -= len(inked(img, tileRect(lay, p).Inset(-1)))
	}
	if total != 0 {
		t.Errorf("%d arrow pixels outside the arrows' tiles", total)
	}
	if l.Steps() != 0 {
		t.Errorf("computing the field moved the live level to step %d", l.Steps())
	}
}

// TestVectorOverlayCachePerLevel: the field is computed once per level,
// on a scratch copy of the level shown, and again after a level change.
func TestVectorOverlayCachePerLevel(t *testing.T) {
	f := &fakeField{}
	l := liveWith(t, f.field, "-checkpoint", "c.ckpt", "-env", maze.Name, "-seed", "5")
	opts := render.Options{Scale: 4}
	l.ToggleVectors()
	l.Render(opts)
	l.Screen(opts)
	if f.calls != 1 {
		t.Fatalf("%d field calls for one level, want 1", f.calls)
	}
	l.Reset(9)
	l.Render(opts)
	if f.calls != 2 {
		t.Fatalf("%d field calls after a level change, want 2", f.calls)
	}
	l.ToggleVectors()
	l.Render(opts)
	l.ToggleVectors()
	l.Render(opts)
	if f.calls != 2 {
		t.Errorf("toggling on the same level recomputed the field (%d calls)", f.calls)
	}
	lv, _ := GameVariant(maze.Name, "train")
	cfg, obs := lv.Config, lv.Obs
	for i, seed := range []uint64{5, 9} {
		g, _ := envs.Lookup(maze.Name)
		env, err := g.New(cfg, obs)
		if err != nil {
			t.Fatal(err)
		}
		env.Reset(seed)
		want := make([]float32, env.Spec().ObsSize())
		env.Observe(want)
		if !reflect.DeepEqual(f.obs[i], want) {
			t.Errorf("call %d: the field did not see level %d at its start", i, seed)
		}
	}
}

// TestToggleVectorsKey: key v turns the overlay on and off where a policy
// plays a placeable game, and elsewhere leaves it off and says why in the
// status line; the legend names v only where it works.
func TestToggleVectorsKey(t *testing.T) {
	f := &fakeField{}
	l := liveWith(t, f.field, "-checkpoint", "c.ckpt", "-env", maze.Name)
	if l.VectorsOn() || !strings.Contains(l.Legend(), "v vector field") {
		t.Fatalf("on %v, legend %q", l.VectorsOn(), l.Legend())
	}
	l.ToggleVectors()
	if !l.VectorsOn() || !strings.Contains(l.Status(), "vector field") {
		t.Fatalf("v did not turn the overlay on: status %q", l.Status())
	}
	l.ToggleVectors()
	if l.VectorsOn() || strings.Contains(l.Status(), "vector field") {
		t.Fatalf("second v did not turn it off: status %q", l.Status())
	}

	none := liveWith(t, nil, "-checkpoint", "c.ckpt", "-env", colourshape.Name)
	none.ToggleVectors()
	if none.VectorsOn() || !strings.Contains(none.Status(), "no vector field") || strings.Contains(none.Legend(), "v vector") {
		t.Errorf("non-placeable game: on %v, status %q, legend %q", none.VectorsOn(), none.Status(), none.Legend())
	}

	a, _ := ParseArgs([]string{"-play", maze.Name}, &bytes.Buffer{}, &bytes.Buffer{})
	person, err := NewLive(a, Loaders{})
	if err != nil {
		t.Fatal(err)
	}
	person.ToggleVectors()
	if person.VectorsOn() || !strings.Contains(person.Status(), VectorsNote) {
		t.Errorf("play mode: on %v, status %q", person.VectorsOn(), person.Status())
	}
	person.Reset(1)
	if strings.Contains(person.Status(), VectorsNote) {
		t.Errorf("the note outlived the level: %q", person.Status())
	}
}

// TestReplayVectorKeySaysWhy: in replay mode v changes nothing but the
// status line, until the next command.
func TestReplayVectorKeySaysWhy(t *testing.T) {
	s, _ := openRunDir(t)
	w := NewReplayWindow(s)
	if !w.Apply(CmdVectorField) || !strings.Contains(w.Status(), VectorsNote) {
		t.Fatalf("status %q lacks the note", w.Status())
	}
	w.Apply(CmdTogglePlay)
	if strings.Contains(w.Status(), VectorsNote) {
		t.Errorf("note outlived the next command: %q", w.Status())
	}
}
