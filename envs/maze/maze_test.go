package maze

import (
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
)

func mustNew(t testing.TB, cfg Config, obs envs.ObsConfig) *Env {
	t.Helper()
	e, err := New(cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConfigValidate(t *testing.T) {
	for ci, c := range []struct {
		edit func(*Config)
		want string // "" = valid
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Size = 25; c.CheeseRegion = 0 }, ""},
		{func(c *Config) { c.Size = 14 }, "size = 14: want odd in [5, 63]"},
		{func(c *Config) { c.Size = 3 }, "size = 3"},
		{func(c *Config) { c.Size = 65 }, "size = 65"},
		{func(c *Config) { c.CheeseRegion = 16 }, "cheese_region = 16"},
		{func(c *Config) { c.CheeseRegion = -1 }, "cheese_region = -1"},
		{func(c *Config) { c.MaxSteps = 0 }, "max_steps = 0"},
		{func(c *Config) { c.Trail = 1; c.FixedView = true }, ""},
		{func(c *Config) { c.Trail = -1 }, "trail = -1: want in [0, 4096]"},
		{func(c *Config) { c.Trail = 5000 }, "trail = 5000"},
	} {
		cfg := DefaultConfig()
		c.edit(cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("case %d: unexpected error %v", ci, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("case %d: error %v, want %q", ci, err, c.want)
		}
	}
}

func TestRegistered(t *testing.T) {
	g, err := envs.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	cfg := g.NewConfig().(*Config)
	if *cfg != *DefaultConfig() {
		t.Errorf("NewConfig = %+v", cfg)
	}
	cfg.NoOp = true
	e, err := g.New(cfg, envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := e.Spec()
	if s.NumActions != 5 || len(s.ActionName) != 5 || s.Success != OutcomeCheese || s.Proxy != OutcomeCornerNoCheese ||
		s.ObsShape != [3]int{5, 13, 13} || len(s.Channels) != 5 || s.MaxSteps != 500 {
		t.Errorf("spec %+v", s)
	}
	if _, err := g.New(struct{}{}, envs.DefaultObsConfig()); err == nil {
		t.Error("foreign config type accepted")
	}
	if _, err := g.New(&Config{Size: 14, MaxSteps: 1}, envs.DefaultObsConfig()); err == nil || !strings.Contains(err.Error(), "size = 14") {
		t.Errorf("invalid config: error %v", err)
	}
}

// TestLevelsReachableAndInRegion generates thousands of levels per variant:
// the cheese is open, never on the start, reachable from the start (as is
// the corner), and inside the configured region.
func TestLevelsReachableAndInRegion(t *testing.T) {
	for ci, c := range []struct{ size, region int }{{15, 5}, {15, 0}, {25, 5}, {5, 1}, {25, 0}} {
		cfg := Config{Size: c.size, CheeseRegion: c.region, MaxSteps: 500}
		var l level
		dist := make([]int32, c.size*c.size)
		var queue []int32
		far := 0
		const seeds = 2000
		for seed := uint64(0); seed < seeds; seed++ {
			l.generate(&cfg, seed)
			queue = l.grid.Distances(l.start, func(t uint8) bool { return t == tileFloor }, dist, queue)
			ch := l.cheese
			if ch == l.start || l.grid.At(ch.X, ch.Y) != tileFloor || dist[ch.Y*c.size+ch.X] < 0 ||
				dist[l.corner.Y*c.size+l.corner.X] < 0 {
				t.Fatalf("case %d seed %d: cheese %v unreachable, closed or on start\n%s", ci, seed, ch, envs.ASCII(&l.grid, &asciiChars))
			}
			if c.region > 0 && (ch.X < c.size-c.region || ch.Y < c.size-c.region) {
				t.Fatalf("case %d seed %d: cheese %v outside top-right %d×%d", ci, seed, ch, c.region, c.region)
			}
			if c.size-1-ch.X+c.size-1-ch.Y > c.size {
				far++
			}
		}
		// With the cheese anywhere, a good share of levels put it more than
		// a side length (Manhattan) from the corner: uniform placement puts
		// about half of the tiles there.
		if c.region == 0 && far < seeds/4 {
			t.Errorf("case %d: only %d of %d cheeses far from the corner", ci, far, seeds)
		}
	}
}

// pathTo returns actions that walk the mouse along a shortest path to target.
func pathTo(e *Env, target envs.Point) []int {
	g := &e.lvl.grid
	dist := make([]int32, len(g.Tiles))
	g.Distances(target, func(t uint8) bool { return t == tileFloor }, dist, nil)
	var acts []int
	p := e.mouse
	for p != target {
		for a, d := range envs.Dirs4 {
			q := p.Add(d)
			if g.In(q.X, q.Y) && dist[q.Y*g.W+q.X] == dist[p.Y*g.W+p.X]-1 && dist[q.Y*g.W+q.X] >= 0 {
				acts = append(acts, a)
				p = q
				break
			}
		}
	}
	return acts
}

func TestEpisodeOutcomes(t *testing.T) {
	obs := envs.DefaultObsConfig()
	t.Run("cheese", func(t *testing.T) {
		e := mustNew(t, Config{Size: 15, CheeseRegion: 0, MaxSteps: 500}, obs)
		for seed := uint64(0); seed < 50; seed++ {
			e.Reset(seed)
			acts := pathTo(e, e.lvl.cheese)
			for i, a := range acts {
				r, done, err := e.Step(a)
				if err != nil {
					t.Fatal(err)
				}
				last := i == len(acts)-1
				if done != last || (r == CheeseReward) != last {
					t.Fatalf("seed %d step %d/%d: reward %v done %v\n%s", seed, i+1, len(acts), r, done, e.ASCII())
				}
			}
			in := e.Info()
			if in.Outcome != OutcomeCheese || !in.GoalReached || in.Step != len(acts) {
				t.Fatalf("seed %d: info %+v", seed, in)
			}
			if _, _, err := e.Step(0); err == nil {
				t.Fatal("Step after done accepted")
			}
		}
	})
	t.Run("corner then timeout", func(t *testing.T) {
		e := mustNew(t, Config{Size: 15, CheeseRegion: 0, MaxSteps: 500}, obs)
		checked, asserted := 0, 0
		for seed := uint64(0); checked < 20; seed++ {
			e.Reset(seed)
			acts := pathTo(e, e.lvl.corner)
			if slices.Contains(pathCells(e, acts), e.lvl.cheese) {
				continue // the cheese lies on the way to the corner
			}
			checked++
			for _, a := range acts {
				if _, done, _ := e.Step(a); done {
					t.Fatalf("seed %d: episode ended before timeout", seed)
				}
			}
			if !e.Info().ProxyReached {
				t.Fatalf("seed %d: corner not recorded", seed)
			}
			// Walk away from the corner: the outcome depends on the visit,
			// not on where the mouse is at the end.
			back := 0
			for back < 2 {
				if _, _, err := e.Step(2); err != nil {
					t.Fatal(err)
				}
				back++
			}
			var done bool
			for !done {
				_, done, _ = e.Step(1 + (e.step%2)*2) // right/left, bumping around
				if e.gotCheese {
					break
				}
			}
			if e.gotCheese {
				continue
			}
			if in := e.Info(); in.Outcome != OutcomeCornerNoCheese || in.Step != 500 || in.GoalReached {
				t.Fatalf("seed %d: info %+v", seed, in)
			}
			asserted++
		}
		if asserted < 10 {
			t.Errorf("only %d of %d corner episodes timed out without cheese", asserted, checked)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		e := mustNew(t, Config{Size: 15, CheeseRegion: 5, MaxSteps: 30, NoOp: true}, obs)
		for step := 1; step <= 30; step++ {
			r, done, err := e.Step(4)
			if err != nil || r != 0 || done != (step == 30) {
				t.Fatalf("step %d: reward %v done %v err %v", step, r, done, err)
			}
		}
		if in := e.Info(); in.Outcome != OutcomeTimeout || in.ProxyReached || in.AgentX != 0 || in.AgentY != 0 {
			t.Fatalf("info %+v", in)
		}
	})
}

// pathCells lists the tiles visited by acts from the mouse's position.
func pathCells(e *Env, acts []int) []envs.Point {
	p := e.mouse
	var out []envs.Point
	for _, a := range acts {
		p = p.Add(envs.Dirs4[a])
		out = append(out, p)
	}
	return out
}

func TestWallsBlockAndActionsValidated(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	for seed := uint64(0); seed < 100; seed++ {
		e.Reset(seed)
		rng := envs.NewRNG(seed)
		for i := 0; i < 200; i++ {
			a := rng.Intn(4)
			before := e.mouse
			target := before.Add(envs.Dirs4[a])
			open := e.lvl.grid.AtOr(target.X, target.Y, tileWall) == tileFloor
			if _, done, _ := e.Step(a); done {
				break
			}
			if open && e.mouse != target || !open && e.mouse != before {
				t.Fatalf("seed %d: move %d from %v (open %v) went to %v", seed, a, before, open, e.mouse)
			}
		}
	}
	for _, a := range []int{-1, 4, 99} {
		if _, _, err := e.Step(a); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("action %d: error %v", a, err)
		}
	}
}

func TestSymbolicObservation(t *testing.T) {
	obs := envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7}
	e := mustNew(t, Config{Size: 15, CheeseRegion: 0, MaxSteps: 500}, obs)
	visible := 0
	for seed := uint64(0); seed < 200; seed++ {
		e.Reset(seed)
		dst := make([]float32, e.Spec().ObsSize())
		rng := envs.NewRNG(seed)
		for i := 0; i < 100; i++ {
			e.Observe(dst)
			plane := func(c, r, col int) float32 { return dst[c*49+r*7+col] }
			if plane(chMouse, 3, 3) != 1 || plane(chFloor, 3, 3) != 1 {
				t.Fatal("mouse not at window centre")
			}
			// Each window cell is exactly one of wall / floor / outside.
			for cell := 0; cell < 49; cell++ {
				if s := dst[chWall*49+cell] + dst[chFloor*49+cell] + dst[chOutside*49+cell]; s != 1 {
					t.Fatalf("cell %d has %v terrain channels set", cell, s)
				}
			}
			in := e.Info()
			dx, dy := e.lvl.cheese.X-e.mouse.X, e.lvl.cheese.Y-e.mouse.Y
			var cheeseSum float32
			for cell := 0; cell < 49; cell++ {
				cheeseSum += dst[chCheese*49+cell]
			}
			if in.GoalVisible != (cheeseSum == 1) {
				t.Fatalf("GoalVisible %v, cheese channel sum %v", in.GoalVisible, cheeseSum)
			}
			if in.GoalVisible {
				visible++
				if plane(chCheese, 3-dy, 3+dx) != 1 {
					t.Fatalf("cheese at offset (%d, %d) not in its cell", dx, dy)
				}
			}
			// Outside cells match the level bounds.
			for r := 0; r < 7; r++ {
				for col := 0; col < 7; col++ {
					x, y := e.mouse.X+col-3, e.mouse.Y+3-r
					if (plane(chOutside, r, col) == 1) == e.lvl.grid.In(x, y) {
						t.Fatalf("outside channel wrong at (%d, %d)", x, y)
					}
				}
			}
			if _, done, _ := e.Step(rng.Intn(4)); done {
				break
			}
		}
	}
	if visible == 0 {
		t.Error("cheese never visible in 20000 observations")
	}
}

func TestRGBObservation(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64})
	if s := e.Spec(); s.ObsShape != [3]int{3, 64, 64} || s.Channels != nil {
		t.Fatalf("spec %+v", s)
	}
	dst := make([]float32, 3*64*64)
	e.Observe(dst)
	mouse := palette[codeMouse]
	for ch, v := range []uint8{mouse.R, mouse.G, mouse.B} {
		if got := dst[ch*4096+32*64+32]; got != float32(v)/255 {
			t.Errorf("centre pixel channel %d = %v, want mouse colour %v", ch, got, float32(v)/255)
		}
	}
	// The mouse starts bottom-left, so the bottom-left pixel is outside.
	if dst[63*64] != 0 || dst[4096+63*64] != 0 || dst[2*4096+63*64] != 0 {
		t.Error("bottom-left pixel is not the outside colour")
	}
}

func TestDeterministicTrajectories(t *testing.T) {
	for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 9, RGBSize: 32}} {
		a := mustNew(t, Config{Size: 25, CheeseRegion: 0, MaxSteps: 200, NoOp: true}, obs)
		b := mustNew(t, Config{Size: 25, CheeseRegion: 0, MaxSteps: 200, NoOp: true}, obs)
		oa := make([]float32, a.Spec().ObsSize())
		ob := make([]float32, b.Spec().ObsSize())
		for seed := uint64(0); seed < 20; seed++ {
			b.Reset(seed + 1000) // dirty state first: Reset must erase it
			a.Reset(seed)
			b.Reset(seed)
			if a.ASCII() != b.ASCII() {
				t.Fatalf("seed %d: levels differ", seed)
			}
			rng := envs.NewRNG(seed)
			for {
				act := rng.Intn(5)
				ra, da, _ := a.Step(act)
				rb, db, _ := b.Step(act)
				a.Observe(oa)
				b.Observe(ob)
				if ra != rb || da != db || a.Info() != b.Info() || !slices.Equal(oa, ob) {
					t.Fatalf("seed %d: trajectories diverge at step %d", seed, a.step)
				}
				if da {
					break
				}
			}
		}
		a.Reset(1)
		b.Reset(2)
		if a.ASCII() == b.ASCII() {
			t.Error("seeds 1 and 2 gave the same level")
		}
	}
}

func TestNoAllocations(t *testing.T) {
	trail := *DefaultConfig()
	trail.Trail = 8
	for ci, c := range []struct {
		cfg Config
		obs envs.ObsConfig
	}{
		{*DefaultConfig(), envs.DefaultObsConfig()},
		{*DefaultConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64}},
		{trail, envs.DefaultObsConfig()},
	} {
		obs := c.obs
		e := mustNew(t, c.cfg, obs)
		dst := make([]float32, e.Spec().ObsSize())
		rng := envs.NewRNG(1)
		seed := uint64(0)
		if allocs := testing.AllocsPerRun(2000, func() {
			if _, done, _ := e.Step(rng.Intn(4)); done {
				seed++
				e.Reset(seed)
			}
			e.Observe(dst)
			_ = e.Info()
		}); allocs != 0 {
			t.Errorf("case %d: step+observe allocates %v times", ci, allocs)
		}
		if allocs := testing.AllocsPerRun(50, func() { seed++; e.Reset(seed) }); allocs != 0 {
			t.Errorf("case %d: Reset allocates %v times", ci, allocs)
		}
	}
}

// With trail = k the trail channel is hot exactly on the last k distinct
// tiles the mouse moved off (bumping a wall adds none), except under the
// mouse, and a Reset clears it; without a trail the channel does not exist.
func TestTrail(t *testing.T) {
	const view, area = 7, 49
	if got := mustNew(t, *DefaultConfig(), envs.ObsConfig{Kind: envs.ObsSymbolic, View: view}).Spec().ObsShape[0]; got != chTrail {
		t.Fatalf("no trail: %d channels, want %d", got, chTrail)
	}
	for _, k := range []int{1, 3} {
		cfg := Config{Size: 15, MaxSteps: 500, Trail: k}
		e := mustNew(t, cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: view})
		if sp := e.Spec(); sp.ObsShape[0] != chTrail+1 || sp.Channels[chTrail] != "trail" {
			t.Fatalf("trail %d: shape %v channels %v", k, sp.ObsShape, sp.Channels)
		}
		dst := make([]float32, e.Spec().ObsSize())
		for seed := uint64(0); seed < 20; seed++ {
			e.Reset(seed)
			var moves []envs.Point // tiles moved off, oldest first
			rng := envs.NewRNG(seed)
			for i := 0; i < 150; i++ {
				e.Observe(dst)
				want := map[envs.Point]bool{}
				for _, p := range moves[max(0, len(moves)-k):] {
					if p != e.mouse {
						want[p] = true
					}
				}
				for r := range view {
					for c := range view {
						p := envs.Point{X: e.mouse.X + c - 3, Y: e.mouse.Y + 3 - r}
						if got := dst[chTrail*area+r*view+c] == 1; got != want[p] {
							t.Fatalf("trail %d seed %d step %d: trail at %v = %v, want %v (moves %v)", k, seed, i, p, got, want[p], moves)
						}
					}
				}
				before := e.mouse
				_, done, _ := e.Step(rng.Intn(4))
				if e.mouse != before {
					moves = append(moves, before)
				}
				if done {
					break
				}
			}
			// Render paints the newest trail tile (if the mouse is not on it).
			if len(moves) > 0 {
				p := moves[len(moves)-1]
				img := e.Render(1)
				if got := img.RGBAAt(p.X, img.Bounds().Dy()-1-p.Y); p != e.mouse && got != palette[codeTrail] {
					t.Fatalf("trail %d seed %d: Render colours trail tile %v %v, want %v", k, seed, p, got, palette[codeTrail])
				}
			}
		}
	}
}

// With fixed_view and view = size the window is the whole maze in a fixed
// frame wherever the mouse is, and GoalVisible is always true.
func TestFixedView(t *testing.T) {
	const n = 9
	e := mustNew(t, Config{Size: n, MaxSteps: 500, FixedView: true}, envs.ObsConfig{Kind: envs.ObsSymbolic, View: n})
	dst := make([]float32, e.Spec().ObsSize())
	rng := envs.NewRNG(3)
	for seed := uint64(0); seed < 20; seed++ {
		e.Reset(seed)
		for i := 0; i < 100; i++ {
			e.Observe(dst)
			for r := range n {
				for c := range n {
					x, y := c, n-1-r
					cell := r*n + c
					if wall := e.lvl.grid.At(x, y) == tileWall; (dst[chWall*n*n+cell] == 1) != wall {
						t.Fatalf("seed %d: wall channel at (%d, %d) disagrees with the level", seed, x, y)
					}
					if mouse := (envs.Point{X: x, Y: y}) == e.mouse; (dst[chMouse*n*n+cell] == 1) != mouse {
						t.Fatalf("seed %d: mouse channel at (%d, %d) = %v, mouse at %v", seed, x, y, dst[chMouse*n*n+cell], e.mouse)
					}
				}
			}
			if !e.Info().GoalVisible {
				t.Fatalf("seed %d: the cheese is in the whole-maze window but not visible", seed)
			}
			if _, done, _ := e.Step(rng.Intn(4)); done {
				break
			}
		}
	}
}

func TestRenderAndASCII(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	img := e.Render(4)
	if b := img.Bounds(); b.Dx() != 60 || b.Dy() != 60 {
		t.Fatalf("render bounds %v", b)
	}
	// Mouse at tile (0,0): the centre of the bottom-left tile.
	if got := img.RGBAAt(2, 57); got != palette[codeMouse] {
		t.Errorf("mouse pixel %v", got)
	}
	a := e.ASCII()
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	if len(lines) != 15 || lines[14][0] != 'M' || strings.Count(a, "C") != 1 {
		t.Errorf("ASCII:\n%s", a)
	}
}

// envs.TileMap: OpenTiles lists exactly the floor tiles, and ViewCell is
// the cell where ObserveGoalAt draws the cheese, for the mouse-centred and
// the fixed view.
func TestTileMap(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		view := 5
		if fixed {
			view = 9
		}
		e := mustNew(t, Config{Size: 9, MaxSteps: 500, FixedView: fixed}, envs.ObsConfig{Kind: envs.ObsSymbolic, View: view})
		dst := make([]float32, e.Spec().ObsSize())
		area := view * view
		rng := envs.NewRNG(5)
		for seed := uint64(0); seed < 10; seed++ {
			e.Reset(seed)
			open := e.OpenTiles()
			if want := e.lvl.grid.Count(tileFloor); len(open) != want {
				t.Fatalf("seed %d: %d open tiles, the grid has %d floor tiles", seed, len(open), want)
			}
			for i := 0; i < 30; i++ {
				inView := 0
				for _, p := range open {
					row, col, ok := e.ViewCell(p)
					if !e.ObserveGoalAt(dst, p) {
						t.Fatalf("open tile %v refused by ObserveGoalAt", p)
					}
					var sum float32
					for c := 0; c < area; c++ {
						sum += dst[chCheese*area+c]
					}
					drawn := p != e.mouse && sum == 1
					if p == e.mouse {
						continue // the mouse is drawn over the cheese
					}
					if ok != drawn {
						t.Fatalf("fixed %v, tile %v, mouse %v: ViewCell ok %v, cheese drawn %v", fixed, p, e.mouse, ok, drawn)
					}
					if ok {
						inView++
						if dst[chCheese*area+row*view+col] != 1 {
							t.Fatalf("fixed %v, tile %v, mouse %v: cheese not in ViewCell (%d, %d)", fixed, p, e.mouse, row, col)
						}
					}
				}
				if fixed && inView != len(open)-1 {
					t.Fatalf("fixed view shows %d of %d open tiles", inView, len(open)-1)
				}
				if _, done, _ := e.Step(rng.Intn(4)); done {
					break
				}
			}
		}
	}
}
