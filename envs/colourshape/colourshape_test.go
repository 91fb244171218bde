package colourshape

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

func splitConfig() Config {
	c := *DefaultConfig()
	c.Objects = ObjectsSplit
	return c
}

func TestConfigValidate(t *testing.T) {
	for ci, c := range []struct {
		edit func(*Config)
		want string // "" = valid
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Objects = ObjectsSplit; c.Colour = "blue"; c.Shape = "disc" }, ""},
		{func(c *Config) { c.Size = 8 }, "size = 8: want odd in [5, 63]"},
		{func(c *Config) { c.Size = 3 }, "size = 3"},
		{func(c *Config) { c.MaxSteps = 0 }, "max_steps = 0"},
		{func(c *Config) { c.Colour = "green" }, `colour = "green": want one of ["yellow" "red" "blue"]`},
		{func(c *Config) { c.Shape = "star" }, `shape = "star"`},
		{func(c *Config) { c.Objects = "both" }, `objects = "both": want "goal" (training) or "split" (OOD)`},
		{func(c *Config) { c.Distractors = -1 }, "distractors = -1: want in [0, 4]"},
		{func(c *Config) { c.Distractors = 5 }, "distractors = 5"},
		{func(c *Config) { c.Size = 5; c.Objects = ObjectsSplit; c.Distractors = 2 }, "need a size-5 level"},
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
	if *cfg != *DefaultConfig() || cfg.Objects != ObjectsGoal {
		t.Errorf("NewConfig = %+v, want the training variant", cfg)
	}
	v, err := g.Variant("ood")
	if err != nil {
		t.Fatal(err)
	}
	v.Apply(cfg)
	if cfg.Objects != ObjectsSplit {
		t.Errorf("ood variant: objects = %q", cfg.Objects)
	}
	e, err := g.New(cfg, envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := e.Spec()
	want := []string{"wall", "floor", "outside", "agent", "colour_yellow", "colour_red", "colour_blue", "shape_line", "shape_gem", "shape_disc"}
	if s.NumActions != 4 || s.Success != OutcomeShapeMatch || s.Proxy != OutcomeColourMatch ||
		s.ObsShape != [3]int{10, 13, 13} || !slices.Equal(s.Channels, want) || len(s.Outcomes) != 4 || s.MaxSteps != 100 {
		t.Errorf("spec %+v", s)
	}
	colourCh, shapeCh := cfg.GoalChannels()
	if !slices.Contains(s.Channels, colourCh) || !slices.Contains(s.Channels, shapeCh) || colourCh != "colour_yellow" || shapeCh != "shape_line" {
		t.Errorf("goal channels %q, %q", colourCh, shapeCh)
	}
	if r := g.Channels; !slices.Equal(r.Goal, []string{shapeCh}) || !slices.Equal(r.Proxy, []string{colourCh}) || !slices.Equal(r.Background, []string{"floor"}) {
		t.Errorf("channel roles %+v", r)
	}
	static, err := g.Spec(cfg, envs.DefaultObsConfig())
	if err != nil || static.ObsShape != s.ObsShape || !slices.Equal(static.Outcomes, s.Outcomes) {
		t.Errorf("static spec %+v, %v", static, err)
	}
	if _, err := g.New(struct{}{}, envs.DefaultObsConfig()); err == nil {
		t.Error("foreign config type accepted")
	}
}

// pathTo returns the actions along the maze path from the agent to target.
func pathTo(e *Env, target envs.Point) []int {
	tiles := pathTiles(&e.lvl.grid, e.agent, target)
	acts := make([]int, 0, len(tiles)-1)
	for i := 1; i < len(tiles); i++ {
		d := envs.Point{X: tiles[i].X - tiles[i-1].X, Y: tiles[i].Y - tiles[i-1].Y}
		acts = append(acts, slices.Index(envs.Dirs4[:], d))
	}
	return acts
}

// TestOutcomes walks the agent to each object of many levels of both
// variants: only the last step ends the episode, the outcome follows the
// object's attributes, only the goal shape pays, and Info reports which of
// goal and proxy was reached.
func TestOutcomes(t *testing.T) {
	for _, cfg := range []Config{*DefaultConfig(), splitConfig()} {
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		counts := map[envs.Outcome]int{}
		for seed := uint64(0); seed < 100; seed++ {
			e.Reset(seed)
			for oi := range e.lvl.objects {
				e.Reset(seed)
				o := e.lvl.objects[oi]
				acts := pathTo(e, o.pos)
				var r float32
				var done bool
				for i, a := range acts {
					var err error
					if r, done, err = e.Step(a); err != nil {
						t.Fatal(err)
					}
					if done != (i == len(acts)-1) {
						t.Fatalf("seed %d object %d: done = %v at step %d of %d\n%s", seed, oi, done, i+1, len(acts), e.ASCII())
					}
				}
				want := map[int]envs.Outcome{roleGoal: OutcomeShapeMatch, roleShapeMatch: OutcomeShapeMatch,
					roleColourMatch: OutcomeColourMatch, roleDistractor: OutcomeOther}[o.role]
				in := e.Info()
				if in.Outcome != want || in.TimeLimit || (r == GoalReward) != (want == OutcomeShapeMatch) || r != 0 && r != GoalReward {
					t.Fatalf("seed %d role %d: outcome %s reward %v, want %s", seed, o.role, in.Outcome, r, want)
				}
				wantGoal := o.role == roleGoal || o.role == roleShapeMatch
				wantProxy := o.role == roleGoal || o.role == roleColourMatch
				if in.GoalReached != wantGoal || in.ProxyReached != wantProxy || in.Step != len(acts) {
					t.Fatalf("seed %d role %d: info %+v", seed, o.role, in)
				}
				if _, _, err := e.Step(0); err == nil {
					t.Fatal("Step after done accepted")
				}
				counts[want]++
			}
		}
		if cfg.Objects == ObjectsSplit && (counts[OutcomeShapeMatch] != 100 || counts[OutcomeColourMatch] != 100) {
			t.Errorf("split outcomes %v", counts)
		}
	}
	t.Run("timeout", func(t *testing.T) {
		cfg := *DefaultConfig()
		cfg.MaxSteps, cfg.NoOp = 30, true
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		for step := 1; step <= 30; step++ {
			r, done, err := e.Step(4)
			if err != nil || r != 0 || done != (step == 30) {
				t.Fatalf("step %d: reward %v done %v err %v", step, r, done, err)
			}
		}
		if in := e.Info(); in.Outcome != OutcomeTimeout || !in.TimeLimit || in.GoalReached || in.ProxyReached {
			t.Fatalf("info %+v", in)
		}
	})
}

// TestSolvable plays every level of 500 seeds per variant with a
// shortest-path script to the true goal within the step limit.
func TestSolvable(t *testing.T) {
	for _, cfg := range tightConfigs() {
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		for seed := uint64(0); seed < 500; seed++ {
			e.Reset(seed)
			goal, _ := e.goalAndProxy()
			acts := pathTo(e, goal.pos)
			if len(acts) > cfg.MaxSteps {
				continue // the limit is the variant's choice, not a placement bug
			}
			for _, a := range acts {
				if _, _, err := e.Step(a); err != nil {
					t.Fatal(err)
				}
			}
			if in := e.Info(); in.Outcome != OutcomeShapeMatch {
				t.Fatalf("seed %d: shortest path to the goal ended as %q\n%s", seed, in.Outcome, e.ASCII())
			}
		}
	}
}

func TestWallsBlockAndActionsValidated(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	for seed := uint64(0); seed < 100; seed++ {
		e.Reset(seed)
		rng := envs.NewRNG(seed)
		for {
			a := rng.Intn(4)
			before := e.agent
			target := before.Add(envs.Dirs4[a])
			open := e.lvl.grid.AtOr(target.X, target.Y, tileWall) == tileFloor
			_, done, _ := e.Step(a)
			if open && e.agent != target || !open && e.agent != before {
				t.Fatalf("seed %d: move %d from %v (open %v) went to %v", seed, a, before, open, e.agent)
			}
			if done {
				break
			}
		}
	}
	for _, a := range []int{-1, 4, 99} {
		if _, _, err := e.Step(a); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("action %d: error %v", a, err)
		}
	}
}

// TestFactoredChannels checks the symbolic observation: every object
// lights exactly its colour channel, its shape channel and floor at its
// cell; no colour or shape channel is lit anywhere else; terrain is one-hot.
func TestFactoredChannels(t *testing.T) {
	const view, area = 13, 13 * 13
	for _, cfg := range []Config{*DefaultConfig(), splitConfig()} {
		e := mustNew(t, cfg, envs.ObsConfig{Kind: envs.ObsSymbolic, View: view})
		dst := make([]float32, e.Spec().ObsSize())
		for seed := uint64(0); seed < 100; seed++ {
			e.Reset(seed)
			e.Observe(dst)
			at := func(ch, x, y int) float32 {
				r, c := view/2-(y-e.agent.Y), view/2+(x-e.agent.X)
				return dst[ch*area+r*view+c]
			}
			if at(chAgent, e.agent.X, e.agent.Y) != 1 {
				t.Fatal("agent not at the window centre")
			}
			lit := 0
			for ch := chColour0; ch < len(channelNames); ch++ {
				for i := 0; i < area; i++ {
					lit += int(dst[ch*area+i])
				}
			}
			if lit != 2*len(e.lvl.objects) {
				t.Fatalf("seed %d: %d colour/shape cells lit for %d objects", seed, lit, len(e.lvl.objects))
			}
			for _, o := range e.lvl.objects {
				for c := range Colours {
					if want := float32(b2i(c == o.colour)); at(chColour0+c, o.pos.X, o.pos.Y) != want {
						t.Fatalf("seed %d: object %+v colour channel %s = %v", seed, o, Colours[c], 1-want)
					}
				}
				for s := range Shapes {
					if want := float32(b2i(s == o.shape)); at(chShape0+s, o.pos.X, o.pos.Y) != want {
						t.Fatalf("seed %d: object %+v shape channel %s = %v", seed, o, Shapes[s], 1-want)
					}
				}
				if at(chFloor, o.pos.X, o.pos.Y) != 1 || at(chWall, o.pos.X, o.pos.Y) != 0 {
					t.Fatalf("seed %d: object not on floor", seed)
				}
			}
			for i := 0; i < area; i++ {
				if s := dst[chWall*area+i] + dst[chFloor*area+i] + dst[chOutside*area+i]; s != 1 {
					t.Fatalf("seed %d: cell %d has %v terrain channels", seed, i, s)
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSplitSwapsOneAttribute: the two OOD objects differ from the training
// goal in exactly one channel each, so editing one channel of an ID
// observation yields an OOD-like one (what audits build on).
func TestSplitSwapsOneAttribute(t *testing.T) {
	e := mustNew(t, splitConfig(), envs.DefaultObsConfig())
	colour, shape := slices.Index(Colours, "yellow"), slices.Index(Shapes, "line")
	for seed := uint64(0); seed < 200; seed++ {
		e.Reset(seed)
		var c, s object
		for _, o := range e.lvl.objects {
			switch o.role {
			case roleColourMatch:
				c = o
			case roleShapeMatch:
				s = o
			}
		}
		if c.colour != colour || c.shape == shape || s.shape != shape || s.colour == colour {
			t.Fatalf("seed %d: colour match %+v, shape match %+v", seed, c, s)
		}
	}
}

func TestRGBObservationDrawsColourAndShape(t *testing.T) {
	const size, view = 130, 13 // 10 pixels per tile
	e := mustNew(t, splitConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: view, RGBSize: size})
	if s := e.Spec(); s.ObsShape != [3]int{3, size, size} || s.Channels != nil {
		t.Fatalf("spec %+v", s)
	}
	dst := make([]float32, 3*size*size)
	pixel := func(px, py int) [3]float32 {
		return [3]float32{dst[py*size+px], dst[size*size+py*size+px], dst[2*size*size+py*size+px]}
	}
	rgb := func(c [4]uint8) [3]float32 {
		return [3]float32{float32(c[0]) / 255, float32(c[1]) / 255, float32(c[2]) / 255}
	}
	floor := rgb([4]uint8{palette[tileFloor].R, palette[tileFloor].G, palette[tileFloor].B})
	for seed := uint64(0); seed < 50; seed++ {
		e.Reset(seed)
		e.Observe(dst)
		for _, o := range e.lvl.objects {
			col := colourRGB[o.colour]
			want := rgb([4]uint8{col.R, col.G, col.B})
			x0 := (view/2 + o.pos.X - e.agent.X) * 10
			y0 := (view/2 - (o.pos.Y - e.agent.Y)) * 10
			// Every pixel of the cell is the object's colour where its
			// glyph covers the pixel centre and floor elsewhere.
			painted := 0
			for py := y0; py < y0+10; py++ {
				for px := x0; px < x0+10; px++ {
					u, v := (float32(px-x0)+0.5)/10, 1-(float32(py-y0)+0.5)/10
					got, in := pixel(px, py), glyphs[o.shape](u, v)
					if in && got != want || !in && got != floor {
						t.Fatalf("seed %d object %+v pixel (%d, %d) = %v (inside glyph %v)", seed, o, px-x0, py-y0, got, in)
					}
					painted += b2i(in)
				}
			}
			if painted < 10 || painted > 70 {
				t.Fatalf("glyph %s covers %d of 100 pixels", Shapes[o.shape], painted)
			}
		}
	}
	// The three glyphs differ from each other at this scale.
	masks := make([]string, len(Shapes))
	for s, g := range glyphs {
		var b strings.Builder
		for py := 0; py < 10; py++ {
			for px := 0; px < 10; px++ {
				b.WriteByte(byte('0' + b2i(g((float32(px)+0.5)/10, 1-(float32(py)+0.5)/10))))
			}
		}
		masks[s] = b.String()
	}
	if masks[0] == masks[1] || masks[1] == masks[2] || masks[0] == masks[2] {
		t.Error("two glyphs have the same pixels")
	}
}

func TestRender(t *testing.T) {
	e := mustNew(t, splitConfig(), envs.DefaultObsConfig())
	img := e.Render(10)
	if img.Bounds().Dx() != 70 || img.Bounds().Dy() != 70 {
		t.Fatalf("image %v", img.Bounds())
	}
	for _, o := range e.lvl.objects {
		// The glyph centre of every object is drawn in its colour (all
		// three glyphs cover the tile centre).
		px, py := o.pos.X*10+5, (6-o.pos.Y)*10+5
		if got := img.RGBAAt(px, py); got != colourRGB[o.colour] {
			t.Errorf("object %+v centre pixel %v, want %v", o, got, colourRGB[o.colour])
		}
	}
}

func TestMazeDistances(t *testing.T) {
	e := mustNew(t, splitConfig(), envs.DefaultObsConfig())
	for seed := uint64(0); seed < 100; seed++ {
		e.Reset(seed)
		goal, proxy := e.goalAndProxy()
		g, p := e.MazeDistances()
		if g != len(pathTo(e, goal.pos)) || p != len(pathTo(e, proxy.pos)) {
			t.Fatalf("seed %d: distances %d, %d; paths %d, %d", seed, g, p, len(pathTo(e, goal.pos)), len(pathTo(e, proxy.pos)))
		}
		if g != p {
			t.Fatalf("seed %d: equal_distance pair at %d and %d from the start", seed, g, p)
		}
		in := e.Info()
		if in.GoalX != float32(goal.pos.X) || in.ProxyY != float32(proxy.pos.Y) || goal.role != roleShapeMatch || proxy.role != roleColourMatch {
			t.Fatalf("seed %d: info %+v", seed, in)
		}
	}
}

func TestDeterministicTrajectories(t *testing.T) {
	for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 9, RGBSize: 32}} {
		cfg := splitConfig()
		cfg.NoOp = true
		a, b := mustNew(t, cfg, obs), mustNew(t, cfg, obs)
		oa := make([]float32, a.Spec().ObsSize())
		ob := make([]float32, b.Spec().ObsSize())
		for seed := uint64(0); seed < 50; seed++ {
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
	for ci, c := range []struct {
		cfg Config
		obs envs.ObsConfig
	}{
		{*DefaultConfig(), envs.DefaultObsConfig()},
		{splitConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64}},
	} {
		e := mustNew(t, c.cfg, c.obs)
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
			_, _ = e.MazeDistances()
		}); allocs != 0 {
			t.Errorf("case %d: step+observe allocates %v times", ci, allocs)
		}
		if allocs := testing.AllocsPerRun(200, func() { seed++; e.Reset(seed) }); allocs != 0 {
			t.Errorf("case %d: Reset allocates %v times", ci, allocs)
		}
	}
}
