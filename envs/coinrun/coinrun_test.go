package coinrun

import (
	"math"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
)

func TestConfigValidate(t *testing.T) {
	for i, tc := range []struct {
		edit func(*Config)
		want string // substring of the error; "" for valid
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Difficulty = DifficultyHard; c.Coin = CoinRandom; c.Length = 100 }, ""},
		{func(c *Config) { c.Coin = "left" }, `coin = "left": want "end" or "random"`},
		{func(c *Config) { c.Difficulty = "medium" }, `difficulty = "medium"`},
		{func(c *Config) { c.Length = 8 }, "length = 8"},
		{func(c *Config) { c.Height = 300 }, "height = 300"},
		{func(c *Config) { c.MaxSteps = -1 }, "max_steps = -1"},
		{func(c *Config) { c.RandomCoinProb = 1.5 }, "random_coin_prob = 1.5"},
		{func(c *Config) { c.RandomCoinProb = math.NaN() }, "random_coin_prob = NaN"},
		{func(c *Config) { c.RandomCoinRegion = 1 }, "random_coin_region = 1"},
		{func(c *Config) { c.RandomCoinLift = 3 }, ""},
		{func(c *Config) { c.RandomCoinLift = 4 }, "random_coin_lift = 4: want 0, 1, 2 or 3"},
		{func(c *Config) { c.HazardDensity = -0.1 }, "hazard_density = -0.1"},
	} {
		cfg := DefaultConfig()
		tc.edit(&cfg)
		err := cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("case %d: unexpected error %v", i, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("case %d: error %v, want one containing %q", i, err, tc.want)
		}
	}
	obs := envs.DefaultObsConfig()
	obs.View = 4
	if _, err := New(DefaultConfig(), obs); err == nil || !strings.Contains(err.Error(), "obs.view") {
		t.Errorf("New with obs.view = 4: error %v, want one naming obs.view", err)
	}
}

func TestRegistry(t *testing.T) {
	g, err := envs.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := g.NewConfig().(*Config)
	if !ok || *cfg != DefaultConfig() {
		t.Fatalf("NewConfig = %#v, want *Config with the defaults", g.NewConfig())
	}
	cfg.Difficulty = DifficultyHard
	e, err := g.New(cfg, envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	spec := e.Spec()
	if spec.NumActions != 15 || len(spec.ActionName) != 15 || spec.MaxSteps != 1000 ||
		spec.ObsShape != [3]int{numChannels, 13, 13} || len(spec.Channels) != numChannels ||
		spec.Success != OutcomeCoin || spec.Proxy != OutcomeReachedEnd || len(spec.Outcomes) != 4 {
		t.Errorf("hard spec = %+v", spec)
	}
	if _, err := g.New(42, envs.DefaultObsConfig()); err == nil {
		t.Error("New with an int config: no error")
	}
	cfg.Coin = "left"
	if _, err := g.New(cfg, envs.DefaultObsConfig()); err == nil || !strings.Contains(err.Error(), "coin") {
		t.Errorf("New with coin = left: error %v", err)
	}
}

func TestInvalidActionIsAnError(t *testing.T) {
	e := newEnv(t, DefaultConfig(), envs.DefaultObsConfig())
	e.Reset(3)
	before := e.Info()
	for i, a := range []int{-1, NumActions, 100} {
		if _, done, err := e.Step(a); err == nil || done {
			t.Errorf("case %d: Step(%d) = done %v, err %v; want an error", i, a, done, err)
		}
	}
	if e.Info() != before {
		t.Errorf("invalid actions changed the state: %+v, want %+v", e.Info(), before)
	}
}

func TestStepAfterDonePanics(t *testing.T) {
	e := newEnv(t, DefaultConfig(), envs.DefaultObsConfig())
	e.Reset(0)
	loadLevel(t, e, "#@~.....:#", "##########")
	if _, done, _ := e.Step(actRight); !done {
		for range 20 {
			if _, done, _ = e.Step(actRight); done {
				break
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Step after the episode ended did not panic")
		}
	}()
	e.Step(actNone)
}

// The outcome classification on hand-drawn levels.
func TestOutcomes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSteps = 200
	for i, tc := range []struct {
		rows   []string
		policy func(*Env) int
		want   envs.Outcome
		reward float32
		goal   bool // GoalReached
		proxy  bool // ProxyReached
	}{
		// Walking into a lava pit kills.
		{[]string{"..........$#", ".@...~~...:#", "############"}, constant(actRight), OutcomeDied, 0, false, false},
		// Walking into a saw kills.
		{[]string{"...........#", ".@...*....$#", "############"}, constant(actRight), OutcomeDied, 0, false, false},
		// Falling into a bottomless gap kills.
		{[]string{"...........#", ".@........$#", "####..######"}, constant(actRight), OutcomeDied, 0, false, false},
		// An enemy walking into the agent kills.
		{[]string{"...........#", ".E.@......$#", "############"}, constant(actNone), OutcomeDied, 0, false, false},
		// Standing still times out.
		{[]string{"...........#", ".@........$#", "############"}, constant(actNone), OutcomeTimeout, 0, false, false},
		// Running right collects a coin at the end: success, and the end
		// zone was reached on the way.
		{[]string{"..........:#", ".@......::$#", "############"}, constant(actRight), OutcomeCoin, CoinReward, true, true},
		// A coin on the path is collected.
		{[]string{"...........#", ".@..$....::#", "############"}, constant(actRight), OutcomeCoin, CoinReward, true, false},
		// A coin hovering above the path is passed under: the end zone ends
		// the episode with the proxy outcome.
		{[]string{"....$.....:#", ".@.......::#", "############"}, constant(actRight), OutcomeReachedEnd, 0, false, true},
		// Jumping reaches that coin.
		{[]string{"....$.....:#", ".@.......::#", "############"}, func(e *Env) int {
			if e.b.x > 3 {
				return actRightJump
			}
			return actRight
		}, OutcomeCoin, CoinReward, true, false},
	} {
		e := newEnv(t, cfg, envs.DefaultObsConfig())
		e.Reset(0)
		loadLevel(t, e, tc.rows...)
		reward, info := run(t, e, 1000, tc.policy)
		if info.Outcome != tc.want || reward != tc.reward || info.GoalReached != tc.goal || info.ProxyReached != tc.proxy {
			t.Errorf("case %d: outcome %q reward %v goal %v proxy %v; want %q %v %v %v\n%s",
				i, info.Outcome, reward, info.GoalReached, info.ProxyReached, tc.want, tc.reward, tc.goal, tc.proxy, e.ASCII())
		}
		if tc.want == OutcomeTimeout && info.Step != cfg.MaxSteps {
			t.Errorf("case %d: timed out at step %d, want %d", i, info.Step, cfg.MaxSteps)
		}
	}
}

// Physics: a standing jump rises 2.45 tiles, so it climbs a 2-tile step but
// not a 3-tile one, and walls stop the agent.
func TestJumpAndCollision(t *testing.T) {
	e := newEnv(t, DefaultConfig(), envs.DefaultObsConfig())
	e.Reset(0)
	loadLevel(t, e, "......#", "......#", "......#", ".@....#", "#######")
	peak := e.b.y
	for range 20 {
		e.Step(actJump)
		peak = max(peak, e.b.y)
		if e.b.onGround {
			break
		}
	}
	if rise := peak - e.lv.startY; math.Abs(rise-2.45) > 1e-9 {
		t.Errorf("standing jump rose %v tiles, want 2.45", rise)
	}
	for range 40 {
		e.Step(actRight)
	}
	if limit := 6 - agentHalfWidth; e.b.x > limit || e.b.x < limit-1e-3 || e.b.vx != 0 {
		t.Errorf("after running into the wall x = %v vx = %v, want x just under %v and vx 0", e.b.x, e.b.vx, limit)
	}
	for i, tc := range []struct {
		rows  []string
		climb bool
	}{
		{[]string{".......#", "....##.#", ".@..##.#", "########"}, true},
		{[]string{"....##.#", "....##.#", ".@..##.#", "########"}, false},
	} {
		loadLevel(t, e, tc.rows...)
		on := false
		run(t, e, 60, func(e *Env) int {
			on = on || e.b.y >= e.lv.startY+2 && e.b.onGround
			if e.b.x > 2.4 {
				return actRightJump
			}
			return actRight
		})
		if on != tc.climb {
			t.Errorf("case %d: on top of the step %v, want %v\n%s", i, on, tc.climb, e.ASCII())
		}
	}
}

// Same seed and same actions give the same trajectory, observations
// included.
func TestDeterminism(t *testing.T) {
	for _, diff := range []string{DifficultyEasy, DifficultyHard} {
		cfg := DefaultConfig()
		cfg.Difficulty = diff
		cfg.RandomCoinProb = 0.5
		a := newEnv(t, cfg, envs.DefaultObsConfig())
		b := newEnv(t, cfg, envs.DefaultObsConfig())
		oa := make([]float32, a.Spec().ObsSize())
		ob := make([]float32, b.Spec().ObsSize())
		b.Reset(999) // a different history must not matter
		for seed := uint64(0); seed < 20; seed++ {
			a.Reset(seed)
			b.Reset(seed)
			if a.ASCII() != b.ASCII() {
				t.Fatalf("%s seed %d: levels differ", diff, seed)
			}
			rng := envs.NewRNG(seed)
			for step := 0; ; step++ {
				act := rng.Intn(NumActions)
				ra, da, _ := a.Step(act)
				rb, db, _ := b.Step(act)
				a.Observe(oa)
				b.Observe(ob)
				if ra != rb || da != db || a.Info() != b.Info() || !equalObs(oa, ob) {
					t.Fatalf("%s seed %d step %d: trajectories diverge: %+v vs %+v", diff, seed, step, a.Info(), b.Info())
				}
				if da {
					break
				}
			}
		}
	}
}

func equalObs(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Info reports the agent, coin and end positions and the window visibility.
func TestInfo(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Coin = CoinRandom
	e := newEnv(t, cfg, envs.DefaultObsConfig())
	for seed := uint64(0); seed < 50; seed++ {
		e.Reset(seed)
		info := e.Info()
		lv := &e.lv
		if info.AgentX != 1.5 || info.AgentY != float32(lv.startY+agentHeight/2) ||
			info.GoalX != float32(lv.coinX) || info.GoalY != float32(lv.coinY) ||
			info.ProxyX != float32(lv.w-2) || info.ProxyY != float32(lv.endY+0.5) ||
			info.Step != 0 || info.Outcome != "" || info.GoalReached || info.ProxyReached {
			t.Fatalf("seed %d: Info = %+v\n%s", seed, info, e.ASCII())
		}
		wantVisible := math.Abs(math.Floor(lv.coinX)-1) <= 6 && math.Abs(math.Floor(lv.coinY)-math.Floor(lv.startY+agentHeight/2)) <= 6
		if info.GoalVisible != wantVisible {
			t.Errorf("seed %d: GoalVisible %v, want %v", seed, info.GoalVisible, wantVisible)
		}
	}
}

func TestZeroAllocations(t *testing.T) {
	for _, kind := range []envs.ObsKind{envs.ObsSymbolic, envs.ObsRGB} {
		obs := envs.DefaultObsConfig()
		obs.Kind = kind
		cfg := DefaultConfig()
		cfg.Difficulty = DifficultyHard
		cfg.RandomCoinProb = 0.5
		e := newEnv(t, cfg, obs)
		dst := make([]float32, e.Spec().ObsSize())
		rng := envs.NewRNG(7)
		seed := uint64(0)
		e.Reset(seed)
		step := func() {
			if _, done, _ := e.Step(rng.Intn(NumActions)); done {
				seed++
				e.Reset(seed)
			}
			e.Observe(dst)
		}
		for range 5000 { // grow every buffer
			step()
		}
		if n := testing.AllocsPerRun(2000, step); n != 0 {
			t.Errorf("%s: %v allocations per step+observe (resets included), want 0", kind, n)
		}
	}
}

// Training mixes that differ only in their moved coins share one canonical
// audit distribution, with the coin at the end and shown, and the game
// reports each mix's share of moved coins.
func TestCanonicalAuditConfig(t *testing.T) {
	g, err := envs.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	a, b := DefaultConfig(), DefaultConfig()
	a.Length, b.Length = 20, 20
	b.RandomCoinProb, b.RandomCoinLift, b.RandomCoinRegion = 0.3, 3, 0.5
	ca, err := g.CanonicalConfig(&a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := g.CanonicalConfig(&b)
	if err != nil {
		t.Fatal(err)
	}
	if *ca.(*Config) != *cb.(*Config) {
		t.Fatalf("canonical configs differ: %+v vs %+v", ca, cb)
	}
	if c := *cb.(*Config); c.Coin != CoinEnd || c.RandomCoinProb != 0 || c.HideCoin || c.Length != 20 {
		t.Fatalf("canonical config %+v", c)
	}
	if b.RandomCoinProb != 0.3 {
		t.Fatal("CanonicalConfig modified its argument")
	}
	if s := g.GoalShiftOf(&b); s != 0.3 {
		t.Fatalf("goal shift %v, want 0.3", s)
	}
	ood := DefaultConfig()
	ood.Coin = CoinRandom
	if s := g.GoalShiftOf(&ood); s != 1 {
		t.Fatalf("goal shift of the OOD variant %v, want 1", s)
	}
}
