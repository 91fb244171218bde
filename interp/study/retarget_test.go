package study

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// A pixel maps to the site index whose receptive-field centre (2ⁿ·i after
// n stride-2 pools) is nearest, ties to the lower index.
func TestLayerIndex(t *testing.T) {
	for _, c := range []struct {
		obs, side int
		want      []int // for pixels 0, 1, ...
	}{
		{7, 7, []int{0, 1, 2, 3, 4, 5, 6}},
		{7, 4, []int{0, 0, 1, 1, 2, 2, 3}},
		{7, 2, []int{0, 0, 0, 1, 1, 1, 1}},
		{5, 3, []int{0, 0, 1, 1, 2}},
		{5, 2, []int{0, 0, 0, 1, 1}},
	} {
		for p, want := range c.want {
			got, err := layerIndex(float64(p), c.obs, c.side)
			if err != nil || got != want {
				t.Errorf("layerIndex(%d, %d→%d) = %d, %v; want %d", p, c.obs, c.side, got, err, want)
			}
		}
	}
	if _, err := layerIndex(0, 7, 3); err == nil {
		t.Error("a side of 3 from 7 pixels (7→4→2) accepted")
	}
	// RGB: window cells are drawn over 64 pixels; the mouse's cell (3 of
	// 7) is centred on pixel 31.5, nearest to centre 8·4 = 32 of a 16-wide
	// layer.
	if got, _ := layerIndex(cellCentre(3, 7, 64), 64, 16); got != 8 {
		t.Errorf("RGB centre cell → %d, want 8", got)
	}
	g, err := newGeometry(7, []int64{6, 7, 7}, []int64{16, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	if g.position(3, 3) != 3 || g.position(0, 6) != 1 || g.position(6, 0) != 2 || g.position(2, 2) != 0 {
		t.Errorf("positions %d %d %d %d, want 3 1 2 0", g.position(3, 3), g.position(0, 6), g.position(6, 0), g.position(2, 2))
	}
	for r := 0; r < 7; r++ { // symbolic observations: a cell is its pixel
		for c := 0; c < 7; c++ {
			if g.position(r, c) != g.pixelPosition(float64(r), float64(c)) {
				t.Fatalf("cell (%d, %d): position %d, pixel position %d", r, c, g.position(r, c), g.pixelPosition(float64(r), float64(c)))
			}
		}
	}
}

func TestFarTile(t *testing.T) {
	open := []envs.Point{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 2, Y: 0}, {X: 0, Y: 1}, {X: 2, Y: 1}, {X: 0, Y: 2}, {X: 1, Y: 2}, {X: 2, Y: 2}}
	got, ok := farTile(open, envs.Point{X: 0, Y: 0}, envs.Point{X: 2, Y: 2})
	if !ok || got != (envs.Point{X: 2, Y: 0}) { // (2,0) and (0,2) are 2 from both; (2,0) comes first
		t.Errorf("farTile = %v, %v; want (2, 0)", got, ok)
	}
	got, _ = farTile(open, envs.Point{X: 0, Y: 0}, envs.Point{X: 2, Y: 2}, envs.Point{X: 2, Y: 0})
	if got != (envs.Point{X: 0, Y: 2}) {
		t.Errorf("farTile avoiding (2, 0) = %v; want (0, 2)", got)
	}
	if _, ok := farTile(open[:1], envs.Point{}); ok {
		t.Error("farTile found a tile when every open tile is avoided")
	}
}

// The rise is averaged within episodes, then across them, read at each
// sample's goal position only; checked against a hand computation.
func TestPairedRises(t *testing.T) {
	// 2 channels × 2 positions per sample: [c0p0, c0p1, c1p0, c1p1].
	shown := interp.Matrix{Rows: 3, Cols: 4, Data: []float32{
		9, 1, 9, 5, // episode 0, goal at position 1: rises c0 1−0, c1 5−1
		2, 9, 7, 9, // episode 0, goal at position 0: rises c0 2−1, c1 7−2
		9, 3, 9, 1, // episode 1, goal at position 1: rises c0 3−0, c1 1−1
	}}
	hidden := interp.Matrix{Rows: 3, Cols: 4, Data: []float32{
		-9, 0, -9, 1,
		1, -9, 2, -9,
		-9, 0, -9, 1,
	}}
	got := pairedRises(shown, hidden, 2, []int{1, 0, 1}, []int32{0, 0, 1})
	// c0: episode means 1, 3 → 2, SE = sd(1,3)/√2 = √2/√2 = 1; shown (1.5+3)/2.
	// c1: episode means 4.5, 0 → 2.25, SE = sd/√2 = 2.25; shown (6+1)/2.
	want := []schema.ChannelEffect{{Channel: 1, Rise: 2.25, SE: 2.25, Shown: 3.5}, {Channel: 0, Rise: 2, SE: 1, Shown: 2.25}}
	for i, w := range want {
		g := got[i]
		if g.Channel != w.Channel || math.Abs(g.Rise-w.Rise) > 1e-9 || math.Abs(g.SE-w.SE) > 1e-9 || math.Abs(g.Shown-w.Shown) > 1e-9 {
			t.Errorf("rank %d: %+v, want %+v", i, g, w)
		}
	}
}

// fakeSite is a policy whose layer "conv" is its input: channel 1 of a
// 2×3×3 observation holds the goal. It has no parameters and its logits
// are its input.
type fakeSite struct{}

func (fakeSite) Forward(s *torch.Scope, obs *torch.Tensor, hook agents.Hook) (*torch.Tensor, *torch.Tensor) {
	return hook(s, "conv", obs), nil
}
func (fakeSite) Params() []torch.Named       { return nil }
func (fakeSite) Layers() []string            { return []string{"conv"} }
func (fakeSite) ReLULayers() []string        { return nil }
func (fakeSite) Config() agents.PolicyConfig { return agents.PolicyConfig{Arch: "fake"} }
func (fakeSite) IO() agents.PolicyIO {
	return agents.PolicyIO{Game: "fake", ObsShape: [3]int{2, 3, 3}, NumActions: 18}
}
func (fakeSite) Free() {}

// fakeCapture is one variant's capture of n steps with the goal in view,
// episode i/2 on level levels[i/2]; channel 1 of the observation marks the
// goal (on a different cell each step), channel 0 is noise.
func fakeCapture(n int, levels []uint64) *capture {
	c := &capture{truth: interp.NewGroundTruth(nil, "", ""), levels: map[int32]uint64{},
		acts: map[string]interp.Matrix{}, shapes: map[string][]int64{"conv": {2, 3, 3}}, shape: []int64{2, 3, 3}}
	c.obs, c.hidden = interp.NewMatrix(n, 18), &interp.Matrix{Rows: n, Cols: 18, Data: make([]float32, n*18)}
	for i := 0; i < n; i++ {
		ep := int32(i / 2)
		c.levels[ep] = levels[ep]
		c.truth.Add(interp.Step{Episode: ep, T: int32(i % 2), GoalVisible: true}, "")
		for p := 0; p < 9; p++ {
			noise := float32((i*7+p*3)%5) / 5
			c.obs.Row(i)[p], c.hidden.Row(i)[p] = noise, noise
		}
		c.obs.Row(i)[9+(i*4)%9] = 1
	}
	c.acts["conv"] = c.obs
	return c
}

// The goal channel is found from the paired observations, and a capture
// that ran on a level outside the selection levels is refused.
func TestGoalChannelsSelectionOnly(t *testing.T) {
	g, err := newGeometry(3, []int64{2, 3, 3}, []int64{2, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	sel := envs.EvalSeeds(0, 10)
	c := fakeCapture(8, []uint64{sel.Start, sel.Start + 1, sel.Start + 2, sel.Start + 3})
	effects, pairs, eps, err := goalChannels(fakeSite{}, []*capture{c}, "conv", g, sel)
	if err != nil {
		t.Fatal(err)
	}
	if pairs != 8 || eps != 4 || effects[0].Channel != 1 || effects[0].Rise != 1 || effects[0].SE != 0 || effects[1].Rise != 0 {
		t.Errorf("pairs %d, episodes %d, effects %+v; want channel 1 rising by 1 over 8 pairs of 4 episodes", pairs, eps, effects)
	}
	test := envs.EvalSeeds(10, 10)
	c = fakeCapture(8, []uint64{sel.Start, sel.Start + 1, test.Start, sel.Start + 3})
	if _, _, _, err := goalChannels(fakeSite{}, []*capture{c}, "conv", g, sel); err == nil || !strings.Contains(err.Error(), "outside the selection levels") {
		t.Errorf("a capture on test level %d accepted: %v", test.Start, err)
	}
}

// The hook adds the value at the named channel and each row's position,
// and nowhere else; rows out of view are left alone.
func TestTargetHookEditsOnlyTarget(t *testing.T) {
	s := torch.NewNoGradScope()
	defer s.Close()
	in := make([]float32, 2*3*2*2)
	for i := range in {
		in[i] = float32(i%7) - 3
	}
	act := s.FromFloat32(in, 2, 3, 2, 2)
	pos := []int{3, -1}
	out := targetHook("conv", 1, 5, func() []int { return pos })(s, "conv", act)
	got := make([]float32, len(in))
	if err := out.CopyToFloat32(got); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		want := in[i]
		if i == (0*3+1)*4+3 {
			want += 5
		}
		if got[i] != want {
			t.Errorf("value %d: %v, want %v", i, got[i], want)
		}
	}
	if other := targetHook("conv", 1, 5, func() []int { return pos })(s, "fc", act); other != act {
		t.Error("the hook edited another layer")
	}
	pos = []int{3}
	targetHook("conv", 1, 5, func() []int { return pos })(s, "conv", act)
	if s.Err() == nil {
		t.Error("a pass with 2 rows and 1 position accepted")
	}
}

// The maze wrapper picks the layout's far tile, queues its site position
// with every observation (−1 out of view), draws the cheese there for the
// observation-level retarget, and records an episode standing on it.
func TestRetargetEnvFollowsTarget(t *testing.T) {
	cfg := *smallMaze(0)
	cfg.MaxSteps = 500
	e, err := maze.New(cfg, smallObs)
	if err != nil {
		t.Fatal(err)
	}
	sp := e.Spec()
	g, err := newGeometry(smallObs.View, []int64{int64(sp.ObsShape[0]), 5, 5}, []int64{8, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	cheese := slices.Index(sp.Channels, "cheese")
	seeds := envs.EvalSeeds(0, 8)
	log := newRetargetLog(g, true, int(seeds.Count))
	w, err := wrapRetarget(e, log)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, sp.ObsSize())
	inView, rng := 0, envs.NewRNG(1)
	for i := 0; i < int(seeds.Count); i++ {
		seed := seeds.Start + uint64(i)
		w.Reset(seed)
		in := e.Info()
		want, _ := farTile(e.OpenTiles(), envs.Point{X: int(in.GoalX), Y: int(in.GoalY)}, envs.Point{X: 6, Y: 6}, envs.Point{})
		if log.targets[seed] != want {
			t.Fatalf("level %d: target %v, want %v", seed, log.targets[seed], want)
		}
		for step := 0; step < 300; step++ {
			w.Observe(dst)
			row, col, ok := e.ViewCell(want)
			got := log.queued[len(log.queued)-1]
			if !ok && got != -1 || ok && got != g.position(row, col) {
				t.Fatalf("level %d step %d: queued position %d, target cell (%d, %d) in view %v", seed, step, got, row, col, ok)
			}
			if mouse := e.Info(); ok && (int(mouse.AgentX) != want.X || int(mouse.AgentY) != want.Y) {
				inView++
				if dst[cheese*25+row*5+col] != 1 {
					t.Fatalf("level %d: the cheese is not drawn at the target", seed)
				}
			}
			if _, done, _ := w.Step(rng.Intn(4)); done {
				break
			}
		}
		log.beforeForward(nil)
		if len(log.pass) == 0 || len(log.queued) != 0 {
			t.Fatalf("pass %d, queued %d positions", len(log.pass), len(log.queued))
		}
		log.onStep(i, seed, e.Info())
		if err := e.Place(want, envs.Point{X: int(in.GoalX), Y: int(in.GoalY)}); err != nil {
			t.Fatal(err)
		}
		if log.onStep(i, seed+1, e.Info()); log.reached[i] {
			t.Fatal("standing on another level's target counted")
		}
		if log.onStep(i, seed, e.Info()); !log.reached[i] {
			t.Fatalf("level %d: standing on the target not counted", seed)
		}
	}
	if inView == 0 {
		t.Error("the target was never in view")
	}
}

// Games without envs.TileMap skip the test with a note.
func TestRetargetSkipsCoinrun(t *testing.T) {
	g, err := envs.Lookup("coinrun")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Obs: envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7, RGBSize: 64}}
	r := &runner{o: &o, game: g}
	if err := r.retarget(&tester{variant: Variant{Name: "ood", OOD: true}}); err != nil {
		t.Fatal(err)
	}
	if len(r.sum.Retarget) != 0 || len(r.sum.Notes) != 1 || !strings.Contains(r.sum.Notes[0], "retargeting skipped") {
		t.Errorf("retarget %+v, notes %q", r.sum.Retarget, r.sum.Notes)
	}
}

// An end-to-end run on a barely trained IMPALA maze policy writes the
// retargeting test of its conv layer: channels chosen on the selection
// levels, paired tests on the test levels, Holm-adjusted with the
// interventions, a table and a chart.
func TestRunRetarget(t *testing.T) {
	out := filepath.Join(t.TempDir(), "interp")
	o := tinyOptions(trainTiny(t, "impala"), out)
	o.Layers, o.RetargetScales = []string{"stage1"}, []float64{1, 10}
	o.SAE.Sizes, o.SAE.L0, o.SAE.EndToEnd = []int{16}, []int{2}, false
	sum, figs, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Retarget) != 1 {
		t.Fatalf("retarget %+v, notes %q", sum.Retarget, sum.Notes)
	}
	rt := sum.Retarget[0]
	if rt.Site != "stage1/pos" || rt.Grid != [2]int{2, 2} || rt.Pairs == 0 || rt.Episodes < 2 || len(rt.Channels) != 3 {
		t.Fatalf("retarget %+v", rt)
	}
	if rt.Channels[0].Rise < rt.Channels[1].Rise || rt.Channels[0].Rise <= 0 || rt.Control == rt.Channels[0].Channel {
		t.Errorf("channels %+v, control %d", rt.Channels, rt.Control)
	}
	if len(rt.Tests) != 5 || rt.Tests[4].Kind != "observation" || rt.InView <= 0 || rt.InView > 1 {
		t.Fatalf("tests %+v, in view %v", rt.Tests, rt.InView)
	}
	for _, tc := range rt.Tests {
		if tc.Reached.N != 12 || tc.Reached.Base != rt.Tests[0].Reached.Base || tc.PHolm < tc.Reached.P ||
			tc.Reached.Lo > tc.Reached.Delta || tc.Reached.Hi < tc.Reached.Delta {
			t.Errorf("test %+v", tc)
		}
		if tc.Kind != "observation" && math.Abs(tc.Value-tc.Scale*rt.Channels[0].Rise) > 1e-9 {
			t.Errorf("test %+v adds %v, want scale × rise %v", tc, tc.Value, tc.Scale*rt.Channels[0].Rise)
		}
	}
	text, err := os.ReadFile(filepath.Join(out, "retarget.md"))
	if err != nil || !strings.Contains(string(text), "Δ reached [95% CI]") || !strings.Contains(string(text), "stage1/pos") {
		t.Errorf("retarget.md: %v\n%s", err, text)
	}
	t.Log(string(text))
	if c, ok := figure(figs, "retarget_stage1_pos.png"); !ok || len(c.Series) == 0 {
		t.Errorf("no retargeting chart among %d figures", len(figs))
	}
	if _, err := schema.ReadInterpSummary(filepath.Join(out, schema.InterpSummaryJSON)); err != nil {
		t.Errorf("summary does not read back strictly: %v", err)
	}
}
