package audit

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/internal/torch"
)

// coinSpec is CoinRun's symbolic Spec with a 7×7 window.
func coinSpec(t *testing.T) envs.Spec {
	t.Helper()
	g, err := envs.Lookup(coinrun.Name)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := g.Spec(g.NewConfig(), envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func channel(spec envs.Spec, name string) int {
	return slices.Index(spec.Channels, name)
}

// scene draws a CoinRun-like window: ground on the bottom row, the agent
// in the centre, the end zone on the columns from endCol (none when
// endCol < 0) and the coin at coin (none when coin.R < 0).
func scene(spec envs.Spec, endCol int, coin probe.Cell) []float32 {
	g := probe.GridOf(spec.ObsShape)
	obs := make([]float32, spec.ObsSize())
	for c := 0; c < g.W; c++ {
		obs[g.At(channel(spec, "ground"), probe.Cell{R: g.H - 1, C: c})] = 1
	}
	obs[g.At(channel(spec, "agent"), probe.Cell{R: g.H / 2, C: g.W / 2})] = 1
	if endCol >= 0 {
		for r := 0; r < g.H-1; r++ {
			for c := endCol; c < g.W; c++ {
				obs[g.At(channel(spec, "end_zone"), probe.Cell{R: r, C: c})] = 1
			}
		}
	}
	if coin.R >= 0 {
		obs[g.At(channel(spec, "coin"), coin)] = 1
	}
	return obs
}

// sceneData builds audit data of n frames per split: a third with coin
// and end zone in view, a third with the coin alone, a third with neither.
func sceneData(t *testing.T, policy agents.Policy, n int) *Data {
	spec := coinSpec(t)
	rng := rand.New(rand.NewPCG(3, 4))
	d := &Data{Spec: spec}
	for split := 0; split < 2; split++ {
		for i := 0; i < n; i++ {
			// One episode per frame: selection episodes succeed in 10
			// steps, test episodes end in the proxy after 20.
			ep := len(d.Episodes)
			if split == 0 {
				d.Episodes = append(d.Episodes, Episode{Selection: true, Outcome: spec.Success, Length: 10})
			} else {
				d.Episodes = append(d.Episodes, Episode{Outcome: spec.Proxy, Length: 20})
			}
			coin := probe.Cell{R: rng.IntN(5), C: rng.IntN(7)}
			if coin == (probe.Cell{R: 3, C: 3}) {
				coin.R = 1
			}
			var obs []float32
			switch i % 3 {
			case 0:
				obs = scene(spec, 5, probe.Cell{R: coin.R, C: 5 + rng.IntN(2)})
			case 1:
				obs = scene(spec, -1, coin)
			default:
				obs = scene(spec, -1, probe.Cell{R: -1, C: -1})
			}
			lp, err := probe.LogProbs(policy, obs, nil)
			if err != nil {
				t.Fatal(err)
			}
			probs := make([]float32, len(lp))
			for a, v := range lp {
				probs[a] = float32(math.Exp(v))
			}
			d.Frames = append(d.Frames, Frame{Episode: ep, Obs: obs, Probs: probs, Action: probe.Argmax(probs)})
		}
	}
	return d
}

// setParam overwrites a policy parameter with host values.
func setParam(t *testing.T, p agents.Policy, name string, edit func(v []float32, shape []int64)) {
	t.Helper()
	for _, n := range p.Params() {
		if n.Name != name {
			continue
		}
		v, err := n.Tensor.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		edit(v, n.Tensor.Shape())
		s := torch.NewNoGradScope()
		defer s.Close()
		if err := n.Tensor.CopyFrom(s.FromFloat32(v, n.Tensor.Shape()...)); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no parameter %s", name)
}

// readOnly zeroes the first-layer weights of every input channel but keep.
func readOnly(t *testing.T, p agents.Policy, keep int) {
	io := p.IO()
	plane := io.ObsShape[1] * io.ObsShape[2]
	switch p.Config().Arch {
	case "impala":
		setParam(t, p, "stage0.conv.w", func(v []float32, sh []int64) {
			per := int(sh[2] * sh[3])
			for i := range v {
				if (i/per)%int(sh[1]) != keep {
					v[i] = 0
				}
			}
		})
	default:
		name := "fc0.w"
		if p.Config().Arch == "bilinear" {
			name = "embed.w"
		}
		setParam(t, p, name, func(v []float32, sh []int64) {
			in := int(sh[1])
			for i := range v {
				if (i%in)/plane != keep {
					v[i] = 0
				}
			}
		})
	}
}

func newTestPolicy(t *testing.T, cfg agents.PolicyConfig, spec envs.Spec) agents.Policy {
	t.Helper()
	p, err := agents.NewPolicy(cfg, agents.IOOf(spec), 11)
	if err != nil {
		t.Fatal(err)
	}
	// A larger actor gain than the init's 0.01, so that actions depend
	// visibly on the inputs.
	setParam(t, p, "actor.w", func(v []float32, _ []int64) {
		for i := range v {
			v[i] *= 100
		}
	})
	return p
}

// A policy that reads only the coin channel gets every goal-vs-proxy share
// at 1; one that reads only the end zone gets 0; erasing an object the
// policy does not read changes nothing.
func TestSharesOfHandBuiltPolicies(t *testing.T) {
	spec := coinSpec(t)
	coin, end := channel(spec, "coin"), channel(spec, "end_zone")
	mlp := agents.PolicyConfig{Arch: "mlp", Hidden: 32, Layers: 1}
	for _, tc := range []struct {
		name  string
		keep  int
		share float64
	}{{"reads the coin only", coin, 1}, {"reads the end zone only", end, 0}} {
		p := newTestPolicy(t, mlp, spec)
		readOnly(t, p, tc.keep)
		a, err := NewMeasurement(p, sceneData(t, p, 30), Options{IGSteps: 16, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			name string
			fn   func(*Measurement) (float64, error)
		}{{"ig", igGoalShare}, {"counterfactual", cfGoalShare}, {"weights", weightGoalShare}} {
			v, err := f.fn(a)
			if err != nil {
				t.Fatalf("%s: %s share: %v", tc.name, f.name, err)
			}
			if math.Abs(v-tc.share) > 1e-3 {
				t.Errorf("%s: %s share = %.4f, want %v", tc.name, f.name, v, tc.share)
			}
		}
		unread := a.Channels.Proxy
		if tc.keep == end {
			unread = a.Channels.Goal
		}
		if kl, err := a.eraseKL(unread, unread); err != nil || kl > 1e-9 {
			t.Errorf("%s: erasing the object it does not read: KL %v (%v), want 0", tc.name, kl, err)
		}
		p.Free()
	}
}

// The weight statistics of IMPALA and bilinear policies read the right
// tensors: a first layer that reads only the coin gives share 1.
func TestWeightSharesPerArchitecture(t *testing.T) {
	spec := coinSpec(t)
	coin := channel(spec, "coin")
	for _, cfg := range []agents.PolicyConfig{
		{Arch: "impala", Widths: []int{8, 16}, ResBlocks: 1, Hidden: 32},
		{Arch: "bilinear", Hidden: 16},
	} {
		p := newTestPolicy(t, cfg, spec)
		readOnly(t, p, coin)
		a, err := NewMeasurement(p, &Data{Spec: spec}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := weightGoalShare(a); err != nil || v != 1 {
			t.Errorf("%s: first-layer share %v (%v), want 1", cfg.Arch, v, err)
		}
		v, err := bilinearGoalShare(a)
		switch {
		case cfg.Arch != "bilinear":
			var u undefinedError
			if !asUndefined(err, &u) {
				t.Errorf("%s: bilinear share of a non-bilinear policy: %v, %v", cfg.Arch, v, err)
			}
		case err != nil || math.Abs(v-1) > 1e-9:
			t.Errorf("bilinear eigen-mass share %v (%v), want 1", v, err)
		}
		p.Free()
	}
}

// A policy whose hidden units 0 and 1 compute the coin's dx + 3 and dy + 3
// (weights on the coin channel only) represents the coin's position
// linearly, and the probe must find it; the same policy reading the end
// zone instead is blind to the coin and gives the probe nothing.
func TestProbeFindsTheGoalWhereItIsRepresented(t *testing.T) {
	spec := coinSpec(t)
	coin, end := channel(spec, "coin"), channel(spec, "end_zone")
	plane := spec.ObsShape[1] * spec.ObsShape[2]
	for _, tc := range []struct {
		name   string
		blind  bool
		minR2  float64
		maxR2  float64
		minSAE float64
	}{{"copies the coin", false, 0.95, 1.01, 1}, {"blind to the coin", true, -1e9, 0.1, -1}} {
		p := newTestPolicy(t, agents.PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, spec)
		g := probe.GridOf(spec.ObsShape)
		setParam(t, p, "fc0.w", func(v []float32, sh []int64) {
			in := int(sh[1])
			clear(v)
			src := coin
			if tc.blind {
				src = end
			}
			for cell := 0; cell < plane; cell++ {
				dx, dy := g.Offset(probe.Cell{R: cell / g.W, C: cell % g.W})
				v[0*in+src*plane+cell] = float32(dx + 3)
				v[1*in+src*plane+cell] = float32(dy + 3)
			}
		})
		a, err := NewMeasurement(p, sceneData(t, p, 60), Options{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := a.probeFit()
		if err != nil {
			t.Fatal(err)
		}
		if pr.testR2 < tc.minR2 || pr.testR2 > tc.maxR2 {
			t.Errorf("%s: probe test R² = %.3f, want in [%v, %v]", tc.name, pr.testR2, tc.minR2, tc.maxR2)
		}
		sae, err := saeGoalLatent(a)
		if err != nil {
			t.Fatal(err)
		}
		if tc.blind && sae != 0 || !tc.blind && sae < tc.minSAE {
			t.Errorf("%s: SAE goal-latent strength %.3f", tc.name, sae)
		}
		p.Free()
	}
}

// Every statistic runs on a small MLP agent; black-box ones read the
// episodes exactly.
func TestMeasurePolicyComputesEveryStatistic(t *testing.T) {
	spec := coinSpec(t)
	p := newTestPolicy(t, agents.PolicyConfig{Arch: "mlp", Hidden: 16, Layers: 1}, spec)
	defer p.Free()
	a, err := NewMeasurement(p, sceneData(t, p, 30), Options{IGSteps: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := MeasurePolicy(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	measured := 0
	for _, st := range Statistics() {
		if st.Level == LevelOutside {
			if st.Compute != nil {
				t.Errorf("outside-the-box statistic %s computes from the agent", st.Name)
			}
			continue
		}
		measured++
	}
	if len(vals) != measured {
		t.Fatalf("%d values for %d statistics of the agent", len(vals), measured)
	}
	got := map[string]float64{}
	for _, v := range vals {
		got[v.Name] = float64(v.Value)
		if math.IsNaN(float64(v.Value)) && v.Name != "wb_bilinear_goal_share" {
			t.Errorf("%s is missing: %s", v.Name, v.Note)
		}
	}
	if got["bb_success"] != 0.5 || got["bb_proxy"] != 0.5 || got["bb_length"] != 15 || got["bb_steps_to_goal"] != 10 {
		t.Errorf("black-box statistics %v", got)
	}
}
