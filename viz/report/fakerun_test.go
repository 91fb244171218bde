package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/viz/replay"
	"github.com/misgen/misgen/viz/report"
)

// fakeRun options choose which stages leave outputs.
type fakeRun struct {
	Train, Eval, Interp bool
	Episodes            int // per (seed, variant)
}

// actRightJump is CoinRun's "right + jump" action: holding it runs to the
// level end, the proxy goal, ignoring where the coin is.
const actRightJump = 8

// build runs the experiments pipeline on a copy of the shipped
// coinrun-ood quick config under t.TempDir() with stand-in stages: the
// "agent" of seed s holds right+jump and takes a random action with
// probability 0.03·(s+1), so the episodes, outcome records, replays and
// tables are real (computed by the games and the experiments package)
// while no network is trained. The report stage is the real one.
func (o fakeRun) build(t testing.TB) *experiments.Run {
	t.Helper()
	return o.buildIn(t, t.TempDir())
}

// completeRun is one complete fake run (train, eval, interp, report)
// shared by the tests that only read it, built on first use.
var completeRun struct {
	once sync.Once
	dir  string
	run  *experiments.Run
	err  error
}

// sharedCompleteRun returns the shared complete run; tests must not
// modify its files.
func sharedCompleteRun(t *testing.T) *experiments.Run {
	t.Helper()
	completeRun.once.Do(func() {
		completeRun.dir, completeRun.err = os.MkdirTemp("", "misgen-report-test-")
		if completeRun.err != nil {
			return
		}
		completeRun.run = fakeRun{Train: true, Eval: true, Interp: true, Episodes: 40}.buildIn(t, completeRun.dir)
	})
	if completeRun.err != nil {
		t.Fatal(completeRun.err)
	}
	if completeRun.run == nil {
		t.Fatal("shared fake run failed to build (see the first test that used it)")
	}
	return completeRun.run
}

func TestMain(m *testing.M) {
	code := m.Run()
	if completeRun.dir != "" {
		os.RemoveAll(completeRun.dir)
	}
	os.Exit(code)
}

// buildIn is build with the results root out.
func (o fakeRun) buildIn(t testing.TB, out string) *experiments.Run {
	t.Helper()
	c, err := experiments.Load("coinrun-ood", "quick")
	if err != nil {
		t.Fatal(err)
	}
	c.Eval.Episodes = o.Episodes
	c.Eval.Replays = 3
	c.Interp.Enabled = o.Interp
	r, err := experiments.NewRun(c, out)
	if err != nil {
		t.Fatal(err)
	}
	none := func(context.Context, *experiments.Run) error { return nil }
	stages := []experiments.Stage{
		{Name: "train", Run: none}, {Name: "eval", Run: none}, {Name: "interp", Run: none},
		{Name: "report", Run: experiments.ReportStage, AllJobs: true},
	}
	if o.Train {
		stages[0].Run = func(_ context.Context, r *experiments.Run) error { return writeTrainLogs(r) }
	}
	if o.Eval {
		stages[1].Run = func(_ context.Context, r *experiments.Run) error { return evaluate(r) }
	}
	if o.Interp {
		stages[2].Run = func(_ context.Context, r *experiments.Run) error { return writeInterp(r) }
	}
	if err := r.Execute(context.Background(), stages); err != nil {
		t.Fatal(err)
	}
	return r
}

// writeTrainLogs writes per-seed logs in the agents' JSONL format: a
// saturating success curve, with null episode columns in the first update
// (no episode finished yet).
func writeTrainLogs(r *experiments.Run) error {
	for _, seed := range r.Seeds() {
		path := r.TrainLog(seed)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		for u := 1; u <= 40; u++ {
			row := map[string]any{"update": u, "global_step": u * 4096, "episodes": 0, "episodic_return": nil,
				"success_rate": nil, "policy_loss": -0.01, "value_loss": 0.4, "entropy": 2.5, "approx_kl": 0.01,
				"clip_frac": 0.1, "explained_variance": 0.5, "learning_rate": 5e-4, "steps_per_s": 3000 + 10*seed}
			if u > 1 {
				s := 0.9 * (1 - math.Exp(-float64(u)/(8+2*float64(seed))))
				row["episodes"], row["success_rate"], row["episodic_return"] = 30, s, 10*s
			}
			if err := enc.Encode(row); err != nil {
				f.Close()
				return err
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// evaluate plays the stand-in agent on held-out levels of every variant,
// writes outcome records, replays of the first episodes, and the tables.
func evaluate(r *experiments.Run) error {
	for _, seed := range r.Seeds() {
		for _, v := range r.Config.Variants() {
			cfg, err := r.Config.VariantConfig(v)
			if err != nil {
				return err
			}
			rng := rand.New(rand.NewPCG(uint64(seed), 1))
			eps := 0.03 * float64(seed+1)
			var recs []experiments.EpisodeRecord
			var reps []replay.Episode
			for i := range r.Config.Eval.Episodes {
				level := envs.EvalSeedBase + uint64(i)
				meta, err := replay.NewMeta(r.Config.Env.Game, v, cfg, r.Config.Env.Obs, level, seed)
				if err != nil {
					return err
				}
				ep, err := replay.Run(meta, func(_ int, env envs.Env) (int, []float32, float32) {
					n := env.Spec().NumActions
					probs := make([]float32, n)
					for k := range probs {
						probs[k] = float32(eps) / float32(n)
					}
					probs[actRightJump] += float32(1 - eps)
					if rng.Float64() < eps {
						return rng.IntN(n), probs, 5
					}
					return actRightJump, probs, 5
				}, 0)
				if err != nil {
					return err
				}
				recs = append(recs, experiments.EpisodeRecord{Variant: v, Seed: seed, LevelSeed: level,
					Outcome: ep.Outcome, Return: float64(ep.Return(len(ep.Steps))), Length: len(ep.Steps)})
				if i < r.Config.Eval.Replays {
					reps = append(reps, ep)
				}
			}
			if err := experiments.WriteRecords(r.Outcomes(seed, v), recs); err != nil {
				return err
			}
			if err := replay.Write(filepath.Join(r.Replays(), fmt.Sprintf("seed-%d.%s.replay", seed, v)), reps); err != nil {
				return err
			}
		}
	}
	_, err := experiments.WriteRunTables(r)
	return err
}

// writeInterp writes interp outputs in the formats the report documents:
// SAE metrics, an MDL table in Markdown, feature–concept correlations,
// interventions whose rates come from counts through experiments.Wilson,
// and an eigenvector heat map.
func writeInterp(r *experiments.Run) error {
	dir := r.Interp()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	if err := write("sae_metrics.json", []map[string]any{
		{"name": "fc/topk-256", "kind": "topk", "latents": 256, "l0": 16, "mse": 0.012, "fvu": 0.081, "dead_fraction": 0.02, "kl": 0.004},
		{"name": "fc/relu_l1-256", "kind": "relu_l1", "latents": 256, "l0": 21.5, "mse": 0.015, "fvu": 0.094, "dead_fraction": 0.07, "kl": 0.006},
	}); err != nil {
		return err
	}
	if err := write(report.FeatureConceptsJSON, []map[string]any{
		{"source": "fc/topk-256", "feature": 17, "concept": "dist_to_end", "role": "proxy", "variant": "train", "correlation": -0.81},
		{"source": "fc/topk-256", "feature": 4, "concept": "coin_visible", "role": "goal", "variant": "train", "correlation": 0.22},
		{"source": "fc/topk-256", "feature": 4, "concept": "coin_visible", "role": "goal", "variant": "random_coin", "correlation": 0.35},
	}); err != nil {
		return err
	}
	prop := func(k, n int) map[string]any {
		lo, hi := experiments.Wilson(k, n)
		return map[string]any{"episodes": n, "count": k, "rate": float64(k) / float64(n), "ci_low": lo, "ci_high": hi}
	}
	// "Before" is the run's own pooled OOD proxy count; the ablation
	// removes most of it, the goal vector little.
	rows, err := experiments.ReadTableJSON(filepath.Join(r.Tables(), experiments.FailureRatesJSON))
	if err != nil {
		return err
	}
	var k, n int
	for _, row := range rows {
		if row.Variant == "random_coin" && row.Seed == experiments.PooledSeed && row.Outcome == "reached_end_no_coin" {
			k, n = row.Count, row.Episodes
		}
	}
	if n == 0 {
		return fmt.Errorf("no pooled OOD proxy row")
	}
	if err := write(report.InterventionsJSON, []map[string]any{
		{"name": "ablate fc/topk-256#17", "description": "latent 17 set to 0", "variant": "random_coin", "outcome": "reached_end_no_coin", "before": prop(k, n), "after": prop(k/5, n)},
		{"name": "add coin vector ×2", "variant": "random_coin", "outcome": "reached_end_no_coin", "before": prop(k, n), "after": prop(k-1, n)},
	}); err != nil {
		return err
	}
	mdl := "# MDL selection\n\nDescription length per activation (bits) at KL tolerance 0.01.\n\n| latents | k | bits |\n|---:|---:|---:|\n| 64 | 8 | 212.4 |\n| 256 | 16 | **188.9** |\n| 1024 | 32 | 240.1 |\n\nChosen: `256`.\n"
	if err := os.WriteFile(filepath.Join(dir, "mdl.md"), []byte(mdl), 0o644); err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, 13*8, 13*8))
	for y := range 13 * 8 {
		for x := range 13 * 8 {
			v := math.Sin(float64(x)/9) * math.Cos(float64(y)/11)
			c := color.RGBA{R: uint8(127 + 127*max(v, 0)), G: 110, B: uint8(127 + 127*max(-v, 0)), A: 255}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(filepath.Join(dir, "bilinear_eigenvector_0.png"))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
