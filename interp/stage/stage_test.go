package stage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/interp"
)

// An end-to-end smoke run of the interp stage on a barely trained bilinear
// maze policy: every output file appears and the summary is populated.
// Figures are meaningless at this size; the point is the wiring.
func TestRunStageSmoke(t *testing.T) {
	dir := t.TempDir()
	ppo := agents.DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs = 4, 16, 1, 1
	ppo.TotalSteps = 64
	obs := envs.ObsConfig{Kind: envs.ObsSymbolic, View: 5, RGBSize: 64}
	small := func(region int) *maze.Config {
		c := maze.DefaultConfig()
		c.Size, c.CheeseRegion, c.MaxSteps = 7, region, 30
		return c
	}
	if _, err := agents.Train(context.Background(), agents.TrainOptions{
		Game: "maze", GameConfig: small(3), Obs: obs, Seed: 1, Dir: dir, PPO: ppo,
		Policy: agents.PolicyConfig{Arch: "bilinear", Hidden: 16},
	}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "interp")
	sum, err := Run(context.Background(), Options{
		Checkpoint: agents.CheckpointPath(dir), OutDir: out, Game: "maze", Obs: obs,
		Variants: []Variant{{Name: "train", Config: small(3)}, {Name: "cheese_anywhere", Config: small(0), OOD: true}},
		Levels:   func(int) envs.LevelSeeds { return envs.EvalSeeds(0, 6) },
		Layers:   []string{"embed"}, Samples: 300, NumEnvs: 6,
		SAE:          SAE{Kind: interp.TopK, Sizes: []int{32}, K: 4, Steps: 30, BatchSize: 64, LR: 1e-3, EndToEnd: true},
		MDLTolerance: 0.5, Bilinear: true, Polytope: true, Interventions: true,
		Interval: func(k, n int) (float64, float64) { return 0, 1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Layers) != 1 || len(sum.Layers[0].SAEs) != 2 || len(sum.Layers[0].Comparisons) != 1 ||
		len(sum.Layers[0].MDL) != 2 || len(sum.Layers[0].TopGoal) == 0 || sum.Layers[0].Polytope == nil {
		t.Errorf("summary layers %+v", sum.Layers)
	}
	if len(sum.Bilinear) == 0 || len(sum.Interventions) == 0 {
		t.Errorf("bilinear %d directions, %d interventions", len(sum.Bilinear), len(sum.Interventions))
	}
	for _, f := range []string{"summary.json", "embed.sae.md", "embed.mdl.md", "embed.features.md", "embed.local_vs_e2e.md",
		"embed.polytope.md", "interventions.md", "bilinear.md", "bilinear.action0.png", "acts/train.embed.acts",
		"saes/embed.local-32.safetensors", "saes/embed.e2e-32.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	st, err := interp.ReadStoreFile(filepath.Join(out, "acts", "cheese_anywhere.embed.acts"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Acts.Rows == 0 || st.Acts.Rows > 300 || st.Truth.Steps[0].Action < 0 {
		t.Errorf("stored %d rows, first step %+v", st.Acts.Rows, st.Truth.Steps[0])
	}
	for _, step := range st.Truth.Steps { // the second variant's episodes on the 6 levels
		if step.Episode>>episodeShift != 1 || EpisodeIndex(step.Episode) >= 6 {
			t.Fatalf("episode id %d: variant %d, index %d", step.Episode, step.Episode>>episodeShift, EpisodeIndex(step.Episode))
		}
	}
}
