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
	"github.com/misgen/misgen/schema"
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
// summary.json (through the report's mirror types, whose JSON names a
// test checks against package interp) whose intervention rates come from
// the run's own pooled OOD proxy count through schema.Wilson, a
// Markdown table and an eigenvector heat map.
func writeInterp(r *experiments.Run) error {
	dir := r.Interp()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	prop := func(k, n int) report.Proportion {
		lo, hi := schema.Wilson(k, n)
		return report.Proportion{K: k, N: n, Rate: float64(k) / float64(n), Lo: lo, Hi: hi}
	}
	// The base failure count is the run's own pooled OOD proxy count; the
	// ablation removes most of it, the goal vector little.
	rows, err := schema.ReadRowsJSON(filepath.Join(r.Tables(), experiments.FailureRatesJSON))
	if err != nil {
		return err
	}
	var k, n, coins int
	for _, row := range rows {
		if row.Variant == "random_coin" && row.Seed == schema.PooledSeed {
			switch row.Outcome {
			case "reached_end_no_coin":
				k, n = row.Count, row.Episodes
			case "coin":
				coins = row.Count
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("no pooled OOD proxy row")
	}
	intervention := func(name string, after int) report.Intervention {
		return report.Intervention{Name: name, Variant: "random_coin",
			BaseFailure: prop(k, n), TreatedFailure: prop(after, n), BaseSuccess: prop(coins, n), TreatedSuccess: prop(coins+k-after, n),
			Base:          report.EpisodeStats{Episodes: n, Successes: coins, Proxy: k},
			Treated:       report.EpisodeStats{Episodes: n, Successes: coins + k - after, Proxy: after},
			FailureChange: float64(after-k) / float64(n), SuccessChange: float64(k-after) / float64(n)}
	}
	auc := 0.61 // strength 2·|AUC − ½| = 0.22
	local := report.SAEMetrics{Name: "local-256", Samples: 4000, L0: 16, MSE: 0.012, FVU: 0.081, DeadFraction: 0.02, Alive: 251, DownstreamKL: 0.004,
		Spliced: report.EpisodeStats{Episodes: 40, Successes: 3, Proxy: 35, MeanReturn: 0.75}}
	e2e := report.SAEMetrics{Name: "e2e-256", Samples: 4000, L0: 16, MSE: 0.09, FVU: 0.52, DeadFraction: 0.05, Alive: 243, DownstreamKL: 0.0008,
		Spliced: report.EpisodeStats{Episodes: 40, Successes: 2, Proxy: 36, MeanReturn: 0.5}}
	side := func(m report.SAEMetrics) report.SAESide {
		return report.SAESide{L0: m.L0, KL: m.DownstreamKL, FVU: m.FVU, Alive: m.Alive}
	}
	sum := report.InterpSummary{
		Layers: []report.InterpLayer{{
			Layer:       "fc",
			SAEs:        []report.SAEMetrics{local, e2e},
			Comparisons: []report.LocalVsE2E{{Layer: "fc", Kind: "topk", Latents: 256, K: 16, Local: side(local), E2E: side(e2e)}},
			MDL: []report.MDLResult{
				{Name: "local-256", Latents: 256, K: 16, L0: 16, KL: 0.004, Bits: 4, KLAtBits: 0.009, IndexBits: 92.4, ValueBits: 64, DL: 156.4, Feasible: true, Coding: "combinatorial", Tolerance: 0.05},
				{Name: "e2e-256", Latents: 256, K: 16, L0: 16, KL: 0.0008, Bits: 5, KLAtBits: 0.002, IndexBits: 92.4, ValueBits: 80, DL: 172.4, Feasible: true, Coding: "combinatorial", Tolerance: 0.05},
			},
			Chosen:   "local-256",
			TopGoal:  []report.FeatureConcept{{Latent: 4, Concept: "coin_visible", Role: "goal", Pearson: 0.22, AUC: &auc, Strength: 0.22}},
			TopProxy: []report.FeatureConcept{{Latent: 17, Concept: "dist_to_end", Role: "proxy", Pearson: -0.81, Strength: 0.81}},
			Polytope: &report.PolytopeComparison{
				A:    report.PolytopeStats{Samples: 4000, Distinct: 900, ChangeRate: 0.3, Transitions: 3960},
				B:    report.PolytopeStats{Samples: 4000, Distinct: 1200, ChangeRate: 0.35, Transitions: 3960},
				BInA: 0.61},
		}},
		Bilinear: []report.BilinearSpectrum{{Direction: "action 8 right+jump − mean",
			Spectrum: report.Spectrum{Values: []float64{2.5, -1.2, 0.3}, CumAbs: []float64{0.625, 0.925, 1}, CumSq: []float64{0.802, 0.987, 1}}}},
		Interventions: []report.Intervention{
			intervention("fc: ablate proxy latent 17", k/5),
			intervention("fc: goal vector × +1", k-1),
		},
	}
	data, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, report.SummaryJSON), data, 0o644); err != nil {
		return err
	}
	mdl := "DL = index bits (combinatorial) + L0 × bits per value; KL tolerance 0.05 nats.\n\n| SAE | latents | k | L0 | KL | bits/value | DL (bits) |  |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n| local-256 | 256 | 16 | 16 | 0.004 | 4 | 156.4 | **min** |\n| e2e-256 | 256 | 16 | 16 | 0.0008 | 5 | 172.4 |  |\n\nChosen: local-256\n"
	if err := os.WriteFile(filepath.Join(dir, "fc.mdl.md"), []byte(mdl), 0o644); err != nil {
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
