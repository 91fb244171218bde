package agents

import "math"

// RunningMeanStd tracks the mean and variance of a stream of batches with
// the parallel (Chan et al.) update, as gym's RunningMeanStd does. Count
// starts at a small epsilon so the first batch dominates without dividing by
// zero.
type RunningMeanStd struct {
	Mean  float64 `json:"mean"`
	Var   float64 `json:"var"`
	Count float64 `json:"count"`
}

// NewRunningMeanStd returns gym's initial state: mean 0, var 1, count 1e-4.
func NewRunningMeanStd() RunningMeanStd { return RunningMeanStd{Mean: 0, Var: 1, Count: 1e-4} }

// Update folds a batch into the statistics (the batch variance is the
// population variance, as numpy's var).
func (r *RunningMeanStd) Update(batch []float64) {
	if len(batch) == 0 {
		return
	}
	var sum float64
	for _, x := range batch {
		sum += x
	}
	n := float64(len(batch))
	bMean := sum / n
	var sq float64
	for _, x := range batch {
		sq += (x - bMean) * (x - bMean)
	}
	bVar := sq / n
	delta := bMean - r.Mean
	tot := r.Count + n
	r.Mean += delta * n / tot
	m2 := r.Var*r.Count + bVar*n + delta*delta*r.Count*n/tot
	r.Var = m2 / tot
	r.Count = tot
}

// RewardNormalizer scales rewards by the running standard deviation of each
// env's discounted return, then clips them, like gym's NormalizeReward
// followed by a clip (CleanRL ppo_procgen). Rewards are not centred: only the
// scale changes, so the sign of every reward is kept.
type RewardNormalizer struct {
	Gamma   float64        `json:"gamma"`
	Clip    float64        `json:"clip"`
	Returns []float64      `json:"returns"` // per-env discounted return so far
	Stats   RunningMeanStd `json:"stats"`
	batch   []float64
}

// rewardEpsilon guards the square root, as gym's epsilon = 1e-8.
const rewardEpsilon = 1e-8

// NewRewardNormalizer returns a normalizer for numEnvs envs.
func NewRewardNormalizer(numEnvs int, gamma, clip float64) *RewardNormalizer {
	return &RewardNormalizer{Gamma: gamma, Clip: clip, Returns: make([]float64, numEnvs), Stats: NewRunningMeanStd()}
}

// Normalize rewrites rewards (one per env, from one vector step) in place:
// it updates each env's discounted return R ← γR + r, folds the returns into
// the running statistics, scales r by 1/√(var + 1e-8), clips to ±Clip, and
// resets R to 0 for envs whose episode ended (dones[i]).
func (n *RewardNormalizer) Normalize(rewards []float32, dones []bool) {
	n.batch = n.batch[:0]
	for i, r := range rewards {
		n.Returns[i] = n.Returns[i]*n.Gamma + float64(r)
		n.batch = append(n.batch, n.Returns[i])
	}
	n.Stats.Update(n.batch)
	scale := 1 / math.Sqrt(n.Stats.Var+rewardEpsilon)
	for i, r := range rewards {
		v := float64(r) * scale
		rewards[i] = float32(math.Max(-n.Clip, math.Min(n.Clip, v)))
		if dones[i] {
			n.Returns[i] = 0
		}
	}
}
