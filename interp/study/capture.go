package study

import (
	"context"
	"fmt"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// capture is one variant's rollouts on the selection levels: for every
// captured step the observation, the same observation with the goal hidden
// (when the game can edit it), the activations of the captured layers and
// the ground truth. Rows are in forward-pass order.
type capture struct {
	variant Variant
	obs     interp.Matrix
	// hidden[i] is obs[i] with the goal left out (envs.GoalEditor); nil
	// when the game cannot edit its goal.
	hidden *interp.Matrix
	truth  *interp.GroundTruth
	acts   map[string]interp.Matrix
	shapes map[string][]int64 // per-row shape of each layer's output
	levels map[int32]uint64   // episode id → level seed
	shape  []int64            // per-observation shape
}

// observingEnv records every observation (and its goal-hidden twin) with
// the ground truth, so the rows of each forward pass can be paired with the
// state the policy saw: Evaluate observes all active envs in row order
// before each pass.
type observingEnv struct {
	envs.Env
	rec *observeLog
}

type observeLog struct {
	infos       []envs.Info
	obs, hidden []float32
	editable    bool
}

func (e observingEnv) Observe(dst []float32) {
	e.Env.Observe(dst)
	e.rec.infos = append(e.rec.infos, e.Env.Info())
	e.rec.obs = append(e.rec.obs, dst...)
	if ed, ok := e.Env.(envs.GoalEditor); ok && e.rec.editable {
		n := len(e.rec.hidden)
		e.rec.hidden = append(e.rec.hidden, make([]float32, len(dst))...)
		ed.ObserveWithoutGoal(e.rec.hidden[n:])
	}
}

// captureVariant plays the selection levels of variant vi while capturing
// layers, keeping at most o.Samples rows.
func captureVariant(ctx context.Context, p agents.Policy, g envs.Game, o *Options, vi int, layers []string) (*capture, error) {
	v := o.Variants[vi]
	cfg := variantConfig(g, v)
	spec, err := g.Spec(cfg, o.Obs)
	if err != nil {
		return nil, err
	}
	probe, err := g.New(cfg, o.Obs)
	if err != nil {
		return nil, err
	}
	_, editable := probe.(envs.GoalEditor)
	log := &observeLog{editable: editable}
	cp := interp.NewCapture(layers...)
	hook := cp.Hook()
	truth := newGroundTruth(spec)
	c := &capture{variant: v, truth: truth, levels: map[int32]uint64{}}
	var obsRows, hiddenRows []float32
	rowOf := map[int]int{} // episode → its latest captured row
	full := false
	base := interp.EpisodeBase(vi)
	_, err = agents.Evaluate(ctx, agents.EvalOptions{
		Policy: p, Levels: o.Selection, NumEnvs: o.NumEnvs, Seed: o.Seed + uint64(vi),
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
					truth.Add(stepOf(log.infos[r], base+int32(ep), v.OOD), v.Name)
				}
				obsRows = append(obsRows, log.obs...)
				hiddenRows = append(hiddenRows, log.hidden...)
			}
			log.infos, log.obs, log.hidden = log.infos[:0], log.obs[:0], log.hidden[:0]
		},
		Hook: func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor {
			if full {
				return act
			}
			return hook(s, layer, act)
		},
		OnStep: func(r agents.StepRecord) error {
			c.levels[base+int32(r.Episode)] = r.LevelSeed
			if row, ok := rowOf[r.Episode]; ok && row < len(truth.Steps) && truth.Steps[row].T == int32(r.Step) {
				truth.Steps[row].Action = int16(r.Action)
			}
			if r.Done {
				truth.EndEpisode(base+int32(r.Episode), string(r.Info.Outcome))
			}
			return nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("interp stage: capturing %s: %w", v.Name, err)
	}
	return c.finish(cp, p.IO(), obsRows, hiddenRows, editable)
}

// finish collects the captured layers and observations into c.
func (c *capture) finish(cp *interp.Capture, io agents.PolicyIO, obsRows, hiddenRows []float32, editable bool) (*capture, error) {
	stores, err := cp.Stores(c.truth)
	if err != nil {
		return nil, fmt.Errorf("interp stage: %s: %w", c.variant.Name, err)
	}
	c.acts, c.shapes = map[string]interp.Matrix{}, map[string][]int64{}
	for _, st := range stores {
		c.acts[st.Layer], c.shapes[st.Layer] = st.Acts, st.Shape
	}
	rows := len(c.truth.Steps)
	c.shape = []int64{int64(io.ObsShape[0]), int64(io.ObsShape[1]), int64(io.ObsShape[2])}
	c.obs = interp.Matrix{Rows: rows, Cols: io.ObsSize(), Data: obsRows}
	if editable {
		c.hidden = &interp.Matrix{Rows: rows, Cols: io.ObsSize(), Data: hiddenRows}
	}
	return c, nil
}

// obsShape is the per-observation shape of the captured observations.
func (c *capture) obsShape() []int64 { return c.shape }

// obsShape3 is obsShape as [C, H, W].
func (c *capture) obsShape3() [3]int {
	return [3]int{int(c.shape[0]), int(c.shape[1]), int(c.shape[2])}
}

// store returns the capture of layer as an activation store.
func (c *capture) store(layer string) *interp.Store {
	return &interp.Store{Layer: layer, Shape: c.shapes[layer], Acts: c.acts[layer], Truth: c.truth}
}

// variantConfig is v's game config (the game's default when unset).
func variantConfig(g envs.Game, v Variant) any {
	if v.Config == nil {
		return g.NewConfig()
	}
	return v.Config
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
