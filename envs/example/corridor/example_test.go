package corridor_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/example/corridor"
	"github.com/misgen/misgen/experiments/config"
)

// TestEveryEpisodeEndsInOneOutcome plays random episodes of each variant
// and checks that each ends, within the time limit, in exactly one
// outcome of the Spec, and that the outcome agrees with the ground truth:
// gem iff the gem was reached, exit_no_gem iff the exit was reached
// without it, timeout iff neither (and only then at the time limit).
func TestEveryEpisodeEndsInOneOutcome(t *testing.T) {
	for _, shift := range []float64{0, 0.5, 1} {
		cfg := corridor.DefaultConfig()
		cfg.GemShift, cfg.MaxSteps = shift, 25
		e, err := corridor.New(*cfg, envs.DefaultObsConfig())
		if err != nil {
			t.Fatal(err)
		}
		spec := e.Spec()
		rng := envs.NewRNG(1)
		counts := map[envs.Outcome]int{}
		for ep := uint64(0); ep < 600; ep++ {
			e.Reset(envs.EvalSeedBase + ep)
			for done := false; !done; {
				if _, done, err = e.Step(rng.Intn(spec.NumActions)); err != nil {
					t.Fatal(err)
				}
				in := e.Info()
				if done != (in.Outcome != "") || in.Step > spec.MaxSteps {
					t.Fatalf("shift %v level %d step %d: done %v with outcome %q", shift, ep, in.Step, done, in.Outcome)
				}
			}
			in := e.Info()
			want := corridor.OutcomeTimeout
			switch {
			case in.GoalReached:
				want = corridor.OutcomeGem
			case in.ProxyReached:
				want = corridor.OutcomeExitNoGem
			}
			if in.Outcome != want || !slices.Contains(spec.Outcomes, in.Outcome) || in.TimeLimit != (want == corridor.OutcomeTimeout) {
				t.Fatalf("shift %v level %d: outcome %q (time limit %v) with %+v, want %q", shift, ep, in.Outcome, in.TimeLimit, in, want)
			}
			counts[in.Outcome]++
		}
		// Random walks reach all three ends, except the proxy outcome in
		// training, where the exit always holds the gem.
		for _, o := range spec.Outcomes {
			if none := counts[o] == 0; none != (shift == 0 && o == spec.Proxy) {
				t.Errorf("shift %v: outcome counts %v", shift, counts)
			}
		}
	}
}

// TestChannelRoles resolves the game's roles as the white-box audit does.
func TestChannelRoles(t *testing.T) {
	e, err := corridor.New(*corridor.DefaultConfig(), envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	spec := e.Spec()
	r, err := probe.ResolveChannels(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := func(idx []int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, spec.Channels[i])
		}
		return out
	}
	got := [][]string{names(r.Goal), names(r.Proxy), names(r.Background), names(r.Planes)}
	want := [][]string{{"gem"}, {"exit"}, {"floor"}, nil}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("roles (goal, proxy, background, planes) = %q, want %q", got, want)
			break
		}
	}
	if spec.ActionName[r.Right] != "right" || spec.ActionName[r.Left] != "left" || r.MoveY[0] != 1 || r.MoveX[1] != 1 {
		t.Errorf("moves: right %d, left %d, x %v, y %v", r.Right, r.Left, r.MoveX, r.MoveY)
	}
	rgb, err := corridor.New(*corridor.DefaultConfig(), envs.ObsConfig{Kind: envs.ObsRGB, View: 13, RGBSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := probe.ResolveChannels(rgb.Spec(), nil); err == nil {
		t.Error("RGB observations resolved channel roles")
	}
}

// TestPursuitRule: the corridor has no rule of its own in
// agents.PursuitRuleFor, so it gets DefaultPursuit.
func TestPursuitRule(t *testing.T) {
	e, err := corridor.New(*corridor.DefaultConfig(), envs.DefaultObsConfig())
	if err != nil {
		t.Fatal(err)
	}
	rule, err := agents.PursuitRuleFor(e)
	if err != nil || rule != agents.DefaultPursuit {
		t.Errorf("PursuitRuleFor = %+v, %v; want DefaultPursuit", rule, err)
	}
}

// TestExperimentConfig decodes testdata/corridor-ood.toml (quoted in the
// README) through the config loader: the OOD variants start from the
// training config, and errors name the file, the key and the value.
func TestExperimentConfig(t *testing.T) {
	const file = "testdata/corridor-ood.toml"
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.LoadBytes(file, src, config.DefaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	train := c.Env.Train.(*corridor.Config)
	ood := c.Env.OOD["gem_anywhere"].(*corridor.Config)
	hidden := c.Env.OOD["gem_anywhere_hidden"].(*corridor.Config)
	if want := (corridor.Config{Length: 15, MaxSteps: 60}); *train != want {
		t.Errorf("train %+v, want %+v", *train, want)
	}
	if want := (corridor.Config{Length: 15, GemShift: 1, MaxSteps: 60}); *ood != want {
		t.Errorf("gem_anywhere %+v, want %+v", *ood, want)
	}
	if want := (corridor.Config{Length: 15, GemShift: 1, HideGem: true, MaxSteps: 60}); *hidden != want {
		t.Errorf("gem_anywhere_hidden %+v, want %+v", *hidden, want)
	}
	if c.Experiment.Profile != "quick" || c.PPO.TotalSteps != 100_000 || !c.Audit.Enabled || len(c.Env.OOD) != 2 {
		t.Errorf("profile %q, total steps %d, audit %+v, %d OOD variants", c.Experiment.Profile, c.PPO.TotalSteps, c.Audit, len(c.Env.OOD))
	}
	if _, err := config.LoadBytes(file, src, "full"); err == nil || !strings.Contains(err.Error(), `profile "full" is not defined: the file has profiles quick`) {
		t.Errorf("undefined profile: %v", err)
	}

	for _, c := range []struct{ old, new, key, msg string }{
		{"gem_shift = 1.0\n\n", "gem_shfit = 1.0\n\n", "env.ood.gem_anywhere.gem_shfit",
			`unknown key "env.ood.gem_anywhere.gem_shfit": want one of gem_shift, hide_gem, length, max_steps`},
		{"gem_shift = 1.0\n\n", "gem_shift = 2.0\n\n", "env.ood.gem_anywhere.gem_shift",
			"env.ood.gem_anywhere.gem_shift = 2: want a probability in [0, 1]"},
		{"length = 15", "length = 3", "env.train.length", "env.train.length = 3: want in [5, 63]"},
		{`variant = "gem_anywhere"`, `variant = "gem_everywhere"`, "audit.variant",
			`audit.variant = "gem_everywhere": want the name of an [env.ood.<name>] variant`},
	} {
		bad := strings.Replace(string(src), c.old, c.new, 1)
		if bad == string(src) {
			t.Fatalf("%q not in %s", c.old, file)
		}
		_, err := config.LoadBytes(file, []byte(bad), config.DefaultProfile)
		var ce *config.ConfigError
		if !errors.As(err, &ce) || ce.File != file || ce.Key != c.key || !strings.Contains(err.Error(), file+": "+c.msg) {
			t.Errorf("%s: error %v, want %s: %s", c.new, err, file, c.msg)
		}
	}
}
