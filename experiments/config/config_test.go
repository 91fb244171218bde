package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments/config/configtest"
	"github.com/misgen/misgen/schema"
)

func TestLoadAppliesDefaultsLayersAndProfiles(t *testing.T) {
	base, err := loadText(t, baseTOML, "base")
	if err != nil {
		t.Fatal(err)
	}
	if got := base.Env.Train.(*testGameConfig); *got != (testGameConfig{Size: 10, Goal: "end", MaxSteps: 20}) {
		t.Errorf("base train = %+v", *got)
	}
	if got := base.Env.OOD["random_goal"].(*testGameConfig); *got != (testGameConfig{Size: 10, Goal: "random", MaxSteps: 20}) {
		t.Errorf("base OOD inherits the training variant: got %+v", *got)
	}
	if !reflect.DeepEqual(base.Experiment.Seeds, Seeds{0, 1}) {
		t.Errorf("seeds = %v, want [0 1]", base.Experiment.Seeds)
	}
	if base.PPO.TotalSteps != 100_000 || base.PPO.NumEnvs != defaultConfig().PPO.NumEnvs {
		t.Errorf("ppo = %+v", base.PPO)
	}
	if !reflect.DeepEqual(base.Interp.SAE.Sizes, []int{64, 128}) || base.Interp.SAE.Kind != "topk" {
		t.Errorf("interp.sae = %+v", base.Interp.SAE)
	}

	quick, err := loadText(t, baseTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	if quick.PPO.TotalSteps != 20_000 || quick.PPO.Gamma != 0.99 {
		t.Errorf("quick ppo total_steps=%d gamma=%v", quick.PPO.TotalSteps, quick.PPO.Gamma)
	}
	if quick.Env.Train.(*testGameConfig).Size != 6 || quick.Env.OOD["random_goal"].(*testGameConfig).Size != 6 {
		t.Errorf("quick env.train.size must reach the OOD variant too")
	}
	if quick.Experiment.Profile != "quick" {
		t.Errorf("profile = %q", quick.Experiment.Profile)
	}

	full, err := loadText(t, baseTOML, "full")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full.Experiment.Seeds, Seeds{0, 4, 9}) || !reflect.DeepEqual(full.Agent.Widths, []int{8}) {
		t.Errorf("full seeds=%v widths=%v", full.Experiment.Seeds, full.Agent.Widths)
	}
	if g := full.Env.OOD["random_goal"].(*testGameConfig); g.GoalProb != 0.5 || g.Goal != "random" || g.Size != 10 {
		t.Errorf("full OOD = %+v", *g)
	}
	if full.Env.Train.(*testGameConfig).GoalProb != 0 {
		t.Errorf("a profile's OOD override leaked into the training variant")
	}
	// Loading one profile must not change another's slices (aliasing).
	if !reflect.DeepEqual(base.Agent.Widths, defaultConfig().Agent.Widths) {
		t.Errorf("base widths changed to %v", base.Agent.Widths)
	}
}

func TestLoadStrictErrors(t *testing.T) {
	for i, tc := range []struct {
		name     string
		old, new string // replacement applied to baseTOML ("" old: prepend new)
		profile  string
		key      string // want ConfigError.Key
		msg      string // want substring of the error
	}{
		{"top-level unknown", "", "bogus = 1\n", "quick", "bogus", `t.toml: unknown key "bogus": want one of agent, audit, env, eval, experiment, interp, ppo, profiles, report, sweep`},
		{"section unknown", "gamma = 0.99", "gamam = 0.99", "quick", "ppo.gamam", `t.toml: unknown key "ppo.gamam": want one of anneal_lr, bootstrap_timeouts, checkpoint_every, clip_coef`},
		{"nested section unknown", "sizes = [64, 128]", "sizes = [64, 128]\nsise = 3", "base", "interp.sae.sise", `unknown key "interp.sae.sise": want one of batch_size, end_to_end, kind, l0, l1`},
		{"game train unknown", "size = 10", "sise = 10", "base", "env.train.sise", `t.toml: unknown key "env.train.sise": want one of goal, goal_prob, max_steps, size`},
		{"game ood unknown", `goal = "random"`, `gaol = "random"`, "quick", "env.ood.random_goal.gaol", `unknown key "env.ood.random_goal.gaol": want one of goal, goal_prob, max_steps, size`},
		{"profile unknown (other profile)", "ppo.total_steps = 20_000", "ppo.total_stepz = 20_000", "full", "profiles.quick.ppo.total_stepz", `t.toml: unknown key "profiles.quick.ppo.total_stepz": want one of anneal_lr`},
		{"profile game table unknown", "goal_prob = 0.5", "goal_porb = 0.5", "quick", "profiles.full.env.ood.random_goal.goal_porb", `unknown key "profiles.full.env.ood.random_goal.goal_porb": want one of goal, goal_prob`},
		{"unknown profile", "[profiles.full]", "[profiles.fast]", "quick", "profiles.fast", `unknown key "profiles.fast": want one of quick, medium, full`},
		{"wrong type", "gamma = 0.99", `gamma = "high"`, "quick", "ppo.gamma", `t.toml: line 19: ppo.gamma: wrong type string: want a number`},
		{"wrong type in game table", "size = 10", `size = "big"`, "quick", "env.train.size", `env.train.size: wrong type string: want an integer`},
		{"wrong type in profile", "ppo.total_steps = 20_000", "ppo.total_steps = 2e4", "quick", "profiles.quick.ppo.total_steps", `profiles.quick.ppo.total_steps: wrong type float: want an integer`},
		{"out of range", "gamma = 0.99", "gamma = 1.5", "quick", "ppo.gamma", `t.toml: ppo.gamma = 1.5: want (0, 1]`},
		{"out of range in profile", "ppo.total_steps = 20_000", "ppo.total_steps = 20_000\nppo.gamma = 1.5", "quick", "profiles.quick.ppo.gamma", `t.toml: profiles.quick.ppo.gamma = 1.5: want (0, 1]`},
		{"out of range in game", "size = 10", "size = 2", "base", "env.train.size", `t.toml: env.train.size = 2: want [3, 64]`},
		{"out of range in OOD", `goal = "random"`, `goal = "left"`, "base", "env.ood.random_goal.goal", `t.toml: env.ood.random_goal.goal = "left": want "end" or "random"`},
		{"out of range in profile game table", "env.train.size = 6", "env.train.size = 99", "quick", "profiles.quick.env.train.size", `profiles.quick.env.train.size = 99: want [3, 64]`},
		{"unknown game", `game = "testgame"`, `game = "nogame"`, "quick", "env.game", `env.game = "nogame": want one of`},
		{"zero seeds", "seeds = 2", "seeds = 0", "base", "experiment.seeds", "seeds = 0: want a count in [1, 1000] or a list"},
		{"bad seed list", "seeds = 2", "seeds = [1, 1]", "base", "experiment.seeds[1]", "experiment.seeds[1] = 1: want distinct seeds >= 0"},
		{"seeds wrong type", "seeds = 2", `seeds = "two"`, "base", "experiment.seeds", "want a count (e.g. 3) or a list of integers"},
		{"replays above episodes", "[interp.sae]", "[eval]\nepisodes = 5\nreplays = 6\n[interp.sae]", "base", "eval.replays", "eval.replays = 6: want [0, eval.episodes]"},
		{"obs range", "train_levels = 100", "train_levels = 100\nobs.view = 4", "base", "env.obs.view", "env.obs.view = 4: want an odd number in [3, 63]"},
		{"agent range", "[interp.sae]", "[agent]\nhidden = 0\n[interp.sae]", "base", "agent.hidden", "agent.hidden = 0: want a value in [1, 8192]"},
		{"target L0 above every size", "sizes = [64, 128]", "sizes = [64, 128]\nl0 = [2, 200]", "base", "interp.sae.l0[1]", "interp.sae.l0[1] = 200: want [1, largest of sizes = 128]"},
		{"zero steering scale", "[interp.sae]", "[interp]\nsteer_scales = [1, 0]\n[interp.sae]", "base", "interp.steer_scales[1]", "interp.steer_scales[1] = 0: want a finite non-zero scale"},
		{"reserved variant name", "[env.ood.random_goal]", "[env.ood.train]", "base", "env.ood", `env.ood = "train"`},
		{"audit control not a variant", "[interp.sae]", "[audit]\ncontrol = \"hidden\"\n[interp.sae]", "base", "audit.control", `audit.control = "hidden": want the name of an [env.ood.<name>] variant other than audit.variant`},
		{"audit control is the variant", "[interp.sae]", "[audit]\nvariant = \"random_goal\"\ncontrol = \"random_goal\"\n[interp.sae]", "base", "audit.control", `audit.control = "random_goal"`},
		{"syntax", "seeds = 2", "seeds = = 2", "base", "experiment.seeds", "t.toml: line 5: experiment.seeds: expected value"},
		{"profile set by user", "seeds = 2", "seeds = 2\nprofile = \"quick\"", "base", "experiment.profile", "experiment.profile"},
		{"profiles nest", "ppo.total_steps = 20_000", "ppo.total_steps = 20_000\nprofiles.full.ppo.gamma = 0.9", "quick", "profiles.quick.profiles", "profiles cannot nest"},
	} {
		src := baseTOML
		if tc.old == "" {
			src = tc.new + src
		} else {
			if !strings.Contains(src, tc.old) {
				t.Fatalf("case %d (%s): %q not in baseTOML", i, tc.name, tc.old)
			}
			src = strings.Replace(src, tc.old, tc.new, 1)
		}
		_, err := loadText(t, src, tc.profile)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("case %d (%s): err = %v, want *ConfigError", i, tc.name, err)
			continue
		}
		if ce.Key != tc.key {
			t.Errorf("case %d (%s): key = %q, want %q (err: %v)", i, tc.name, ce.Key, tc.key, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("case %d (%s): err = %q, want it to contain %q", i, tc.name, err, tc.msg)
		}
	}
}

func TestLoadRejectsUnknownProfileName(t *testing.T) {
	_, err := loadText(t, baseTOML, "fast")
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `profile "fast": want "quick", "medium", "full" or "base"`) {
		t.Fatalf("err = %v", err)
	}
}

// A profile the file does not define is an error naming the ones it
// does; the default profile falls back to base where there is no quick.
func TestProfileMissing(t *testing.T) {
	src := baseTOML[:strings.Index(baseTOML, "[profiles.quick]")]
	_, err := loadText(t, src, "quick")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "profiles.quick" || !strings.Contains(err.Error(), `t.toml: profile "quick" is not defined: the file has no profiles (or "base"`) {
		t.Errorf("quick without [profiles.quick]: %v", err)
	}
	if _, err := loadText(t, baseTOML, "medium"); err == nil || !strings.Contains(err.Error(), "the file has profiles quick, full") {
		t.Errorf("medium: %v", err)
	}
	c, err := loadText(t, src, DefaultProfile)
	if err != nil || c.Experiment.Profile != BaseProfile || c.PPO.TotalSteps != 100_000 {
		t.Errorf("default without quick: %v, profile %q", err, c.Experiment.Profile)
	}
	c, err = loadText(t, baseTOML, DefaultProfile)
	if err != nil || c.Experiment.Profile != "quick" || c.PPO.TotalSteps != 20_000 {
		t.Errorf("default with quick: %v, profile %q", err, c.Experiment.Profile)
	}
}

func TestResolvedTOMLRoundTrip(t *testing.T) {
	for i, profile := range []string{"base", "quick", "full"} {
		c, err := loadText(t, baseTOML, profile)
		if err != nil {
			t.Fatal(err)
		}
		text, err := c.ResolvedTOML()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "resolved.toml")
		if err := os.WriteFile(path, text, 0o644); err != nil {
			t.Fatal(err)
		}
		back, err := LoadResolved(path)
		if err != nil {
			t.Fatalf("case %d: reading resolved.toml back: %v\n%s", i, err, text)
		}
		h1, _ := c.Hash()
		h2, _ := back.Hash()
		if h1 != h2 {
			t.Errorf("case %d: hash changed on round trip", i)
		}
		if !reflect.DeepEqual(back.Env.Train, c.Env.Train) || !reflect.DeepEqual(back.Env.OOD, c.Env.OOD) ||
			!reflect.DeepEqual(back.PPO, c.PPO) || !reflect.DeepEqual(back.Experiment, c.Experiment) {
			t.Errorf("case %d: round trip changed the config:\n%s", i, text)
		}
	}
}

func TestHashAndRunID(t *testing.T) {
	a, _ := loadText(t, baseTOML, "quick")
	b, _ := loadText(t, "# a comment changes nothing\n"+baseTOML, "quick")
	full, _ := loadText(t, baseTOML, "full")
	ha, _ := a.Hash()
	hb, _ := b.Hash()
	hf, _ := full.Hash()
	if ha != hb {
		t.Errorf("comments changed the hash")
	}
	if ha == hf {
		t.Errorf("quick and full hash the same")
	}
	id, _ := a.RunID()
	if !strings.HasPrefix(id, "quick-") || len(id) != len("quick-")+12 || !strings.HasPrefix(ha, id[6:]) {
		t.Errorf("run id %q for hash %s", id, ha)
	}
	s, err := a.WithSeeds(Seeds{3})
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := s.Hash()
	if hs == ha || !reflect.DeepEqual(a.Experiment.Seeds, Seeds{0, 1}) {
		t.Errorf("WithSeeds must change the hash and leave the original alone")
	}
	if _, err := a.WithSeeds(Seeds{1, 1}); err == nil {
		t.Errorf("WithSeeds accepted duplicate seeds")
	}
}

func TestDerived(t *testing.T) {
	c, _ := loadText(t, baseTOML, "quick")
	d := c.Derived()
	if !reflect.DeepEqual(d.Variants, []string{schema.IDVariant, "random_goal"}) {
		t.Errorf("variants = %v", d.Variants)
	}
	if d.BatchSize != c.PPO.NumEnvs*c.PPO.NumSteps || d.NumUpdates != int(c.PPO.TotalSteps)/d.BatchSize {
		t.Errorf("sizes %+v", d)
	}
	if d.TrainLevels.Count != 100 || d.TrainLevels.Start != 0 {
		t.Errorf("train levels %+v", d.TrainLevels)
	}
	for _, s := range []uint64{0, 99} {
		if d.EvalLevels.Contains(s) {
			t.Errorf("eval levels contain training seed %d", s)
		}
	}
	if d.EvalEpisodes != c.Eval.Episodes*2 {
		t.Errorf("eval episodes = %d", d.EvalEpisodes)
	}
	env, err := c.NewEnv("random_goal")
	if err != nil || env.Spec().Game != configtest.Game {
		t.Errorf("NewEnv: %v", err)
	}
	if _, err := c.NewEnv("nope"); err == nil {
		t.Errorf("NewEnv accepted an unknown variant")
	}
}

func TestParseSeeds(t *testing.T) {
	for i, tc := range []struct {
		in   string
		want Seeds
		ok   bool
	}{
		{"3", Seeds{0, 1, 2}, true},
		{"0,5,7", Seeds{0, 5, 7}, true},
		{"7,", Seeds{7}, true},
		{"0", nil, false},
		{"1,1", nil, false},
		{"a", nil, false},
		{",", nil, false},
	} {
		got, err := ParseSeeds(tc.in)
		if (err == nil) != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("case %d: ParseSeeds(%q) = %v, %v", i, tc.in, got, err)
		}
	}
}
