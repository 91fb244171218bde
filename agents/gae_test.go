package agents

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/stats"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

func TestGAEHandComputed(t *testing.T) {
	// One env, three steps; the observation at step 2 starts a new
	// episode, so step 1 does not bootstrap from step 2.
	rewards := []float32{1, 2, 3}
	values := []float32{0.5, 1, 2}
	dones := []float32{0, 0, 1}
	gamma, lambda := 0.9, 0.8
	adv, ret := GAE(rewards, values, dones, []float32{4}, []float32{0}, 1, 3, gamma, lambda)
	// t=2: delta = 3 + 0.9*4 - 2 = 4.6; A = 4.6
	// t=1: next is a new episode: delta = 2 - 1 = 1; A = 1
	// t=0: delta = 1 + 0.9*1 - 0.5 = 1.4; A = 1.4 + 0.9*0.8*1 = 2.12
	want := []float64{2.12, 1, 4.6}
	for i := range want {
		if !near(float64(adv[i]), want[i], 1e-6) {
			t.Errorf("adv[%d] = %v, want %v", i, adv[i], want[i])
		}
		if !near(float64(ret[i]), want[i]+float64(values[i]), 1e-6) {
			t.Errorf("ret[%d] = %v, want %v", i, ret[i], want[i]+float64(values[i]))
		}
	}
	// A final done cuts the bootstrap value.
	adv, _ = GAE([]float32{1}, []float32{0}, []float32{0}, []float32{100}, []float32{1}, 1, 1, 0.9, 0.8)
	if adv[0] != 1 {
		t.Errorf("last done: adv = %v, want 1", adv[0])
	}
}

// A time-limit truncation, with its reward bootstrapped, targets
// r + γ·V(s_T) at the cut step; without, the cut is terminal.
func TestGAETimeLimitBootstrapHandComputed(t *testing.T) {
	// One env, three steps; the episode is cut by its time limit on step 1
	// (so the observation at step 2 starts a new episode), and the critic
	// values the cut episode's final observation at 0.8.
	values := []float32{0.5, 0.4, 0.3}
	dones := []float32{0, 0, 1}
	gamma, lambda := 0.9, 0.95
	for _, tc := range []struct {
		bootstrap bool
		want      []float64
	}{
		// t=2: delta = 2 + 0.9*0.6 - 0.3 = 2.24; A = 2.24
		// t=1: reward 0 + 0.9*0.8 = 0.72; cut: delta = 0.72 - 0.4 = 0.32; A = 0.32
		// t=0: delta = 1 + 0.9*0.4 - 0.5 = 0.86; A = 0.86 + 0.9*0.95*0.32 = 1.1336
		{true, []float64{1.1336, 0.32, 2.24}},
		// t=1 terminal: delta = 0 - 0.4; A = -0.4; t=0: A = 0.86 - 0.855*0.4 = 0.518
		{false, []float64{0.518, -0.4, 2.24}},
	} {
		rewards := []float32{1, 0, 2}
		if tc.bootstrap {
			// The vector step of step 1 (one env): cut, V(s_T) = 0.8.
			BootstrapTimeLimits(rewards[1:2], []bool{true}, []float32{0.8}, gamma)
		}
		// Steps that were not cut keep their rewards.
		BootstrapTimeLimits(rewards[2:3], []bool{false}, []float32{100}, gamma)
		adv, ret := GAE(rewards, values, dones, []float32{0.6}, []float32{0}, 1, 3, gamma, lambda)
		for i, w := range tc.want {
			if !near(float64(adv[i]), w, 1e-6) || !near(float64(ret[i]), w+float64(values[i]), 1e-6) {
				t.Errorf("bootstrap %v: adv[%d] = %v ret %v, want %v and %v", tc.bootstrap, i, adv[i], ret[i], w, w+float64(values[i]))
			}
		}
	}
}

// With λ = 1 and no episode boundaries the advantage is the discounted
// return (bootstrapped with the last value) minus the value; with λ = 0 it
// is the one-step TD error. Checked per env on a step-major layout.
func TestGAEMatchesReturnDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const envs, steps, gamma = 3, 7, 0.95
	n := envs * steps
	r, v, d := make([]float32, n), make([]float32, n), make([]float32, n)
	lastV, lastD := make([]float32, envs), make([]float32, envs)
	for i := range r {
		r[i], v[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	for e := range lastV {
		lastV[e] = float32(rng.NormFloat64())
	}
	adv1, _ := GAE(r, v, d, lastV, lastD, envs, steps, gamma, 1)
	adv0, _ := GAE(r, v, d, lastV, lastD, envs, steps, gamma, 0)
	for e := 0; e < envs; e++ {
		for ts := 0; ts < steps; ts++ {
			g := float64(lastV[e]) * math.Pow(gamma, float64(steps-ts))
			for k := ts; k < steps; k++ {
				g += math.Pow(gamma, float64(k-ts)) * float64(r[k*envs+e])
			}
			i := ts*envs + e
			if want := g - float64(v[i]); !near(float64(adv1[i]), want, 1e-4) {
				t.Errorf("λ=1 env %d step %d: adv %v, want %v", e, ts, adv1[i], want)
			}
			next := float64(lastV[e])
			if ts+1 < steps {
				next = float64(v[(ts+1)*envs+e])
			}
			if want := float64(r[i]) + gamma*next - float64(v[i]); !near(float64(adv0[i]), want, 1e-5) {
				t.Errorf("λ=0 env %d step %d: adv %v, want %v", e, ts, adv0[i], want)
			}
		}
	}
}

func TestGAEPanicsOnBadLengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for mismatched lengths")
		}
	}()
	GAE(make([]float32, 5), make([]float32, 6), make([]float32, 6), make([]float32, 2), make([]float32, 2), 2, 3, 0.9, 0.9)
}

func TestExplainedVariance(t *testing.T) {
	target := []float32{1, 2, 3, 4}
	for i, tc := range []struct {
		pred []float32
		want float64
	}{
		{[]float32{1, 2, 3, 4}, 1},
		{[]float32{2.5, 2.5, 2.5, 2.5}, 0},
		{[]float32{0, 1, 2, 3}, 1},            // constant offset: residual variance 0
		{[]float32{4, 3, 2, 1}, 1 - 5.0/1.25}, // Var(target-pred) = 5, Var(target) = 1.25
		{[]float32{2, 2, 3, 3}, 1 - 0.5/1.25}, // residual -1,0,0,1: var 0.5
	} {
		if got := ExplainedVariance(tc.pred, target); !near(got, tc.want, 1e-9) {
			t.Errorf("case %d: %v, want %v", i, got, tc.want)
		}
	}
	if got := ExplainedVariance([]float32{1, 2}, []float32{3, 3}); !math.IsNaN(got) {
		t.Errorf("constant targets: %v, want NaN", got)
	}
}

func TestRunningMeanStdMatchesBatchStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := NewRunningMeanStd()
	var all []float64
	for b := 0; b < 20; b++ {
		batch := make([]float64, 1+rng.IntN(9))
		for i := range batch {
			batch[i] = 3 + 2*rng.NormFloat64()
		}
		r.Update(batch)
		all = append(all, batch...)
	}
	mean, vr := stats.Mean(all), stats.PopVariance(all)
	// The 1e-4 initial count (mean 0, var 1) shifts results by ~1e-5.
	if !near(r.Mean, mean, 1e-4) || !near(r.Var, vr, 1e-4) {
		t.Errorf("running mean %v var %v, direct mean %v var %v", r.Mean, r.Var, mean, vr)
	}
}

func TestRewardNormalizer(t *testing.T) {
	n := NewRewardNormalizer(2, 0.5, 10)
	// Step 1: returns [2, -2] → batch var 4 (count 2 dominates the prior).
	rw := []float32{2, -2}
	n.Normalize(rw, []bool{false, true})
	// Combined variance of prior (mean 0, var 1, count 1e-4) and batch
	// (mean 0, var 4, count 2): (1e-4·1 + 2·4) / (2 + 1e-4).
	wantVar := (1e-4 + 4*2) / (2 + 1e-4)
	if !near(n.Stats.Var, wantVar, 1e-9) {
		t.Fatalf("var %v, want %v", n.Stats.Var, wantVar)
	}
	scale := 1 / math.Sqrt(wantVar+1e-8)
	if !near(float64(rw[0]), 2*scale, 1e-6) || !near(float64(rw[1]), -2*scale, 1e-6) {
		t.Errorf("normalised %v, want ±%v", rw, 2*scale)
	}
	// Env 1 ended: its return restarts; env 0 discounts: 0.5·2 + 1 = 2.
	if n.Returns[0] != 2 || n.Returns[1] != 0 {
		t.Errorf("returns %v, want [2 0]", n.Returns)
	}
	// Clipping: the first return of a single env has almost no spread
	// (prior count 1e-4), so 2/√var is about 89 and is clipped to 0.5.
	c := NewRewardNormalizer(1, 0.9, 0.5)
	one := []float32{2}
	c.Normalize(one, []bool{false})
	if one[0] != 0.5 {
		t.Errorf("clipped %v, want 0.5", one[0])
	}
	neg := []float32{-1000}
	c.Normalize(neg, []bool{false})
	if neg[0] != -0.5 {
		t.Errorf("clipped %v, want -0.5", neg[0])
	}
}
