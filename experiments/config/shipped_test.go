package config

import (
	"slices"
	"strings"
	"testing"

	_ "github.com/misgen/misgen/envs/all"
)

// TestShippedConfigsValidate loads every shipped config with every profile
// it defines against the real registered games, expands sweeps, and checks
// the properties the configs promise.
func TestShippedConfigsValidate(t *testing.T) {
	for _, s := range List() {
		for _, profile := range append([]string{"base"}, Profiles...) {
			if profile != BaseProfile && !slices.Contains(s.Profiles, profile) {
				if _, err := Load(s.Name, profile); err == nil {
					t.Errorf("%s: --profile %s loads, but the file does not define it", s.Name, profile)
				}
				continue
			}
			c, err := Load(s.Name, profile)
			if err != nil {
				t.Errorf("%s [%s]: %v", s.Name, profile, err)
				continue
			}
			subs, err := c.Expand()
			if err != nil {
				t.Errorf("%s [%s]: expand: %v", s.Name, profile, err)
				continue
			}
			for _, sc := range subs {
				if len(sc.Env.OOD) == 0 {
					t.Errorf("%s [%s]: no OOD variant", s.Name, profile)
				}
				for _, v := range sc.Variants() {
					env, err := sc.NewEnv(v)
					if err != nil {
						t.Errorf("%s [%s] %s: %v", s.Name, profile, v, err)
						continue
					}
					if sp := env.Spec(); sp.Success == "" || sp.Proxy == "" {
						t.Errorf("%s [%s] %s: spec without success/proxy outcome", s.Name, profile, v)
					}
				}
			}
			// Quick profiles must finish in about 15 minutes on 2 CPU
			// cores. With the small default networks and all 3 seeds at
			// once, training ran at about 14k (coinrun-ood, maze-ood) to
			// 17k (maze-memory) env steps/s over both cores when the
			// machine was otherwise idle: at most 4.5M env steps over all
			// seeds leaves time for evaluation, interp and a busier machine.
			// maze-colour-shape is an audit population whose quick
			// profile promises 60 seeds in 30 minutes: its 5×5 mazes seen
			// through a 9×9 window cost about 0.11 ms of CPU per env
			// step, training included (user+sys time of a 2-seed run on a
			// loaded machine, so an upper bound): 18M steps take about 17
			// minutes of both cores.
			stepCap := map[string]int64{"maze-colour-shape.toml": 18_000_000}[s.Name]
			if stepCap == 0 {
				stepCap = 4_500_000
			}
			if total := int64(len(c.Experiment.Seeds)) * c.PPO.TotalSteps; profile == "quick" && (len(c.Experiment.Seeds) < 3 || total > stepCap) {
				t.Errorf("%s quick: %d seeds × %d steps: want >= 3 seeds and <= %d env steps in all", s.Name, len(c.Experiment.Seeds), c.PPO.TotalSteps, stepCap)
			}
			if profile == "quick" && c.Eval.Episodes*len(c.Experiment.Seeds) < 200 {
				t.Errorf("%s quick: %d pooled eval episodes per variant, want >= 200", s.Name, c.Eval.Episodes*len(c.Experiment.Seeds))
			}
		}
	}
	mix, err := Load("coinrun-mix", "quick")
	if err != nil {
		t.Fatal(err)
	}
	if subs, _ := mix.Expand(); len(subs) != 4 {
		t.Errorf("coinrun-mix expands to %d sub-experiments, want 4", len(subs))
	}
}

func TestShippedConfigErrorsNameVariantKeys(t *testing.T) {
	src, err := ShippedSource("coinrun-ood.toml")
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ old, new, want string }{
		{"coin = \"random\"", "coin = \"middle\"", `coinrun-ood.toml: env.ood.random_coin.coin = "middle": want "end" or "random"`},
		{"coin = \"random\"", "cion = \"random\"", `coinrun-ood.toml: unknown key "env.ood.random_coin.cion": want one of coin, difficulty,`},
		{"gamma = 0.99 ", "gamma = 1.5 ", `coinrun-ood.toml: ppo.gamma = 1.5: want (0, 1]`},
		{"gamma = 0.99 ", "gamam = 0.99 ", `coinrun-ood.toml: unknown key "ppo.gamam"`},
		{"ppo.gamma = 0.999", "ppo.gamma = 1.999", `coinrun-ood.toml: profiles.full.ppo.gamma = 1.999: want (0, 1]`},
		{`env.train.difficulty = "hard"`, `env.train.difficulty = "extreme"`, `coinrun-ood.toml: profiles.full.env.train.difficulty = "extreme": want "easy" or "hard"`},
	} {
		s := string(src)
		if !strings.Contains(s, tc.old) {
			t.Fatalf("case %d: %q not in coinrun-ood.toml", i, tc.old)
		}
		_, err := LoadBytes("coinrun-ood.toml", []byte(strings.Replace(s, tc.old, tc.new, 1)), "quick")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: err = %v, want %q", i, err, tc.want)
		}
	}
}
