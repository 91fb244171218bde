package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/envs/coinrun"
	"github.com/misgen/misgen/internal/torch"
)

const (
	ppoBenchTrainUpdates  = 3 // end-to-end updates timed (default CoinRun config)
	ppoBenchUpdateReps    = 3 // timed PPO updates per side after one warm-up; the fastest counts
	ppoBenchThreads       = 1
	ppoBenchObsDensityPct = 10 // share of ones in the synthetic one-hot-like observations
)

func init() { register("ppo", benchPPO) }

func benchPPO(report reportFunc) error {
	runtime.LockOSThread() // libtorch's thread count is per OS thread
	defer runtime.UnlockOSThread()
	torch.SetNumThreads(ppoBenchThreads)

	stepsPerS, err := ppoTrainStepsPerS()
	if err != nil {
		return err
	}
	report("ppo/train_steps_per_s", stepsPerS, "steps/s")

	goUpdate, cfg, err := ppoGoUpdate()
	if err != nil {
		return err
	}
	arg, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	py, err := runPythonReference("ppo_update.py", string(arg))
	if err != nil {
		return err
	}
	report("ppo/update_ratio_vs_python", py["update_s"]/goUpdate.Seconds(), "x")
	// The Go policy stores its input NHWC (oneDNN convolves it without
	// reordering); the figure above compares against PyTorch as usually
	// written, this one against a reference doing the same.
	cfg.ChannelsLast = true
	if arg, err = json.Marshal(cfg); err != nil {
		return err
	}
	if py, err = runPythonReference("ppo_update.py", string(arg)); err != nil {
		return err
	}
	report("ppo/update_ratio_vs_python_nhwc", py["update_s"]/goUpdate.Seconds(), "x")
	return nil
}

// ppoTrainStepsPerS trains the default CoinRun configuration (default
// policy and PPO settings, training variant, symbolic observations) for a
// few updates: env stepping, rollout inference and PPO updates together.
func ppoTrainStepsPerS() (float64, error) {
	dir, err := os.MkdirTemp("", "misgen-bench-ppo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ppo := agents.DefaultPPOConfig()
	ppo.Threads = ppoBenchThreads
	res, err := agents.Train(context.Background(), agents.TrainOptions{
		Game: coinrun.Name, GameConfig: coinrun.DefaultConfig(), Obs: envs.DefaultObsConfig(),
		Policy: agents.DefaultPolicyConfig(), PPO: ppo, Dir: dir, StopAfterUpdates: ppoBenchTrainUpdates,
	})
	if err != nil {
		return 0, err
	}
	return float64(res.GlobalStep) / res.Elapsed.Seconds(), nil
}

// ppoUpdateConfig is what bench/python/ppo_update.py needs to build the
// same network and update.
type ppoUpdateConfig struct {
	ObsShape       [3]int  `json:"obs_shape"`
	Actions        int     `json:"actions"`
	Widths         []int   `json:"widths"`
	ResBlocks      int     `json:"res_blocks"`
	Hidden         int     `json:"hidden"`
	Batch          int     `json:"batch"`
	UpdateEpochs   int     `json:"update_epochs"`
	NumMinibatches int     `json:"num_minibatches"`
	ClipCoef       float64 `json:"clip_coef"`
	EntCoef        float64 `json:"ent_coef"`
	VFCoef         float64 `json:"vf_coef"`
	MaxGradNorm    float64 `json:"max_grad_norm"`
	LearningRate   float64 `json:"learning_rate"`
	Threads        int     `json:"threads"`
	Reps           int     `json:"reps"`
	ChannelsLast   bool    `json:"channels_last"` // the reference converts its input to NHWC
}

// ppoGoUpdate times agents.PPOUpdate on a synthetic batch of the default
// CoinRun size with the default policy.
func ppoGoUpdate() (time.Duration, ppoUpdateConfig, error) {
	g, err := envs.Lookup(coinrun.Name)
	if err != nil {
		return 0, ppoUpdateConfig{}, err
	}
	env, err := g.New(coinrun.DefaultConfig(), envs.DefaultObsConfig())
	if err != nil {
		return 0, ppoUpdateConfig{}, err
	}
	io := agents.IOOf(env.Spec())
	pc, ppo := agents.DefaultPolicyConfig(), agents.DefaultPPOConfig()
	if pc.Arch != "impala" {
		return 0, ppoUpdateConfig{}, fmt.Errorf("bench ppo: the Python reference implements arch impala, default is %q", pc.Arch)
	}
	cfg := ppoUpdateConfig{ObsShape: io.ObsShape, Actions: io.NumActions, Widths: pc.Widths, ResBlocks: pc.ResBlocks,
		Hidden: pc.Hidden, Batch: ppo.BatchSize(), UpdateEpochs: ppo.UpdateEpochs, NumMinibatches: ppo.NumMinibatches,
		ClipCoef: ppo.ClipCoef, EntCoef: ppo.EntCoef, VFCoef: ppo.VFCoef, MaxGradNorm: ppo.MaxGradNorm,
		LearningRate: ppo.LearningRate, Threads: ppoBenchThreads, Reps: ppoBenchUpdateReps}
	if !ppo.ClipVLoss || !ppo.NormAdv {
		return 0, cfg, fmt.Errorf("bench ppo: the Python reference clips the value loss and normalises advantages")
	}
	policy, err := agents.NewPolicy(pc, io, 0)
	if err != nil {
		return 0, cfg, err
	}
	defer policy.Free()
	opt, err := torch.NewAdam(agents.ParamTensors(policy), torch.AdamOptions{LR: ppo.LearningRate, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5})
	if err != nil {
		return 0, cfg, err
	}
	defer opt.Free()
	rng := rand.New(rand.NewPCG(0, 0))
	n := cfg.Batch
	b := agents.Batch{Obs: make([]float32, n*io.ObsSize()), Actions: make([]int64, n), LogProbs: make([]float32, n),
		Values: make([]float32, n), Advantages: make([]float32, n), Returns: make([]float32, n)}
	for i := range b.Obs {
		if rng.IntN(100) < ppoBenchObsDensityPct {
			b.Obs[i] = 1
		}
	}
	for i := 0; i < n; i++ {
		b.Actions[i] = int64(rng.IntN(io.NumActions))
		b.LogProbs[i] = -2.7
		b.Values[i] = float32(rng.NormFloat64())
		b.Advantages[i] = float32(rng.NormFloat64())
		b.Returns[i] = b.Values[i] + b.Advantages[i]
	}
	if _, err := agents.PPOUpdate(policy, opt, b, ppo, rng); err != nil { // warm-up
		return 0, cfg, err
	}
	best := time.Duration(math.MaxInt64)
	for r := 0; r < ppoBenchUpdateReps; r++ {
		start := time.Now()
		if _, err := agents.PPOUpdate(policy, opt, b, ppo, rng); err != nil {
			return 0, cfg, err
		}
		best = min(best, time.Since(start))
	}
	return best, cfg, nil
}
