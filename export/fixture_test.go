package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/interp/study"
	"github.com/misgen/misgen/schema"
)

// fixture is a small real run, built once per test binary: three policies
// (IMPALA, MLP, bilinear: seeds 0, 1, 2) trained for two PPO updates on
// short CoinRun levels, the interp stage on the IMPALA policy (layers
// stage1 and fc, TopK SAEs of 16 and 64 latents, local and end-to-end), a
// ReLU SAE trained on its fc activations, evaluation episodes of every
// seed, and the export of all of it.
type fixture struct {
	root    string // run directory; the export is root/export
	opts    Options
	idx     *Index
	archs   []string // by seed
	evalEps []schema.EpisodeRecord
}

var fix struct {
	once sync.Once
	f    *fixture
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.f != nil {
		os.RemoveAll(fix.f.root)
	}
	os.Exit(code)
}

// tinyRun returns the shared fixture, building it on first use.
func tinyRun(t *testing.T) *fixture {
	t.Helper()
	fix.once.Do(func() { fix.f, fix.err = buildFixture() })
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	return fix.f
}

var tinyObs = envs.ObsConfig{Kind: envs.ObsSymbolic, View: 7, RGBSize: 64}

func tinyLevel(coin string) *coinrun.Config {
	c := coinrun.DefaultConfig()
	c.Length, c.MaxSteps, c.Coin, c.RandomCoinLift = 16, 40, coin, 3
	return &c
}

var tinyVariants = []Variant{{Name: "train"}, {Name: "random_coin", OOD: true}}

func tinyEnv(variant string) (envs.Env, error) {
	g, err := envs.Lookup("coinrun")
	if err != nil {
		return nil, err
	}
	coin := coinrun.CoinEnd
	if variant == "random_coin" {
		coin = coinrun.CoinRandom
	}
	return g.New(tinyLevel(coin), tinyObs)
}

func buildFixture() (*fixture, error) {
	root, err := os.MkdirTemp("", "misgen-export-")
	if err != nil {
		return nil, err
	}
	f := &fixture{root: root, archs: []string{"impala", "mlp", "bilinear"}}
	ctx := context.Background()
	ppo := agents.DefaultPPOConfig()
	ppo.NumEnvs, ppo.NumSteps, ppo.NumMinibatches, ppo.UpdateEpochs, ppo.TotalSteps = 4, 16, 1, 1, 128
	policies := []agents.PolicyConfig{
		{Arch: "impala", Widths: []int{4, 8}, ResBlocks: 1, Hidden: 16},
		{Arch: "mlp", Hidden: 16, Layers: 2},
		{Arch: "bilinear", Hidden: 16},
	}
	levels := envs.EvalSeeds(0, 4)
	for seed, pc := range policies {
		dir := filepath.Join(root, "checkpoints", fmt.Sprintf("seed-%d", seed))
		if _, err := agents.Train(ctx, agents.TrainOptions{Game: "coinrun", GameConfig: tinyLevel(coinrun.CoinEnd), Obs: tinyObs,
			Seed: uint64(seed), Dir: dir, PPO: ppo, Policy: pc}); err != nil {
			return f, fmt.Errorf("training %s: %w", pc.Arch, err)
		}
		f.opts.Policies = append(f.opts.Policies, PolicySource{Seed: seed, Checkpoint: agents.CheckpointPath(dir)})
		eps, err := evaluate(ctx, agents.CheckpointPath(dir), seed, levels)
		if err != nil {
			return f, err
		}
		f.evalEps = append(f.evalEps, eps...)
	}
	interpDir := filepath.Join(root, "interp")
	if err := runInterp(ctx, f.opts.Policies[0].Checkpoint, interpDir, levels); err != nil {
		return f, err
	}
	g, err := envs.Lookup("coinrun")
	if err != nil {
		return f, err
	}
	spec, err := g.Spec(tinyLevel(coinrun.CoinEnd), tinyObs)
	if err != nil {
		return f, err
	}
	f.opts = Options{Out: filepath.Join(root, "export"), Run: map[string]string{"experiment": "tiny"}, Policies: f.opts.Policies,
		Spec: spec, Obs: tinyObs, Variants: tinyVariants, NewEnv: tinyEnv, InterpDir: interpDir, InterpSeed: 0,
		InterpLevels: levels, Outcomes: f.evalEps}
	f.idx, err = Write(ctx, f.opts)
	return f, err
}

// runInterp runs the interp stage and adds a ReLU SAE on its fc store.
func runInterp(ctx context.Context, ckpt, dir string, levels envs.LevelSeeds) error {
	_, _, err := study.Run(ctx, study.Options{
		Checkpoint: ckpt, OutDir: dir, Game: "coinrun", Obs: tinyObs,
		Variants: []study.Variant{{Name: "train", Config: tinyLevel(coinrun.CoinEnd)},
			{Name: "random_coin", Config: tinyLevel(coinrun.CoinRandom), OOD: true}},
		Selection: levels, Test: envs.LevelSeeds{Start: levels.Start + levels.Count, Count: levels.Count, Order: levels.Order},
		Layers: []string{"stage1", "fc"}, Samples: 120, NumEnvs: 4, Shifts: 19,
		SAE: interp.SAESettings{Kind: interp.TopK, Sizes: []int{16, 64}, L0: []int{4}, L1: 1e-3, Steps: 20, BatchSize: 32,
			LearningRate: 1e-3, EndToEnd: true},
		MDLTolerance: 0.5,
	})
	if err != nil {
		return fmt.Errorf("interp stage: %w", err)
	}
	st, err := interp.ReadStoreFile(filepath.Join(dir, "acts", "train.fc.acts"))
	if err != nil {
		return err
	}
	m, err := interp.NewSAE(interp.SAEConfig{Kind: interp.ReLUL1, DIn: st.Acts.Cols, Latents: 24, L1: 1e-3}, st.Acts.ColMeans(), 5)
	if err != nil {
		return err
	}
	defer m.Free()
	if _, err := interp.Train(m, st.Acts, interp.TrainOptions{Steps: 20, BatchSize: 32, LR: 1e-2, Seed: 5}); err != nil {
		return err
	}
	return m.WriteFile(interp.SAEPath(dir, "fc", "relu-24"), interp.SAEFileInfo{Layer: "fc", Name: "relu-24", Objective: "local"})
}

// evaluate plays one episode per level and variant, as the eval stage does.
func evaluate(ctx context.Context, ckpt string, seed int, levels envs.LevelSeeds) ([]schema.EpisodeRecord, error) {
	p, _, err := agents.LoadPolicy(ckpt)
	if err != nil {
		return nil, err
	}
	defer p.Free()
	var out []schema.EpisodeRecord
	for _, v := range tinyVariants {
		res, err := agents.Evaluate(ctx, agents.EvalOptions{Policy: p, Levels: levels, NumEnvs: 4, Seed: 1,
			NewEnv: func() (envs.Env, error) { return tinyEnv(v.Name) }})
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			out = append(out, schema.EpisodeRecord{Seed: seed, Variant: v.Name, LevelSeed: r.LevelSeed, Outcome: r.Outcome, Length: r.Length, Return: r.Return})
		}
	}
	return out, nil
}
