package all

import (
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
)

// TestEveryGameRegisteredAndRuns builds each game with its default config
// in both observation kinds and steps it through a VecEnv until at least one
// episode ends with an outcome listed in its Spec.
func TestEveryGameRegisteredAndRuns(t *testing.T) {
	names := envs.Names()
	for _, want := range []string{"coinrun", "colourshape", "heist", "maze"} {
		if !slices.Contains(names, want) {
			t.Errorf("game %q not registered: %v", want, names)
		}
	}
	for _, name := range names {
		g, err := envs.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, obs := range []envs.ObsConfig{envs.DefaultObsConfig(), {Kind: envs.ObsRGB, View: 13, RGBSize: 64}} {
			es, err := envs.MakeEnvs(g, g.NewConfig(), obs, 8)
			if err != nil {
				t.Fatalf("%s %s: %v", name, obs.Kind, err)
			}
			v, err := envs.NewVecEnv(es, envs.TrainSeeds(100), 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			spec := v.Spec()
			if len(v.Obs()) != 8*spec.ObsSize() || !slices.Contains(spec.Outcomes, spec.Success) || !slices.Contains(spec.Outcomes, spec.Proxy) {
				t.Errorf("%s %s: spec %+v", name, obs.Kind, spec)
			}
			rng := envs.NewRNG(3)
			acts := make([]int, 8)
			ended := 0
			for step := 0; step < 2*spec.MaxSteps && ended == 0; step++ {
				for i := range acts {
					acts[i] = rng.Intn(spec.NumActions)
				}
				if err := v.Step(acts); err != nil {
					t.Fatal(err)
				}
				for i, d := range v.Dones() {
					if d {
						ended++
						if o := v.Infos()[i].Outcome; !slices.Contains(spec.Outcomes, o) {
							t.Errorf("%s: outcome %q not in %v", name, o, spec.Outcomes)
						}
					}
				}
			}
			if ended == 0 {
				t.Errorf("%s %s: no episode ended within %d steps", name, obs.Kind, 2*spec.MaxSteps)
			}
			v.Close()
		}
	}
}

// TestTimeLimitFlag checks every game's Info.TimeLimit: unset while an
// episode runs and on episodes that end before Spec.MaxSteps, set on the
// "timeout" outcome, and only ever at Spec.MaxSteps.
func TestTimeLimitFlag(t *testing.T) {
	for _, name := range envs.Names() {
		g, _ := envs.Lookup(name)
		e, err := g.New(g.NewConfig(), envs.DefaultObsConfig())
		if err != nil {
			t.Fatal(err)
		}
		spec := e.Spec()
		rng := envs.NewRNG(5)
		obs := make([]float32, spec.ObsSize())
		limited := 0
		for ep := 0; ep < 12; ep++ {
			e.Reset(uint64(ep))
			for done := false; !done; {
				if _, done, err = e.Step(rng.Intn(spec.NumActions)); err != nil {
					t.Fatal(err)
				}
				info := e.Info()
				switch {
				case !done && info.TimeLimit:
					t.Fatalf("%s level %d step %d: TimeLimit set while the episode runs", name, ep, info.Step)
				case info.TimeLimit && info.Step != spec.MaxSteps:
					t.Errorf("%s level %d: TimeLimit at step %d, limit %d (outcome %s)", name, ep, info.Step, spec.MaxSteps, info.Outcome)
				case done && info.Outcome == "timeout" && !info.TimeLimit:
					t.Errorf("%s level %d: outcome timeout without TimeLimit", name, ep)
				}
				if done && info.TimeLimit {
					limited++
					// Training observes the final state of a cut episode
					// (ppo.bootstrap_timeouts) before resetting.
					e.Observe(obs)
				}
			}
		}
		if limited == 0 {
			t.Errorf("%s: no random episode reached the time limit; the test checks nothing", name)
		}
	}
}

// DefaultOutcomes reads the success and proxy outcomes from the registry,
// and names an unregistered game in its error.
func TestDefaultOutcomes(t *testing.T) {
	for _, tc := range []struct{ game, success, proxy string }{
		{"coinrun", "coin", "reached_end_no_coin"},
		{"maze", "cheese", "corner_no_cheese"},
	} {
		s, p, err := envs.DefaultOutcomes(tc.game)
		if err != nil || string(s) != tc.success || string(p) != tc.proxy {
			t.Errorf("%s: %q, %q, %v; want %q, %q", tc.game, s, p, err, tc.success, tc.proxy)
		}
	}
	if _, _, err := envs.DefaultOutcomes("pong"); err == nil || !strings.Contains(err.Error(), `"pong"`) {
		t.Errorf("unknown game: %v", err)
	}
}
