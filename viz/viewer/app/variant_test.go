package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/envs/heist"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/schema"
)

// fakeRun writes a run directory of the shipped coinrun-ood config, quick
// profile, with eval.greedy set to greedy, and returns it with the config.
// Its observations (view 7) differ from the game's defaults (13).
func fakeRun(t *testing.T, greedy bool) (string, *config.Config) {
	t.Helper()
	c, err := config.Load("coinrun-ood", "quick")
	if err != nil {
		t.Fatal(err)
	}
	c.Eval.Greedy = greedy
	if c.Env.Obs == envs.DefaultObsConfig() {
		t.Fatal("fixture: coinrun-ood observes with the default observations")
	}
	src, err := c.ResolvedTOML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(schema.RunLayout{Dir: dir}.ResolvedConfig(), src, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

func TestLiveLevel(t *testing.T) {
	run, c := fakeRun(t, false)
	ckpt := filepath.Join(schema.RunLayout{Dir: run}.Checkpoints(0), "latest.ckpt")
	deep := filepath.Join(schema.RunLayout{Dir: run}.CircumventDir(0), "attack.ckpt")
	stray := filepath.Join(t.TempDir(), "latest.ckpt") // in no run directory
	resolved := schema.RunLayout{Dir: run}.ResolvedConfig()
	runObs, defObs := c.Env.Obs, envs.DefaultObsConfig()
	coinIs := func(p string) func(any) bool {
		return func(cfg any) bool { return cfg.(*coinrun.Config).Coin == p }
	}
	cases := []struct {
		args  []string
		game  string
		check func(cfg any) bool
		obs   envs.ObsConfig
		from  string
		err   string
	}{
		// The game's registered variants, default observations.
		{[]string{"-play", "coinrun"}, coinrun.Name, coinIs(coinrun.CoinEnd), defObs, "", ""},
		{[]string{"-play", "coinrun", "-variant", "ood"}, coinrun.Name, coinIs(coinrun.CoinRandom), defObs, "", ""},
		{[]string{"-play", "maze", "-variant", "ood"}, maze.Name, func(c any) bool { return c.(*maze.Config).CheeseRegion == 0 }, defObs, "", ""},
		{[]string{"-play", "heist", "-variant", "ood"}, heist.Name, func(c any) bool { h := c.(*heist.Config); return h.Keys > h.Chests }, defObs, "", ""},
		{[]string{"-play", "coinrun", "-variant", "sideways"}, "", nil, defObs, "", `-variant "sideways"`},
		{[]string{"-play", "pong"}, "", nil, defObs, "", "unknown game"},
		// -config: a shipped config, a run directory or its resolved.toml.
		{[]string{"-play", "coinrun", "-config", "coinrun-ood", "-variant", "random_coin"}, coinrun.Name, coinIs(coinrun.CoinRandom), runObs, "coinrun-ood", ""},
		{[]string{"-play", "coinrun", "-config", run}, coinrun.Name, coinIs(coinrun.CoinEnd), runObs, run, ""},
		{[]string{"-play", "coinrun", "-config", resolved, "-variant", "random_coin"}, coinrun.Name, coinIs(coinrun.CoinRandom), runObs, resolved, ""},
		{[]string{"-play", "coinrun", "-config", "coinrun-ood", "-variant", "nope"}, "", nil, defObs, "", `no variant "nope": want one of [train random_coin`},
		{[]string{"-play", "maze", "-config", "coinrun-ood"}, "", nil, defObs, "", "is a coinrun experiment, not maze"},
		{[]string{"-play", "coinrun", "-config", filepath.Join(run, "missing.toml")}, "", nil, defObs, "", "missing.toml"},
		// -checkpoint reads its run's resolved.toml: game, observations
		// and variants without -env or -config.
		{[]string{"-checkpoint", ckpt}, coinrun.Name, coinIs(coinrun.CoinEnd), runObs, resolved, ""},
		{[]string{"-checkpoint", ckpt, "-variant", "random_coin"}, coinrun.Name, coinIs(coinrun.CoinRandom), runObs, resolved, ""},
		{[]string{"-checkpoint", deep, "-env", "coinrun"}, coinrun.Name, coinIs(coinrun.CoinEnd), runObs, resolved, ""},
		{[]string{"-checkpoint", ckpt, "-env", "maze"}, "", nil, defObs, "", "is a coinrun experiment, not maze"},
		{[]string{"-checkpoint", ckpt, "-variant", "ood"}, "", nil, defObs, "", `no variant "ood"`},
		{[]string{"-checkpoint", stray, "-config", run}, coinrun.Name, coinIs(coinrun.CoinEnd), runObs, run, ""},
		{[]string{"-checkpoint", stray, "-env", "coinrun"}, coinrun.Name, coinIs(coinrun.CoinEnd), defObs, "", ""},
		{[]string{"-checkpoint", stray}, "", nil, defObs, "", "no resolved.toml in its directory or above"},
	}
	for i, k := range cases {
		a, err := ParseArgs(k.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err != nil {
			t.Fatalf("case %d %v: %v", i, k.args, err)
		}
		lv, err := LiveLevel(a)
		if k.err != "" {
			if err == nil || !strings.Contains(err.Error(), k.err) {
				t.Errorf("case %d %v: error %v, want %q", i, k.args, err, k.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d %v: %v", i, k.args, err)
			continue
		}
		if lv.Game != k.game || !k.check(lv.Config) || lv.Obs != k.obs || lv.From != k.from {
			t.Errorf("case %d %v: %s %+v obs %+v from %q, want %s obs %+v from %q", i, k.args, lv.Game, lv.Config, lv.Obs, lv.From, k.game, k.obs, k.from)
		}
	}
}

// TestCheckpointUsesRunObservations: the policy of a run's checkpoint is
// given an env with the run's observations, not the game's defaults (the
// obs-shape mismatch a missing -config used to cause).
func TestCheckpointUsesRunObservations(t *testing.T) {
	run, c := fakeRun(t, false)
	var shape [3]int
	policy := func(_ string, env envs.Env) (*LivePolicy, error) {
		shape = env.Spec().ObsShape
		act := func(envs.Env) (int, []float32, float32, error) { return 0, nil, 0, nil }
		return &LivePolicy{Act: act, Release: func() {}}, nil
	}
	a, err := ParseArgs([]string{"-checkpoint", filepath.Join(run, "checkpoints", "seed-0", "latest.ckpt")}, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(a, Loaders{Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want, err := c.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if shape != want.ObsShape || shape[1] != c.Env.Obs.View {
		t.Errorf("policy env observes %v, want the run's %v", shape, want.ObsShape)
	}
}

func TestRunOfAndGreedyEval(t *testing.T) {
	sampled, _ := fakeRun(t, false)
	greedy, _ := fakeRun(t, true)
	elsewhere := t.TempDir()
	replays := schema.RunLayout{Dir: greedy}.Replays()
	cases := []struct {
		path   string
		run    string // "" for none
		greedy bool
	}{
		{sampled, sampled, false},
		{greedy, greedy, true},
		{filepath.Join(replays, "seed-0.replay"), greedy, true},
		{replays, greedy, true},
		{filepath.Join(schema.RunLayout{Dir: sampled}.Checkpoints(2), "latest.ckpt"), sampled, false},
		{elsewhere, "", false},
		{filepath.Join(elsewhere, "seed-0.replay"), "", false},
	}
	for i, c := range cases {
		run, ok := RunOf(c.path)
		if ok != (c.run != "") || run != c.run {
			t.Errorf("case %d: RunOf(%s) = %q %v, want %q", i, c.path, run, ok, c.run)
		}
		if got := GreedyEval(c.path); got != c.greedy {
			t.Errorf("case %d: GreedyEval(%s) = %v, want %v", i, c.path, got, c.greedy)
		}
	}
}

func TestScreenshotFrame(t *testing.T) {
	cases := []struct {
		f, last, want int
		note, err     string
	}{
		{0, 35, 0, "", ""},
		{20, 35, 20, "", ""},
		{35, 35, 35, "", ""},
		{-1, 35, 35, "", ""},
		{40, 35, 35, "-frame 40 is past the end (frames 0..35): wrote the last frame, 35", ""},
		{-2, 35, 0, "", "-frame -2: want a frame in 0..35, or -1 for the last"},
		{0, 0, 0, "", ""},
	}
	for i, c := range cases {
		got, note, err := ScreenshotFrame(c.f, c.last)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("case %d: error %v, want %q", i, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || note != c.note {
			t.Errorf("case %d: ScreenshotFrame(%d, %d) = %d %q %v, want %d %q", i, c.f, c.last, got, note, err, c.want, c.note)
		}
	}
}
