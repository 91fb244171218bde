package stage

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// Variant is one evaluation variant of the game.
type Variant struct {
	Name   string // "train" for in-distribution, else the OOD variant's name
	Config any    // game config (nil: the game's default, training variant)
	OOD    bool
}

// Options configure Run. Zero values get the defaults noted.
type Options struct {
	Checkpoint string // policy checkpoint (agents.LoadPolicy)
	OutDir     string // outputs go to OutDir/*.json|md|png, activations to OutDir/acts/
	Game       string
	Obs        envs.ObsConfig
	Variants   []Variant
	Levels     func(variant int) envs.LevelSeeds // evaluation levels per variant
	// Layers to analyse (default: the policy's last hook point).
	Layers []string
	// Samples caps the captured rows per variant (default 20000).
	Samples int
	SAE     SAE
	// MDLTolerance is the KL tolerance in nats (default 0.05).
	MDLTolerance  float64
	Bilinear      bool
	Polytope      bool
	Interventions bool
	// SteerScale multiplies the goal vector in the steering interventions
	// (default 1: add or subtract one mean difference).
	SteerScale float64
	// Interval gives the 95% intervals of intervention rates (pass
	// schema.Wilson); required when Interventions is set.
	Interval interp.IntervalFunc
	Seed     uint64
	NumEnvs  int
	Log      func(format string, args ...any)
}

// SAE mirrors the experiments [interp.sae] table.
type SAE struct {
	Kind      interp.Kind
	Sizes     []int
	K         int
	L1        float64
	Steps     int
	BatchSize int
	LR        float64
	EndToEnd  bool
}

// Summary is what Run writes to summary.json.
type Summary struct {
	Layers        []LayerSummary              `json:"layers"`
	Bilinear      []BilinearSummary           `json:"bilinear,omitempty"`
	Interventions []interp.InterventionResult `json:"interventions,omitempty"`
}

// LayerSummary holds one layer's results.
type LayerSummary struct {
	Layer       string                     `json:"layer"`
	SAEs        []interp.NamedMetrics      `json:"saes"`
	Comparisons []interp.Comparison        `json:"local_vs_e2e,omitempty"`
	MDL         []interp.MDLResult         `json:"mdl"`
	Chosen      string                     `json:"chosen_sae"`
	TopGoal     []interp.FeatureConcept    `json:"top_goal_features"`
	TopProxy    []interp.FeatureConcept    `json:"top_proxy_features"`
	Polytope    *interp.PolytopeComparison `json:"polytope,omitempty"`
}

// BilinearSummary is one output direction's spectrum.
type BilinearSummary struct {
	Direction string          `json:"direction"`
	Spectrum  interp.Spectrum `json:"spectrum"`
}

// capturedVariant is one variant's evaluation capture.
type capturedVariant struct {
	v      Variant
	stores map[string]*interp.Store
	obs    interp.Observations
	truth  *interp.GroundTruth
}

func (o *Options) defaults() error {
	if o.Samples <= 0 {
		o.Samples = 20000
	}
	if o.MDLTolerance <= 0 {
		o.MDLTolerance = 0.05
	}
	if o.SteerScale == 0 {
		o.SteerScale = 1
	}
	if o.SAE.Kind == "" {
		o.SAE.Kind = interp.TopK
	}
	if len(o.SAE.Sizes) == 0 {
		o.SAE.Sizes = []int{256}
	}
	if o.SAE.K <= 0 {
		o.SAE.K = 16
	}
	if o.SAE.Steps <= 0 {
		o.SAE.Steps = 2000
	}
	if o.SAE.BatchSize <= 0 {
		o.SAE.BatchSize = 1024
	}
	if o.SAE.LR <= 0 {
		o.SAE.LR = 1e-3
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if len(o.Variants) == 0 || o.Levels == nil {
		return fmt.Errorf("interp stage: no variants or levels")
	}
	if o.Interventions && o.Interval == nil {
		return fmt.Errorf("interp stage: interventions need an interval function")
	}
	return nil
}

// Run runs the interp analyses on a trained policy: it evaluates the
// policy on every variant while capturing the chosen layers (stored under
// OutDir/acts), trains local (and optionally e2e) SAEs per dictionary size,
// scores them (metrics, downstream KL, episodes with the SAE spliced in,
// MDL), correlates the MDL-chosen SAE's latents with the ground-truth
// concepts, renders the top goal/proxy features' top-activating
// observations, and optionally runs interventions on the OOD variants,
// bilinear eigen-analysis and polytope codes. It writes summary.json plus
// one markdown table per analysis and PNGs into OutDir, and every trained
// SAE as safetensors (see interp.SAEPath and interp.SAE.WriteFile).
func Run(ctx context.Context, o Options) (*Summary, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	policy, _, err := agents.LoadPolicy(o.Checkpoint)
	if err != nil {
		return nil, err
	}
	defer policy.Free()
	if len(o.Layers) == 0 {
		ls := policy.Layers()
		o.Layers = ls[len(ls)-1:]
	}
	model := func(s *torch.Scope, obs *torch.Tensor, hook interp.Hook) (*torch.Tensor, *torch.Tensor) {
		return policy.Forward(s, obs, hook)
	}
	g, err := envs.Lookup(o.Game)
	if err != nil {
		return nil, err
	}
	var caps []*capturedVariant
	for i, v := range o.Variants {
		c, err := captureVariant(ctx, policy, g, o, i, v)
		if err != nil {
			return nil, err
		}
		caps = append(caps, c)
		for _, l := range o.Layers {
			if err := c.stores[l].WriteFile(filepath.Join(o.OutDir, "acts", v.Name+"."+l+".acts"), interp.Float16); err != nil {
				return nil, err
			}
		}
		o.Log("interp: captured %d steps of %s", c.obs.Rows, v.Name)
	}
	rollout := func(variant string, hook interp.Hook) (interp.EpisodeStats, error) {
		for i, v := range o.Variants {
			if v.Name == variant {
				return rolloutStats(ctx, policy, g, o, i, hook)
			}
		}
		return interp.EpisodeStats{}, fmt.Errorf("unknown variant %q", variant)
	}
	sum := &Summary{}
	for _, layer := range o.Layers {
		ls, ivs, err := analyseLayer(model, rollout, policy.Params(), o, layer, caps)
		if err != nil {
			return nil, fmt.Errorf("interp stage, layer %s: %w", layer, err)
		}
		sum.Layers = append(sum.Layers, ls)
		sum.Interventions = append(sum.Interventions, ivs...)
	}
	if o.Bilinear && policy.Config().Arch == "bilinear" {
		bs, err := analyseBilinear(policy, o)
		if err != nil {
			return nil, err
		}
		sum.Bilinear = bs
	}
	if len(sum.Interventions) > 0 {
		if err := interp.WriteText(o.OutDir, "interventions.md", interp.InterventionTable(sum.Interventions)); err != nil {
			return nil, err
		}
	}
	return sum, interp.WriteJSON(o.OutDir, "summary.json", sum)
}

// episodeShift packs captured episode ids: variant index << episodeShift |
// episode index, so ids are unique across a stage's variants.
const episodeShift = 20

// EpisodeIndex returns the index of a captured episode (Step.Episode)
// within its variant's evaluation levels: the episode ran on level
// Levels(variant).Start + EpisodeIndex(id).
func EpisodeIndex(id int32) int { return int(id & (1<<episodeShift - 1)) }

// observingEnv records the ground truth and observation of every Observe
// call, so the rows of each forward pass can be paired with the state the
// policy saw (Evaluate observes all active envs in row order before each
// pass).
type observingEnv struct {
	envs.Env
	rec *observeLog
}

type observeLog struct {
	infos []envs.Info
	obs   []float32
}

func (e observingEnv) Observe(dst []float32) {
	e.Env.Observe(dst)
	e.rec.infos = append(e.rec.infos, e.Env.Info())
	e.rec.obs = append(e.rec.obs, dst...)
}

func captureVariant(ctx context.Context, p agents.Policy, g envs.Game, o Options, vi int, v Variant) (*capturedVariant, error) {
	cfg := v.Config
	if cfg == nil {
		cfg = g.NewConfig()
	}
	io := p.IO()
	log := &observeLog{}
	capture := interp.NewCapture(o.Layers...)
	hook := capture.Hook()
	spec, err := g.Spec(cfg, o.Obs)
	if err != nil {
		return nil, err
	}
	truth := newGroundTruth(spec)
	var obsRows []float32
	rowOf := map[int]int{} // episode -> its latest captured row
	full := false
	episodeBase := int32(vi) << episodeShift
	_, err = agents.Evaluate(ctx, agents.EvalOptions{
		Policy: p, Levels: o.Levels(vi), NumEnvs: o.NumEnvs, Seed: o.Seed + uint64(vi),
		NewEnv: func() (envs.Env, error) {
			e, err := g.New(cfg, o.Obs)
			if err != nil {
				return nil, err
			}
			return observingEnv{Env: e, rec: log}, nil
		},
		BeforeForward: func(episodes []int) {
			full = len(truth.Steps)+len(episodes) > o.Samples
			if !full {
				for r, ep := range episodes {
					rowOf[ep] = len(truth.Steps)
					truth.Add(stepOf(log.infos[r], episodeBase+int32(ep), v.OOD), v.Name)
				}
				obsRows = append(obsRows, log.obs...)
			}
			log.infos, log.obs = log.infos[:0], log.obs[:0]
		},
		Hook: func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
			if full {
				return act
			}
			return hook(s, layer, act)
		},
		OnStep: func(r agents.StepRecord) error {
			if row, ok := rowOf[r.Episode]; ok && row < len(truth.Steps) && truth.Steps[row].T == int32(r.Step) {
				truth.Steps[row].Action = int16(r.Action)
			}
			if r.Done {
				truth.EndEpisode(episodeBase+int32(r.Episode), string(r.Info.Outcome))
			}
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("interp stage: evaluating %s: %w", v.Name, err)
	}
	stores, err := capture.Stores(truth)
	if err != nil {
		return nil, fmt.Errorf("interp stage: %s: %w", v.Name, err)
	}
	c := &capturedVariant{v: v, stores: map[string]*interp.Store{}, truth: truth}
	for _, st := range stores {
		c.stores[st.Layer] = st
	}
	sh := io.ObsShape
	c.obs = interp.Observations{Matrix: interp.Matrix{Rows: len(truth.Steps), Cols: io.ObsSize(), Data: obsRows},
		Shape: []int64{int64(sh[0]), int64(sh[1]), int64(sh[2])}}
	return c, nil
}

func rolloutStats(ctx context.Context, p agents.Policy, g envs.Game, o Options, vi int, hook interp.Hook) (interp.EpisodeStats, error) {
	v := o.Variants[vi]
	cfg := v.Config
	if cfg == nil {
		cfg = g.NewConfig()
	}
	spec, err := g.Spec(cfg, o.Obs)
	if err != nil {
		return interp.EpisodeStats{}, err
	}
	res, err := agents.Evaluate(ctx, agents.EvalOptions{
		Policy: p, Levels: o.Levels(vi), NumEnvs: o.NumEnvs, Seed: o.Seed + uint64(vi), Hook: hook,
		NewEnv: func() (envs.Env, error) { return g.New(cfg, o.Obs) },
	})
	if err != nil {
		return interp.EpisodeStats{}, err
	}
	st := interp.EpisodeStats{Episodes: len(res)}
	for _, r := range res {
		st.MeanReturn += r.Return
		switch r.Outcome {
		case spec.Success:
			st.Successes++
		case spec.Proxy:
			st.Proxy++
		}
	}
	if len(res) > 0 {
		st.MeanReturn /= float64(len(res))
	}
	return st, nil
}

// newGroundTruth is an empty ground truth for the game described by spec.
func newGroundTruth(spec envs.Spec) *interp.GroundTruth {
	var outcomes []string
	for _, o := range spec.Outcomes {
		outcomes = append(outcomes, string(o))
	}
	return interp.NewGroundTruth(outcomes, string(spec.Success), string(spec.Proxy))
}

// stepOf is the ground truth of the state described by info; the action is
// filled in once it is taken.
func stepOf(info envs.Info, episode int32, ood bool) interp.Step {
	return interp.Step{
		Episode: episode, T: int32(info.Step), OOD: ood, GoalVisible: info.GoalVisible, Action: -1,
		AgentX: info.AgentX, AgentY: info.AgentY, GoalX: info.GoalX, GoalY: info.GoalY,
		ProxyX: info.ProxyX, ProxyY: info.ProxyY,
	}
}
