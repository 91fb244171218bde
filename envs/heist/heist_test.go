package heist

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

func oodConfig() Config { return Config{Size: 11, Keys: 4, Chests: 2, MaxSteps: 300} }

func TestConfigValidate(t *testing.T) {
	for ci, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.Keys, c.Chests = 4, 2 }, ""},
		{func(c *Config) { c.Size = 10 }, "size = 10: want odd in [5, 63]"},
		{func(c *Config) { c.Keys = 0 }, "keys = 0"},
		{func(c *Config) { c.Chests = 17 }, "chests = 17"},
		{func(c *Config) { c.Size, c.Keys, c.Chests = 5, 8, 9 }, "do not fit a size-5 level"},
		{func(c *Config) { c.MaxSteps = -1 }, "max_steps = -1"},
		{func(c *Config) { c.KeysInHand = true }, ""},
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
	if *cfg != *DefaultConfig() || cfg.Keys >= cfg.Chests {
		t.Errorf("NewConfig = %+v, want the training variant (fewer keys than chests)", cfg)
	}
	e, err := g.New(cfg, envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := e.Spec()
	if s.NumActions != 4 || s.Success != OutcomeAllChests || s.Proxy != OutcomeKeysHoarded ||
		s.ObsShape != [3]int{7, 13, 13} || len(s.Channels) != 7 || len(s.Outcomes) != 3 {
		t.Errorf("spec %+v", s)
	}
	if _, err := g.New(1, envs.DefaultObsConfig()); err == nil {
		t.Error("foreign config type accepted")
	}
}

// TestLevelsReachable generates thousands of levels per variant: the item
// counts are right, the start is free, and every key and chest is
// reachable from the start.
func TestLevelsReachable(t *testing.T) {
	for ci, cfg := range []Config{*DefaultConfig(), oodConfig(), {Size: 5, Keys: 8, Chests: 8, MaxSteps: 10}, {Size: 25, Keys: 16, Chests: 3, MaxSteps: 10}} {
		var l level
		dist := make([]int32, cfg.Size*cfg.Size)
		var queue []int32
		loops := 0
		const seeds = 2000
		cells := (cfg.Size + 1) / 2 * ((cfg.Size + 1) / 2)
		for seed := uint64(0); seed < seeds; seed++ {
			l.generate(&cfg, seed)
			g := &l.grid
			if g.Count(tileKey) != cfg.Keys || g.Count(tileChest) != cfg.Chests || g.At(l.start.X, l.start.Y) != tileFloor {
				t.Fatalf("case %d seed %d: wrong items\n%s", ci, seed, envs.ASCII(g, &asciiChars))
			}
			queue = g.Distances(l.start, func(t uint8) bool { return t != tileWall }, dist, queue)
			for _, p := range slices.Concat(l.keys, l.chests) {
				if dist[p.Y*g.W+p.X] < 0 {
					t.Fatalf("case %d seed %d: item %v unreachable\n%s", ci, seed, p, envs.ASCII(g, &asciiChars))
				}
			}
			if g.W*g.H-g.Count(tileWall) > 2*cells-1 {
				loops++
			}
		}
		if cfg.Size >= 11 && loops < seeds*9/10 {
			t.Errorf("case %d: only %d of %d levels have loops", ci, loops, seeds)
		}
	}
}

// pathTo returns moves along a shortest path to target that crosses only
// floor tiles (no other key or chest), or nil if there is none.
func pathTo(e *Env, target envs.Point) []int {
	g := &e.lvl.grid
	dist := make([]int32, len(g.Tiles))
	g.Distances(target, func(t uint8) bool { return t == tileFloor }, dist, nil)
	p := e.agent
	if dist[p.Y*g.W+p.X] < 0 {
		return nil
	}
	var acts []int
	for p != target {
		for a, d := range envs.Dirs4 {
			q := p.Add(d)
			if g.In(q.X, q.Y) && dist[q.Y*g.W+q.X] >= 0 && dist[q.Y*g.W+q.X] == dist[p.Y*g.W+p.X]-1 {
				acts = append(acts, a)
				p = q
				break
			}
		}
	}
	return acts
}

// walk executes acts and returns the summed reward and whether the episode
// ended (it stops early if so).
func walk(t *testing.T, e *Env, acts []int) (float32, bool) {
	t.Helper()
	var sum float32
	for _, a := range acts {
		r, done, err := e.Step(a)
		if err != nil {
			t.Fatal(err)
		}
		sum += r
		if done {
			return sum, true
		}
	}
	return sum, false
}

// script visits targets in order along item-free paths; it returns false if
// a path is blocked by other items (the caller skips that seed).
func script(t *testing.T, e *Env, targets []envs.Point) (rewards []float32, done bool, ok bool) {
	for _, tg := range targets {
		acts := pathTo(e, tg)
		if acts == nil {
			return nil, false, false
		}
		r, d := walk(t, e, acts)
		rewards = append(rewards, r)
		if d {
			return rewards, true, true
		}
	}
	return rewards, false, true
}

func TestEfficientAgentSucceeds(t *testing.T) {
	for ci, cfg := range []Config{*DefaultConfig(), oodConfig()} {
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		ran := 0
		for seed := uint64(0); seed < 100; seed++ {
			e.Reset(seed)
			// Key, chest, key, chest: never holds a spare key.
			targets := []envs.Point{e.lvl.keys[0], e.lvl.chests[0], e.lvl.keys[1], e.lvl.chests[1]}
			rewards, done, ok := script(t, e, targets)
			if !ok {
				continue
			}
			ran++
			in := e.Info()
			if !done || in.Outcome != OutcomeAllChests || !in.GoalReached || in.ProxyReached ||
				!slices.Equal(rewards, []float32{KeyReward, ChestReward, KeyReward, ChestReward}) ||
				in.ChestsOpened != 2 || in.KeysCollected != 2 || in.KeysHeld != 0 {
				t.Fatalf("case %d seed %d: done %v rewards %v info %+v\n%s", ci, seed, done, rewards, in, e.ASCII())
			}
		}
		if ran < 30 {
			t.Errorf("case %d: only %d scripted episodes ran", ci, ran)
		}
	}
}

func TestHoarderTimesOutAsKeysHoarded(t *testing.T) {
	e := mustNew(t, oodConfig(), envs.DefaultObsConfig())
	ran := 0
	for seed := uint64(0); seed < 100; seed++ {
		e.Reset(seed)
		// Collect every key first; the third key is extra (2 held, 2 closed).
		for i, k := range e.lvl.keys {
			acts := pathTo(e, k)
			if acts == nil {
				break
			}
			walk(t, e, acts)
			in := e.Info()
			if in.KeysHeld != i+1 || in.ProxyReached != (i >= 2) {
				t.Fatalf("seed %d: after key %d info %+v", seed, i+1, in)
			}
		}
		if e.keysCollected != 4 {
			continue
		}
		ran++
		for !e.done {
			if _, _, err := e.Step(0); err != nil {
				t.Fatal(err)
			}
			if e.chestsOpened == 2 {
				break
			}
		}
		if e.chestsOpened == 2 {
			continue // bumped into both chests before the limit
		}
		if in := e.Info(); in.Outcome != OutcomeKeysHoarded || in.Step != 300 || in.GoalReached {
			t.Fatalf("seed %d: info %+v", seed, in)
		}
	}
	if ran < 20 {
		t.Errorf("only %d hoarding episodes ran", ran)
	}
}

// TestRandomPolicyOutcomes checks the outcome rules as properties over many
// random episodes: the training variant can never end keys_hoarded, every
// outcome is consistent with the counters, and the OOD variant does produce
// keys_hoarded.
func TestRandomPolicyOutcomes(t *testing.T) {
	for ci, cfg := range []Config{*DefaultConfig(), oodConfig()} {
		cfg.MaxSteps = 150
		e := mustNew(t, cfg, envs.DefaultObsConfig())
		counts := map[envs.Outcome]int{}
		rng := envs.NewRNG(uint64(ci))
		for seed := uint64(0); seed < 400; seed++ {
			e.Reset(seed)
			var ret float32
			for {
				r, done, err := e.Step(rng.Intn(4))
				if err != nil {
					t.Fatal(err)
				}
				ret += r
				if done {
					break
				}
			}
			in := e.Info()
			counts[in.Outcome]++
			if ret != float32(ChestReward*in.ChestsOpened) || in.KeysCollected-in.ChestsOpened != in.KeysHeld {
				t.Fatalf("case %d seed %d: return %v with info %+v", ci, seed, ret, in)
			}
			switch in.Outcome {
			case OutcomeAllChests:
				if in.ChestsOpened != min(cfg.Keys, cfg.Chests) {
					t.Fatalf("case %d seed %d: success with %d chests opened", ci, seed, in.ChestsOpened)
				}
			case OutcomeKeysHoarded:
				if cfg.Keys <= cfg.Chests || !in.ProxyReached || in.Step != cfg.MaxSteps {
					t.Fatalf("case %d seed %d: keys_hoarded with info %+v", ci, seed, in)
				}
			case OutcomeTimeout:
				if in.ProxyReached || in.Step != cfg.MaxSteps {
					t.Fatalf("case %d seed %d: timeout with info %+v", ci, seed, in)
				}
			default:
				t.Fatalf("case %d seed %d: outcome %q", ci, seed, in.Outcome)
			}
		}
		if cfg.Keys > cfg.Chests && counts[OutcomeKeysHoarded] == 0 {
			t.Errorf("case %d: random agent never hoarded keys: %v", ci, counts)
		}
		if counts[OutcomeAllChests] == 0 {
			t.Errorf("case %d: random agent never succeeded: %v", ci, counts)
		}
	}
}

func TestChestWithoutKeyDoesNothing(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	for seed := uint64(0); seed < 50; seed++ {
		e.Reset(seed)
		acts := pathTo(e, e.lvl.chests[0])
		if acts == nil {
			continue
		}
		r, done := walk(t, e, acts)
		if r != 0 || done || e.agent != e.lvl.chests[0] || e.lvl.grid.At(e.agent.X, e.agent.Y) != tileChest {
			t.Fatalf("seed %d: reward %v done %v, chest tile %d", seed, r, done, e.lvl.grid.At(e.agent.X, e.agent.Y))
		}
		// Standing on it shows agent and chest together.
		dst := make([]float32, e.Spec().ObsSize())
		e.Observe(dst)
		c := 13 * 13
		if dst[chAgent*c+6*13+6] != 1 || dst[chChest*c+6*13+6] != 1 {
			t.Fatal("agent on chest not encoded as both")
		}
		return
	}
	t.Fatal("no seed with a free path to a chest")
}

func TestSymbolicObservation(t *testing.T) {
	e := mustNew(t, oodConfig(), envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7})
	const area = 49
	dst := make([]float32, e.Spec().ObsSize())
	sum := func(ch int) float32 {
		var s float32
		for _, v := range dst[ch*area : (ch+1)*area] {
			s += v
		}
		return s
	}
	held := 0
	for seed := uint64(0); seed < 100; seed++ {
		e.Reset(seed)
		rng := envs.NewRNG(seed)
		for !e.done {
			e.Observe(dst)
			in := e.Info()
			if dst[chAgent*area+3*7+3] != 1 || sum(chAgent) != 1 {
				t.Fatal("agent not alone at window centre")
			}
			if int(sum(chKeysHeld)) != in.KeysHeld {
				t.Fatalf("keys_held channel sum %v, KeysHeld %d", sum(chKeysHeld), in.KeysHeld)
			}
			held = max(held, in.KeysHeld)
			if in.GoalVisible != (sum(chChest) > 0) {
				t.Fatalf("GoalVisible %v with chest channel sum %v", in.GoalVisible, sum(chChest))
			}
			for r := 0; r < 7; r++ {
				for c := 0; c < 7; c++ {
					tile := e.lvl.grid.AtOr(e.agent.X+c-3, e.agent.Y+3-r, codeOutside)
					i := r*7 + c
					if (dst[chKey*area+i] == 1) != (tile == tileKey) || (dst[chChest*area+i] == 1) != (tile == tileChest) ||
						(dst[chWall*area+i] == 1) != (tile == tileWall) || (dst[chOutside*area+i] == 1) != (tile == codeOutside) {
						t.Fatalf("cell (%d, %d) of tile %d encoded wrongly", r, c, tile)
					}
				}
			}
			if _, _, err := e.Step(rng.Intn(4)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if held < 2 {
		t.Errorf("inventory never exceeded %d keys in 100 random episodes", held)
	}
}

func TestRGBInventory(t *testing.T) {
	e := mustNew(t, oodConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64})
	dst := make([]float32, 3*64*64)
	key := palette[tileKey]
	isKey := func(x, y int) bool {
		return dst[y*64+x] == float32(key.R)/255 && dst[4096+y*64+x] == float32(key.G)/255 && dst[2*4096+y*64+x] == float32(key.B)/255
	}
	for seed := uint64(0); seed < 50; seed++ {
		e.Reset(seed)
		acts := pathTo(e, e.lvl.keys[0])
		if acts == nil {
			continue
		}
		walk(t, e, acts)
		e.Observe(dst)
		// Square of side 4 at (2..5, 2..5) for the first key; none for a second.
		if !isKey(3, 3) || isKey(11, 3) && e.keysHeld == 1 {
			t.Fatalf("seed %d: inventory HUD wrong with %d keys held", seed, e.keysHeld)
		}
		a := palette[codeAgent]
		if dst[32*64+32] != float32(a.R)/255 {
			t.Error("centre pixel is not the agent")
		}
		return
	}
	t.Fatal("no seed with a free path to a key")
}

func TestDeterministicTrajectories(t *testing.T) {
	for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 9, RGBSize: 32}} {
		cfg := oodConfig()
		cfg.NoOp = true
		a, b := mustNew(t, cfg, obs), mustNew(t, cfg, obs)
		oa, ob := make([]float32, a.Spec().ObsSize()), make([]float32, b.Spec().ObsSize())
		for seed := uint64(0); seed < 20; seed++ {
			b.Reset(seed + 77)
			for i := 0; i < 30; i++ {
				b.Step(i % 5) // dirty state: Reset must erase it
			}
			a.Reset(seed)
			b.Reset(seed)
			rng := envs.NewRNG(seed)
			for {
				act := rng.Intn(5)
				ra, da, _ := a.Step(act)
				rb, db, _ := b.Step(act)
				a.Observe(oa)
				b.Observe(ob)
				if ra != rb || da != db || a.Info() != b.Info() || !slices.Equal(oa, ob) || a.ASCII() != b.ASCII() {
					t.Fatalf("seed %d: trajectories diverge at step %d", seed, a.step)
				}
				if da {
					break
				}
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 13, RGBSize: 64}} {
		e := mustNew(t, oodConfig(), obs)
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
			t.Errorf("%s: step+observe allocates %v times", obs.Kind, allocs)
		}
		if allocs := testing.AllocsPerRun(50, func() { seed++; e.Reset(seed) }); allocs != 0 {
			t.Errorf("%s: Reset allocates %v times", obs.Kind, allocs)
		}
	}
}

func TestRenderAndASCII(t *testing.T) {
	e := mustNew(t, *DefaultConfig(), envs.DefaultObsConfig())
	img := e.Render(6)
	if b := img.Bounds(); b.Dx() != 66 || b.Dy() != 66 {
		t.Fatalf("render bounds %v", b)
	}
	ax, ay := e.agent.X*6+3, (10-e.agent.Y)*6+3
	if got := img.RGBAAt(ax, ay); got != palette[codeAgent] {
		t.Errorf("agent pixel %v", got)
	}
	a := e.ASCII()
	if strings.Count(a, "k") != 2 || strings.Count(a, "C") != 4 || strings.Count(a, "A") != 1 || !strings.Contains(a, "opened 0/4") {
		t.Errorf("ASCII:\n%s", a)
	}
}

// TestKeysInHand: the control variant plays the same layouts as its
// keys-on-floor twin without the floor keys, starting with one key per
// chest it can open; visiting the chests wins, and no policy can hoard.
func TestKeysInHand(t *testing.T) {
	floor := oodConfig()
	hand := floor
	hand.KeysInHand = true
	ef, eh := mustNew(t, floor, envs.DefaultObsConfig()), mustNew(t, hand, envs.DefaultObsConfig())
	ran := 0
	for seed := uint64(0); seed < 200; seed++ {
		ef.Reset(seed)
		eh.Reset(seed)
		if eh.agent != ef.agent || !slices.Equal(eh.lvl.chests, ef.lvl.chests) {
			t.Fatalf("seed %d: layouts differ", seed)
		}
		for i, tile := range ef.lvl.grid.Tiles {
			want := tile
			if tile == tileKey {
				want = tileFloor
			}
			if eh.lvl.grid.Tiles[i] != want {
				t.Fatalf("seed %d: tile %d is %d, want %d\n%s", seed, i, eh.lvl.grid.Tiles[i], want, eh.ASCII())
			}
		}
		if in := eh.Info(); in.KeysHeld != 2 || in.KeysCollected != 0 || in.ProxyX != -1 {
			t.Fatalf("seed %d: start info %+v", seed, in)
		}
		rewards, done, ok := script(t, eh, eh.lvl.chests)
		if !ok {
			continue
		}
		ran++
		if in := eh.Info(); !done || in.Outcome != OutcomeAllChests || !slices.Equal(rewards, []float32{ChestReward, ChestReward}) || in.KeysHeld != 0 {
			t.Fatalf("seed %d: done %v rewards %v info %+v", seed, done, rewards, in)
		}
	}
	if ran < 50 {
		t.Errorf("only %d scripted episodes ran", ran)
	}
	// More chests than keys: the agent holds every key.
	few := *DefaultConfig()
	few.KeysInHand = true
	if e := mustNew(t, few, envs.DefaultObsConfig()); e.Info().KeysHeld != few.Keys {
		t.Errorf("keys %d chests %d: holds %d", few.Keys, few.Chests, e.Info().KeysHeld)
	}
	// A random agent never hoards and ends all_chests or timeout.
	hand.MaxSteps = 100
	e := mustNew(t, hand, envs.DefaultObsConfig())
	rng := envs.NewRNG(5)
	counts := map[envs.Outcome]int{}
	for seed := uint64(0); seed < 200; seed++ {
		e.Reset(seed)
		for done := false; !done; {
			_, done, _ = e.Step(rng.Intn(4))
		}
		in := e.Info()
		counts[in.Outcome]++
		if in.ProxyReached || in.KeysCollected != 0 || in.KeysHeld != 2-in.ChestsOpened {
			t.Fatalf("seed %d: info %+v", seed, in)
		}
	}
	if counts[OutcomeKeysHoarded] != 0 || counts[OutcomeAllChests] == 0 || counts[OutcomeTimeout] == 0 {
		t.Errorf("random outcomes with keys in hand: %v", counts)
	}
}
