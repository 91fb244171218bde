package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
)

// populationTOML is the one trained population of this test binary: ten
// tiny agents (a population to validate needs 10) on the audit trap game,
// trained once and copied into each test that audits it
// (trainedPopulation).
const populationTOML = `
[experiment]
name = "trap"
seeds = 10
parallel = 1
[env]
game = "audittrap"
[env.obs]
view = 5
[env.train]
size = 7
cheese_region = 3
mix = 0.5
[env.ood.moved]
cheese_region = 0
trap = true
[agent]
arch = "mlp"
hidden = 16
layers = 1
[ppo]
total_steps = 2048
num_envs = 8
num_steps = 64
num_minibatches = 2
threads = 1
[eval]
episodes = 10
replays = 0
[audit]
enabled = true
episodes = 16
frames = 40
ig_steps = 4
`

// population is populationTOML's run after the train stage, made by the
// first test that asks for it, in a directory TestMain removes.
var population struct {
	once sync.Once
	dir  string // holds trap.toml and results/
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if population.dir != "" {
		os.RemoveAll(population.dir)
	}
	os.Exit(code)
}

// trainedPopulation returns a private copy, under a fresh t.TempDir, of
// populationTOML's run with every seed trained: the population is trained
// once per test binary, and each test may change its copy freely.
func trainedPopulation(t *testing.T) *experiments.Run {
	t.Helper()
	population.once.Do(func() {
		population.dir, population.err = os.MkdirTemp("", "misgen-population-")
		if population.err != nil {
			return
		}
		r, err := planPopulation(population.dir)
		if err == nil {
			err = r.Execute(context.Background(), []experiments.Stage{{Name: "train", Run: experiments.TrainStage}})
		}
		population.err = err
	})
	if population.err != nil {
		t.Fatalf("training the shared population: %v", population.err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(population.dir)); err != nil {
		t.Fatal(err)
	}
	r, err := planPopulation(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// planPopulation writes populationTOML to dir/trap.toml and plans its run
// under dir/results (planRun without a *testing.T, for the shared fixture).
func planPopulation(dir string) (*experiments.Run, error) {
	path := filepath.Join(dir, "trap.toml")
	if err := os.WriteFile(path, []byte(populationTOML), 0o644); err != nil {
		return nil, err
	}
	c, err := config.Load(path, "base")
	if err != nil {
		return nil, err
	}
	runs, err := experiments.Plan(c, experiments.PlanOptions{Out: filepath.Join(dir, "results")})
	if err != nil {
		return nil, err
	}
	if len(runs) != 1 {
		return nil, fmt.Errorf("%s plans %d runs, want 1", path, len(runs))
	}
	return runs[0], nil
}
