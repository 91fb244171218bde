package envs

import (
	"fmt"
	"sync"
)

// VecEnv steps N Envs of one game in lock-step with automatic reset, writing
// all observations into one preallocated batch. It is what training and
// evaluation drive; one VecEnv is not safe for concurrent use.
//
// Auto-reset: when an env's episode ends on a step, Dones()[i] is true,
// Rewards()[i] is that last step's reward, Infos()[i] is the terminal Info
// (Outcome set), and the env has already been reset to a new level, so
// Obs() row i is the first observation of the next episode. Seeds for new
// episodes are handed out in order of (step, env index), so a run is
// reproducible from (seed set, VecEnv seed, action sequence) whatever the
// number of workers.
//
// Steady-state Step does not allocate (level generation on auto-reset
// included, if the games reuse their buffers as misgen's games do).
type VecEnv struct {
	envs    []Env
	spec    Spec
	obsSize int

	obs     []float32
	rewards []float32
	dones   []bool
	infos   []Info
	levels  []uint64 // level seed of each env's current episode
	errs    []error
	seeds   seedSource
	actions []int

	workers int
	phase   []chan int
	wg      sync.WaitGroup
	closed  bool
}

const (
	phaseStep = iota
	phaseReset
)

// NewVecEnv builds a VecEnv over envs, which must be distinct instances with
// equal observation size and action count. Seeds for episodes come from
// seeds; rngSeed seeds the VecEnv's own generator for uniform draws. workers
// <= 1 steps every env inline on the calling goroutine; more splits the envs
// into that many contiguous blocks stepped on their own goroutines (results
// are identical to workers = 1). Every env is reset on construction. Call
// Close when done to stop the worker goroutines.
func NewVecEnv(envs []Env, seeds LevelSeeds, rngSeed uint64, workers int) (*VecEnv, error) {
	if len(envs) == 0 {
		return nil, fmt.Errorf("envs: NewVecEnv: no envs")
	}
	if err := seeds.Validate(); err != nil {
		return nil, err
	}
	spec := envs[0].Spec()
	for i, e := range envs {
		s := e.Spec()
		if s.ObsSize() != spec.ObsSize() || s.NumActions != spec.NumActions || s.Game != spec.Game {
			return nil, fmt.Errorf("envs: NewVecEnv: env %d is %s obs %v actions %d, env 0 is %s obs %v actions %d",
				i, s.Game, s.ObsShape, s.NumActions, spec.Game, spec.ObsShape, spec.NumActions)
		}
	}
	n := len(envs)
	v := &VecEnv{
		envs:    envs,
		spec:    spec,
		obsSize: spec.ObsSize(),
		obs:     make([]float32, n*spec.ObsSize()),
		rewards: make([]float32, n),
		dones:   make([]bool, n),
		infos:   make([]Info, n),
		levels:  make([]uint64, n),
		errs:    make([]error, n),
		seeds:   seedSource{set: seeds, rng: NewRNG(rngSeed)},
		workers: min(max(workers, 1), n),
	}
	for i, e := range envs {
		v.levels[i] = v.seeds.next()
		e.Reset(v.levels[i])
		e.Observe(v.obsRow(i))
		v.infos[i] = e.Info()
	}
	if v.workers > 1 {
		v.phase = make([]chan int, v.workers)
		for w := range v.phase {
			v.phase[w] = make(chan int)
			lo, hi := w*n/v.workers, (w+1)*n/v.workers
			go v.work(v.phase[w], lo, hi)
		}
	}
	return v, nil
}

// MakeEnvs builds n Envs of game g from one config.
func MakeEnvs(g Game, cfg any, obs ObsConfig, n int) ([]Env, error) {
	envs := make([]Env, n)
	for i := range envs {
		e, err := g.New(cfg, obs)
		if err != nil {
			return nil, err
		}
		envs[i] = e
	}
	return envs, nil
}

// Num is the number of envs.
func (v *VecEnv) Num() int { return len(v.envs) }

// Spec is the spec shared by all envs.
func (v *VecEnv) Spec() Spec { return v.spec }

// Env returns env i, for rendering; stepping it directly breaks the VecEnv's
// bookkeeping.
func (v *VecEnv) Env(i int) Env { return v.envs[i] }

// Obs is the observation batch, N rows of Spec().ObsSize() floats. The slice
// is owned by the VecEnv and overwritten by each Step.
func (v *VecEnv) Obs() []float32 { return v.obs }

// Rewards are the rewards of the last Step, one per env.
func (v *VecEnv) Rewards() []float32 { return v.rewards }

// Dones report which envs ended an episode on the last Step.
func (v *VecEnv) Dones() []bool { return v.dones }

// Infos are the Infos after the last Step: the terminal Info for envs that
// just finished, the current one otherwise.
func (v *VecEnv) Infos() []Info { return v.infos }

// LevelSeeds are the level seeds of the episodes now running in each env.
func (v *VecEnv) LevelSeeds() []uint64 { return v.levels }

// SeedsIssued is how many episode seeds have been handed out, initial
// resets included.
func (v *VecEnv) SeedsIssued() uint64 { return v.seeds.issued }

func (v *VecEnv) obsRow(i int) []float32 { return v.obs[i*v.obsSize : (i+1)*v.obsSize] }

// Step applies actions[i] to env i, then auto-resets the envs whose episode
// ended. It returns an error naming the env and action if an action is out
// of range, before stepping any env; the VecEnv is unchanged then.
func (v *VecEnv) Step(actions []int) error {
	if v.closed {
		panic("envs: VecEnv.Step after Close")
	}
	if len(actions) != len(v.envs) {
		return fmt.Errorf("envs: VecEnv.Step: %d actions for %d envs", len(actions), len(v.envs))
	}
	for i, a := range actions {
		if a < 0 || a >= v.spec.NumActions {
			return fmt.Errorf("envs: VecEnv.Step: env %d: action %d out of range [0, %d)", i, a, v.spec.NumActions)
		}
	}
	v.actions = actions
	v.run(phaseStep)
	for i, err := range v.errs {
		if err != nil {
			v.errs[i] = nil
			return fmt.Errorf("envs: VecEnv.Step: env %d: %w", i, err)
		}
	}
	// Seeds are handed out sequentially in env order so that the
	// assignment does not depend on goroutine scheduling.
	for i, d := range v.dones {
		if d {
			v.levels[i] = v.seeds.next()
		}
	}
	v.run(phaseReset)
	return nil
}

// run executes phase over all envs, inline or on the workers.
func (v *VecEnv) run(phase int) {
	if v.workers <= 1 {
		v.doPhase(phase, 0, len(v.envs))
		return
	}
	v.wg.Add(v.workers)
	for _, ch := range v.phase {
		ch <- phase
	}
	v.wg.Wait()
}

func (v *VecEnv) work(ch chan int, lo, hi int) {
	for phase := range ch {
		v.doPhase(phase, lo, hi)
		v.wg.Done()
	}
}

func (v *VecEnv) doPhase(phase, lo, hi int) {
	switch phase {
	case phaseStep:
		for i := lo; i < hi; i++ {
			e := v.envs[i]
			r, done, err := e.Step(v.actions[i])
			v.rewards[i], v.dones[i], v.errs[i] = r, done, err
			v.infos[i] = e.Info()
			if !done {
				e.Observe(v.obsRow(i))
			}
		}
	case phaseReset:
		for i := lo; i < hi; i++ {
			if v.dones[i] {
				v.envs[i].Reset(v.levels[i])
				v.envs[i].Observe(v.obsRow(i))
			}
		}
	}
}

// Close stops the worker goroutines. The VecEnv must not be stepped after
// Close; calling Close twice is harmless.
func (v *VecEnv) Close() {
	if v.closed {
		return
	}
	v.closed = true
	for _, ch := range v.phase {
		close(ch)
	}
}
