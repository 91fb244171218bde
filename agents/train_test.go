package agents

import (
	"context"
	"os"
	"testing"

	"github.com/misgen/misgen/envs"
	_ "github.com/misgen/misgen/envs/all"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/internal/torch"
)

func TestMain(m *testing.M) {
	torch.SetNumThreads(1)
	os.Exit(m.Run())
}

func tinyMaze() *maze.Config {
	c := maze.DefaultConfig()
	c.Size, c.CheeseRegion, c.MaxSteps = 5, 0, 50
	return c
}

func tinyOptions(t *testing.T) TrainOptions {
	ppo := DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs = 8, 32, 4, 2
	ppo.TotalSteps = 8 * 32 * 4
	return TrainOptions{
		Game: maze.Name, GameConfig: tinyMaze(), Obs: envs.ObsConfig{Kind: envs.ObsSymbolic, View: 9},
		Policy: PolicyConfig{Arch: "mlp", Hidden: 32, Layers: 1},
		PPO:    ppo, Seed: 7, TrainLevels: envs.TrainSeeds(50), Dir: t.TempDir(),
	}
}

func TestTrainSmoke(t *testing.T) {
	o := tinyOptions(t)
	o.Progress = os.Stderr
	res, err := Train(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
}
