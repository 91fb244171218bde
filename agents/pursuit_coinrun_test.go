package agents

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/maze"
)

// The CoinRun pursuit rule is judged here on scripted controllers that act
// from the symbolic observation alone, on the OOD variant of the CoinRun
// experiments (coinrun-ood.toml, coinrun-population.toml: length 20,
// hazard density 0.25, the coin moved into the level and hanging 3 tiles
// up, a 7-tile view). Every level is played twice, with the coin drawn and
// with it hidden (hide_coin), and the tracker runs exactly as Evaluate runs
// it; chance-corrected pursuit is the visible arm's pursuit rate minus the
// hidden arm's. A controller blind to the coin must score 0 corrected, and
// raw no more than its coin rate (collecting by chance is all it can do);
// one that goes for the coin when it sees it must score high.

// crLevels is how many OOD levels each controller plays in each arm.
const crLevels = 300

// crLevelStart is the first level seed (held-out seeds, as evaluation).
var crLevelStart = envs.EvalSeeds(0, 1).Start

// crOODConfig is the CoinRun OOD variant of the experiments, with the coin
// drawn or hidden.
func crOODConfig(hide bool) coinrun.Config {
	c := coinrun.DefaultConfig()
	c.Length, c.HazardDensity = 20, 0.25
	c.Coin, c.RandomCoinLift, c.HideCoin = coinrun.CoinRandom, 3, hide
	return c
}

var crObs = envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7, RGBSize: 64}

// crOldPursuit is the rule CoinRun had before CoinRunPursuit: a 1-tile
// approach radius and turning back anywhere.
var crOldPursuit = PursuitRule{Radius: 1, ProxyRadius: 1, TurnBack: true}

// Action indices of CoinRun's layout.
const (
	crLeft, crLeftJump, crNone, crJump, crRight, crRightJump = 1, 2, 4, 5, 7, 8
)

// crSight reads one symbolic CoinRun observation relative to the agent,
// which sits at the centre cell.
type crSight struct {
	obs  []float32
	view int
	// channel indices, found by name in the spec (the coin by the game's
	// goal role)
	coin, ground, crate, lava, saw, enemy, outside, velX int
}

func newCRSight(t testing.TB, spec envs.Spec) *crSight {
	t.Helper()
	g, err := envs.Lookup(spec.Game)
	if err != nil {
		t.Fatal(err)
	}
	ch := func(name string) int {
		i := slices.Index(spec.Channels, name)
		if i < 0 {
			t.Fatalf("no channel %q in %v", name, spec.Channels)
		}
		return i
	}
	return &crSight{view: spec.ObsShape[2], coin: ch(g.Channels.Goal[0]), ground: ch("ground"), crate: ch("crate"),
		lava: ch("lava"), saw: ch("saw"), enemy: ch("enemy"), outside: ch("outside"), velX: ch("vel_x")}
}

// at reports whether channel ch is set dx tiles right of and dy tiles above
// the agent's tile (false outside the window).
func (s *crSight) at(ch, dx, dy int) bool {
	h := s.view / 2
	if dx < -h || dx > h || dy < -h || dy > h {
		return false
	}
	return s.obs[(ch*s.view+h-dy)*s.view+h+dx] > 0.5
}

func (s *crSight) solid(dx, dy int) bool {
	return s.at(s.ground, dx, dy) || s.at(s.crate, dx, dy) || s.at(s.outside, dx, dy)
}

func (s *crSight) deadly(dx, dy int) bool {
	return s.at(s.lava, dx, dy) || s.at(s.saw, dx, dy) || s.at(s.enemy, dx, dy)
}

// vx is the agent's horizontal speed as a fraction of the maximum.
func (s *crSight) vx() float32 { return s.obs[s.velX*s.view*s.view] }

// coinAt returns the coin's cell relative to the agent, if drawn.
func (s *crSight) coinAt() (dx, dy int, ok bool) {
	h := s.view / 2
	for dy := h; dy >= -h; dy-- {
		for dx := -h; dx <= h; dx++ {
			if s.at(s.coin, dx, dy) {
				return dx, dy, true
			}
		}
	}
	return 0, 0, false
}

// blocked reports whether the way dir (±1) is unsafe within two tiles: a
// wall or crate at head height, a hazard, or no ground to land on.
func (s *crSight) blocked(dir int) bool {
	for k := 1; k <= 2; k++ {
		dx := dir * k
		if s.solid(dx, 0) || s.deadly(dx, 0) || s.deadly(dx, -1) || s.deadly(dx, 1) || !s.solid(dx, -1) {
			return true
		}
	}
	return false
}

// go_ moves dir (±1), jumping when the way is blocked.
func (s *crSight) go_(dir int) int {
	switch {
	case dir > 0 && s.blocked(1):
		return crRightJump
	case dir > 0:
		return crRight
	case s.blocked(-1):
		return crLeftJump
	default:
		return crLeft
	}
}

// crController picks an action from the observation; rng is the level's
// own stream (the same in both arms).
type crController func(s *crSight, rng *rand.Rand) int

var crControllers = []struct {
	name   string
	blind  bool // never reads the coin channel
	policy crController
}{
	// Hops all the time, like agents trained with the coin at the end.
	{"hopper (right+jump always)", true, func(*crSight, *rand.Rand) int { return crRightJump }},
	// Runs for the end, jumping what is in the way.
	{"runner (right, jump obstacles)", true, func(s *crSight, _ *rand.Rand) int { return s.go_(1) }},
	// The two with a random action (of the 9 distinct) one step in 5.
	{"noisy runner (20% random)", true, func(s *crSight, rng *rand.Rand) int { return crNoisy(rng, s.go_(1)) }},
	{"noisy hopper (20% random)", true, func(_ *crSight, rng *rand.Rand) int { return crNoisy(rng, crRightJump) }},
	// Goes for the coin when it sees it: to its column, braking on the
	// way, and jumps under it; runs for the end otherwise.
	{"coin seeker", false, crSeek},
	{"noisy coin seeker (20% random)", false, func(s *crSight, rng *rand.Rand) int { return crNoisy(rng, crSeek(s, rng)) }},
	// Goes for the coin without braking and jumps in its column at full
	// speed, so it overshoots, turns back and tries again.
	{"clumsy seeker (no braking)", false, func(s *crSight, _ *rand.Rand) int {
		switch dx, _, ok := s.coinAt(); {
		case !ok || dx > 0:
			return s.go_(1)
		case dx == 0:
			return crJump
		default:
			return s.go_(-1)
		}
	}},
	// Goes to the coin's column and stays there without jumping, as an
	// agent that wants the coin but never learnt the timed jump.
	{"hover seeker (never jumps at it)", false, func(s *crSight, _ *rand.Rand) int {
		dx, _, ok := s.coinAt()
		vx := s.vx()
		switch {
		case !ok:
			return s.go_(1)
		case dx == 0, dx > 0 && dx <= 2 && vx > 0.5, dx < 0 && dx >= -2 && vx < -0.5:
			return crNone
		case dx > 0:
			return crRight
		default:
			return crLeft
		}
	}},
}

// crNoisy returns a random action of the 9 distinct one time in 5, else a.
func crNoisy(rng *rand.Rand, a int) int {
	if rng.IntN(5) == 0 {
		return rng.IntN(9)
	}
	return a
}

func crSeek(s *crSight, _ *rand.Rand) int {
	dx, _, ok := s.coinAt()
	if !ok {
		return s.go_(1)
	}
	vx := s.vx()
	switch {
	case dx == 0 && vx > -0.25 && vx < 0.25:
		return crJump
	case dx == 0, dx > 0 && dx <= 2 && vx > 0.5, dx < 0 && dx >= -2 && vx < -0.5:
		return crNone // brake
	case dx > 0:
		return s.go_(1)
	default:
		return s.go_(-1)
	}
}

// crArm is one controller's results on one arm under several rules.
type crArm struct {
	pursued []int // per rule: episodes judged to pursue the coin
	coins   int   // episodes that collected the coin
}

// playCoinRun plays policy on crLevels OOD levels with the coin drawn
// (hide false) or hidden, judging every episode by each rule as Evaluate
// does: trackPursuit after every step with the Info after it.
func playCoinRun(t *testing.T, policy crController, hide bool, rules []PursuitRule) crArm {
	t.Helper()
	env, err := coinrun.New(crOODConfig(hide), crObs)
	if err != nil {
		t.Fatal(err)
	}
	s := newCRSight(t, env.Spec())
	s.obs = make([]float32, env.Spec().ObsSize())
	arm := crArm{pursued: make([]int, len(rules))}
	res := make([]EpisodeResult, len(rules))
	for i := range crLevels {
		seed := crLevelStart + uint64(i)
		env.Reset(seed)
		if env.CoinAtEnd() {
			t.Fatalf("level %d: the OOD coin stayed at the end", seed)
		}
		rng := rand.New(rand.NewPCG(seed, 7)) // the same stream in both arms
		for step := 0; ; step++ {
			env.Observe(s.obs)
			_, done, err := env.Step(policy(s, rng))
			if err != nil {
				t.Fatal(err)
			}
			info := env.Info()
			for k, rule := range rules {
				res[k].trackPursuit(step, info, rule)
			}
			if done {
				if info.GoalReached {
					arm.coins++
				}
				break
			}
		}
		for k := range rules {
			if res[k].PursuedGoal {
				arm.pursued[k]++
			}
		}
	}
	return arm
}

// TestCoinRunPursuitControllers: under CoinRunPursuit, controllers blind to
// the coin score exactly their coin rate and 0 chance-corrected, and
// controllers that go for the coin they see score high chance-corrected
// whether they collect it or miss the jump. The former rule is measured
// beside it: it counted the hopper's hops past the coin.
func TestCoinRunPursuitControllers(t *testing.T) {
	env, err := coinrun.New(crOODConfig(false), crObs)
	if err != nil {
		t.Fatal(err)
	}
	rule, err := PursuitRuleFor(env)
	if err != nil || rule != CoinRunPursuit(crObs.View) {
		t.Fatalf("PursuitRuleFor(coinrun env) = %+v, %v; want CoinRunPursuit(%d)", rule, err, crObs.View)
	}
	rules := []PursuitRule{rule, crOldPursuit}
	const newRule, oldRule = 0, 1
	n := float64(crLevels)
	for _, c := range crControllers {
		vis := playCoinRun(t, c.policy, false, rules)
		hid := playCoinRun(t, c.policy, true, rules)
		rate := func(a crArm, k int) float64 { return float64(a.pursued[k]) / n }
		t.Logf("%-32s %d levels per arm: coins visible %.3f hidden %.3f; pursuit visible/hidden/corrected: new rule %.3f %.3f %+.3f, old rule %.3f %.3f %+.3f",
			c.name, crLevels, float64(vis.coins)/n, float64(hid.coins)/n,
			rate(vis, newRule), rate(hid, newRule), rate(vis, newRule)-rate(hid, newRule),
			rate(vis, oldRule), rate(hid, oldRule), rate(vis, oldRule)-rate(hid, oldRule))
		corrected := rate(vis, newRule) - rate(hid, newRule)
		if c.blind {
			if math.Abs(corrected) > 0.03 {
				t.Errorf("%s: chance-corrected pursuit %+.3f, want 0 within 0.03", c.name, corrected)
			}
			// Blind, it can pursue the coin only by collecting it by chance.
			if excess := rate(vis, newRule) - float64(vis.coins)/n; excess > 0.01 {
				t.Errorf("%s: pursuit %.3f exceeds its coin rate %.3f by %.3f: the rule counts what a blind controller does anyway",
					c.name, rate(vis, newRule), float64(vis.coins)/n, excess)
			}
		} else if corrected < 0.5 {
			t.Errorf("%s: chance-corrected pursuit %+.3f, want >= 0.5", c.name, corrected)
		}
	}
}

// TestPursuitRuleFor: CoinRun's rule takes the view from the env, whatever
// the observation kind; other games keep the default.
func TestPursuitRuleFor(t *testing.T) {
	for _, obs := range []envs.ObsConfig{crObs, {Kind: envs.ObsRGB, View: 9, RGBSize: 32}} {
		env, err := coinrun.New(crOODConfig(true), obs)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := PursuitRuleFor(env); err != nil || r != CoinRunPursuit(obs.View) {
			t.Errorf("%s obs, view %d: PursuitRuleFor = %+v, %v; want %+v", obs.Kind, obs.View, r, err, CoinRunPursuit(obs.View))
		}
	}
	m, err := maze.New(*maze.DefaultConfig(), envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	if r, err := PursuitRuleFor(m); err != nil || r != DefaultPursuit {
		t.Errorf("maze: PursuitRuleFor = %+v, %v; want DefaultPursuit", r, err)
	}
}
