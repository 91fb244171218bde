package audit

import (
	"context"
	"fmt"
	"math"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
)

// AuditLevelOffset is where the audit's levels start in the evaluation
// range (envs.EvalSeeds): far past the evaluation levels [0, eval.episodes)
// and the interp stage's levels that follow them, so the audit never plays
// a level whose OOD twin the failure table counts.
const AuditLevelOffset = 1 << 24

// AuditLevels are the n held-out training-variant levels the audit plays.
func AuditLevels(n int) envs.LevelSeeds { return envs.EvalSeeds(AuditLevelOffset, uint64(n)) }

// Episode is one audit rollout on a training-variant level.
type Episode struct {
	Level      uint64       `json:"level"`
	Outcome    envs.Outcome `json:"outcome"`
	Return     float64      `json:"return"`
	Length     int          `json:"length"`
	StartValue float64      `json:"start_value"`  // critic value of the first observation
	Entropy    float64      `json:"mean_entropy"` // mean action-distribution entropy over the steps (nats)
	// Selection marks the levels on which data-driven choices are made;
	// the others are test levels.
	Selection bool `json:"selection"`
}

// Frame is one observation of an audit rollout with the policy's output.
type Frame struct {
	Episode int       // index into Data.Episodes
	Step    int       // 0-based step within the episode
	Obs     []float32 // [C, H, W] flattened
	Probs   []float32 // action distribution
	Action  int       // the action taken
}

// Data is what the collect step gathers from one agent on training-variant
// levels: black-box statistics read only Episodes (and Frames' actions and
// probabilities); white-box statistics also edit Frames' observations.
type Data struct {
	Spec     envs.Spec
	Config   any // the training-variant game config (for its channel roles)
	Episodes []Episode
	Frames   []Frame
}

// CollectOptions configure the audit rollouts.
type CollectOptions struct {
	Levels  envs.LevelSeeds // default AuditLevels(64)
	NumEnvs int             // default 32
	Greedy  bool
	Seed    uint64 // action sampling
	Threads int
}

// Collect rolls policy out once on every level of o.Levels of the
// training variant env, keeping every observation. The first half of the
// levels (by index) are selection levels, the rest test levels.
func Collect(ctx context.Context, policy agents.Policy, env AuditEnv, o CollectOptions) (*Data, error) {
	if o.Levels.Count == 0 {
		o.Levels = AuditLevels(64)
	}
	spec, err := env.Spec()
	if err != nil {
		return nil, err
	}
	d := &Data{Spec: spec, Config: env.Config}
	startValue := map[int]float64{}
	entropy := map[int]float64{}
	results, err := agents.Evaluate(ctx, agents.EvalOptions{
		Policy: policy, NewEnv: env.New, Levels: o.Levels, NumEnvs: o.NumEnvs,
		Greedy: o.Greedy, Seed: o.Seed, Threads: o.Threads,
		OnStep: func(s agents.StepRecord) error {
			if s.Step == 0 {
				startValue[s.Episode] = float64(s.Value)
			}
			entropy[s.Episode] += Entropy(s.Probs)
			d.Frames = append(d.Frames, Frame{Episode: s.Episode, Step: s.Step,
				Obs: append([]float32(nil), s.Obs...), Probs: append([]float32(nil), s.Probs...), Action: s.Action})
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("audit rollouts: %w", err)
	}
	half := (len(results) + 1) / 2
	for i, r := range results {
		d.Episodes = append(d.Episodes, Episode{Level: r.LevelSeed, Outcome: r.Outcome, Return: r.Return, Length: r.Length,
			StartValue: startValue[i], Entropy: entropy[i] / float64(max(r.Length, 1)), Selection: i < half})
	}
	return d, nil
}

// Entropy is the Shannon entropy (nats) of a probability vector.
func Entropy(p []float32) float64 {
	var h float64
	for _, q := range p {
		if q > 0 {
			h -= float64(q) * math.Log(float64(q))
		}
	}
	return h
}

// split returns the frames of selection (sel) or test levels, at most
// limit of them, evenly spaced over the split in collection order so that
// every episode contributes.
func (d *Data) split(sel bool, keep func(Frame) bool, limit int) []Frame {
	var all []Frame
	for _, f := range d.Frames {
		if d.Episodes[f.Episode].Selection == sel && (keep == nil || keep(f)) {
			all = append(all, f)
		}
	}
	return thin(all, limit)
}

// thin keeps at most limit evenly spaced elements of fs (all when limit ≤ 0).
func thin(fs []Frame, limit int) []Frame {
	if limit <= 0 || len(fs) <= limit {
		return fs
	}
	out := make([]Frame, limit)
	for i := range out {
		out[i] = fs[i*len(fs)/limit]
	}
	return out
}

// Half returns the episodes of d with index parity h (0: even, 1: odd)
// and their frames, as a Data of its own whose first half of episodes
// are its selection levels. The two halves of an audit measure every
// statistic twice on disjoint levels, for its split-half reliability.
func (d *Data) Half(h int) *Data {
	out := &Data{Spec: d.Spec, Config: d.Config}
	index := make([]int, len(d.Episodes))
	for i, e := range d.Episodes {
		index[i] = -1
		if i%2 == h {
			index[i] = len(out.Episodes)
			out.Episodes = append(out.Episodes, e)
		}
	}
	half := (len(out.Episodes) + 1) / 2
	for i := range out.Episodes {
		out.Episodes[i].Selection = i < half
	}
	for _, f := range d.Frames {
		if k := index[f.Episode]; k >= 0 {
			f.Episode = k
			out.Frames = append(out.Frames, f)
		}
	}
	return out
}
