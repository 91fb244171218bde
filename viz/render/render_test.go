package render

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/replay"
)

// episode plays a real episode with a fixed action, made-up uniform
// probabilities and a value that counts steps.
func episode(t *testing.T, game, variant string, cfg any, level uint64, action int) *replay.Episode {
	t.Helper()
	meta, err := replay.NewMeta(game, variant, cfg, envs.DefaultObsConfig(), level, 0)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := replay.Run(meta, func(step int, env envs.Env) (int, []float32, float32) {
		n := env.Spec().NumActions
		probs := make([]float32, n)
		for k := range probs {
			probs[k] = 0.5 / float32(n-1)
		}
		probs[action] = 0.5
		return action, probs, float32(step)
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &ep
}

const holdRightJump = 8 // coinrun "right+jump"

var gold = color.RGBA{R: 255, G: 215, B: 0, A: 255} // coinrun's coin

// levelPixel is the frame pixel showing level point (x, y) in tiles.
func levelPixel(l Layout, rows int, x, y float32) image.Point {
	return image.Pt(l.View.Min.X+int(x*float32(l.Scale))-l.CameraX, l.View.Min.Y+int((float32(rows)-y)*float32(l.Scale)))
}

func TestCoinColourAtCoinPosition(t *testing.T) {
	ood := coinrun.DefaultConfig()
	ood.Coin = coinrun.CoinRandom
	hard := coinrun.DefaultConfig()
	hard.Difficulty = coinrun.DifficultyHard
	cases := []struct {
		name  string
		cfg   coinrun.Config
		level uint64 // levels on which holding right+jump gets far
	}{{"easy end coin", coinrun.DefaultConfig(), 11}, {"random coin", ood, 0}, {"hard level, scrolling camera", hard, 0}}
	for ci, c := range cases {
		ep := episode(t, coinrun.Name, "v", c.cfg, c.level, holdRightJump)
		p, err := NewPlayer(ep, Options{Scale: 5}) // small: the test renders every frame
		if err != nil {
			t.Fatal(err)
		}
		rows := c.cfg.Height
		checked := 0
		camMoves := map[int]bool{}
		for i := 0; i < p.Frames(); i++ {
			img, l, err := p.Frame(i)
			if err != nil {
				t.Fatal(err)
			}
			info := replay.Step{}.Info
			if i > 0 {
				info = ep.Steps[i-1].Info
			} else {
				cur, _ := replay.NewCursor(ep)
				info = cur.Env().Info()
			}
			camMoves[l.CameraX] = true
			// The camera keeps the agent in view.
			if a := levelPixel(l, rows, info.AgentX, info.AgentY); !a.In(l.View) {
				t.Fatalf("case %d frame %d: agent pixel %v outside view %v", ci, i, a, l.View)
			}
			if info.GoalReached {
				continue
			}
			coin := levelPixel(l, rows, info.GoalX, info.GoalY)
			if !coin.In(l.View) {
				continue
			}
			got := img.RGBAAt(coin.X, coin.Y)
			if got != gold {
				t.Fatalf("case %d (%s) frame %d: pixel %v at the coin (%.1f, %.1f) is %v, want coin gold %v", ci, c.name, i, coin, info.GoalX, info.GoalY, got, gold)
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("case %d (%s): the coin was never in view", ci, c.name)
		}
		if c.cfg.Difficulty == coinrun.DifficultyHard {
			_, l, _ := p.Frame(0)
			if l.View.Dx() != DefaultCameraTiles*l.Scale {
				t.Errorf("hard level view is %d px wide, want the %d-tile camera", l.View.Dx(), DefaultCameraTiles)
			}
			if len(camMoves) < 10 {
				t.Errorf("hard level: camera took %d positions, want it to follow the agent", len(camMoves))
			}
		} else if len(camMoves) != 1 {
			t.Errorf("case %d: camera moved on a level that fits the view", ci)
		}
	}
}

func TestBarLengthsProportionalToProbabilities(t *testing.T) {
	ep := episode(t, coinrun.Name, "v", coinrun.DefaultConfig(), 2, holdRightJump)
	cur, err := replay.NewCursor(ep)
	if err != nil {
		t.Fatal(err)
	}
	env := cur.Env()
	probs := []float32{0.02, 0.1, 0, 0.3, 0.05, 0.15, 0.08, 0.2, 0.1, 0, 0, 0, 0, 0, 0}
	hud := EpisodeHUD(ep, env.Spec(), 0)
	hud.Probs, hud.Action = probs, 7
	img, l := Draw(env, env.Info(), hud, Options{})
	if len(l.Bars) != len(probs) {
		t.Fatalf("%d bars for %d actions", len(l.Bars), len(probs))
	}
	// The six keys CoinRun ignores share the row of none (action 4): its
	// bar is the sum of the seven probabilities.
	for a := 9; a < len(probs); a++ {
		if l.Bars[a] != l.Bars[4] {
			t.Errorf("alias %d has its own slot %v", a, l.Bars[a])
		}
	}
	want := map[image.Rectangle]float32{}
	for a, slot := range l.Bars {
		want[slot] += probs[a]
	}
	if len(want) != 9 {
		t.Fatalf("%d rows, want CoinRun's 9 distinct behaviours", len(want))
	}
	for a, slot := range l.Bars[:9] {
		if !slot.In(l.Panel) {
			t.Fatalf("bar %d slot %v outside panel %v", a, slot, l.Panel)
		}
		y := (slot.Min.Y + slot.Max.Y) / 2
		n := 0
		for x := slot.Min.X; x < slot.Max.X; x++ {
			if c := img.RGBAAt(x, y); c == colBar || c == colBarChosen {
				n++
			}
		}
		w := float64(want[slot]) * float64(slot.Dx())
		if math.Abs(float64(n)-w) > 1 {
			t.Errorf("action %d p=%.2f: bar %d px of %d, want %.1f", a, want[slot], n, slot.Dx(), w)
		}
		chosen := img.RGBAAt(slot.Min.X, y) == colBarChosen
		if chosen != (a == 7) {
			t.Errorf("action %d: chosen colour %v, want %v", a, chosen, a == 7)
		}
	}
}

func TestActionRows(t *testing.T) {
	g, err := envs.Lookup(coinrun.Name)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := g.Spec(g.NewConfig(), envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	coin := spec.ActionName
	cases := []struct {
		names  []string
		rows   []ActionRow
		legend []string
	}{
		{envs.MoveActionNames, []ActionRow{{"up", []int{0}}, {"right", []int{1}}, {"down", []int{2}}, {"left", []int{3}}, {"noop", []int{4}}}, nil},
		{coin, []ActionRow{{"left+down", []int{0}}, {"left", []int{1}}, {"left+jump", []int{2}}, {"down", []int{3}},
			{"none", []int{4, 9, 10, 11, 12, 13, 14}}, {"jump", []int{5}}, {"right+down", []int{6}}, {"right", []int{7}}, {"right+jump", []int{8}}},
			[]string{"none*: sum of none and D,A,W,S,Q,E"}},
		// Not aliases: no such base action, an empty base, no closing
		// parenthesis, a base named only later.
		{[]string{"a", "b(x)", "(a)", "a(x", "c(y)", "c"}, []ActionRow{{"a", []int{0}}, {"b(x)", []int{1}}, {"(a)", []int{2}}, {"a(x", []int{3}}, {"c(y)", []int{4}}, {"c", []int{5}}}, nil},
		{[]string{"go", "go(1)", "stop", "go(2)", "stop(k)"}, []ActionRow{{"go", []int{0, 1, 3}}, {"stop", []int{2, 4}}},
			[]string{"go*: sum of go and 1,2", "stop*: sum of stop and k"}},
		{nil, nil, nil},
	}
	for i, c := range cases {
		rows := ActionRows(c.names)
		if !reflect.DeepEqual(rows, c.rows) {
			t.Errorf("case %d: rows %v, want %v", i, rows, c.rows)
		}
		if got := RowsLegend(rows, c.names); !reflect.DeepEqual(got, c.legend) {
			t.Errorf("case %d: legend %q, want %q", i, got, c.legend)
		}
		for _, l := range c.legend {
			if len(l) > (panelW-2*padding)/charW {
				t.Errorf("case %d: legend line %q is cut in the panel", i, l)
			}
		}
		if got, want := actionLines(c.names), len(c.rows)+len(c.legend); got != want {
			t.Errorf("case %d: %d action lines, want %d", i, got, want)
		}
	}
	if got := (ActionRow{"none", []int{4, 9}}).Label(); got != "none*" {
		t.Errorf("aliased label %q", got)
	}
}

func TestHeadingNamesTheOrangeBar(t *testing.T) {
	cases := []struct {
		hud  HUD
		want string
	}{
		{HUD{Probs: []float32{1}, Action: 0}, "P(action), orange: sampled action"},
		{HUD{Probs: []float32{1}, Action: 0, Greedy: true}, "P(action), orange: most likely"},
		{HUD{Action: 2}, "action taken (no policy)"},
		{HUD{Action: -1}, ""},
	}
	for i, c := range cases {
		if got := c.hud.heading(); got != c.want {
			t.Errorf("case %d: heading %q, want %q", i, got, c.want)
		}
		if n := len(c.want); n > (panelW-2*padding)/charW {
			t.Errorf("case %d: heading of %d chars is cut in the panel", i, n)
		}
	}
}

func TestSideBySide(t *testing.T) {
	id := episode(t, coinrun.Name, schema.IDVariant, coinrun.DefaultConfig(), 4, holdRightJump)
	m := maze.DefaultConfig()
	other := episode(t, maze.Name, "anywhere", m, 4, 1)
	a, err := Frame(id, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Frame(other, 2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := SideBySide(a, b)
	if s.Rect.Dx() != a.Rect.Dx()+b.Rect.Dx() || s.Rect.Dy() != max(a.Rect.Dy(), b.Rect.Dy()) {
		t.Fatalf("side by side %v of %v and %v", s.Rect, a.Rect, b.Rect)
	}
	for _, pt := range []image.Point{{0, 0}, {a.Rect.Dx() / 2, a.Rect.Dy() / 3}, {a.Rect.Dx() - 1, a.Rect.Dy() - 1}} {
		if s.RGBAAt(pt.X, pt.Y) != a.RGBAAt(pt.X, pt.Y) {
			t.Errorf("left pixel %v differs", pt)
		}
		q := image.Pt(pt.X*b.Rect.Dx()/a.Rect.Dx(), pt.Y*b.Rect.Dy()/a.Rect.Dy())
		if s.RGBAAt(a.Rect.Dx()+q.X, q.Y) != b.RGBAAt(q.X, q.Y) {
			t.Errorf("right pixel %v differs", q)
		}
	}
}

func TestFeatureStripAndTimeline(t *testing.T) {
	ep := episode(t, coinrun.Name, "v", coinrun.DefaultConfig(), 5, holdRightJump)
	plain, err := NewPlayer(ep, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, lp, _ := plain.Frame(1)
	if !lp.Features.Empty() {
		t.Fatalf("feature strip %v without features", lp.Features)
	}
	withFeat := *ep
	withFeat.Steps = append([]replay.Step(nil), ep.Steps...)
	withFeat.Steps[1].Features = []replay.Feature{{ID: 12, Value: 3}, {ID: 7, Value: -1.5}}
	withFeat.FeatureSource = "sae"
	p, err := NewPlayer(&withFeat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, l, _ := p.Frame(1)
	if l.Features.Empty() || l.Size.Y != lp.Size.Y+l.Features.Dy() {
		t.Fatalf("feature strip %v, size %v vs %v without", l.Features, l.Size, lp.Size)
	}
	count := func(c color.RGBA) int {
		n := 0
		for y := l.Features.Min.Y; y < l.Features.Max.Y; y++ {
			for x := l.Features.Min.X; x < l.Features.Max.X; x++ {
				if img.RGBAAt(x, y) == c {
					n++
				}
			}
		}
		return n
	}
	pos, neg := count(colFeatPos), count(colFeatNeg)
	// The strongest feature's bar is full width, the other half as long.
	if pos == 0 || neg == 0 || math.Abs(float64(neg)/float64(pos)-0.5) > 0.05 {
		t.Errorf("feature bars: %d positive px, %d negative px, want a 2:1 ratio", pos, neg)
	}
	// Every frame of the episode keeps the strip, so sizes stay equal.
	_, l0, _ := p.Frame(0)
	if l0.Size != l.Size {
		t.Errorf("frame sizes differ: %v vs %v", l0.Size, l.Size)
	}
	// Seeking on the timeline inverts the cursor position.
	steps := len(ep.Steps)
	for i := 0; i <= steps; i++ {
		_, li, _ := plain.Frame(i)
		x := TimelineX(li.Timeline.Inset(2), i, steps)
		got, ok := li.SeekFrame(image.Pt(x, li.Timeline.Min.Y+3), steps)
		if !ok || got != i {
			t.Fatalf("frame %d: cursor at x=%d seeks to %d (ok %v)", i, x, got, ok)
		}
	}
	if _, ok := lp.SeekFrame(image.Pt(1, 1), steps); ok {
		t.Errorf("a click on the level view seeks")
	}
}

func TestFrameErrors(t *testing.T) {
	ep := episode(t, coinrun.Name, "v", coinrun.DefaultConfig(), 5, holdRightJump)
	for i, f := range []int{-1, len(ep.Steps) + 1} {
		if _, err := Frame(ep, f, Options{}); err == nil {
			t.Errorf("case %d: frame %d accepted", i, f)
		}
	}
	bad := *ep
	bad.Game = "pong"
	if _, err := Frame(&bad, 0, Options{}); err == nil {
		t.Errorf("unknown game accepted")
	}
}

func TestWriteGIF(t *testing.T) {
	ep := episode(t, coinrun.Name, "v", coinrun.DefaultConfig(), 6, holdRightJump)
	steps := len(ep.Steps)
	want, err := Frame(ep, 0, Options{Scale: 4})
	if err != nil {
		t.Fatal(err)
	}
	cases := []GIFOptions{
		{Options: Options{Scale: 4}, Every: 1},
		{Options: Options{Scale: 4}, Every: 3},
		{Options: Options{Scale: 4}, MaxFrames: 5},
	}
	for ci, o := range cases {
		var buf bytes.Buffer
		if err := WriteGIF(&buf, ep, o); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil {
			t.Fatalf("case %d: decoding: %v", ci, err)
		}
		var wantN int
		switch {
		case o.Every == 1:
			wantN = steps + 1
		case o.Every > 1:
			wantN = (steps+o.Every-1)/o.Every + 1
		default:
			wantN = min(o.MaxFrames, steps+1)
		}
		if len(g.Image) != wantN || len(GIFFrames(steps, o)) != wantN {
			t.Fatalf("case %d: %d frames, want %d for %d steps", ci, len(g.Image), wantN, steps)
		}
		for k, im := range g.Image {
			if im.Rect != want.Rect {
				t.Fatalf("case %d frame %d: %v, want %v", ci, k, im.Rect, want.Rect)
			}
		}
		if g.Delay[0] != 5 || g.Delay[len(g.Delay)-1] != 100 {
			t.Errorf("case %d: delays %d..%d", ci, g.Delay[0], g.Delay[len(g.Delay)-1])
		}
		// The exact palette reproduces the first frame pixel for pixel.
		for y := 0; y < want.Rect.Dy(); y += 7 {
			for x := 0; x < want.Rect.Dx(); x += 5 {
				r, gg, b, _ := g.Image[0].At(x, y).RGBA()
				w := want.RGBAAt(x, y)
				if uint8(r>>8) != w.R || uint8(gg>>8) != w.G || uint8(b>>8) != w.B {
					t.Fatalf("case %d: GIF pixel (%d,%d) = %d,%d,%d, frame has %v", ci, x, y, r>>8, gg>>8, b>>8, w)
				}
			}
		}
	}
}

func TestCaption(t *testing.T) {
	frame := image.NewRGBA(image.Rect(0, 0, 400, 50))
	fill(frame, frame.Rect, color.RGBA{R: 200, A: 255})
	inked := func(img *image.RGBA, r image.Rectangle) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if img.RGBAAt(x, y) == colDim {
					n++
				}
			}
		}
		return n
	}
	for i, c := range []struct {
		line  string
		width int
	}{
		{"space play/pause", 400},                       // shorter than the frame
		{strings.Repeat("n/p episode ", 6), 2*6 + 72*7}, // wider: the strip widens the image
	} {
		got := Caption(frame, c.line)
		if got.Rect != image.Rect(0, 0, c.width, 50+CaptionHeight) {
			t.Fatalf("case %d: caption image %v, want %dx%d", i, got.Rect, c.width, 50+CaptionHeight)
		}
		if got.RGBAAt(399, 49) != frame.RGBAAt(399, 49) || got.RGBAAt(0, 0) != frame.RGBAAt(0, 0) {
			t.Errorf("case %d: the frame is not kept at the top left", i)
		}
		strip := image.Rect(0, 50, got.Rect.Dx(), got.Rect.Dy())
		// Every visible glyph inks some pixels; the text spans the strip.
		letters := len(strings.ReplaceAll(c.line, " ", ""))
		if n := inked(got, strip); n < 8*letters {
			t.Errorf("case %d: %d text pixels for %d letters", i, n, letters)
		}
		last := image.Rect(padding+(len(strings.TrimRight(c.line, " "))-1)*charW, 50, got.Rect.Dx(), got.Rect.Dy())
		if inked(got, last) == 0 {
			t.Errorf("case %d: the line's last letter is not drawn (cut?)", i)
		}
	}
	if a, b := Caption(frame, "f filter"), Caption(frame, "s side-by-side"); string(a.Pix) == string(b.Pix) {
		t.Error("different lines draw the same pixels")
	}
}
