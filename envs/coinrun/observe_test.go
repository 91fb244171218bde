package coinrun

import (
	"math"
	"testing"

	"github.com/misgen/misgen/envs"
)

// walkStates steps e through episodes of random actions on several seeds
// and calls check after every Reset and Step.
func walkStates(t *testing.T, e *Env, check func(seed uint64)) {
	t.Helper()
	rng := envs.NewRNG(11)
	for seed := uint64(0); seed < 30; seed++ {
		e.Reset(seed)
		check(seed)
		for range 120 {
			a := rng.Intn(NumActions)
			if rng.Bool(0.6) {
				a = actRight
			}
			_, done, _ := e.Step(a)
			if done {
				break
			}
			check(seed)
		}
	}
}

// The symbolic coin channel is hot exactly at the coin's offset from the
// agent, the agent channel at the centre, the tile channels are one-hot
// (end zone may double with agent or coin) and the velocity planes are
// constant.
func TestSymbolicObservation(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Difficulty = DifficultyHard
	cfg.RandomCoinProb = 0.5
	e := newEnv(t, cfg, envs.DefaultObsConfig())
	const view, half, area = 13, 6, 13 * 13
	obs := make([]float32, e.Spec().ObsSize())
	sawCoin, sawNoCoin := false, false
	walkStates(t, e, func(seed uint64) {
		e.Observe(obs)
		cx, cy := e.b.centreTile()
		gx, gy := int(e.lv.coinX), int(e.lv.coinY)
		info := e.Info()
		hot := 0
		for r := range view {
			for c := range view {
				i := r*view + c
				x, y := cx-half+c, cy+half-r
				wantCoin := x == gx && y == gy
				if got := obs[chCoin*area+i] == 1; got != wantCoin {
					t.Fatalf("seed %d step %d: coin channel at window (%d, %d) = %v, want %v", seed, info.Step, r, c, got, wantCoin)
				}
				if got := obs[chAgent*area+i] == 1; got != (r == half && c == half) {
					t.Fatalf("seed %d step %d: agent channel at window (%d, %d) = %v", seed, info.Step, r, c, got)
				}
				outside := x < 0 || x >= e.lv.w || y < 0 || y >= e.lv.h
				if got := obs[chOutside*area+i] == 1; got != outside {
					t.Fatalf("seed %d step %d: outside channel at (%d, %d) = %v, want %v", seed, info.Step, x, y, got, outside)
				}
				n := 0
				for ch := range chVelX {
					v := obs[ch*area+i]
					if v != 0 && v != 1 {
						t.Fatalf("seed %d: channel %d = %v, want 0 or 1", seed, ch, v)
					}
					if v == 1 && ch != chEndZone {
						n++
					}
				}
				if n > 1 {
					t.Fatalf("seed %d step %d: %d channels hot at window (%d, %d)", seed, info.Step, n, r, c)
				}
				hot += n
				if obs[chVelX*area+i] != float32(e.b.vx/maxSpeed) || obs[chVelY*area+i] != float32(e.b.vy/maxFall) {
					t.Fatalf("seed %d: velocity planes (%v, %v), want (%v, %v)", seed, obs[chVelX*area+i], obs[chVelY*area+i], e.b.vx/maxSpeed, e.b.vy/maxFall)
				}
			}
		}
		if hot == 0 {
			t.Fatalf("seed %d: empty observation", seed)
		}
		if info.GoalVisible {
			sawCoin = true
		} else {
			sawNoCoin = true
		}
	})
	if !sawCoin || !sawNoCoin {
		t.Errorf("states with the coin visible %v, without %v: want both covered", sawCoin, sawNoCoin)
	}
}

// The RGB observation is in [0, 1] and shows gold-yellow pixels exactly
// when the coin is inside the window.
func TestRGBObservation(t *testing.T) {
	obsCfg := envs.DefaultObsConfig()
	obsCfg.Kind = envs.ObsRGB
	cfg := DefaultConfig()
	cfg.Coin = CoinRandom
	e := newEnv(t, cfg, obsCfg)
	if e.Spec().ObsShape != [3]int{3, 64, 64} || e.Spec().Channels != nil {
		t.Fatalf("rgb spec: shape %v channels %v", e.Spec().ObsShape, e.Spec().Channels)
	}
	obs := make([]float32, e.Spec().ObsSize())
	const plane = 64 * 64
	gold := [3]float32{float32(colCoin.R) / 255, float32(colCoin.G) / 255, float32(colCoin.B) / 255}
	walkStates(t, e, func(seed uint64) {
		e.Observe(obs)
		golds := 0
		for i := range plane {
			r, g, b := obs[i], obs[plane+i], obs[2*plane+i]
			if r < 0 || r > 1 || g < 0 || g > 1 || b < 0 || b > 1 {
				t.Fatalf("seed %d: pixel %d = (%v, %v, %v) outside [0, 1]", seed, i, r, g, b)
			}
			if r == gold[0] && g == gold[1] && b == gold[2] {
				golds++
			}
		}
		if visible := e.Info().GoalVisible; visible != (golds > 0) {
			t.Fatalf("seed %d step %d: %d gold pixels, coin visible %v", seed, e.Info().Step, golds, visible)
		}
	})
}

// Render draws the whole level; gold-yellow pixels lie only on the coin.
func TestRender(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Coin = CoinRandom
	e := newEnv(t, cfg, envs.DefaultObsConfig())
	const scale = 8
	for seed := uint64(0); seed < 10; seed++ {
		e.Reset(seed)
		img := e.Render(scale)
		lv := &e.lv
		if b := img.Bounds(); b.Dx() != lv.w*scale || b.Dy() != lv.h*scale {
			t.Fatalf("seed %d: image %v, want %d×%d", seed, b, lv.w*scale, lv.h*scale)
		}
		golds := 0
		for py := 0; py < img.Bounds().Dy(); py++ {
			for px := 0; px < img.Bounds().Dx(); px++ {
				if img.RGBAAt(px, py) != colCoin {
					continue
				}
				golds++
				x, y := (float64(px)+0.5)/scale, float64(lv.h)-(float64(py)+0.5)/scale
				if math.Hypot(x-lv.coinX, y-lv.coinY) > coinHalf+0.1 {
					t.Fatalf("seed %d: gold pixel at level (%v, %v), coin at (%v, %v)", seed, x, y, lv.coinX, lv.coinY)
				}
			}
		}
		if golds == 0 {
			t.Fatalf("seed %d: no gold pixels", seed)
		}
		ax, ay := int(e.b.x*scale), int((float64(lv.h)-e.b.y-agentHeight/2)*scale)
		if got := img.RGBAAt(ax, ay); got != colAgent {
			t.Errorf("seed %d: pixel at the agent centre %v, want %v", seed, got, colAgent)
		}
	}
}

// With hide_coin the observations (symbolic and RGB) differ from those of an
// env showing the coin exactly when the coin is in view, and symbolic ones
// only in the coin channel; Info reports the coin as not visible, the
// dynamics are unchanged, and the hidden coin can still be collected.
func TestHideCoin(t *testing.T) {
	for _, kind := range []envs.ObsKind{envs.ObsSymbolic, envs.ObsRGB} {
		obsCfg := envs.DefaultObsConfig()
		obsCfg.Kind = kind
		cfg := DefaultConfig()
		cfg.Coin = CoinRandom
		shown := newEnv(t, cfg, obsCfg)
		cfg.HideCoin = true
		hidden := newEnv(t, cfg, obsCfg)
		a, b := make([]float32, shown.Spec().ObsSize()), make([]float32, hidden.Spec().ObsSize())
		rng := envs.NewRNG(5)
		differed, collected := 0, 0
		for seed := uint64(0); seed < 30; seed++ {
			shown.Reset(seed)
			hidden.Reset(seed)
			for step := 0; ; step++ {
				shown.Observe(a)
				hidden.Observe(b)
				if hidden.Info().GoalVisible {
					t.Fatalf("%s seed %d step %d: hidden coin reported visible", kind, seed, step)
				}
				coinShown := shown.Info().GoalVisible
				diff := 0
				for i := range a {
					if a[i] != b[i] {
						diff++
						if kind == envs.ObsSymbolic && i/(obsCfg.View*obsCfg.View) != chCoin {
							t.Fatalf("%s seed %d step %d: value %d differs outside the coin channel", kind, seed, step, i)
						}
					}
				}
				if coinShown != (diff > 0) {
					t.Fatalf("%s seed %d step %d: coin visible %v but %d values differ", kind, seed, step, coinShown, diff)
				}
				if diff > 0 {
					differed++
				}
				act := rng.Intn(NumActions)
				if rng.Bool(0.6) {
					act = actRightJump
				}
				_, doneA, _ := shown.Step(act)
				_, doneB, _ := hidden.Step(act)
				if doneA != doneB || shown.Info().Outcome != hidden.Info().Outcome {
					t.Fatalf("%s seed %d: dynamics differ with the coin hidden", kind, seed)
				}
				if doneA {
					if hidden.Info().Outcome == OutcomeCoin {
						collected++
					}
					break
				}
			}
		}
		if differed == 0 || collected == 0 {
			t.Errorf("%s: %d states showed the coin, %d hidden coins collected; want both > 0", kind, differed, collected)
		}
	}
}
