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
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/schema"
	"github.com/misgen/misgen/viz/replay"
)

// fakeRun options choose which stages leave outputs.
type fakeRun struct {
	Train, Eval, Interp bool
	// Predictions copies the predictions fixture (the audit's judgement
	// of the seeds by a population's calibration) into audit/ after eval.
	Predictions bool
	Episodes    int // per (seed, variant)
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
		completeRun.run = fakeRun{Train: true, Eval: true, Interp: true, Predictions: true, Episodes: 40}.buildIn(t, completeRun.dir)
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
	c, err := config.Load("coinrun-ood", "quick")
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
		stages[1].Run = func(_ context.Context, r *experiments.Run) error {
			if err := evaluate(r); err != nil || !o.Predictions {
				return err
			}
			return copyPredictions(r)
		}
	}
	if o.Interp {
		stages[2].Run = func(_ context.Context, r *experiments.Run) error { return writeInterp(r) }
	}
	if err := r.Execute(context.Background(), stages); err != nil {
		t.Fatal(err)
	}
	return r
}

// copyPredictions writes the predictions fixture as the run's
// audit/predictions.json.
func copyPredictions(r *experiments.Run) error {
	data, err := os.ReadFile(predictionsFixture)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.AuditDir(), 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.PredictionsJSON(), data, 0o644)
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
			var recs []schema.EpisodeRecord
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
				recs = append(recs, schema.EpisodeRecord{Variant: v, Seed: seed, LevelSeed: level,
					Outcome: ep.Outcome, Return: float64(ep.Return(len(ep.Steps))), Length: len(ep.Steps)})
				if i < r.Config.Eval.Replays {
					reps = append(reps, ep)
				}
			}
			if err := schema.WriteRecords(r.Outcomes(seed, v), recs); err != nil {
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

// writeInterp writes interp outputs in the interp stage's formats: a
// summary.json (schema.InterpSummary) whose paired intervention rates come
// from the run's own pooled OOD proxy count, a Markdown table and an
// eigenvector heat map.
func writeInterp(r *experiments.Run) error {
	dir := r.Interp()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The base failure count is the run's own pooled OOD proxy count; the
	// ablation removes most of it, the goal vector little.
	rows, err := schema.ReadRowsJSON(r.FailureRatesJSON())
	if err != nil {
		return err
	}
	var k, n int
	for _, row := range rows {
		if row.Variant == "random_coin" && row.Seed == schema.PooledSeed && row.Outcome == "reached_end_no_coin" {
			k, n = row.Count, row.Episodes
		}
	}
	if n == 0 {
		return fmt.Errorf("no pooled OOD proxy row")
	}
	paired := func(after int, p float64) schema.PairedDifference {
		d := float64(after-k) / float64(n)
		return schema.PairedDifference{N: n, Base: float64(k) / float64(n), Treated: float64(after) / float64(n), Delta: d,
			Lo: d - 0.05, Hi: d + 0.05, Down: k - after, P: p}
	}
	auc := 0.61
	mdl := func(dl float64) schema.MDLResult {
		return schema.MDLResult{L0: 16, KL: 0.004, Bits: 4, KLAtBits: 0.009, IndexBits: dl - 64, ValueBits: 64, DL: schema.Num(dl), Feasible: true, Coding: "combinatorial", Tolerance: 0.05}
	}
	sum := schema.InterpSummary{
		Levels: schema.LevelSplit{Selection: [2]uint64{100, 200}, Test: [2]uint64{200, 300}},
		Layers: []schema.LayerSummary{{
			Site: "fc", Rows: schema.RowCounts{Train: 3200, TrainEpisodes: 160, Held: 800, HeldEpisodes: 40, Apart: 1500},
			SAEs: []schema.SAEResult{
				{Name: "local-256-L016", Training: "local", Kind: "topk", Latents: 256, K: 16, TargetL0: 16, L0: 16, FVU: 0.081, KL: 0.004, Alive: 251, MDL: mdl(156.4)},
				{Name: "e2e-256-L016", Training: "e2e", Kind: "topk", Latents: 256, K: 16, TargetL0: 16, L0: 16, FVU: 0.52, KL: 0.0008, Alive: 243, MDL: mdl(172.4)},
			},
			Chosen: "local-256-L016",
			Goal:   []schema.Feature{{Latent: 4, Concept: "goal_visible", Role: "goal", R: 0.22, Control: "proxy_near", AUC: &auc, P: 0.01}},
			Proxy:  []schema.Feature{{Latent: 17, Concept: "proxy_near", Role: "proxy", R: 0.81, Control: "goal_near", P: 0.005}},
		}},
		Bilinear: []schema.BilinearSpectrum{{Action: 8, Name: "right+jump", Eigenvalues: []float64{2.5, -1.2, 0.3}, CumAbs: []float64{0.625, 0.925, 1}, MaxError: 2e-5, Image: "bilinear.action8.png"}},
		Polytope: &schema.Polytope{Layers: []string{"fc"}, Bits: 64, OOD: schema.NearestSummary{Samples: 4000, Exact: 0.61, Median: 0.02},
			HeldID: schema.NearestSummary{Samples: 800, Exact: 0.8, Median: 0}, DistinctID: 900, DistinctOOD: 1200},
		Interventions: []schema.Intervention{
			{Name: "fc: ablate proxy latent 17", Kind: "ablate", Site: "fc", Variant: "random_coin", Failure: paired(k/5, 0.001), Success: paired(k, 1), PHolm: 0.002},
			{Name: "fc: goal vector × +1", Kind: "steer", Vector: "goal vector", Site: "fc", Variant: "random_coin", Scale: 1, Failure: paired(k-1, 0.9), Success: paired(k, 1), PHolm: 0.9},
		},
	}
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, schema.InterpSummaryJSON), data, 0o644); err != nil {
		return err
	}
	for _, d := range sum.Documents() {
		if err := os.WriteFile(filepath.Join(dir, d.File), []byte(d.Doc.Markdown()), 0o644); err != nil {
			return err
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 13*8, 13*8))
	for y := range 13 * 8 {
		for x := range 13 * 8 {
			v := math.Sin(float64(x)/9) * math.Cos(float64(y)/11)
			c := color.RGBA{R: uint8(127 + 127*max(v, 0)), G: 110, B: uint8(127 + 127*max(-v, 0)), A: 255}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(filepath.Join(dir, "bilinear.action8.png"))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
