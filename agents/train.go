package agents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"time"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
)

// TrainOptions configure one training run (one seed).
type TrainOptions struct {
	// Game, GameConfig and Obs build the training envs through the envs
	// registry (GameConfig as returned by the game's NewConfig, possibly
	// modified) unless NewEnv is set.
	Game       string
	GameConfig any
	Obs        envs.ObsConfig
	// NewEnv, when set, builds each training env instead; EnvID must then
	// identify its configuration (it enters the config hash that guards
	// resuming).
	NewEnv func() (envs.Env, error)
	EnvID  string

	Policy PolicyConfig
	PPO    PPOConfig
	// Seed determines parameter init, action sampling, minibatch shuffles
	// and the training level sequence.
	Seed uint64
	// TrainLevels is the set of training level seeds, drawn uniformly;
	// Count = 0 means every seed below envs.EvalSeedBase. A set reaching
	// envs.EvalSeedBase or above, the evaluation range, is refused.
	TrainLevels envs.LevelSeeds

	// Dir receives the checkpoint (CheckpointPath(Dir)).
	Dir string
	// LogPath is the JSON-lines log; the CSV log goes beside it
	// (CSVPath). Default Dir/train.jsonl.
	LogPath string
	// Progress receives the run header and one line per update; nil
	// discards them.
	Progress io.Writer
	// Resume continues from Dir's checkpoint if there is one (and fails if
	// it is unusable or from a different config); otherwise training
	// starts afresh and overwrites the logs.
	Resume bool
	// CheckpointEveryUpdates also checkpoints every that many updates
	// (0: only every PPO.CheckpointSecs seconds and at the end).
	CheckpointEveryUpdates int
	// StopAfterUpdates stops after this many updates of this call, with a
	// checkpoint, as an interruption would (0: run to TotalSteps).
	StopAfterUpdates int

	// faultAt, in tests, poisons the loss of (update, minibatch) with NaN.
	faultAt func(update, minibatch int) bool
}

// TrainResult summarises a finished (or stopped) run.
type TrainResult struct {
	Updates    int    // completed updates
	NumUpdates int    // updates in the full run
	GlobalStep int64  // env steps taken
	Checkpoint string // path of the last checkpoint written
	LogPath    string // JSONL log (CSV beside it)
	Last       LogRow // the last update's log row (zero if none ran)
	Resumed    bool   // started from a checkpoint
	Done       bool   // reached TotalSteps
	Elapsed    time.Duration
}

// Sizes are the derived PPO sizes, computed in one place.
type Sizes struct {
	NumEnvs, NumSteps, BatchSize, MinibatchSize, NumUpdates int
	TotalSteps                                              int64 // NumUpdates × BatchSize (≤ PPO.TotalSteps)
}

// SizesOf derives the batch, minibatch and update counts of c.
func SizesOf(c PPOConfig) Sizes {
	return Sizes{NumEnvs: c.NumEnvs, NumSteps: c.NumSteps, BatchSize: c.BatchSize(), MinibatchSize: c.MinibatchSize(),
		NumUpdates: c.NumUpdates(), TotalSteps: int64(c.NumUpdates()) * int64(c.BatchSize())}
}

func (s Sizes) String() string {
	return fmt.Sprintf("%d envs × %d steps = batch %d, %d minibatches of %d, %d updates = %d env steps",
		s.NumEnvs, s.NumSteps, s.BatchSize, s.BatchSize/max(s.MinibatchSize, 1), s.MinibatchSize, s.NumUpdates, s.TotalSteps)
}

// NaNError reports a non-finite loss, gradient norm or parameter.
type NaNError struct {
	Update, Minibatch int    // 1-based update, 0-based minibatch (-1: after the update)
	What              string // "loss", "grad norm" or "parameter <name>"
}

func (e *NaNError) Error() string {
	if e.Minibatch < 0 {
		return fmt.Sprintf("agents: non-finite %s after update %d; training stopped, the last good checkpoint is kept", e.What, e.Update)
	}
	return fmt.Sprintf("agents: non-finite %s at update %d minibatch %d; training stopped, the last good checkpoint is kept", e.What, e.Update, e.Minibatch)
}

// RNG stream ids derived from the run seed.
const (
	streamActions = 1
	streamShuffle = 2
	streamLevels  = 3
)

// configHash identifies everything that must match for a checkpoint to
// continue a run: architecture, PPO hyperparameters (except the runtime
// knobs threads, env_workers and checkpoint_every), seed, env and levels.
func configHash(o *TrainOptions, io PolicyIO, envID string) string {
	ppo := o.PPO
	ppo.Threads, ppo.EnvWorkers, ppo.CheckpointSecs = 0, 0, 0
	b, err := json.Marshal(struct {
		Policy PolicyConfig
		PPO    PPOConfig
		Seed   uint64
		IO     PolicyIO
		Env    string
		Levels envs.LevelSeeds
	}{o.Policy, ppo, o.Seed, io, envID, o.TrainLevels})
	if err != nil {
		panic("agents: config hash: " + err.Error()) // plain structs always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// envFactory returns the env constructor and its identity for the hash.
func (o *TrainOptions) envFactory() (func() (envs.Env, error), string, error) {
	if o.NewEnv != nil && o.EnvID == "" {
		return nil, "", fmt.Errorf("agents: TrainOptions.NewEnv set without EnvID")
	}
	newEnv, id, err := resolveEnvs(o.Game, o.GameConfig, o.Obs, o.NewEnv)
	if o.NewEnv != nil {
		id = o.EnvID
	}
	return newEnv, id, err
}

// withDefaults validates the options and fills in the defaults their
// comments promise.
func (o *TrainOptions) withDefaults() error {
	if err := o.Policy.Validate(); err != nil {
		return err
	}
	if err := o.PPO.Validate(); err != nil {
		return err
	}
	if o.Dir == "" {
		return fmt.Errorf("agents: TrainOptions.Dir is empty")
	}
	if o.LogPath == "" {
		o.LogPath = filepath.Join(o.Dir, "train.jsonl")
	}
	if o.TrainLevels.Count == 0 {
		o.TrainLevels = envs.TrainSeeds(envs.EvalSeedBase)
	}
	o.TrainLevels.Order = envs.SeedsUniform
	if err := o.TrainLevels.Validate(); err != nil {
		return err
	}
	if end := o.TrainLevels.Start + o.TrainLevels.Count; end > envs.EvalSeedBase {
		return fmt.Errorf("agents: training levels %v reach into the evaluation range (seeds from envs.EvalSeedBase = %d): held-out evaluation would replay training levels",
			o.TrainLevels, envs.EvalSeedBase)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return nil
}

// trainer is one run's live state.
type trainer struct {
	opt    *TrainOptions
	sizes  Sizes
	policy Policy
	optim  *torch.Optimizer
	envs   *envBatch
	io     PolicyIO
	hash   string

	actionSrc, shuffleSrc *rand.PCG
	actionRNG, shuffleRNG *rand.Rand
	rewardNorm            *RewardNormalizer
	recent                recentEpisodes // for the log's episode columns
	nextDone              []bool
	update                int
	globalStep            int64
	elapsed               time.Duration // wall time of previous calls (resume)

	// rollout storage, step-major [NumSteps][NumEnvs]
	obs                              []float32
	actions                          []int64
	logProbs, rewards, dones, values []float32
	stepLogits                       []float32
	stepActions                      []int
	lastValues, lastDones            []float32
	timeLimitValues                  []float32 // V(s_T) of each env's truncated episode (BootstrapTimeouts)

	// this call's progress
	log      *trainLog
	res      *TrainResult
	ckptPath string
	start    time.Time // when this call's first update began
	lastCkpt time.Time
	ranHere  int // updates run by this call
	holdAt   int // the interrupt hook's update (stophook.go), 0 when unset
}

// Train runs PPO (CleanRL ppo_procgen) on the options' game: rollouts of
// NumSteps × NumEnvs sampled actions, GAE, UpdateEpochs × NumMinibatches
// clipped-surrogate updates with Adam (eps 1e-5), optional LR annealing,
// global grad-norm clipping and target-KL early stop. It logs every update
// and checkpoints every PPO.CheckpointSecs seconds and at the end; with
// Resume it continues from the checkpoint and produces the same parameters
// and logs (but for steps_per_s) as an uninterrupted run.
//
// On a non-finite loss, gradient norm or parameter it returns a *NaNError
// and leaves the last checkpoint as it was. On ctx cancellation it
// checkpoints at the next update boundary and returns ctx.Err().
func Train(ctx context.Context, o TrainOptions) (*TrainResult, error) {
	if err := o.withDefaults(); err != nil {
		return nil, err
	}
	// The shim applies the thread count on every OS thread it is called
	// from, yet fixed-seed runs still diverged (losses differing from about
	// the 7th update, in 3 of 4 runs) when the goroutine was free to move
	// between OS threads: some other per-thread state of libtorch or its
	// BLAS changes results. One OS thread per run keeps runs reproducible.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	torch.SetNumThreads(o.PPO.Threads)
	t, err := newTrainer(&o)
	if err != nil {
		return nil, err
	}
	defer t.free()
	if err := t.startOrResume(); err != nil {
		return nil, err
	}
	defer t.log.close()
	fmt.Fprintf(o.Progress, "train %s seed %d: %s; policy %s %d params; resumed at update %d\n",
		t.io.Game, o.Seed, t.sizes, o.Policy.Arch, NumParams(t.policy), t.update)
	return t.trainLoop(ctx)
}

// newTrainer builds a run's envs, policy, optimizer, generators and
// rollout storage (CleanRL's setup: env setup, agent, optimizer, storage).
func newTrainer(o *TrainOptions) (*trainer, error) {
	hold, err := holdAt(o.Seed)
	if err != nil {
		return nil, err
	}
	newEnv, envID, err := o.envFactory()
	if err != nil {
		return nil, err
	}
	es, err := makeEnvs(newEnv, o.PPO.NumEnvs)
	if err != nil {
		return nil, err
	}
	t := &trainer{opt: o, sizes: SizesOf(o.PPO), io: IOOf(es[0].Spec()), holdAt: hold}
	t.hash = configHash(o, t.io, envID)
	if t.envs, err = newEnvBatch(es, o.TrainLevels, o.Seed^streamLevels, o.PPO.EnvWorkers); err != nil {
		return nil, err
	}
	if t.policy, err = NewPolicy(o.Policy, t.io, o.Seed); err != nil {
		return nil, err
	}
	adam := torch.AdamOptions{LR: o.PPO.LearningRate, Beta1: 0.9, Beta2: 0.999, Eps: 1e-5}
	if t.optim, err = torch.NewAdam(ParamTensors(t.policy), adam); err != nil {
		t.policy.Free()
		return nil, err
	}
	t.actionSrc = rand.NewPCG(o.Seed, streamActions)
	t.shuffleSrc = rand.NewPCG(o.Seed, streamShuffle)
	t.actionRNG, t.shuffleRNG = rand.New(t.actionSrc), rand.New(t.shuffleSrc)
	t.nextDone = make([]bool, o.PPO.NumEnvs)
	if o.PPO.NormReward {
		t.rewardNorm = NewRewardNormalizer(o.PPO.NumEnvs, o.PPO.Gamma, o.PPO.RewardClip)
	}
	t.allocRollout()
	return t, nil
}

// free releases the optimizer and the policy.
func (t *trainer) free() {
	t.optim.Free()
	t.policy.Free()
}

// startOrResume restores the checkpoint when resuming from one (else
// resets the envs to their first levels) and opens the logs, keeping the
// rows up to the checkpoint.
func (t *trainer) startOrResume() error {
	t.ckptPath = CheckpointPath(t.opt.Dir)
	t.res = &TrainResult{NumUpdates: t.sizes.NumUpdates, LogPath: t.opt.LogPath}
	keepLog := -1
	if t.opt.Resume {
		c, err := ReadCheckpoint(t.ckptPath)
		switch {
		case err == nil:
			if err := t.restore(c); err != nil {
				return err
			}
			t.res.Resumed, keepLog = true, t.update
		case errors.Is(err, fs.ErrNotExist):
		default:
			return err
		}
	}
	if !t.res.Resumed {
		t.envs.start()
	}
	var err error
	t.log, err = openTrainLog(t.opt.LogPath, keepLog)
	return err
}

// trainLoop runs updates until the run is complete, StopAfterUpdates
// updates have run, ctx is cancelled or an update fails (or, under the
// interrupt hook, holds the run after its update; stophook.go).
func (t *trainer) trainLoop(ctx context.Context) (*TrainResult, error) {
	t.start = time.Now()
	t.lastCkpt = t.start
	for t.update < t.sizes.NumUpdates {
		if err := ctx.Err(); err != nil {
			if t.ranHere > 0 {
				if err := t.save(); err != nil {
					return nil, err
				}
			}
			return t.finish(), err
		}
		if err := t.loggedUpdate(); err != nil {
			return nil, err
		}
		stop := t.opt.StopAfterUpdates > 0 && t.ranHere >= t.opt.StopAfterUpdates
		held := t.holdAt > 0 && t.update == t.holdAt
		if stop || held || t.checkpointDue() {
			if err := t.save(); err != nil {
				return nil, err
			}
		}
		if held {
			return t.hold(ctx)
		}
		if stop {
			break
		}
	}
	return t.finish(), nil
}

// loggedUpdate runs the next update and logs it.
func (t *trainer) loggedUpdate() error {
	updStart := time.Now()
	row, err := t.runUpdate(t.update + 1)
	if err != nil {
		return err
	}
	t.update++
	t.ranHere++
	row.StepsPerS = Metric(float64(t.sizes.BatchSize) / time.Since(updStart).Seconds())
	if err := t.log.append(row); err != nil {
		return err
	}
	t.res.Last = row
	t.progress(row, t.elapsed+time.Since(t.start))
	return nil
}

// checkpointDue reports whether the update just run ends the run or a
// checkpoint interval.
func (t *trainer) checkpointDue() bool {
	every := t.opt.CheckpointEveryUpdates
	return t.update == t.sizes.NumUpdates || time.Since(t.lastCkpt).Seconds() >= t.opt.PPO.CheckpointSecs ||
		(every > 0 && t.update%every == 0)
}

// save makes the logs durable and writes the checkpoint.
func (t *trainer) save() error {
	if err := t.log.sync(); err != nil {
		return err
	}
	if err := t.checkpoint(t.ckptPath, t.elapsed+time.Since(t.start)); err != nil {
		return err
	}
	t.res.Checkpoint = t.ckptPath
	t.lastCkpt = time.Now()
	return nil
}

// finish completes the result of this call.
func (t *trainer) finish() *TrainResult {
	res := t.res
	res.Updates, res.GlobalStep = t.update, t.globalStep
	res.Done = t.update == t.sizes.NumUpdates
	res.Elapsed = t.elapsed + time.Since(t.start)
	if res.Checkpoint == "" && res.Resumed {
		res.Checkpoint = t.ckptPath // nothing new to save: the loaded checkpoint stands
	}
	return res
}

func (t *trainer) progress(r LogRow, elapsed time.Duration) {
	done := t.update
	eta := time.Duration(0)
	if done > 0 {
		eta = time.Duration(float64(elapsed) / float64(done) * float64(t.sizes.NumUpdates-done))
	}
	fmt.Fprintf(t.opt.Progress, "update %d/%d | steps %d | return %s | success %s | fps %.0f | ETA %s\n",
		r.Update, t.sizes.NumUpdates, r.GlobalStep, fmtMetric(r.EpisodicReturn, "%.2f"), fmtMetric(r.SuccessRate, "%.2f"),
		float64(r.StepsPerS), eta.Round(time.Second))
}

func fmtMetric(m Metric, format string) string {
	if math.IsNaN(float64(m)) {
		return "-"
	}
	return fmt.Sprintf(format, float64(m))
}

func (t *trainer) allocRollout() {
	n := t.sizes.BatchSize
	t.obs = make([]float32, n*t.io.ObsSize())
	t.actions = make([]int64, n)
	t.logProbs = make([]float32, n)
	t.rewards = make([]float32, n)
	t.dones = make([]float32, n)
	t.values = make([]float32, n)
	t.stepLogits = make([]float32, t.sizes.NumEnvs*t.io.NumActions)
	t.stepActions = make([]int, t.sizes.NumEnvs)
	t.lastValues = make([]float32, t.sizes.NumEnvs)
	t.lastDones = make([]float32, t.sizes.NumEnvs)
	if t.opt.PPO.BootstrapTimeouts {
		t.timeLimitValues = make([]float32, t.sizes.NumEnvs)
		t.envs.keepFinalObs()
	}
}

// checkpoint writes the resumable state at an update boundary.
func (t *trainer) checkpoint(path string, elapsed time.Duration) error {
	st := trainState{Update: t.update, GlobalStep: t.globalStep, ElapsedSec: elapsed.Seconds(),
		NextDone: append([]bool(nil), t.nextDone...), RewardNorm: t.rewardNorm, RecentEpisodes: t.recent}
	var err error
	if st.Envs, st.LevelRNG, err = t.envs.state(); err != nil {
		return err
	}
	if st.ActionRNG, err = t.actionSrc.MarshalBinary(); err != nil {
		return err
	}
	if st.ShuffleRNG, err = t.shuffleSrc.MarshalBinary(); err != nil {
		return err
	}
	meta := checkpointMeta{ConfigHash: t.hash, Policy: t.opt.Policy, IO: t.io, PPO: t.opt.PPO, Seed: t.opt.Seed,
		TrainLevels: t.opt.TrainLevels, State: st}
	return writeCheckpoint(path, meta, t.policy, t.optim)
}

// restore loads a checkpoint into the freshly built trainer.
func (t *trainer) restore(c *Checkpoint) error {
	if c.ConfigHash != t.hash {
		return fmt.Errorf("agents: checkpoint %s: %w: written under config hash %.12s, this run's is %.12s (architecture, PPO settings, seed, env or levels differ); remove it or use a new directory",
			c.Path, ErrCheckpoint, c.ConfigHash, t.hash)
	}
	st := c.state
	if len(st.NextDone) != t.sizes.NumEnvs {
		return fmt.Errorf("agents: checkpoint %s: %w: %d done flags for %d envs", c.Path, ErrCheckpoint, len(st.NextDone), t.sizes.NumEnvs)
	}
	if err := c.loadParams(t.policy); err != nil {
		return err
	}
	if err := t.optim.LoadState(c.OptimState); err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w: optimizer state: %v", c.Path, ErrCheckpoint, err)
	}
	if err := t.actionSrc.UnmarshalBinary(st.ActionRNG); err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w: action generator: %v", c.Path, ErrCheckpoint, err)
	}
	if err := t.shuffleSrc.UnmarshalBinary(st.ShuffleRNG); err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w: shuffle generator: %v", c.Path, ErrCheckpoint, err)
	}
	if err := t.envs.restore(st.Envs, st.LevelRNG); err != nil {
		return fmt.Errorf("agents: checkpoint %s: %w", c.Path, err)
	}
	if t.rewardNorm != nil {
		if st.RewardNorm == nil || len(st.RewardNorm.Returns) != t.sizes.NumEnvs {
			return fmt.Errorf("agents: checkpoint %s: %w: reward normalizer state missing", c.Path, ErrCheckpoint)
		}
		t.rewardNorm = st.RewardNorm
	}
	if len(st.RecentEpisodes) > episodeWindow {
		return fmt.Errorf("agents: checkpoint %s: %w: %d recent episodes, at most %d", c.Path, ErrCheckpoint, len(st.RecentEpisodes), episodeWindow)
	}
	t.recent = st.RecentEpisodes
	copy(t.nextDone, st.NextDone)
	t.update, t.globalStep = st.Update, st.GlobalStep
	t.elapsed = time.Duration(st.ElapsedSec * float64(time.Second))
	return nil
}

// runUpdate collects one rollout and runs the PPO epochs on it.
func (t *trainer) runUpdate(update int) (LogRow, error) {
	ppo := t.opt.PPO
	lr := ppo.LearningRate
	if ppo.AnnealLR {
		lr *= 1 - float64(update-1)/float64(t.sizes.NumUpdates)
	}
	if err := t.optim.SetLR(lr); err != nil {
		return LogRow{}, err
	}
	if err := t.rollout(); err != nil {
		return LogRow{}, fmt.Errorf("agents: update %d rollout: %w", update, err)
	}
	eps := t.envs.takeFinished()
	t.recent.add(eps)
	adv, ret := GAE(t.rewards, t.values, t.dones, t.lastValues, t.lastDones, t.sizes.NumEnvs, t.sizes.NumSteps, ppo.Gamma, ppo.GAELambda)
	st, err := t.learn(update, adv, ret)
	if err != nil {
		return LogRow{}, err
	}
	row := LogRow{
		Update: update, GlobalStep: t.globalStep, Episodes: len(eps),
		PolicyLoss: Metric(st.PolicyLoss), ValueLoss: Metric(st.ValueLoss), Entropy: Metric(st.Entropy),
		ApproxKL: Metric(st.ApproxKL), ClipFrac: Metric(st.ClipFrac),
		ExplainedVariance: Metric(ExplainedVariance(t.values, ret)), LearningRate: Metric(lr),
	}
	row.EpisodicReturn, row.EpisodicLength, row.SuccessRate = t.recent.means()
	return row, nil
}

// learn runs the PPO update on the collected rollout and returns its
// statistics (means over the minibatches run).
func (t *trainer) learn(update int, adv, ret []float32) (UpdateStats, error) {
	b := Batch{Obs: t.obs, Actions: t.actions, LogProbs: t.logProbs, Values: t.values, Advantages: adv, Returns: ret}
	var fault func(int) bool
	if t.opt.faultAt != nil {
		fault = func(mb int) bool { return t.opt.faultAt(update, mb) }
	}
	st, err := ppoUpdate(t.policy, t.optim, b, t.opt.PPO, t.shuffleRNG, fault)
	var nan *NaNError
	if errors.As(err, &nan) {
		nan.Update = update
		return UpdateStats{}, nan
	}
	if err != nil {
		return UpdateStats{}, fmt.Errorf("agents: update %d: %w", update, err)
	}
	return st, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
