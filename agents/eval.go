package agents

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
)

// EvalOptions configure an evaluation of a policy on held-out levels.
type EvalOptions struct {
	// Policy is evaluated as it is (e.g. from LoadPolicy).
	Policy Policy
	// Game, GameConfig and Obs build the envs through the envs registry
	// (GameConfig nil: the game's default, i.e. training, variant) unless
	// NewEnv is set.
	Game       string
	GameConfig any
	Obs        envs.ObsConfig
	NewEnv     func() (envs.Env, error)
	// Levels are the evaluation levels: one episode on each seed
	// Start, Start+1, ..., Start+Count-1 (e.g. envs.EvalSeeds(0, 200)).
	Levels envs.LevelSeeds
	// NumEnvs is how many episodes run at once (batched forward passes);
	// default 32.
	NumEnvs int
	// Greedy takes the most probable action; otherwise actions are
	// sampled with a PCG generator seeded by Seed.
	Greedy bool
	Seed   uint64
	// Hook, if set, is passed to every forward pass (capture or
	// intervention). The rows of each pass belong to the episodes named by
	// the preceding BeforeForward call.
	Hook Hook
	// BeforeForward, if set, is called before each forward pass with the
	// episode index (position in the result) of each batch row.
	BeforeForward func(episodes []int)
	// Threads, if > 0, sets libtorch's intra-op thread count for the
	// evaluation (0 leaves it as it is).
	Threads int
	// OnStep, if set, is called after every env step, in step order and
	// row order within a step; returning an error stops the evaluation.
	OnStep func(StepRecord) error
}

// EpisodeResult is one evaluated episode.
type EpisodeResult struct {
	LevelSeed uint64       `json:"level_seed"`
	Outcome   envs.Outcome `json:"outcome"`
	Return    float64      `json:"return"` // undiscounted, raw rewards
	Length    int          `json:"length"` // steps taken
}

// StepRecord describes one step of one evaluation episode, for replays. Its
// slices are reused after the callback returns; copy what you keep.
type StepRecord struct {
	Episode   int       // index into the result slice
	LevelSeed uint64    // level of the episode
	Step      int       // 0-based step within the episode
	Obs       []float32 // observation the action was chosen from
	Action    int
	Probs     []float32 // action probabilities
	Value     float32   // critic value of Obs
	Reward    float32   // reward of this step
	Done      bool      // the episode ended on this step
	Info      envs.Info // ground truth after the step (terminal when Done)
	Env       envs.Env  // the env after the step (for rendering; do not step it)
}

// Evaluate runs opt.Policy for one episode on each level of opt.Levels and
// returns the episodes in level order. Episodes end by the game's own rules
// (outcome and time limit).
func Evaluate(ctx context.Context, opt EvalOptions) ([]EpisodeResult, error) {
	if opt.Policy == nil {
		return nil, fmt.Errorf("agents: Evaluate: nil policy")
	}
	if err := opt.Levels.Validate(); err != nil {
		return nil, err
	}
	if opt.Levels.Count > 1<<24 {
		return nil, fmt.Errorf("agents: Evaluate: %d episodes is too many", opt.Levels.Count)
	}
	// libtorch's thread count is per OS thread (see Train).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if opt.Threads > 0 {
		torch.SetNumThreads(opt.Threads)
	}
	newEnv := opt.NewEnv
	if newEnv == nil {
		g, err := envs.Lookup(opt.Game)
		if err != nil {
			return nil, err
		}
		cfg := opt.GameConfig
		if cfg == nil {
			cfg = g.NewConfig()
		}
		newEnv = func() (envs.Env, error) { return g.New(cfg, opt.Obs) }
	}
	n := int(opt.Levels.Count)
	numEnvs := opt.NumEnvs
	if numEnvs <= 0 {
		numEnvs = 32
	}
	numEnvs = min(numEnvs, n)
	io := opt.Policy.IO()
	obsSize := io.ObsSize()

	type slot struct {
		env     envs.Env
		episode int // -1 when idle
		step    int
	}
	slots := make([]slot, numEnvs)
	results := make([]EpisodeResult, n)
	next := 0
	startEpisode := func(sl *slot) {
		if next >= n {
			sl.episode = -1
			return
		}
		sl.episode, sl.step = next, 0
		seed := opt.Levels.Start + uint64(next)
		results[next].LevelSeed = seed
		sl.env.Reset(seed)
		next++
	}
	for i := range slots {
		e, err := newEnv()
		if err != nil {
			return nil, err
		}
		if got := IOOf(e.Spec()); got.ObsShape != io.ObsShape || got.NumActions != io.NumActions {
			return nil, fmt.Errorf("agents: Evaluate: env %s has observations %v and %d actions, policy expects %v and %d",
				got.Game, got.ObsShape, got.NumActions, io.ObsShape, io.NumActions)
		}
		slots[i].env = e
		startEpisode(&slots[i])
	}
	rng := rand.New(rand.NewPCG(opt.Seed, streamActions))
	obs := make([]float32, numEnvs*obsSize)
	probs := make([]float32, numEnvs*io.NumActions)
	values := make([]float32, numEnvs)
	rows := make([]int, 0, numEnvs) // slot index of each batch row
	episodes := make([]int, 0, numEnvs)
	sh := io.ObsShape
	s := torch.NewNoGradScope()
	defer s.Close()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, episodes = rows[:0], episodes[:0]
		for i := range slots {
			if slots[i].episode >= 0 {
				slots[i].env.Observe(obs[len(rows)*obsSize : (len(rows)+1)*obsSize])
				rows = append(rows, i)
				episodes = append(episodes, slots[i].episode)
			}
		}
		if len(rows) == 0 {
			break
		}
		if opt.BeforeForward != nil {
			opt.BeforeForward(episodes)
		}
		m := len(rows)
		x := s.FromFloat32(obs[:m*obsSize], int64(m), int64(sh[0]), int64(sh[1]), int64(sh[2]))
		logits, value := opt.Policy.Forward(s, x, opt.Hook)
		p := s.Softmax(logits, 1)
		if err := s.Err(); err != nil {
			return nil, fmt.Errorf("agents: Evaluate: %w", err)
		}
		if err := p.CopyToFloat32(probs[:m*io.NumActions]); err != nil {
			return nil, err
		}
		if err := value.CopyToFloat32(values[:m]); err != nil {
			return nil, err
		}
		s.Close()
		for r, si := range rows {
			sl := &slots[si]
			pr := probs[r*io.NumActions : (r+1)*io.NumActions]
			a := pickAction(rng, pr, opt.Greedy)
			reward, done, err := sl.env.Step(a)
			if err != nil {
				return nil, err
			}
			res := &results[sl.episode]
			res.Return += float64(reward)
			res.Length++
			info := sl.env.Info()
			if opt.OnStep != nil {
				if err := opt.OnStep(StepRecord{Episode: sl.episode, LevelSeed: res.LevelSeed, Step: sl.step,
					Obs: obs[r*obsSize : (r+1)*obsSize], Action: a, Probs: pr, Value: values[r], Reward: reward,
					Done: done, Info: info, Env: sl.env}); err != nil {
					return nil, err
				}
			}
			sl.step++
			if done {
				res.Outcome = info.Outcome
				startEpisode(sl)
			}
		}
	}
	return results, nil
}

// pickAction takes the argmax of probs (greedy) or samples from them.
func pickAction(rng *rand.Rand, probs []float32, greedy bool) int {
	if greedy {
		best := 0
		for i, p := range probs {
			if p > probs[best] {
				best = i
			}
		}
		return best
	}
	u := rng.Float64()
	var cum float64
	for i, p := range probs {
		cum += float64(p)
		if u < cum {
			return i
		}
	}
	for i := len(probs) - 1; i >= 0; i-- {
		if probs[i] > 0 && !math.IsNaN(float64(probs[i])) {
			return i
		}
	}
	return len(probs) - 1
}

// SuccessRate is the fraction of results whose outcome is success.
func SuccessRate(results []EpisodeResult, success envs.Outcome) float64 {
	if len(results) == 0 {
		return math.NaN()
	}
	k := 0
	for _, r := range results {
		if r.Outcome == success {
			k++
		}
	}
	return float64(k) / float64(len(results))
}
