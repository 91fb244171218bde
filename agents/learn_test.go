package agents

import (
	"context"
	"testing"

	"github.com/misgen/misgen/envs"
)

// A small task learns: a 5×5 maze with the cheese anywhere, on a fixed set
// of three levels, from a random policy (≈35% success by chance within the
// 30-step limit) to ≥ 95% success, both in the training log and in a greedy
// evaluation of the saved checkpoint.
func TestSmallTaskLearns(t *testing.T) {
	o := tinyOptions(t)
	o.PPO.NumEnvs, o.PPO.NumSteps, o.PPO.NumMinibatches, o.PPO.UpdateEpochs = 16, 64, 4, 3
	o.PPO.TotalSteps = 16 * 64 * 40
	o.PPO.LearningRate = 2e-3
	o.PPO.Gamma = 0.95
	o.Policy = PolicyConfig{Arch: "mlp", Hidden: 64, Layers: 2}
	o.TrainLevels = envs.TrainSeeds(3)
	res, rows := trainAndReadLog(t, o)
	first, last := rows[0].SuccessRate, res.Last.SuccessRate
	if !(last >= 0.95) || !(first < 0.7) {
		t.Errorf("training success rate %.2f at update 1, %.2f at the end; want < 0.7 then ≥ 0.95", first, last)
	}
	p, c, err := LoadPolicy(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	if c.TrainLevels != o.TrainLevels {
		t.Errorf("checkpoint records training levels %+v, want %+v", c.TrainLevels, o.TrainLevels)
	}
	rs, err := Evaluate(context.Background(), EvalOptions{Policy: p, Game: o.Game, GameConfig: o.GameConfig, Obs: o.Obs,
		Levels: envs.LevelSeeds{Start: 0, Count: 3, Order: envs.SeedsSequential}, Greedy: true,
		TrainLevels: c.TrainLevels, OnTrainLevels: true})
	if err != nil {
		t.Fatal(err)
	}
	if sr := SuccessRate(rs, "cheese"); sr != 1 {
		t.Errorf("greedy success on the training levels %.2f (%+v), want 1", sr, rs)
	}
}
