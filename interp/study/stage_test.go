package study

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/maze"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

func smallMaze(region int) *maze.Config {
	c := maze.DefaultConfig()
	c.Size, c.CheeseRegion, c.MaxSteps = 7, region, 30
	return c
}

var smallObs = envs.ObsConfig{Kind: envs.ObsSymbolic, View: 5, RGBSize: 64}

// trainTiny trains a barely competent maze policy of arch for a few updates.
func trainTiny(t *testing.T, arch string) string {
	t.Helper()
	dir := t.TempDir()
	ppo := agents.DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs = 8, 32, 2, 2
	ppo.TotalSteps = 4 * 8 * 32
	pc := agents.PolicyConfig{Arch: arch, Hidden: 16, Layers: 2}
	if arch == "impala" {
		pc.Widths, pc.ResBlocks = []int{4, 8}, 1
	}
	if _, err := agents.Train(context.Background(), agents.TrainOptions{
		Game: "maze", GameConfig: smallMaze(3), Obs: smallObs, Seed: 1, Dir: dir, PPO: ppo, Policy: pc,
	}); err != nil {
		t.Fatal(err)
	}
	return agents.CheckpointPath(dir)
}

func tinyOptions(ckpt, out string) Options {
	return Options{
		Checkpoint: ckpt, OutDir: out, Game: "maze", Obs: smallObs,
		Variants:  []Variant{{Name: schema.IDVariant, Config: smallMaze(3)}, {Name: "cheese_anywhere", Config: smallMaze(0), OOD: true}},
		Selection: envs.EvalSeeds(0, 12), Test: envs.EvalSeeds(12, 12),
		Samples: 400, NumEnvs: 6, MDLTolerance: 0.5, Shifts: 19, Bootstrap: 200, SteerScales: []float64{-1, 1},
		SAE: interp.SAESettings{Kind: interp.TopK, Sizes: []int{16}, L0: []int{2, 4}, L1: 1e-3, Steps: 40, BatchSize: 64,
			LearningRate: 1e-3, EndToEnd: true},
		Interventions: true,
	}
}

// An end-to-end run on a barely trained bilinear maze policy: every output
// appears, the bilinear forms match the forward pass, and the summary holds
// the sweep, the MDL choice and paired interventions on the test levels.
func TestRunBilinear(t *testing.T) {
	out := filepath.Join(t.TempDir(), "interp")
	o := tinyOptions(trainTiny(t, "bilinear"), out)
	o.Layers, o.Bilinear = []string{"embed"}, true
	sum, figs, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Layers) != 1 || len(sum.Layers[0].SAEs) != 4 {
		t.Fatalf("layers %+v", sum.Layers)
	}
	if sum.Levels.Selection[1] > sum.Levels.Test[0] {
		t.Errorf("levels %+v overlap", sum.Levels)
	}
	if len(sum.Bilinear) == 0 {
		t.Fatal("no bilinear spectra")
	}
	for _, b := range sum.Bilinear {
		if b.MaxError > 1e-3 {
			t.Errorf("action %d: logit form differs from the forward pass by %g", b.Action, b.MaxError)
		}
	}
	for _, iv := range sum.Interventions {
		if iv.Failure.N != 12 || iv.Variant != "cheese_anywhere" || iv.PHolm < iv.Failure.P {
			t.Errorf("intervention %+v", iv)
		}
	}
	for _, f := range []string{"embed.pareto_kl.png", "embed.pareto_alive.png"} {
		if c, ok := figure(figs, f); !ok || len(c.Series) == 0 {
			t.Errorf("no figure %s (or no series) among %d", f, len(figs))
		}
	}
	for _, f := range []string{"summary.json", "embed.saes.md", "bilinear.md", "acts/train.embed.acts", "acts/cheese_anywhere.embed.acts",
		"saes/embed.local-16-L02.safetensors", "saes/embed.e2e-16-L04.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	if _, err := schema.ReadInterpSummary(filepath.Join(out, schema.InterpSummaryJSON)); err != nil {
		t.Errorf("summary does not read back strictly: %v", err)
	}
	st, err := interp.ReadStoreFile(filepath.Join(out, "acts", "cheese_anywhere.embed.acts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range st.Truth.Steps { // the second variant's episodes on the 12 selection levels
		if interp.EpisodeVariant(step.Episode) != 1 || interp.EpisodeIndex(step.Episode) >= 12 {
			t.Fatalf("episode id %d: variant %d, index %d", step.Episode, interp.EpisodeVariant(step.Episode), interp.EpisodeIndex(step.Episode))
		}
	}
	// The observations behind the rows: one per row, of the same steps.
	obs, err := interp.ReadStoreFile(ObservationsPath(out, "cheese_anywhere"))
	if err != nil {
		t.Fatal(err)
	}
	if obs.Layer != ObservationsLayer || len(obs.Shape) != 3 || obs.Acts.Rows != st.Acts.Rows || obs.Truth.Steps[obs.Acts.Rows-1] != st.Truth.Steps[st.Acts.Rows-1] {
		t.Errorf("observations %s %v, %d rows; activations %d rows", obs.Layer, obs.Shape, obs.Acts.Rows, st.Acts.Rows)
	}
}

// The polytope comparison codes every ReLU layer, and a policy without
// ReLUs is refused.
func TestRunPolytope(t *testing.T) {
	out := filepath.Join(t.TempDir(), "interp")
	o := tinyOptions(trainTiny(t, "mlp"), out)
	o.Layers, o.Polytope, o.Interventions = []string{"fc1"}, true, false
	o.SAE.EndToEnd = false
	sum, _, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Polytope == nil || sum.Polytope.Bits != 32 || strings.Join(sum.Polytope.Layers, ",") != "fc0,fc1" {
		t.Fatalf("polytope %+v", sum.Polytope)
	}
	if sum.Polytope.OOD.Samples == 0 || sum.Polytope.HeldID.Samples == 0 {
		t.Errorf("polytope %+v", sum.Polytope)
	}
	if _, err := analysePolytope(&capture{}, &capture{}, nil); err == nil {
		t.Error("polytope codes of a policy without ReLUs accepted")
	}
}

func TestOptionsRefuseOverlappingLevels(t *testing.T) {
	o := tinyOptions("x", t.TempDir())
	o.Test = envs.EvalSeeds(11, 5) // shares level 11 with the selection
	if err := o.defaults(); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping levels: %v", err)
	}
	o.Test = envs.EvalSeeds(12, 5)
	if err := o.defaults(); err != nil {
		t.Errorf("disjoint levels refused: %v", err)
	}
}

// The held-out split is by whole episodes, the same for every site, and
// end-to-end SAEs train on training episodes' observations only.
func TestSplitByEpisode(t *testing.T) {
	var caps []*capture
	for vi, v := range []Variant{{Name: schema.IDVariant}, {Name: "ood", OOD: true}} {
		c := &capture{variant: v, truth: interp.NewGroundTruth(nil, "", ""), acts: map[string]interp.Matrix{},
			shapes: map[string][]int64{"conv": {2, 1, 3}}, shape: []int64{1, 1, 2}}
		n := 400
		acts := interp.NewMatrix(n, 6)
		c.obs = interp.NewMatrix(n, 2)
		for i := 0; i < n; i++ {
			ep := interp.EpisodeBase(vi) + int32(i/7)
			c.truth.Add(interp.Step{Episode: ep, T: int32(i % 7)}, v.Name)
			c.obs.Data[2*i], c.obs.Data[2*i+1] = float32(ep), float32(i)
			for j := 0; j < 6; j++ {
				acts.Data[6*i+j] = float32(ep)
			}
		}
		c.acts["conv"] = acts
		caps = append(caps, c)
	}
	d, err := poolSite(caps, "conv", []int64{1, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !d.site.PerPosition || d.perSample != 3 || d.acts.Rows != 800*3 || d.acts.Cols != 2 {
		t.Fatalf("site %v, %d rows per sample, acts %d×%d", d.site, d.perSample, d.acts.Rows, d.acts.Cols)
	}
	trainEps, heldEps := map[int32]bool{}, map[int32]bool{}
	for _, s := range d.train {
		trainEps[d.steps[s].Episode] = true
	}
	for _, s := range d.held {
		heldEps[d.steps[s].Episode] = true
	}
	for ep := range heldEps {
		if trainEps[ep] {
			t.Fatalf("episode %d on both sides of the split", ep)
		}
	}
	if len(heldEps) < 10 || len(trainEps) < 4*len(heldEps)/2 {
		t.Errorf("%d held-out and %d training episodes", len(heldEps), len(trainEps))
	}
	held := d.rows(d.held)
	for i := 0; i < held.Rows; i++ {
		if !heldEps[int32(held.Data[2*i])] {
			t.Fatalf("held-out row %d comes from training episode %v", i, held.Data[2*i])
		}
	}
	w := &sweep{d: d}
	obs := w.e2eObservations()
	if obs.Rows != len(d.train) {
		t.Fatalf("e2e trains on %d observations, the training split has %d", obs.Rows, len(d.train))
	}
	for i := 0; i < obs.Rows; i++ {
		if heldEps[int32(obs.Data[2*i])] {
			t.Fatalf("e2e observation %d is from held-out episode %v", i, obs.Data[2*i])
		}
	}
}

// figure is the chart Run returned for file name.
func figure(figs []schema.ChartFile, name string) (schema.Chart, bool) {
	for _, f := range figs {
		if f.File == name {
			return f.Chart, true
		}
	}
	return schema.Chart{}, false
}
