// Package envs defines the environment contract shared by every misgen game
// (CoinRun-style platformer, Maze, Keys-and-Chests), the registry that
// creates games by name, and the vectorised stepping used by training and
// evaluation.
//
// A game is a procedurally generated level distribution with a training
// variant in which the true goal coincides with a proxy goal, and OOD
// variants in which the two come apart. Variants are config values of one
// game, never separate games.
package envs

import (
	"fmt"
	"image"
	"reflect"
	"sort"
	"sync"

	"github.com/misgen/misgen/internal/keyerr"
)

// Outcome names how an episode ended, classified from ground truth. Each game
// documents its outcomes in Spec.Outcomes; the empty Outcome means the episode
// is still running.
type Outcome string

// ObsKind selects the observation encoding.
type ObsKind string

const (
	// ObsSymbolic is one-hot channels over an agent-centred tile window
	// (channel layout documented by each game's Spec.Channels).
	ObsSymbolic ObsKind = "symbolic"
	// ObsRGB is a software-rendered RGB image of the agent-centred window,
	// values in [0,1], laid out channel-major (3×H×W).
	ObsRGB ObsKind = "rgb"
)

// ObsConfig chooses how observations are encoded.
type ObsConfig struct {
	Kind    ObsKind `toml:"kind"`     // "symbolic" (default) or "rgb"
	View    int     `toml:"view"`     // side of the agent-centred window in tiles (odd; default 13 like Procgen)
	RGBSize int     `toml:"rgb_size"` // side of the RGB observation in pixels (default 64)
}

// DefaultObsConfig is the symbolic 13×13 window used by every default config.
func DefaultObsConfig() ObsConfig { return ObsConfig{Kind: ObsSymbolic, View: 13, RGBSize: 64} }

// Validate reports a *keyerr.Error naming the offending key relative to the
// obs table ("view", "kind", "rgb_size") and its value.
func (o ObsConfig) Validate() error {
	switch o.Kind {
	case ObsSymbolic, ObsRGB:
	default:
		return keyerr.New("kind", string(o.Kind), `"symbolic" or "rgb"`)
	}
	if o.View < 3 || o.View%2 == 0 || o.View > 63 {
		return keyerr.New("view", o.View, "an odd number in [3, 63]")
	}
	if o.Kind == ObsRGB && (o.RGBSize < 8 || o.RGBSize > 512) {
		return keyerr.New("rgb_size", o.RGBSize, "a value in [8, 512]")
	}
	return nil
}

// ValidateConfigs checks a game config (keys relative to its own table) and
// an observation config (keys under "obs"), the two halves every game's
// constructor takes. The first error is a *keyerr.Error.
func ValidateConfigs(cfg interface{ Validate() error }, obs ObsConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	return keyerr.Under("obs", obs.Validate())
}

// Spec describes a game instance's interface to agents and tables.
type Spec struct {
	Game       string   // registered game name
	ObsShape   [3]int   // channels, height, width of one observation
	Channels   []string // names of the symbolic channels (nil for rgb), index = channel
	NumActions int      // size of the discrete action space
	ActionName []string // human-readable action names, index = action
	MaxSteps   int      // episode time limit

	// Outcomes lists every terminal outcome the game reports, in table order.
	Outcomes []Outcome
	// Success is the outcome that means the true goal was reached.
	Success Outcome
	// Proxy is the outcome that means the proxy goal was pursued instead of
	// the true goal: the goal-misgeneralization failure.
	Proxy Outcome
}

// ObsSize is the number of float32 values in one observation.
func (s Spec) ObsSize() int { return s.ObsShape[0] * s.ObsShape[1] * s.ObsShape[2] }

// Info is the ground truth of the current state, used to classify outcomes
// and as concepts for interpretability. Positions are in tile units with the
// origin at the bottom-left of the level, y growing upwards.
type Info struct {
	Step    int     // steps taken in this episode
	Outcome Outcome // set on the step that ends the episode, else ""
	// TimeLimit is set on the step that ends the episode by its time limit
	// (Spec.MaxSteps) rather than by the task: a truncation, after which
	// the episode could have gone on, whatever the outcome is called.
	TimeLimit bool

	AgentX, AgentY float32 // agent position
	GoalX, GoalY   float32 // true goal (coin, cheese, nearest closed chest)
	ProxyX, ProxyY float32 // proxy goal (level end, top-right corner)
	GoalVisible    bool    // true goal is shown in the observation (inside the window, not hidden)
	GoalReached    bool    // true goal collected in this episode
	ProxyReached   bool    // proxy goal reached in this episode

	// Keys-and-Chests counters (zero for other games).
	KeysHeld, KeysCollected, ChestsOpened int
}

// Env is one game instance. It is not safe for concurrent use; VecEnv gives
// each goroutine its own Env.
type Env interface {
	// Spec describes observations, actions and outcomes; it is fixed for
	// the life of the Env.
	Spec() Spec
	// Reset generates the level for levelSeed and places the agent at its
	// start. The same seed always yields the same level.
	Reset(levelSeed uint64)
	// Step applies action and advances one tick. It returns an error only
	// for an invalid action index. After done is true the Env must be Reset.
	Step(action int) (reward float32, done bool, err error)
	// Observe writes the current observation into dst, which must have
	// length Spec().ObsSize().
	Observe(dst []float32)
	// Info returns the ground truth of the current state.
	Info() Info
	// Render draws the whole level (not only the agent window) into a new
	// image with each tile scale×scale pixels.
	Render(scale int) *image.RGBA
	// ASCII returns a text picture of the level for debugging and test
	// failure messages.
	ASCII() string
}

// Game is a registered game: a name, its config type, its static Spec, its
// built-in OOD variants and a constructor.
type Game struct {
	Name        string
	Description string
	// NewConfig returns a pointer to the game's config struct filled with
	// defaults (the training variant). Config structs carry toml tags so
	// the experiments package can decode variant tables strictly into them.
	NewConfig func() any
	// New builds an Env from a config returned by NewConfig (possibly
	// modified) and an observation config; it validates both and returns a
	// *keyerr.Error whose key is relative to the game config's table
	// ("size") or, for the observation config, under "obs" ("obs.view").
	New func(cfg any, obs ObsConfig) (Env, error)
	// Spec returns what New(cfg, obs).Spec() would, without generating a
	// level; it validates like New.
	Spec func(cfg any, obs ObsConfig) (Spec, error)
	// Variants are the game's built-in OOD variants of its default config,
	// for tools that have no experiment file (the viewer's -play mode).
	// Experiment files define their own variants.
	Variants []Variant
	// Channels says which symbolic observation channels show the true goal
	// and the proxy, for white-box statistics that edit or read them.
	Channels ChannelRoles
	// Canonical edits a config returned by NewConfig, in place, into the
	// game's canonical audit distribution: the training distribution with
	// every level's goal where the proxy is (CoinRun: the coin at the end,
	// none moved), and keys that then have no effect reset to their
	// defaults, so that configs describing the same levels compare equal.
	// Every agent of a population is audited on it, never on its own
	// training mix. Nil: the training variant is canonical as it is (its
	// goal and proxy always coincide, e.g. Maze II's yellow line).
	Canonical func(cfg any)
	// GoalShift is the share of training levels whose goal the config moves
	// away from the proxy (CoinRun: random_coin_prob), an outside-the-box
	// fact of the training config. Nil: 0 for every config.
	GoalShift func(cfg any) float64
}

// CanonicalConfig returns a copy of cfg (a config returned by g.NewConfig)
// edited into g's canonical audit distribution (Game.Canonical). cfg is
// not modified.
func (g Game) CanonicalConfig(cfg any) (any, error) {
	cp := g.NewConfig()
	if err := copyConfig(cp, cfg); err != nil {
		return nil, fmt.Errorf("game %s: canonical config: %w", g.Name, err)
	}
	if g.Canonical != nil {
		g.Canonical(cp)
	}
	return cp, nil
}

// GoalShiftOf is g.GoalShift(cfg), or 0 for a game without one.
func (g Game) GoalShiftOf(cfg any) float64 {
	if g.GoalShift == nil {
		return 0
	}
	return g.GoalShift(cfg)
}

// ChannelRoles names, for a game's symbolic observation, the channels of
// the true-goal object and of the proxy object, the background channels a
// free cell may carry, and constant planes that are not cells at all. A
// proxy that is a place rather than an object (the maze's corner) has no
// channel.
type ChannelRoles struct {
	Goal, Proxy []string
	// Background channels may be set on a cell that counts as free for
	// placing an object (the maze's floor); any other channel makes the
	// cell occupied.
	Background []string
	// Planes are channels that hold one value over the whole window
	// (CoinRun's velocity), not cells.
	Planes []string
}

// Variant is a named change of a game config that makes the true goal and
// the proxy come apart.
type Variant struct {
	Name        string
	Description string
	// Apply edits a config returned by the game's NewConfig in place.
	Apply func(cfg any)
}

// Variant returns the built-in variant called name.
func (g Game) Variant(name string) (Variant, error) {
	var names []string
	for _, v := range g.Variants {
		if v.Name == name {
			return v, nil
		}
		names = append(names, v.Name)
	}
	return Variant{}, fmt.Errorf("game %s has no built-in variant %q: want one of %q", g.Name, name, names)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Game{}
)

// Register adds a game to the registry. It panics if the name is taken or the
// Game is incomplete: both are programmer errors at init time.
func Register(g Game) {
	if g.Name == "" || g.NewConfig == nil || g.New == nil || g.Spec == nil {
		panic("envs: Register with incomplete Game")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[g.Name]; dup {
		panic("envs: game registered twice: " + g.Name)
	}
	registry[g.Name] = g
}

// Lookup returns the game registered under name.
func Lookup(name string) (Game, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	g, ok := registry[name]
	if !ok {
		return Game{}, fmt.Errorf("unknown game %q: want one of %v", name, namesLocked())
	}
	return g, nil
}

// DefaultOutcomes names a registered game's success and proxy outcomes
// (Spec.Success and Spec.Proxy of its default config and observations),
// for labelling and colouring results of that game.
func DefaultOutcomes(game string) (success, proxy Outcome, err error) {
	g, err := Lookup(game)
	if err != nil {
		return "", "", err
	}
	sp, err := g.Spec(g.NewConfig(), DefaultObsConfig())
	if err != nil {
		return "", "", err
	}
	return sp.Success, sp.Proxy, nil
}

// Names lists the registered games in sorted order.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TypedSpec adapts a game's typed static-spec function to Game.Spec, with
// the same config handling as TypedNew.
func TypedSpec[C any](game string, specOf func(C, ObsConfig) (Spec, error)) func(any, ObsConfig) (Spec, error) {
	return func(cfg any, obs ObsConfig) (Spec, error) {
		c, err := typedConfig[C](game, cfg)
		if err != nil {
			return Spec{}, err
		}
		return specOf(c, obs)
	}
}

// typedConfig accepts a game config as *C (what NewConfig returns) or C.
func typedConfig[C any](game string, cfg any) (C, error) {
	var c C
	switch v := cfg.(type) {
	case *C:
		c = *v
	case C:
		c = v
	default:
		return c, fmt.Errorf("%s: config of type %T, want %T", game, cfg, &c)
	}
	return c, nil
}

// TypedNew adapts a game's typed constructor to Game.New: it accepts the
// config as *C (what NewConfig returns) or C, names the game when given
// another type, and never returns a nil *Env wrapped in a non-nil Env.
func TypedNew[C any, E Env](game string, newEnv func(C, ObsConfig) (E, error)) func(any, ObsConfig) (Env, error) {
	return func(cfg any, obs ObsConfig) (Env, error) {
		c, err := typedConfig[C](game, cfg)
		if err != nil {
			return nil, err
		}
		e, err := newEnv(c, obs)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// copyConfig copies the game config src (a pointer to the config struct,
// or the struct itself) into dst, a pointer of the same struct type. The
// copy is shallow: slices and maps stay shared.
func copyConfig(dst, src any) error {
	d := reflect.ValueOf(dst)
	s := reflect.ValueOf(src)
	if s.Kind() == reflect.Pointer {
		s = s.Elem()
	}
	if d.Kind() != reflect.Pointer || s.Type() != d.Elem().Type() {
		return fmt.Errorf("config of type %T, want %T", src, dst)
	}
	d.Elem().Set(s)
	return nil
}
