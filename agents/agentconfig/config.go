// Package agentconfig holds the [agent] and [ppo] tables of an experiment:
// the policy architecture and the PPO hyperparameters, with their defaults
// and validation. It imports no tensor library, so configs decode (and the
// viewer links) without libtorch; package agents builds and trains from
// these types.
package agentconfig

import (
	"fmt"

	"github.com/misgen/misgen/internal/keyerr"
)

// PolicyConfig selects and sizes the policy network. Every field maps to a
// TOML key in an experiment's [agent] table.
type PolicyConfig struct {
	// Arch is "impala" (conv → max-pool → residual blocks per stage),
	// "mlp" (ReLU MLP over the flattened observation) or "bilinear" (the
	// impala/mlp trunk replaced by a bilinear block (W x) ⊙ (V x) with no
	// element-wise nonlinearity, so weight-based analysis is exact).
	Arch string `toml:"arch"`
	// Widths are the conv channels of each IMPALA stage. CleanRL reference:
	// [16, 32, 32]; the symbolic default is smaller to fit 2 CPU cores.
	Widths []int `toml:"widths"`
	// ResBlocks is the number of residual blocks per IMPALA stage
	// (CleanRL: 2).
	ResBlocks int `toml:"res_blocks"`
	// Hidden is the width of the fully connected layer before the heads
	// (CleanRL: 256), also the MLP/bilinear hidden width.
	Hidden int `toml:"hidden"`
	// Layers is the number of hidden layers of the "mlp" arch.
	Layers int `toml:"layers"`
}

// DefaultPolicyConfig is the small network used by the quick profiles:
// IMPALA widths [8, 16] with one residual block per stage and a 64-wide fc
// (25k parameters on CoinRun's 11×13×13 symbolic observations). On this
// 2-core machine it trains about 3× faster than [16, 32]/128 and still
// learns easy CoinRun to ≥ 90% held-out success in 0.5M steps.
func DefaultPolicyConfig() PolicyConfig {
	return PolicyConfig{Arch: "impala", Widths: []int{8, 16}, ResBlocks: 1, Hidden: 64, Layers: 2}
}

// Validate reports the first invalid field as a *keyerr.Error whose key is
// relative to the [agent] table.
func (c PolicyConfig) Validate() error {
	switch c.Arch {
	case "impala", "mlp", "bilinear":
	default:
		return keyerr.New("arch", c.Arch, `"impala", "mlp" or "bilinear"`)
	}
	if c.Arch == "impala" {
		if len(c.Widths) == 0 {
			return keyerr.Errorf("widths", "empty: want at least one stage width, e.g. [16, 32]")
		}
		for i, w := range c.Widths {
			if w < 1 || w > 1024 {
				return keyerr.New(fmt.Sprintf("widths[%d]", i), w, "a value in [1, 1024]")
			}
		}
		if c.ResBlocks < 0 || c.ResBlocks > 8 {
			return keyerr.New("res_blocks", c.ResBlocks, "a value in [0, 8]")
		}
	}
	if c.Hidden < 1 || c.Hidden > 8192 {
		return keyerr.New("hidden", c.Hidden, "a value in [1, 8192]")
	}
	if c.Arch == "mlp" && (c.Layers < 1 || c.Layers > 8) {
		return keyerr.New("layers", c.Layers, "a value in [1, 8]")
	}
	return nil
}

// FirstLayer names the weight parameter of the architecture c.Arch that
// reads the observation, with the units of the first hidden space on its
// first axis and each unit's inputs channel-major after it:
// "stage0.conv.w" [out, C, 3, 3] for IMPALA, "fc0.w" [hidden, C·H·W] for
// MLP and "embed.w" [hidden, C·H·W] for bilinear policies. It is "" for
// an architecture agents.NewPolicy does not build. Analyses of first-layer weight
// mass read it instead of switching on architecture names.
func (c PolicyConfig) FirstLayer() string {
	switch c.Arch {
	case "impala":
		return "stage0.conv.w"
	case "mlp":
		return "fc0.w"
	case "bilinear":
		return "embed.w"
	}
	return ""
}

// PPOConfig holds every PPO hyperparameter. Comments give CleanRL's
// ppo_procgen value as the reference; defaults are sized for the quick
// profile on a 2-core CPU.
type PPOConfig struct {
	TotalSteps     int64   `toml:"total_steps"`      // env steps over all envs (CleanRL: 25e6; default 5e5)
	NumEnvs        int     `toml:"num_envs"`         // parallel environments (CleanRL: 64)
	NumSteps       int     `toml:"num_steps"`        // rollout length per env per update (CleanRL: 256)
	LearningRate   float64 `toml:"learning_rate"`    // Adam step size (CleanRL: 5e-4)
	AnnealLR       bool    `toml:"anneal_lr"`        // linearly decay the LR to 0 (CleanRL: true)
	Gamma          float64 `toml:"gamma"`            // discount (CleanRL: 0.999 for 1000-step episodes; default 0.99)
	GAELambda      float64 `toml:"gae_lambda"`       // GAE λ (CleanRL: 0.95)
	NumMinibatches int     `toml:"num_minibatches"`  // minibatches per epoch (CleanRL: 8)
	UpdateEpochs   int     `toml:"update_epochs"`    // epochs per update (CleanRL: 3)
	NormAdv        bool    `toml:"norm_adv"`         // normalise advantages per minibatch (CleanRL: true)
	ClipCoef       float64 `toml:"clip_coef"`        // surrogate clip ε (CleanRL: 0.2)
	ClipVLoss      bool    `toml:"clip_vloss"`       // clip the value loss too (CleanRL: true)
	EntCoef        float64 `toml:"ent_coef"`         // entropy bonus (CleanRL: 0.01)
	VFCoef         float64 `toml:"vf_coef"`          // value loss weight (CleanRL: 0.5)
	MaxGradNorm    float64 `toml:"max_grad_norm"`    // global grad-norm clip (CleanRL: 0.5)
	TargetKL       float64 `toml:"target_kl"`        // stop epochs early above this approx-KL; 0 = off (CleanRL: off)
	NormReward     bool    `toml:"norm_reward"`      // scale rewards by a running return std (CleanRL: true)
	RewardClip     float64 `toml:"reward_clip"`      // clip normalised rewards to ±this (CleanRL: 10)
	Threads        int     `toml:"threads"`          // libtorch intra-op threads (1 was fastest here)
	EnvWorkers     int     `toml:"env_workers"`      // goroutines stepping the envs (1 = inline)
	CheckpointSecs float64 `toml:"checkpoint_every"` // seconds between checkpoints
	// Device is where tensors live: "" or "cpu" (default), or "cuda". The
	// agents code does not read it: the caller (experiments) resolves it
	// and sets torch.SetDefaultDevice, which every scope here follows.
	Device string `toml:"device,omitempty"`
	// BootstrapTimeouts: when an episode ends by its time limit
	// (envs.Info.TimeLimit), the GAE target of its last step bootstraps
	// from the critic's value of the final observed state, r + γ·V(s_T),
	// as if the episode went on (Pardo et al. 2018); otherwise timeouts are
	// terminal like every other end (CleanRL: terminal). Default false.
	// Omitted from the config hash and resolved TOML when false, so runs
	// from before it existed keep their identity.
	BootstrapTimeouts bool `toml:"bootstrap_timeouts,omitempty" json:",omitempty"`
}

// DefaultPPOConfig returns CleanRL's hyperparameters with the sizes shrunk
// for a quick CPU run.
func DefaultPPOConfig() PPOConfig {
	return PPOConfig{
		TotalSteps: 500_000, NumEnvs: 64, NumSteps: 128, LearningRate: 5e-4, AnnealLR: true,
		Gamma: 0.99, GAELambda: 0.95, NumMinibatches: 8, UpdateEpochs: 3, NormAdv: true,
		ClipCoef: 0.2, ClipVLoss: true, EntCoef: 0.01, VFCoef: 0.5, MaxGradNorm: 0.5,
		NormReward: true, RewardClip: 10, Threads: 1, EnvWorkers: 1, CheckpointSecs: 60,
	}
}

// BatchSize is the number of samples per update (num_envs × num_steps).
func (c PPOConfig) BatchSize() int { return c.NumEnvs * c.NumSteps }

// MinibatchSize is BatchSize / num_minibatches.
func (c PPOConfig) MinibatchSize() int { return c.BatchSize() / c.NumMinibatches }

// NumUpdates is the number of rollout+update iterations in TotalSteps.
func (c PPOConfig) NumUpdates() int { return int(c.TotalSteps / int64(c.BatchSize())) }

// Validate reports the first invalid field as a *keyerr.Error whose key is
// relative to the [ppo] table, with its range.
func (c PPOConfig) Validate() error {
	type check struct {
		ok   bool
		key  string
		val  any
		want string
	}
	checks := []check{
		{c.NumEnvs >= 1 && c.NumEnvs <= 4096, "num_envs", c.NumEnvs, "[1, 4096]"},
		{c.NumSteps >= 1 && c.NumSteps <= 4096, "num_steps", c.NumSteps, "[1, 4096]"},
		{CheckMinibatches(c.BatchSize(), c.NumMinibatches, c.NormAdv) == nil, "num_minibatches", c.NumMinibatches, minibatchWant(c.BatchSize(), c.NormAdv)},
		{c.TotalSteps >= int64(c.NumEnvs*c.NumSteps), "total_steps", c.TotalSteps, ">= num_envs*num_steps"},
		{c.LearningRate > 0 && c.LearningRate < 1, "learning_rate", c.LearningRate, "(0, 1)"},
		{c.Gamma > 0 && c.Gamma <= 1, "gamma", c.Gamma, "(0, 1]"},
		{c.GAELambda >= 0 && c.GAELambda <= 1, "gae_lambda", c.GAELambda, "[0, 1]"},
		{c.UpdateEpochs >= 1 && c.UpdateEpochs <= 100, "update_epochs", c.UpdateEpochs, "[1, 100]"},
		{c.ClipCoef > 0 && c.ClipCoef < 1, "clip_coef", c.ClipCoef, "(0, 1)"},
		{c.EntCoef >= 0, "ent_coef", c.EntCoef, ">= 0"},
		{c.VFCoef >= 0, "vf_coef", c.VFCoef, ">= 0"},
		{c.MaxGradNorm > 0, "max_grad_norm", c.MaxGradNorm, "> 0"},
		{c.TargetKL >= 0, "target_kl", c.TargetKL, ">= 0 (0 = off)"},
		{c.RewardClip > 0, "reward_clip", c.RewardClip, "> 0"},
		{c.Threads >= 1 && c.Threads <= 256, "threads", c.Threads, "[1, 256]"},
		{c.EnvWorkers >= 1 && c.EnvWorkers <= 256, "env_workers", c.EnvWorkers, "[1, 256]"},
		{c.CheckpointSecs > 0, "checkpoint_every", c.CheckpointSecs, "> 0 seconds"},
		{c.Device == "" || c.Device == "cpu" || c.Device == "cuda", "device", c.Device, `"cpu" or "cuda"`},
	}
	for _, ch := range checks {
		if !ch.ok {
			return keyerr.New(ch.key, ch.val, ch.want)
		}
	}
	return nil
}

// minMinibatch is the smallest minibatch: 2 with advantage normalisation,
// whose unbiased standard deviation of one sample is NaN, else 1.
func minMinibatch(normAdv bool) int {
	if normAdv {
		return 2
	}
	return 1
}

// CheckMinibatches reports a batch of batch samples that numMinibatches
// does not cut into equal minibatches of at least two samples with
// normalised advantages (one without): the remainder would be silently
// dropped every epoch.
func CheckMinibatches(batch, numMinibatches int, normAdv bool) error {
	if numMinibatches < 1 || batch%numMinibatches != 0 || batch/numMinibatches < minMinibatch(normAdv) {
		return fmt.Errorf("%d minibatches of %d samples: want %s", numMinibatches, batch, minibatchWant(batch, normAdv))
	}
	return nil
}

func minibatchWant(batch int, normAdv bool) string {
	w := fmt.Sprintf("a divisor of num_envs*num_steps = %d leaving minibatches of >= %d", batch, minMinibatch(normAdv))
	if normAdv {
		w += " (norm_adv standardises advantages within each minibatch)"
	}
	return w
}

// LossConfig is the part of PPOConfig the PPO loss reads.
type LossConfig struct {
	ClipCoef  float64 // surrogate (and value) clip ε
	ClipVLoss bool    // clip the value loss around the old values
	VFCoef    float64 // value loss weight
	EntCoef   float64 // entropy bonus weight
	NormAdv   bool    // normalise advantages within the minibatch
}

// LossConfig extracts the loss settings of c.
func (c PPOConfig) LossConfig() LossConfig {
	return LossConfig{ClipCoef: c.ClipCoef, ClipVLoss: c.ClipVLoss, VFCoef: c.VFCoef, EntCoef: c.EntCoef, NormAdv: c.NormAdv}
}
