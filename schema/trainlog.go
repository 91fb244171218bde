package schema

import (
	"math"
	"strconv"
)

// Metric is a logged number; NaN (e.g. no episode finished in an update,
// explained variance of constant targets) is written as JSON null and
// read back as NaN. Unlike Num it is written in the shortest %g form
// (strconv 'g', -1), as training logs always were.
type Metric float64

// MarshalJSON writes NaN and ±Inf as null.
func (m Metric) MarshalJSON() ([]byte, error) {
	f := float64(m)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (m *Metric) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = Metric(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*m = Metric(f)
	return err
}

// TrainLogRow is one PPO update in a training log, logs/train-seed-<n>.jsonl
// and .csv (written by package agents). Episodes counts the
// training episodes that ended during this update's rollout; the episode
// columns (return, length, success) are means over the 100 most recent
// finished episodes, across rollouts (like SB3's ep_info_buffer), with raw,
// unnormalised rewards; null until the first episode ends. Loss columns are
// means over the update's minibatches. StepsPerS is the only wall-clock
// column.
type TrainLogRow struct {
	Update            int    `json:"update"`
	GlobalStep        int64  `json:"global_step"`
	Episodes          int    `json:"episodes"` // ended in this update's rollout
	EpisodicReturn    Metric `json:"episodic_return"`
	EpisodicLength    Metric `json:"episodic_length"`
	SuccessRate       Metric `json:"success_rate"`
	PolicyLoss        Metric `json:"policy_loss"`
	ValueLoss         Metric `json:"value_loss"`
	Entropy           Metric `json:"entropy"`
	ApproxKL          Metric `json:"approx_kl"`
	ClipFrac          Metric `json:"clip_frac"`
	ExplainedVariance Metric `json:"explained_variance"`
	LearningRate      Metric `json:"learning_rate"`
	StepsPerS         Metric `json:"steps_per_s"`
}
