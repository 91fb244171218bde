package corridor

import (
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
)

// Actions, in envs.Dirs4 order.
const (
	up    = 0
	right = 1
	down  = 2
	left  = 3
)

func mustNew(t testing.TB, cfg Config, obs envs.ObsConfig) *Env {
	t.Helper()
	e, err := New(cfg, obs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// setLevel replaces e's level by a corridor of cfg.Length tiles with the
// agent on start and the gem on gem (the exit is the rightmost tile).
func setLevel(e *Env, start, gem int) {
	e.Reset(0)
	e.lvl.start, e.lvl.gem = envs.Point{X: start}, envs.Point{X: gem}
	e.agent = e.lvl.start
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string // "" = valid
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Length, c.GemShift, c.HideGem = 63, 1, true }, ""},
		{func(c *Config) { c.Length = 4 }, "length = 4: want in [5, 63]"},
		{func(c *Config) { c.Length = 64 }, "length = 64"},
		{func(c *Config) { c.GemShift = 1.5 }, "gem_shift = 1.5: want a probability in [0, 1]"},
		{func(c *Config) { c.GemShift = -0.1 }, "gem_shift = -0.1"},
		{func(c *Config) { c.MaxSteps = 0 }, "max_steps = 0: want in [1, 100000]"},
	} {
		cfg := DefaultConfig()
		c.edit(cfg)
		err := cfg.Validate()
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", *cfg, err, c.want)
		}
	}
}

// TestStep plays action sequences on hand-placed levels of the default
// 11-tile corridor (exit at x = 10) and checks where each ends.
func TestStep(t *testing.T) {
	rep := func(a, n int) []int { return slices.Repeat([]int{a}, n) }
	for _, c := range []struct {
		name       string
		maxSteps   int // 0: the default 50
		start, gem int
		acts       []int
		// after the last action:
		x       int
		done    bool
		reward  float32 // of the last step
		outcome envs.Outcome
		goal    bool // Info.GoalReached
		proxy   bool // Info.ProxyReached
		limit   bool // Info.TimeLimit
	}{
		{name: "training: gem on the exit", start: 2, gem: 10, acts: rep(right, 8),
			x: 10, done: true, reward: GemReward, outcome: OutcomeGem, goal: true, proxy: true},
		{name: "proxy: exit, gem left behind", start: 3, gem: 0, acts: rep(right, 7),
			x: 10, done: true, outcome: OutcomeExitNoGem, proxy: true},
		{name: "goal: gem to the left", start: 3, gem: 0, acts: rep(left, 3),
			x: 0, done: true, reward: GemReward, outcome: OutcomeGem, goal: true},
		{name: "gem on the way to the exit", start: 3, gem: 6, acts: rep(right, 3),
			x: 6, done: true, reward: GemReward, outcome: OutcomeGem, goal: true},
		{name: "running", start: 3, gem: 0, acts: []int{right, left, right}, x: 4},
		{name: "up and down leave the corridor: no move", start: 3, gem: 0, acts: []int{up, down, up}, x: 3},
		{name: "left end: no move", start: 1, gem: 5, acts: rep(left, 4), x: 0},
		{name: "time limit", maxSteps: 5, start: 3, gem: 0, acts: rep(up, 5),
			x: 3, done: true, outcome: OutcomeTimeout, limit: true},
		{name: "exit on the last step is the proxy, not a timeout", maxSteps: 7, start: 3, gem: 0, acts: rep(right, 7),
			x: 10, done: true, outcome: OutcomeExitNoGem, proxy: true},
	} {
		cfg := *DefaultConfig()
		if c.maxSteps > 0 {
			cfg.MaxSteps = c.maxSteps
		}
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		setLevel(e, c.start, c.gem)
		var reward float32
		var done bool
		for i, a := range c.acts {
			var err error
			if reward, done, err = e.Step(a); err != nil {
				t.Fatalf("%s: step %d: %v", c.name, i+1, err)
			}
			if done && i < len(c.acts)-1 {
				t.Fatalf("%s: done after step %d of %d\n%s", c.name, i+1, len(c.acts), e.ASCII())
			}
		}
		in := e.Info()
		got := [...]any{e.agent.X, done, reward, in.Outcome, in.GoalReached, in.ProxyReached, in.TimeLimit, in.Step}
		want := [...]any{c.x, c.done, c.reward, c.outcome, c.goal, c.proxy, c.limit, len(c.acts)}
		if got != want {
			t.Errorf("%s: (x, done, reward, outcome, goal, proxy, limit, step) = %v, want %v\n%s", c.name, got, want, e.ASCII())
		}
	}
}

func TestStepErrors(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	for _, a := range []int{-1, 4} {
		if _, _, err := e.Step(a); err == nil || !strings.Contains(err.Error(), "out of range [0, 4)") {
			t.Errorf("action %d: error %v", a, err)
		}
	}
	setLevel(e, 9, 10)
	if _, done, err := e.Step(right); !done || err != nil {
		t.Fatalf("step onto the gem: done %v, err %v", done, err)
	}
	if _, _, err := e.Step(right); err == nil {
		t.Error("Step after the episode ended accepted")
	}
}

// TestGenerate checks the level distribution of each variant over many
// seeds: the start on the left half; in training the gem on the exit; with
// gem_shift = 1 never on the exit or the start, on both sides of the
// start; the same start for the same seed in both; and every tile of the
// corridor floor but the exit.
func TestGenerate(t *testing.T) {
	train, ood := DefaultConfig(), DefaultConfig()
	ood.GemShift = 1
	var lt, lo level
	leftOfStart := 0
	const seeds = 2000
	for seed := uint64(0); seed < seeds; seed++ {
		lt.generate(train, seed)
		lo.generate(ood, seed)
		n := train.Length
		if lt.start != lo.start || lt.start.X < 0 || lt.start.X >= n/2 || lt.start.Y != 0 {
			t.Fatalf("seed %d: starts %v (train), %v (ood), want one tile of the left half", seed, lt.start, lo.start)
		}
		if lt.gem != lt.exit || lt.exit != (envs.Point{X: n - 1}) {
			t.Fatalf("seed %d: training gem %v, exit %v", seed, lt.gem, lt.exit)
		}
		if lo.gem == lo.exit || lo.gem == lo.start || !lo.grid.In(lo.gem.X, lo.gem.Y) {
			t.Fatalf("seed %d: OOD gem %v (start %v, exit %v)", seed, lo.gem, lo.start, lo.exit)
		}
		if lo.gem.X < lo.start.X {
			leftOfStart++
		}
		if got := envs.ASCII(&lt.grid, &asciiChars); got != strings.Repeat(".", n-1)+"E\n" {
			t.Fatalf("seed %d: grid %q", seed, got)
		}
	}
	// Uniform over the 9 other tiles with the start uniform on 0..4: on
	// average 2 of them lie left of the start, about 22% of levels.
	if leftOfStart < seeds/6 || leftOfStart > seeds/3 {
		t.Errorf("%d of %d OOD gems left of the start, want about 22%%", leftOfStart, seeds)
	}
	lt.generate(train, 7)
	again := lt
	lt.generate(train, 7)
	if lt.start != again.start || lt.gem != again.gem {
		t.Error("the same seed gave two levels")
	}
}

// TestObserve checks the symbolic channels at known cells of a 5×5 window.
func TestObserve(t *testing.T) {
	obs := envs.ObsConfig{Kind: envs.ObsSymbolic, View: 5, RGBSize: 64}
	// The channel at (row, col) of the window for the agent on x = 8, the
	// gem on the exit (x = 10, two tiles right: column 4).
	at := func(dst []float32, ch, row, col int) float32 { return dst[ch*25+row*5+col] }
	for _, c := range []struct {
		hide       bool
		gem, exit  float32 // at the exit's cell (row 2, col 4)
		floorAgent float32 // floor under the agent (row 2, col 2)
	}{{false, 1, 1, 1}, {true, 0, 1, 1}} {
		cfg := *DefaultConfig()
		cfg.HideGem = c.hide
		e := mustNew(t, cfg, obs)
		if s := e.Spec(); s.ObsShape != [3]int{5, 5, 5} || !slices.Equal(s.Channels, channelNames) || s.NumActions != 4 {
			t.Fatalf("spec %+v", s)
		}
		setLevel(e, 8, 10)
		dst := make([]float32, e.Spec().ObsSize())
		e.Observe(dst)
		got := [...]float32{at(dst, chGem, 2, 4), at(dst, chExit, 2, 4), at(dst, chFloor, 2, 2), at(dst, chAgent, 2, 2),
			at(dst, chOutside, 0, 0), at(dst, chOutside, 2, 2), at(dst, chGem, 2, 3)}
		want := [...]float32{c.gem, c.exit, c.floorAgent, 1, 1, 0, 0}
		if got != want {
			t.Errorf("hide_gem %v: (gem, exit at the exit; floor, agent at the agent; outside above, at the agent; gem beside) = %v, want %v",
				c.hide, got, want)
		}
		if in := e.Info(); in.GoalVisible == c.hide {
			t.Errorf("hide_gem %v: GoalVisible %v", c.hide, in.GoalVisible)
		}
	}
}

// TestRegistered builds the game through the registry, applies its
// built-in variant, and checks Canonical and GoalShift.
func TestRegistered(t *testing.T) {
	g, err := envs.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	cfg := g.NewConfig().(*Config)
	if *cfg != *DefaultConfig() || g.GoalShiftOf(cfg) != 0 {
		t.Errorf("NewConfig %+v, goal shift %v", cfg, g.GoalShiftOf(cfg))
	}
	v, err := g.Variant("ood")
	if err != nil {
		t.Fatal(err)
	}
	v.Apply(cfg)
	cfg.HideGem = true
	if g.GoalShiftOf(cfg) != 1 {
		t.Errorf("ood goal shift %v", g.GoalShiftOf(cfg))
	}
	canon, err := g.CanonicalConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if *canon.(*Config) != *DefaultConfig() || cfg.GemShift != 1 {
		t.Errorf("canonical %+v of %+v, want the defaults (and the input unchanged)", canon, cfg)
	}
	for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 13, RGBSize: 32}} {
		e, err := g.New(cfg, obs)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, e.Spec().ObsSize())
		e.Observe(dst)
		if img := e.Render(4); img.Bounds().Dx() != 4*cfg.Length || img.Bounds().Dy() != 4 {
			t.Errorf("render %v", img.Bounds())
		}
	}
	if _, err := g.New(&Config{Length: 4, MaxSteps: 1}, envs.DefaultObsConfig()); err == nil || !strings.Contains(err.Error(), "length = 4") {
		t.Errorf("invalid config: error %v", err)
	}
}
