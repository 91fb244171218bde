package study

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// Run analyses a trained policy: it captures its activations on the
// selection levels of every variant, sweeps SAEs at each layer (choosing
// one by MDL), names the latents specific to the goal and to the proxy,
// builds the paired goal vector and a goal-position probe, tests edits
// along them on the test levels (and, for maze, retargets the goal
// channel of each conv layer to a chosen tile), and optionally eigendecomposes a bilinear
// policy's logit forms and compares polytope codes. It writes summary.json
// (schema.InterpSummary), the summary's documents as Markdown
// (schema.InterpSummary.Documents) and activation stores to
// o.OutDir, and returns the summary and the figures' data, each named by a
// file in o.OutDir, for the caller to draw (viz/plot).
func Run(ctx context.Context, o Options) (*schema.InterpSummary, []schema.ChartFile, error) {
	if err := o.defaults(); err != nil {
		return nil, nil, err
	}
	policy, _, err := agents.LoadPolicy(o.Checkpoint)
	if err != nil {
		return nil, nil, err
	}
	defer policy.Free()
	if len(o.Layers) == 0 {
		ls := policy.Layers()
		o.Layers = ls[len(ls)-1:]
	}
	g, err := envs.Lookup(o.Game)
	if err != nil {
		return nil, nil, err
	}
	spec, err := g.Spec(variantConfig(g, o.Variants[0]), o.Obs)
	if err != nil {
		return nil, nil, err
	}
	r := &runner{ctx: ctx, o: &o, policy: policy, game: g, spec: spec}
	r.model = func(s *torch.Scope, obs *torch.Tensor, hook interp.Hook) (*torch.Tensor, *torch.Tensor) {
		return policy.Forward(s, obs, hook)
	}
	defer r.free()
	sum, err := r.run()
	return sum, r.figs, err
}

// runner holds one Run's state.
type runner struct {
	ctx    context.Context
	o      *Options
	policy agents.Policy
	game   envs.Game
	spec   envs.Spec
	model  interp.ModelFunc
	caps   []*capture
	sweeps []*sweep // every trained SAE, freed at the end
	ivs    []intervention
	sum    schema.InterpSummary
	figs   []schema.ChartFile // the figures, for Run's caller to draw
}

func (r *runner) run() (*schema.InterpSummary, error) {
	o := r.o
	r.sum = schema.InterpSummary{Seed: int(o.Seed), Levels: schema.LevelSplit{
		Selection: [2]uint64{o.Selection.Start, o.Selection.Start + o.Selection.Count},
		Test:      [2]uint64{o.Test.Start, o.Test.Start + o.Test.Count}}}
	if err := r.capture(); err != nil {
		return nil, err
	}
	for _, layer := range o.Layers {
		ls, err := r.analyseLayer(layer)
		if err != nil {
			return nil, fmt.Errorf("interp stage, layer %s: %w", layer, err)
		}
		r.sum.Layers = append(r.sum.Layers, ls)
	}
	if err := r.interventions(); err != nil {
		return nil, err
	}
	if err := r.bilinear(); err != nil {
		return nil, err
	}
	if err := r.polytope(); err != nil {
		return nil, err
	}
	for _, d := range r.sum.Documents() {
		if err := interp.WriteText(o.OutDir, d.File, d.Doc.Markdown()); err != nil {
			return nil, err
		}
	}
	return &r.sum, interp.WriteJSON(o.OutDir, schema.InterpSummaryJSON, r.sum)
}

// ActsPath is where Run writes the activation store (interp.Store, at
// float16) of a layer captured on a variant: <dir>/acts/<variant>.<layer>.acts.
func ActsPath(dir, variant, layer string) string {
	return filepath.Join(dir, "acts", variant+"."+layer+".acts")
}

// ObservationsLayer is the Layer of an observations store.
const ObservationsLayer = "obs"

// ObservationsPath is where Run writes the observations behind a variant's
// captured rows: an interp.Store whose Layer is ObservationsLayer, whose
// Shape is the observation's [C, H, W] and whose rows and ground truth
// align with the variant's activation stores (at float16 when that is
// exact, as for symbolic observations, else float32):
// <dir>/acts/<variant>.obs.
func ObservationsPath(dir, variant string) string {
	return filepath.Join(dir, "acts", variant+".obs")
}

// capture plays every variant's selection levels, capturing the analysed
// layers (and every ReLU layer for the polytope codes), and writes the
// analysed layers' activation stores and the observations behind them.
func (r *runner) capture() error {
	layers := append([]string(nil), r.o.Layers...)
	if r.o.Polytope {
		for _, l := range r.policy.ReLULayers() {
			if !contains(layers, l) {
				layers = append(layers, l)
			}
		}
	}
	for i, v := range r.o.Variants {
		c, err := captureVariant(r.ctx, r.policy, r.game, r.o, i, layers)
		if err != nil {
			return err
		}
		for _, l := range r.o.Layers {
			if err := c.store(l).WriteFile(ActsPath(r.o.OutDir, v.Name, l), interp.Float16); err != nil {
				return err
			}
		}
		obs := &interp.Store{Layer: ObservationsLayer, Shape: c.shape, Acts: c.obs, Truth: c.truth}
		if err := obs.WriteFile(ObservationsPath(r.o.OutDir, v.Name), interp.LosslessPrecision(c.obs.Data)); err != nil {
			return err
		}
		r.caps = append(r.caps, c)
		r.o.Log("interp: captured %d steps of %s on levels %s", c.obs.Rows, v.Name, r.o.Selection)
	}
	return nil
}

// analyseLayer sweeps SAEs at the layer's site, picks one by MDL, scores
// its latents against the concepts (flat sites), and queues the layer's
// interventions.
func (r *runner) analyseLayer(layer string) (schema.LayerSummary, error) {
	o := r.o
	d, err := poolSite(r.caps, layer, r.caps[0].obsShape())
	if err != nil {
		return schema.LayerSummary{}, err
	}
	w := &sweep{model: r.model, freeze: r.policy.Params(), o: o, d: d}
	r.sweeps = append(r.sweeps, w)
	if err := w.run(); err != nil {
		return schema.LayerSummary{}, err
	}
	ls := schema.LayerSummary{Site: d.site.String(), Rows: schema.RowCounts{
		Train: len(d.train) * d.perSample, TrainEpisodes: d.episodes(d.train),
		Held: len(d.held) * d.perSample, HeldEpisodes: d.episodes(d.held), Apart: len(d.truth().Apart(apartTiles))}}
	for _, t := range w.out {
		ls.SAEs = append(ls.SAEs, t.res)
	}
	best, note := chooseMDL(w.out)
	if best >= 0 {
		ls.Chosen = w.out[best].res.Name
	} else {
		ls.ChosenNote = note
	}
	if !d.site.PerPosition && best >= 0 {
		chosen := w.out[best].m
		ls.Goal, ls.Proxy, ls.FeatureNote, err = features(d, chosen, o, r.spec.Channels, r.caps[0].obsShape3())
		if err != nil {
			return ls, err
		}
		maxes, err := selectionMaxes(chosen, d)
		if err != nil {
			return ls, err
		}
		r.ivs = append(r.ivs, latentEdits(d.site, chosen, ls.Goal, ls.Proxy, maxes)...)
	}
	r.queueSteering(layer, d)
	r.figs = append(r.figs, siteCharts(ls)...)
	return ls, nil
}

// queueSteering adds the steering tests along the paired goal vector and
// the goal-position probe at the layer's flat output.
func (r *runner) queueSteering(layer string, d *siteData) {
	if !r.o.Interventions {
		return
	}
	for _, mk := range []func() (direction, error){
		func() (direction, error) { return goalVector(r.policy, r.caps, layer) },
		func() (direction, error) {
			if d.site.PerPosition {
				return direction{}, fmt.Errorf("the probe reads flat layers")
			}
			return probeDirection(d)
		},
	} {
		dir, err := mk()
		if err != nil {
			r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("%s: no steering direction: %v", layer, err))
			continue
		}
		r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("%s: %s: %s", layer, dir.Name, dir.Note))
		r.ivs = append(r.ivs, steering(layer, dir, r.o.SteerScales)...)
	}
}

// interventions runs the queued tests and the retargeting tests on the
// first OOD variant's test levels, adjusts their p-values together (Holm)
// and queues their charts in r.figs; their tables are the summary's
// documents.
func (r *runner) interventions() error {
	v := r.o.firstOOD()
	if !r.o.Interventions || v == nil {
		return nil
	}
	spec, err := r.game.Spec(variantConfig(r.game, *v), r.o.Obs)
	if err != nil {
		return err
	}
	t := &tester{ctx: r.ctx, policy: r.policy, game: r.game, o: r.o, variant: *v, spec: spec}
	if len(r.ivs) > 0 {
		if r.sum.Interventions, err = t.run(r.ivs); err != nil {
			return err
		}
	}
	if err := r.retarget(t); err != nil {
		return err
	}
	holm(r.sum.Interventions, r.sum.Retarget)
	r.figs = append(r.figs, steeringCharts(r.sum.Interventions)...)
	r.figs = append(r.figs, retargetCharts(r.sum.Retarget)...)
	return nil
}

// bilinear runs the eigen-analysis of a bilinear policy.
func (r *runner) bilinear() error {
	if !r.o.Bilinear {
		return nil
	}
	if r.policy.Config().Arch != "bilinear" {
		return fmt.Errorf("interp stage: bilinear analysis of a %q policy", r.policy.Config().Arch)
	}
	bs, err := analyseBilinear(r.policy, r.caps[0], r.o, r.spec.ActionName, r.spec.Channels)
	if err != nil {
		return err
	}
	r.sum.Bilinear = bs
	return nil
}

// polytope compares the ReLU codes of the first OOD variant with those of
// in-distribution episodes.
func (r *runner) polytope() error {
	if !r.o.Polytope || len(r.caps) < 2 {
		return nil
	}
	p, err := analysePolytope(r.caps[0], r.caps[1], r.policy.ReLULayers())
	if err != nil {
		return fmt.Errorf("interp stage: polytope codes: %w", err)
	}
	r.sum.Polytope = p
	return nil
}

func (r *runner) free() {
	for _, w := range r.sweeps {
		for _, t := range w.out {
			t.m.Free()
		}
	}
}

// selectionMaxes is each latent's largest code over the selection rows.
func selectionMaxes(m *interp.SAE, d *siteData) ([]float32, error) {
	codes, err := interp.Codes(m, d.acts)
	if err != nil {
		return nil, err
	}
	return interp.LatentMax(codes), nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
