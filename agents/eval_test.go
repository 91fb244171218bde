package agents

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
)

func evalPolicy(t *testing.T) (Policy, EvalOptions) {
	t.Helper()
	obs := envs.ObsConfig{Kind: envs.ObsSymbolic, View: 9}
	g, _ := envs.Lookup(maze.Name)
	e, err := g.New(tinyMaze(), obs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(PolicyConfig{Arch: "mlp", Hidden: 8, Layers: 1}, IOOf(e.Spec()), 3)
	if err != nil {
		t.Fatal(err)
	}
	return p, EvalOptions{Policy: p, Game: maze.Name, GameConfig: tinyMaze(), Obs: obs, Levels: envs.EvalSeeds(10, 25), NumEnvs: 4, Seed: 9}
}

func TestEvaluateEpisodesAndCallbacks(t *testing.T) {
	p, opt := evalPolicy(t)
	defer p.Free()
	steps := map[int]int{} // episode → OnStep calls
	var forwardRows int
	hookCalls := 0
	opt.BeforeForward = func(eps []int) { forwardRows += len(eps) }
	opt.Hook = func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor { hookCalls++; return act }
	opt.OnStep = func(r StepRecord) error {
		if r.Step != steps[r.Episode] {
			return fmt.Errorf("episode %d: step %d, want %d", r.Episode, r.Step, steps[r.Episode])
		}
		steps[r.Episode]++
		var sum float32
		for _, q := range r.Probs {
			sum += q
		}
		if sum < 0.999 || sum > 1.001 || len(r.Probs) != 4 || r.Probs[r.Action] == 0 {
			return fmt.Errorf("probs %v, action %d", r.Probs, r.Action)
		}
		if r.Done != (r.Info.Outcome != "") || r.Env == nil || len(r.Obs) != p.IO().ObsSize() {
			return fmt.Errorf("done %v with outcome %q", r.Done, r.Info.Outcome)
		}
		return nil
	}
	rs, err := Evaluate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 25 {
		t.Fatalf("%d episodes, want 25", len(rs))
	}
	total := 0
	for i, r := range rs {
		if r.LevelSeed != envs.EvalSeedBase+10+uint64(i) {
			t.Errorf("episode %d on level %d", i, r.LevelSeed)
		}
		if r.Outcome == "" || r.Length < 1 || r.Length > 30 || steps[i] != r.Length {
			t.Errorf("episode %d: %+v, %d step callbacks", i, r, steps[i])
		}
		if (r.Outcome == maze.OutcomeCheese) != (r.Return == maze.CheeseReward) {
			t.Errorf("episode %d: outcome %s with return %v", i, r.Outcome, r.Return)
		}
		total += r.Length
	}
	if forwardRows != total || hookCalls == 0 {
		t.Errorf("forward rows %d, steps %d, hook calls %d", forwardRows, total, hookCalls)
	}
	// Same options, same episodes.
	opt.OnStep, opt.BeforeForward, opt.Hook = nil, nil, nil
	again, err := Evaluate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		if rs[i] != again[i] {
			t.Errorf("episode %d: %+v then %+v", i, rs[i], again[i])
		}
	}
}

func TestEvaluateHookInterventionAndErrors(t *testing.T) {
	p, opt := evalPolicy(t)
	defer p.Free()
	opt.Greedy = true
	base, err := Evaluate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	// Pushing the last hidden layer hard changes greedy behaviour.
	opt.Hook = func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor { return s.MulScalar(act, -50) }
	steered, err := Evaluate(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range base {
		same = same && base[i] == steered[i]
	}
	if same {
		t.Error("intervention hook did not change any episode")
	}
	// A callback error stops the evaluation with that error.
	opt.Hook = nil
	opt.OnStep = func(StepRecord) error { return fmt.Errorf("stop here") }
	if _, err := Evaluate(context.Background(), opt); err == nil || err.Error() != "stop here" {
		t.Errorf("callback error: %v", err)
	}
	// An env whose shapes differ from the policy's is refused.
	opt.OnStep = nil
	opt.Obs.View = 7
	if _, err := Evaluate(context.Background(), opt); err == nil || !strings.Contains(err.Error(), "policy expects") {
		t.Errorf("shape mismatch: %v", err)
	}
}

// Sampled actions come from one stream per episode, seeded by (Seed, level
// seed): every episode's actions and outcome are the same whatever the
// number of envs run at once, and whichever levels run beside it.
func TestEvaluateEpisodesIndependentOfNumEnvs(t *testing.T) {
	p, opt := evalPolicy(t)
	defer p.Free()
	type key struct {
		level uint64
		step  int
	}
	run := func(numEnvs int, levels envs.LevelSeeds) (map[uint64]EpisodeResult, map[key]int) {
		t.Helper()
		o := opt
		o.NumEnvs, o.Levels = numEnvs, levels
		actions := map[key]int{}
		o.OnStep = func(r StepRecord) error { actions[key{r.LevelSeed, r.Step}] = r.Action; return nil }
		rs, err := Evaluate(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		byLevel := map[uint64]EpisodeResult{}
		for _, r := range rs {
			byLevel[r.LevelSeed] = r
		}
		return byLevel, actions
	}
	ref, refActions := run(1, opt.Levels)
	for _, tc := range []struct {
		numEnvs int
		levels  envs.LevelSeeds
	}{{3, opt.Levels}, {8, opt.Levels}, {5, envs.EvalSeeds(17, 8)}} {
		got, gotActions := run(tc.numEnvs, tc.levels)
		for level, r := range got {
			if r != ref[level] {
				t.Errorf("num_envs %d levels %+v: level %d: %+v, with one env %+v", tc.numEnvs, tc.levels, level, r, ref[level])
			}
		}
		for k, a := range gotActions {
			if a != refActions[k] {
				t.Fatalf("num_envs %d: level %d step %d: action %d, with one env %d", tc.numEnvs, k.level, k.step, a, refActions[k])
			}
		}
	}
	// Another seed samples other actions.
	opt.Seed++
	other, _ := run(4, opt.Levels)
	differ := 0
	for level, r := range other {
		if r != ref[level] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("a different seed gave the same episodes")
	}
}

// A policy whose output turns non-finite stops the evaluation with an error
// naming the level and step, in greedy and sampled mode alike, instead of
// acting on it.
func TestEvaluateRefusesNonFiniteProbabilities(t *testing.T) {
	p, opt := evalPolicy(t)
	defer p.Free()
	opt.NumEnvs = 1
	for _, greedy := range []bool{false, true} {
		opt.Greedy = greedy
		const poisonPass = 5 // the forward pass whose output is NaN
		passes := 0
		var last StepRecord
		opt.BeforeForward = func([]int) { passes++ }
		opt.OnStep = func(r StepRecord) error { last = r; return nil }
		opt.Hook = func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
			if passes == poisonPass {
				return s.MulScalar(act, math.NaN())
			}
			return act
		}
		_, err := Evaluate(context.Background(), opt)
		// The poisoned pass chooses the step after the last one recorded.
		level, step := last.LevelSeed, last.Step+1
		if last.Done {
			level, step = last.LevelSeed+1, 0
		}
		want := fmt.Sprintf("level %d step %d: the policy gave non-finite", level, step)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("greedy %v: err %v, want one containing %q", greedy, err, want)
		}
	}
}

// Training and evaluation level ranges must not overlap, unless evaluating
// training levels is asked for.
func TestLevelRangesKeptApart(t *testing.T) {
	p, opt := evalPolicy(t)
	defer p.Free()
	for i, tc := range []struct {
		levels, train envs.LevelSeeds
		onTrain       bool
		refused       bool
	}{
		{envs.EvalSeeds(0, 5), envs.LevelSeeds{}, false, false},
		{envs.LevelSeeds{Start: 3, Count: 5}, envs.LevelSeeds{}, false, true}, // default training range
		{envs.LevelSeeds{Start: 3, Count: 5}, envs.LevelSeeds{}, true, false},
		{envs.LevelSeeds{Start: 300, Count: 5}, envs.TrainSeeds(100), false, false},
		{envs.LevelSeeds{Start: 99, Count: 5}, envs.TrainSeeds(100), false, true},
		{envs.LevelSeeds{Start: 99, Count: 5}, envs.TrainSeeds(100), true, false},
	} {
		opt.Levels, opt.TrainLevels, opt.OnTrainLevels = tc.levels, tc.train, tc.onTrain
		opt.Levels.Order = envs.SeedsSequential
		_, err := Evaluate(context.Background(), opt)
		if refused := err != nil && strings.Contains(err.Error(), "overlap the training levels"); refused != tc.refused || !refused && err != nil {
			t.Errorf("case %d: err %v, want refused %v", i, err, tc.refused)
		}
	}
	for i, levels := range []envs.LevelSeeds{
		{Start: envs.EvalSeedBase - 5, Count: 10},
		{Start: envs.EvalSeedBase, Count: 1},
	} {
		o := tinyOptions(t)
		o.TrainLevels = levels
		_, err := Train(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "reach into the evaluation range") {
			t.Errorf("training case %d (%v): err %v", i, levels, err)
		}
	}
}
