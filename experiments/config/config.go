// Package config decodes one experiment TOML file strictly into a Config:
// defaults, then the file, then a profile ([profiles.<name>]) and a sweep
// point; unknown keys, wrong types and out-of-range values are
// *ConfigError values naming file, key and value. It also resolves the
// config to its canonical TOML (resolved.toml) and hash (the run
// directory's id), and lists the shipped configs compiled into the binary.
//
// It imports no tensor library: the viewer and other tools read configs
// without linking libtorch. Package experiments runs a Config.
package config

import (
	"fmt"
	"math"
	"regexp"

	"github.com/misgen/misgen/agents/agentconfig"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/keyerr"
	"github.com/misgen/misgen/interp/saeconfig"
)

// Config is one experiment after decoding, profile application and
// validation. Every field except Source maps to a TOML key; the game
// variant configs (Env.Train, Env.OOD) are pointers to the registered
// game's own config struct.
type Config struct {
	Experiment ExperimentConfig         `toml:"experiment"`
	Env        EnvConfig                `toml:"env"`
	Agent      agentconfig.PolicyConfig `toml:"agent"`
	PPO        agentconfig.PPOConfig    `toml:"ppo"`
	Eval       EvalConfig               `toml:"eval"`
	Interp     InterpConfig             `toml:"interp"`
	Report     ReportConfig             `toml:"report"`
	// Audit is omitted from resolved.toml while it has its zero value, so
	// configs without an [audit] table keep their hash and run directory.
	Audit AuditConfig `toml:"audit,omitempty"`
	// Sweep is set in a config that describes several sub-experiments;
	// Expand turns it into one Config per value. Resolved sub-experiments
	// have an empty Sweep.
	Sweep SweepConfig `toml:"sweep,omitempty"`

	// Source names the file the config came from, for error messages.
	Source string `toml:"-"`

	// src is the file content, kept so Expand can re-decode with a sweep
	// point applied.
	src []byte
}

// ExperimentConfig is the [experiment] table.
type ExperimentConfig struct {
	// Name is the experiment's directory name under the results root:
	// letters, digits, '.', '_' and '-'.
	Name string `toml:"name"`
	// Description is the one-line summary shown by `experiments list`.
	Description string `toml:"description"`
	// Seeds are the training seeds; in TOML either a count N (seeds
	// 0..N-1) or an explicit list.
	Seeds Seeds `toml:"seeds"`
	// Parallel is how many training seeds run at once (their jobs are
	// independent); 0 means one per CPU slot (CPU count / ppo.threads), or
	// all of them when there are at most twice as many as slots. It does
	// not change results (each seed is deterministic on its own).
	Parallel int `toml:"parallel"`
	// Profile is written by the tool into resolved.toml: the profile that
	// produced this config. It must not be set in a file that has
	// [profiles] tables.
	Profile string `toml:"profile,omitempty"`
	// Point is written by the tool into a sweep sub-experiment's
	// resolved.toml, e.g. "random_coin_prob=0.02".
	Point string `toml:"point,omitempty"`
}

// EnvConfig is the [env] table.
type EnvConfig struct {
	// Game is a registered game name (envs.Names()).
	Game string `toml:"game"`
	// Obs chooses the observation encoding.
	Obs envs.ObsConfig `toml:"obs"`
	// TrainLevels is the number of training level seeds [0, N); 0 means
	// unlimited (every seed below envs.EvalSeedBase). Evaluation always
	// uses the disjoint range from envs.EvalSeedBase.
	TrainLevels int64 `toml:"train_levels"`
	// Train is the game config of the training (in-distribution) variant:
	// the game's defaults overridden by [env.train].
	Train any `toml:"train"`
	// OOD maps each out-of-distribution variant name to its game config:
	// the training config overridden by [env.ood.<name>].
	OOD map[string]any `toml:"ood"`
}

// EvalConfig is the [eval] table.
type EvalConfig struct {
	// Episodes is the number of evaluation episodes per (training seed,
	// variant), each on a distinct held-out level.
	Episodes int `toml:"episodes"`
	// Replays is the number of episodes per (seed, variant) saved as
	// replays for the viewer (the first ones evaluated).
	Replays int `toml:"replays"`
	// MaxSteps overrides the game's episode time limit during evaluation;
	// 0 keeps the game's limit.
	MaxSteps int `toml:"max_steps"`
	// NumEnvs is the number of environments stepped in parallel.
	NumEnvs int `toml:"num_envs"`
	// Greedy takes the most probable action instead of sampling.
	Greedy bool `toml:"greedy"`
}

// InterpConfig is the [interp] table: which white-box analyses the interp
// stage runs on the evaluation activations.
type InterpConfig struct {
	// Enabled runs the interp stage; when false it is skipped.
	Enabled bool `toml:"enabled"`
	// Layers names the policy layers whose activations are captured.
	Layers []string `toml:"layers"`
	// Samples is the number of activation vectors captured per variant.
	Samples int `toml:"samples"`
	// SAE is the sweep of sparse autoencoders trained at every layer.
	SAE saeconfig.SAESettings `toml:"sae"`
	// Bilinear runs the eigen-analysis of bilinear layers (arch =
	// "bilinear" only).
	Bilinear bool `toml:"bilinear"`
	// Polytope computes ReLU activation-pattern codes along trajectories.
	Polytope bool `toml:"polytope"`
	// Interventions runs latent ablation/clamping and goal-vector tests.
	Interventions bool `toml:"interventions"`
	// Episodes is the number of held-out levels in each of the interp
	// stage's two disjoint level sets: the selection levels (capture, SAEs,
	// features, vectors) and the test levels (every intervention).
	Episodes int `toml:"episodes"`
	// MDLTolerance is the downstream KL (nats) that MDL value quantisation
	// may cost.
	MDLTolerance float64 `toml:"mdl_tolerance"`
	// SteerScales are the multiples of the paired goal vector (and of one
	// standard deviation along the goal-position probe) that the steering
	// interventions add.
	SteerScales []float64 `toml:"steer_scales"`
}

// ReportConfig is the [report] table.
type ReportConfig struct {
	// Title heads the HTML report; empty uses the experiment description.
	Title string `toml:"title"`
	// Plots writes learning-curve and failure-rate PNGs.
	Plots bool `toml:"plots"`
	// HTML writes report.html.
	HTML bool `toml:"html"`
}

// AuditConfig is the [audit] table: the audit of each trained agent from
// in-distribution access alone (package audit), run after eval, and its
// validation against the agents' measured OOD rates. Zero values mean the
// defaults named below.
type AuditConfig struct {
	// Enabled runs the audit stage (statistics of every seed) and, at the
	// end of `experiments run`, the population validation over every run
	// of the config (all sweep points).
	Enabled bool `toml:"enabled,omitempty"`
	// Episodes is the number of held-out levels of the game's canonical
	// audit distribution (envs.Game.Canonical) each agent plays for the
	// audit (0: 256), half for selection, half for test. Every agent plays
	// the same levels.
	Episodes int `toml:"episodes,omitempty"`
	// Frames bounds the observations per split that each white-box
	// statistic uses (0: 256).
	Frames int `toml:"frames,omitempty"`
	// IGSteps is the number of integrated-gradient steps (0: 32).
	IGSteps int `toml:"ig_steps,omitempty"`
	// Variant is the OOD variant whose measured rates validate the audit
	// ("": the first OOD variant by name).
	Variant string `toml:"variant,omitempty"`
	// Control is the OOD variant that plays Variant's levels with the goal
	// hidden from the observation ("": none). With it the audit's primary
	// target is chance-corrected pursuit: pursuit with the goal visible
	// minus pursuit with it hidden, paired by level.
	Control string `toml:"control,omitempty"`
	// Calibration is a population audit (an audit.json written by
	// `experiments audit`) whose calibration predicts this run's agents,
	// for runs with too few agents to validate on their own (""; a path
	// relative to the working directory, e.g.
	// "results/coinrun-population/audit-quick/audit.json").
	Calibration string `toml:"calibration,omitempty"`
}

// SweepConfig is the [sweep] table: Key is a full key path into the config
// (e.g. "env.train.random_coin_prob") and each element of Values gives one
// sub-experiment with that key set.
type SweepConfig struct {
	Key    string `toml:"key,omitempty"`
	Values []any  `toml:"values,omitempty"`
}

// defaultConfig is the base every file is decoded over; the shipped configs
// document these values in their comments.
func defaultConfig() Config {
	return Config{
		Experiment: ExperimentConfig{Seeds: Seeds{0, 1, 2}},
		Env:        EnvConfig{Obs: envs.DefaultObsConfig(), TrainLevels: 0},
		Agent:      agentconfig.DefaultPolicyConfig(),
		PPO:        agentconfig.DefaultPPOConfig(),
		Eval:       EvalConfig{Episodes: 200, Replays: 4, NumEnvs: 32},
		Interp: InterpConfig{
			Samples: 20000, Episodes: 100, MDLTolerance: 0.05, SteerScales: []float64{-2, -1, -0.5, 0.5, 1, 2},
			SAE: saeconfig.DefaultSAESettings(),
		},
		Report: ReportConfig{Plots: true, HTML: true},
	}
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// maxSeeds bounds the number of training seeds of one experiment.
const maxSeeds = 1000

// validate checks every range the experiments package owns and delegates
// the agent, PPO, observation and game configs to their own Validate.
// Errors are *keyerr.Error values naming the full key path.
func (c *Config) validate() error {
	for _, t := range []struct {
		table string
		err   error
	}{
		{"experiment", c.Experiment.validate()},
		{"env", c.Env.validate()},
		{"agent", c.Agent.Validate()},
		{"ppo", c.PPO.Validate()},
		{"eval", c.Eval.validate()},
		{"interp", c.Interp.validate()},
	} {
		if t.err != nil {
			return keyerr.Under(t.table, t.err)
		}
	}
	if c.Interp.Bilinear && c.Agent.Arch != "bilinear" {
		return keyErr("interp.bilinear", "true", `false unless agent.arch = "bilinear"`)
	}
	return c.Audit.validate(c.Env.OOD)
}

// validate checks the [audit] table; ood are the config's OOD variants.
func (a AuditConfig) validate(ood map[string]any) error {
	if a.Episodes != 0 && (a.Episodes < 8 || a.Episodes > 100_000) {
		return keyErr("audit.episodes", fmt.Sprint(a.Episodes), "0 (default 256) or [8, 100000]")
	}
	if a.Frames < 0 || a.Frames > 100_000 {
		return keyErr("audit.frames", fmt.Sprint(a.Frames), "0 (default 256) or [1, 100000]")
	}
	if a.IGSteps < 0 || a.IGSteps > 4096 {
		return keyErr("audit.ig_steps", fmt.Sprint(a.IGSteps), "0 (default 32) or [1, 4096]")
	}
	if _, ok := ood[a.Variant]; a.Variant != "" && !ok {
		return keyErr("audit.variant", fmt.Sprintf("%q", a.Variant), "the name of an [env.ood.<name>] variant")
	}
	if _, ok := ood[a.Control]; a.Control != "" && (!ok || a.Control == a.Variant) {
		return keyErr("audit.control", fmt.Sprintf("%q", a.Control), "the name of an [env.ood.<name>] variant other than audit.variant")
	}
	if a.Enabled && len(ood) == 0 {
		return keyErr("audit.enabled", "true", "false unless the config has an OOD variant to validate against")
	}
	return nil
}

// validate checks the [experiment] table; keys are relative to it.
func (e ExperimentConfig) validate() error {
	if !namePattern.MatchString(e.Name) {
		return keyerr.New("name", e.Name, "letters, digits, '.', '_' or '-', not starting with a symbol")
	}
	if len(e.Seeds) == 0 || len(e.Seeds) > maxSeeds {
		return keyErr("seeds", fmt.Sprint(e.Seeds), fmt.Sprintf("a count in [1, %d] or a non-empty list", maxSeeds))
	}
	seen := map[int]bool{}
	for i, s := range e.Seeds {
		if s < 0 || seen[s] {
			return keyerr.New(fmt.Sprintf("seeds[%d]", i), s, "distinct seeds >= 0")
		}
		seen[s] = true
	}
	if e.Parallel < 0 || e.Parallel > 256 {
		return keyerr.New("parallel", e.Parallel, "[0, 256] (0 = CPU count / ppo.threads, or all seeds when at most twice that)")
	}
	if e.Profile != "" && e.Profile != BaseProfile && !isProfile(e.Profile) {
		return keyerr.New("profile", e.Profile, ProfileChoices())
	}
	return nil
}

// validate checks the [env] table's own keys (the game variants are
// checked by the game); keys are relative to it.
func (e EnvConfig) validate() error {
	if err := e.Obs.Validate(); err != nil {
		return keyerr.Under("obs", err)
	}
	if e.TrainLevels < 0 || uint64(e.TrainLevels) >= envs.EvalSeedBase {
		return keyerr.New("train_levels", e.TrainLevels, fmt.Sprintf("[0, %d) (0 = unlimited)", envs.EvalSeedBase))
	}
	return nil
}

// validate checks the [eval] table; keys are relative to it.
func (v EvalConfig) validate() error {
	switch {
	case v.Episodes < 1 || v.Episodes > 1_000_000:
		return keyerr.New("episodes", v.Episodes, "[1, 1000000]")
	case v.Replays < 0 || v.Replays > v.Episodes:
		return keyerr.New("replays", v.Replays, "[0, eval.episodes]")
	case v.MaxSteps < 0:
		return keyerr.New("max_steps", v.MaxSteps, ">= 0 (0 = the game's limit)")
	case v.NumEnvs < 1 || v.NumEnvs > 4096:
		return keyerr.New("num_envs", v.NumEnvs, "[1, 4096]")
	}
	return nil
}

// validate checks the [interp] table; keys are relative to it.
func (in InterpConfig) validate() error {
	switch {
	case in.Samples < 0:
		return keyerr.New("samples", in.Samples, ">= 0")
	case in.Episodes < 1 || in.Episodes > 1_000_000:
		return keyerr.New("episodes", in.Episodes, "[1, 1000000]")
	case in.MDLTolerance <= 0:
		return keyerr.New("mdl_tolerance", in.MDLTolerance, "> 0 nats")
	case len(in.SteerScales) == 0:
		return keyErr("steer_scales", "[]", "at least one scale, e.g. [-1, 1]")
	case in.Enabled && len(in.Layers) == 0:
		return keyErr("layers", "[]", "at least one layer name when interp.enabled = true")
	}
	for i, l := range in.Layers {
		if l == "" {
			return keyErr(fmt.Sprintf("layers[%d]", i), `""`, "a non-empty layer name")
		}
	}
	for i, v := range in.SteerScales {
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return keyerr.New(fmt.Sprintf("steer_scales[%d]", i), v, "a finite non-zero scale (0 is the unedited baseline)")
		}
	}
	return keyerr.Under("sae", in.SAE.Validate())
}
