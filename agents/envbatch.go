package agents

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/misgen/misgen/envs"
)

// envBatch steps the training envs with auto-reset, like envs.VecEnv, but
// keeps what a checkpoint needs to put every env back exactly where it was:
// each env's level seed and the actions taken since its reset (replayed on
// restore; the games are deterministic given both), and a serialisable
// PCG generator for the level seeds of new episodes. VecEnv keeps its seed
// generator private, so it cannot be resumed mid-stream.
type envBatch struct {
	slots   []envSlot
	spec    envs.Spec
	obsSize int
	levels  envs.LevelSeeds
	seedSrc *rand.PCG
	seedRNG *rand.Rand
	workers int

	obs     []float32 // numEnvs × obsSize, the current observations
	rewards []float32 // raw rewards of the last step
	dones   []bool    // episode ended on the last step
	// truncated marks the dones that were time limits (Info.TimeLimit);
	// finalObs, when keepFinalObs allocated it, holds those episodes'
	// final observations (numEnvs × obsSize, rows of other envs stale).
	truncated []bool
	finalObs  []float32
	infos     []envs.Info
	finished  []episodeStat // episodes ended since the last takeFinished
	actions   []int
}

type envSlot struct {
	env      envs.Env
	level    uint64
	history  []int32 // actions since the last reset
	epReturn float64
	epLen    int
}

// episodeStat is one finished training episode.
type episodeStat struct {
	Return  float64 `json:"return"` // undiscounted, raw rewards
	Length  int     `json:"length"`
	Success bool    `json:"success"`
}

// episodeWindow is how many of the most recent finished training episodes
// the log's episode columns average over, across rollouts (SB3's
// ep_info_buffer), so that episodes longer than a rollout count as often
// as short ones.
const episodeWindow = 100

// recentEpisodes holds the last episodeWindow finished episodes, oldest
// first.
type recentEpisodes []episodeStat

// add appends finished episodes, dropping the oldest beyond the window.
func (r *recentEpisodes) add(eps []episodeStat) {
	*r = append(*r, eps...)
	if n := len(*r); n > episodeWindow {
		*r = append(recentEpisodes(nil), (*r)[n-episodeWindow:]...)
	}
}

// means are the mean return, length and success rate of the window, NaN
// while it is empty.
func (r recentEpisodes) means() (ret, length, success Metric) {
	if len(r) == 0 {
		nan := Metric(math.NaN())
		return nan, nan, nan
	}
	var sr, sl, ss float64
	for _, e := range r {
		sr += e.Return
		sl += float64(e.Length)
		if e.Success {
			ss++
		}
	}
	n := float64(len(r))
	return Metric(sr / n), Metric(sl / n), Metric(ss / n)
}

// slotState is an env's resumable state in a checkpoint.
type slotState struct {
	Level    uint64  `json:"level"`
	Actions  []int32 `json:"actions"`
	EpReturn float64 `json:"ep_return"`
	EpLen    int     `json:"ep_len"`
}

// resolveEnvs returns the constructor of the envs a run or an evaluation
// steps: newEnv when set (id is then ""), else the registered game with cfg
// (nil: the game's default config) and obs, with an id naming the game and
// both configs.
func resolveEnvs(game string, cfg any, obs envs.ObsConfig, newEnv func() (envs.Env, error)) (func() (envs.Env, error), string, error) {
	if newEnv != nil {
		return newEnv, "", nil
	}
	g, err := envs.Lookup(game)
	if err != nil {
		return nil, "", err
	}
	if cfg == nil {
		cfg = g.NewConfig()
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("agents: game config: %w", err)
	}
	obsJSON, _ := json.Marshal(obs)
	id := game + " " + string(cfgJSON) + " " + string(obsJSON)
	return func() (envs.Env, error) { return g.New(cfg, obs) }, id, nil
}

// makeEnvs builds n envs with newEnv.
func makeEnvs(newEnv func() (envs.Env, error), n int) ([]envs.Env, error) {
	es := make([]envs.Env, n)
	for i := range es {
		var err error
		if es[i], err = newEnv(); err != nil {
			return nil, err
		}
	}
	return es, nil
}

func newEnvBatch(es []envs.Env, levels envs.LevelSeeds, seedStream uint64, workers int) (*envBatch, error) {
	if len(es) == 0 {
		return nil, fmt.Errorf("agents: no envs")
	}
	if err := levels.Validate(); err != nil {
		return nil, err
	}
	spec := es[0].Spec()
	b := &envBatch{
		spec:      spec,
		obsSize:   spec.ObsSize(),
		levels:    levels,
		seedSrc:   rand.NewPCG(seedStream, 0x6c6576656c73), // "levels"
		workers:   min(max(workers, 1), len(es)),
		obs:       make([]float32, len(es)*spec.ObsSize()),
		rewards:   make([]float32, len(es)),
		dones:     make([]bool, len(es)),
		truncated: make([]bool, len(es)),
		infos:     make([]envs.Info, len(es)),
		actions:   make([]int, len(es)),
	}
	b.seedRNG = rand.New(b.seedSrc)
	for i, e := range es {
		s := e.Spec()
		if s.ObsShape != spec.ObsShape || s.NumActions != spec.NumActions || s.Game != spec.Game {
			return nil, fmt.Errorf("agents: env %d is %s obs %v actions %d, env 0 is %s obs %v actions %d",
				i, s.Game, s.ObsShape, s.NumActions, spec.Game, spec.ObsShape, spec.NumActions)
		}
		b.slots = append(b.slots, envSlot{env: e})
	}
	return b, nil
}

// keepFinalObs makes step keep the final observation of every episode
// that ends by its time limit, in finalObs.
func (b *envBatch) keepFinalObs() {
	b.finalObs = make([]float32, len(b.slots)*b.obsSize)
}

// start resets every env to a freshly drawn level.
func (b *envBatch) start() {
	for i := range b.slots {
		b.resetSlot(i)
	}
}

func (b *envBatch) nextLevel() uint64 {
	if b.levels.Order == envs.SeedsSequential {
		panic("agents: training level seeds must be drawn uniformly")
	}
	return b.levels.Start + b.seedRNG.Uint64N(b.levels.Count)
}

func (b *envBatch) resetSlot(i int) {
	sl := &b.slots[i]
	sl.level = b.nextLevel()
	sl.history = sl.history[:0]
	sl.epReturn, sl.epLen = 0, 0
	sl.env.Reset(sl.level)
	sl.env.Observe(b.obs[i*b.obsSize : (i+1)*b.obsSize])
	b.infos[i] = sl.env.Info()
}

// step applies actions; envs whose episode ends are reset to new levels
// (drawn in env order, so results do not depend on the worker count).
func (b *envBatch) step(actions []int) error {
	for i, a := range actions {
		if a < 0 || a >= b.spec.NumActions {
			return fmt.Errorf("agents: env %d: action %d out of range [0, %d)", i, a, b.spec.NumActions)
		}
	}
	copy(b.actions, actions)
	var errs []error
	if b.workers <= 1 {
		errs = append(errs, b.stepRange(0, len(b.slots)))
	} else {
		errs = make([]error, b.workers)
		var wg sync.WaitGroup
		n := len(b.slots)
		for w := 0; w < b.workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				errs[w] = b.stepRange(w*n/b.workers, (w+1)*n/b.workers)
			}(w)
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i, d := range b.dones {
		if d {
			sl := &b.slots[i]
			b.finished = append(b.finished, episodeStat{Return: sl.epReturn, Length: sl.epLen, Success: b.infos[i].Outcome == b.spec.Success})
			b.resetSlot(i)
		}
	}
	return nil
}

func (b *envBatch) stepRange(lo, hi int) error {
	for i := lo; i < hi; i++ {
		sl := &b.slots[i]
		r, done, err := sl.env.Step(b.actions[i])
		if err != nil {
			return fmt.Errorf("agents: env %d: %w", i, err)
		}
		sl.history = append(sl.history, int32(b.actions[i]))
		sl.epReturn += float64(r)
		sl.epLen++
		b.rewards[i], b.dones[i] = r, done
		if done {
			b.infos[i] = sl.env.Info() // terminal info; resetSlot overwrites after stats
			b.truncated[i] = b.infos[i].TimeLimit
			if b.truncated[i] && b.finalObs != nil {
				sl.env.Observe(b.finalObs[i*b.obsSize : (i+1)*b.obsSize])
			}
		} else {
			b.truncated[i] = false
			sl.env.Observe(b.obs[i*b.obsSize : (i+1)*b.obsSize])
			b.infos[i] = sl.env.Info()
		}
	}
	return nil
}

// takeFinished returns and clears the episodes finished since the last call.
func (b *envBatch) takeFinished() []episodeStat {
	f := b.finished
	b.finished = nil
	return f
}

// state captures every env's resumable state and the level generator.
func (b *envBatch) state() ([]slotState, []byte, error) {
	st := make([]slotState, len(b.slots))
	for i, sl := range b.slots {
		st[i] = slotState{Level: sl.level, Actions: append([]int32(nil), sl.history...), EpReturn: sl.epReturn, EpLen: sl.epLen}
	}
	rng, err := b.seedSrc.MarshalBinary()
	return st, rng, err
}

// restore puts every env back into a captured state by resetting it to its
// level and replaying its actions; an episode that ends during the replay
// means the env is not deterministic or the state belongs to other envs.
func (b *envBatch) restore(st []slotState, rng []byte) error {
	if len(st) != len(b.slots) {
		return fmt.Errorf("agents: checkpoint has %d env states, run has %d envs", len(st), len(b.slots))
	}
	if err := b.seedSrc.UnmarshalBinary(rng); err != nil {
		return fmt.Errorf("agents: level seed generator state: %w", err)
	}
	for i, s := range st {
		sl := &b.slots[i]
		sl.level = s.Level
		sl.env.Reset(s.Level)
		for k, a := range s.Actions {
			_, done, err := sl.env.Step(int(a))
			if err != nil {
				return fmt.Errorf("agents: replaying env %d step %d: %w", i, k, err)
			}
			if done {
				return fmt.Errorf("agents: replaying env %d: episode on level %d ended at step %d of %d (env not deterministic?)", i, s.Level, k+1, len(s.Actions))
			}
		}
		sl.history = append(sl.history[:0], s.Actions...)
		sl.epReturn, sl.epLen = s.EpReturn, s.EpLen
		sl.env.Observe(b.obs[i*b.obsSize : (i+1)*b.obsSize])
		b.infos[i] = sl.env.Info()
	}
	return nil
}
