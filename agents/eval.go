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
	// TrainLevels are the levels the policy was trained on (as in
	// TrainOptions and Checkpoint; Count = 0 means Train's default, every
	// seed below envs.EvalSeedBase). Levels overlapping them are refused
	// unless OnTrainLevels is set, for measuring training-level
	// performance on purpose.
	TrainLevels   envs.LevelSeeds
	OnTrainLevels bool
	// NumEnvs is how many episodes run at once (batched forward passes);
	// default 32.
	NumEnvs int
	// Greedy takes the most probable action; otherwise actions are
	// sampled, each episode from its own PCG stream seeded by (Seed, level
	// seed), so an episode's actions and outcome do not depend on NumEnvs
	// or on which episodes run beside it. Callers pass the training seed
	// (or a seed of their own per evaluation).
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
	// MinGoalDist and MinProxyDist are the closest the agent came to the
	// true goal and to the proxy goal over the episode's steps (tiles,
	// envs.Info positions; 0 once reached).
	MinGoalDist  float64 `json:"min_goal_dist"`
	MinProxyDist float64 `json:"min_proxy_dist"`
	// PursuedGoal: the episode pursued the true goal by the game's
	// PursuitRule (PursuitRuleFor: reached or approached it, turned back
	// towards it or lingered by it, no later than it approached the
	// proxy), whether or not it got there.
	PursuedGoal bool `json:"pursued_goal"`

	pursuit pursuit
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
	if err := opt.check(); err != nil {
		return nil, err
	}
	runtime.LockOSThread() // reproducible results (see Train)
	defer runtime.UnlockOSThread()
	if opt.Threads > 0 {
		torch.SetNumThreads(opt.Threads)
	}
	ev, err := newEvaluator(&opt)
	if err != nil {
		return nil, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if ev.observe() == 0 {
			return ev.results, nil
		}
		if err := ev.forward(); err != nil {
			return nil, err
		}
		if err := ev.step(); err != nil {
			return nil, err
		}
	}
}

// check validates the options.
func (opt *EvalOptions) check() error {
	if opt.Policy == nil {
		return fmt.Errorf("agents: Evaluate: nil policy")
	}
	if err := opt.Levels.Validate(); err != nil {
		return err
	}
	if opt.Levels.Count > 1<<24 {
		return fmt.Errorf("agents: Evaluate: %d episodes is too many", opt.Levels.Count)
	}
	train := opt.TrainLevels
	if train.Count == 0 {
		train = envs.TrainSeeds(envs.EvalSeedBase)
	}
	if !opt.OnTrainLevels && opt.Levels.Overlaps(train) {
		return fmt.Errorf("agents: Evaluate: evaluation levels %v overlap the training levels %v, so the results would not be held out (set OnTrainLevels to evaluate training levels on purpose)",
			opt.Levels, train)
	}
	return nil
}

// evalSlot is one env of an evaluation and the episode it is running.
type evalSlot struct {
	env     envs.Env
	episode int // index into the results; -1 when idle
	step    int // steps taken in the episode
	// the episode's action generator, reseeded at every episode start
	src *rand.PCG
	rng *rand.Rand
}

// evaluator is one evaluation's live state: NumEnvs slots, each running
// the next unplayed level when its episode ends, and the buffers of one
// batched forward pass over the busy slots.
type evaluator struct {
	opt     *EvalOptions
	io      PolicyIO
	rule    PursuitRule // the game's, for EpisodeResult.PursuedGoal
	slots   []evalSlot
	results []EpisodeResult
	next    int // next episode to start

	// one forward pass, row r belonging to slot rows[r]
	obs, logp, probs, values []float32
	rows, episodes           []int
}

// newEvaluator builds the envs, checks them against the policy and starts
// the first episodes.
func newEvaluator(opt *EvalOptions) (*evaluator, error) {
	newEnv, _, err := resolveEnvs(opt.Game, opt.GameConfig, opt.Obs, opt.NewEnv)
	if err != nil {
		return nil, err
	}
	n := int(opt.Levels.Count)
	numEnvs := opt.NumEnvs
	if numEnvs <= 0 {
		numEnvs = 32
	}
	numEnvs = min(numEnvs, n)
	es, err := makeEnvs(newEnv, numEnvs)
	if err != nil {
		return nil, err
	}
	io := opt.Policy.IO()
	for _, e := range es {
		if got := IOOf(e.Spec()); got.ObsShape != io.ObsShape || got.NumActions != io.NumActions {
			return nil, fmt.Errorf("agents: Evaluate: env %s has observations %v and %d actions, policy expects %v and %d",
				got.Game, got.ObsShape, got.NumActions, io.ObsShape, io.NumActions)
		}
	}
	rule, err := PursuitRuleFor(es[0])
	if err != nil {
		return nil, err
	}
	ev := &evaluator{
		opt: opt, io: io, rule: rule, slots: make([]evalSlot, numEnvs), results: make([]EpisodeResult, n),
		obs:    make([]float32, numEnvs*io.ObsSize()),
		logp:   make([]float32, numEnvs*io.NumActions),
		probs:  make([]float32, numEnvs*io.NumActions),
		values: make([]float32, numEnvs),
		rows:   make([]int, 0, numEnvs), episodes: make([]int, 0, numEnvs),
	}
	for i, e := range es {
		sl := &ev.slots[i]
		sl.env, sl.src = e, rand.NewPCG(0, 0)
		sl.rng = rand.New(sl.src)
		ev.startEpisode(sl)
	}
	return ev, nil
}

// startEpisode resets sl to the next unplayed level, or idles it when
// every level has been started.
func (ev *evaluator) startEpisode(sl *evalSlot) {
	if ev.next >= len(ev.results) {
		sl.episode = -1
		return
	}
	sl.episode, sl.step = ev.next, 0
	seed := ev.opt.Levels.Start + uint64(ev.next)
	ev.results[ev.next].LevelSeed = seed
	sl.env.Reset(seed)
	sl.src.Seed(ev.opt.Seed, episodeStream(seed))
	ev.next++
}

// episodeStream is the second PCG seed of the evaluation episode on level
// seed: the SplitMix64 finaliser of the seed and the action stream id, so
// neighbouring levels start unrelated streams.
func episodeStream(levelSeed uint64) uint64 {
	z := levelSeed ^ streamActions<<56
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// observe gathers the observations of the busy slots into the batch and
// returns how many there are.
func (ev *evaluator) observe() int {
	obsSize := ev.io.ObsSize()
	ev.rows, ev.episodes = ev.rows[:0], ev.episodes[:0]
	for i := range ev.slots {
		if ev.slots[i].episode >= 0 {
			r := len(ev.rows)
			ev.slots[i].env.Observe(ev.obs[r*obsSize : (r+1)*obsSize])
			ev.rows = append(ev.rows, i)
			ev.episodes = append(ev.episodes, ev.slots[i].episode)
		}
	}
	return len(ev.rows)
}

// forward runs the policy on the batch: log-probabilities, probabilities
// and values of every row.
func (ev *evaluator) forward() error {
	if ev.opt.BeforeForward != nil {
		ev.opt.BeforeForward(ev.episodes)
	}
	m, sh, A := len(ev.rows), ev.io.ObsShape, ev.io.NumActions
	s := torch.NewNoGradScope()
	defer s.Close()
	x := s.FromFloat32(ev.obs[:m*ev.io.ObsSize()], int64(m), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	logits, value := ev.opt.Policy.Forward(s, x, ev.opt.Hook)
	logp := s.LogSoftmax(logits, 1)
	if err := s.Err(); err != nil {
		return fmt.Errorf("agents: Evaluate: %w", err)
	}
	if err := logp.CopyToFloat32(ev.logp[:m*A]); err != nil {
		return err
	}
	for i, lp := range ev.logp[:m*A] {
		ev.probs[i] = float32(math.Exp(float64(lp)))
	}
	return value.CopyToFloat32(ev.values[:m])
}

// step takes every row's action, records the step and starts the next
// episode in slots whose episode ended.
func (ev *evaluator) step() error {
	A, obsSize := ev.io.NumActions, ev.io.ObsSize()
	for r, si := range ev.rows {
		sl := &ev.slots[si]
		res := &ev.results[sl.episode]
		logp := ev.logp[r*A : (r+1)*A]
		a, ok := pickAction(sl.rng, logp, ev.opt.Greedy)
		if !ok {
			return fmt.Errorf("agents: Evaluate: level %d step %d: the policy gave non-finite action log-probabilities %v; no action taken",
				res.LevelSeed, sl.step, logp)
		}
		reward, done, err := sl.env.Step(a)
		if err != nil {
			return err
		}
		res.Return += float64(reward)
		res.Length++
		info := sl.env.Info()
		res.trackPursuit(sl.step, info, ev.rule)
		if ev.opt.OnStep != nil {
			if err := ev.opt.OnStep(StepRecord{Episode: sl.episode, LevelSeed: res.LevelSeed, Step: sl.step,
				Obs: ev.obs[r*obsSize : (r+1)*obsSize], Action: a, Probs: ev.probs[r*A : (r+1)*A], Value: ev.values[r],
				Reward: reward, Done: done, Info: info, Env: sl.env}); err != nil {
				return err
			}
		}
		sl.step++
		if done {
			res.Outcome = info.Outcome
			ev.startEpisode(sl)
		}
	}
	return nil
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
