package study

import (
	"context"
	"fmt"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// intervention is one edit of the policy to test on the test levels.
type intervention struct {
	name, kind, vector string
	site               interp.Site
	scale              float64
	hook               interp.Hook
}

// outcomes are the per-level results of test-level rollouts, in level
// order: whether each episode reached the true goal and the proxy outcome,
// and (for tracked runs) whether it stood on its target tile.
type outcomes struct {
	success, proxy, reached []bool
}

// tester plays the test levels of one variant with and without edits.
type tester struct {
	ctx     context.Context
	policy  agents.Policy
	game    envs.Game
	o       *Options
	variant Variant
	spec    envs.Spec
}

// play rolls the policy (with hook, nil for none) out on every test level.
// The action randomness depends on the level, not on the edit, so the
// runs with and without an edit are paired level by level.
func (t *tester) play(hook interp.Hook) (outcomes, error) { return t.playTracked(hook, nil) }

// playTracked is play with every env wrapped to follow its target tile
// (and, when log.draw, to draw the goal there) when log is not nil; the
// outcomes then include reached.
func (t *tester) playTracked(hook interp.Hook, log *retargetLog) (outcomes, error) {
	cfg := variantConfig(t.game, t.variant)
	opt := agents.EvalOptions{
		Policy: t.policy, Levels: t.o.Test, NumEnvs: t.o.NumEnvs, Seed: t.o.Seed + 7919, Hook: hook,
		NewEnv: func() (envs.Env, error) { return t.game.New(cfg, t.o.Obs) },
	}
	if log != nil {
		opt.NewEnv = func() (envs.Env, error) {
			e, err := t.game.New(cfg, t.o.Obs)
			if err != nil {
				return nil, err
			}
			return wrapRetarget(e, log)
		}
		opt.BeforeForward = log.beforeForward
		opt.OnStep = func(r agents.StepRecord) error {
			log.onStep(r.Episode, r.LevelSeed, r.Info)
			return nil
		}
	}
	res, err := agents.Evaluate(t.ctx, opt)
	if err != nil {
		return outcomes{}, err
	}
	// Evaluate returns the episodes in level order, so index i is level
	// Test.Start + i in res and in log.reached alike.
	out := outcomes{success: make([]bool, len(res)), proxy: make([]bool, len(res))}
	for i, r := range res {
		if r.LevelSeed != t.o.Test.Start+uint64(i) {
			return outcomes{}, fmt.Errorf("interventions: episode %d ran on level %d, not %d", i, r.LevelSeed, t.o.Test.Start+uint64(i))
		}
		out.success[i], out.proxy[i] = r.Outcome == t.spec.Success, r.Outcome == t.spec.Proxy
	}
	if log != nil {
		out.reached = log.reached
	}
	return out, nil
}

// run tests every intervention against one baseline run; PHolm is set
// later, over every test of the stage (holm).
func (t *tester) run(ivs []intervention) ([]schema.Intervention, error) {
	base, err := t.play(nil)
	if err != nil {
		return nil, fmt.Errorf("interventions: baseline on %s: %w", t.variant.Name, err)
	}
	var out []schema.Intervention
	for i, iv := range ivs {
		treated, err := t.play(iv.hook)
		if err != nil {
			return nil, fmt.Errorf("intervention %q: %w", iv.name, err)
		}
		seed := t.o.Seed + uint64(i)
		out = append(out, schema.Intervention{Name: iv.name, Kind: iv.kind, Vector: iv.vector, Site: iv.site.String(),
			Variant: t.variant.Name, Scale: iv.scale,
			Failure: schema.PairedDifference(stats.ComparePairedRates(base.proxy, treated.proxy, t.o.Bootstrap, seed)),
			Success: schema.PairedDifference(stats.ComparePairedRates(base.success, treated.success, t.o.Bootstrap, seed))})
		t.o.Log("interp: intervention %s on %s: proxy %.1f%% → %.1f%%", iv.name, t.variant.Name,
			100*out[i].Failure.Base, 100*out[i].Failure.Treated)
	}
	return out, nil
}

// holm sets PHolm of every intervention (from its failure p-value) and of
// every retargeting test (from its reached p-value), adjusting over all
// of them together.
func holm(ivs []schema.Intervention, rts []schema.Retarget) {
	var p []float64
	var dst []*float64
	for i := range ivs {
		p, dst = append(p, ivs[i].Failure.P), append(dst, &ivs[i].PHolm)
	}
	for i := range rts {
		for j := range rts[i].Tests {
			p, dst = append(p, rts[i].Tests[j].Reached.P), append(dst, &rts[i].Tests[j].PHolm)
		}
	}
	for i, adj := range stats.Holm(p) {
		*dst[i] = adj
	}
}

// latentEdits are the SAE interventions at a site: ablating the first
// goal and proxy features, and clamping the goal feature at its largest
// selection value.
func latentEdits(site interp.Site, m *interp.SAE, goal, proxy []schema.Feature, maxes []float32) []intervention {
	var ivs []intervention
	for _, fs := range [][]schema.Feature{goal, proxy} {
		if len(fs) == 0 {
			continue
		}
		f := fs[0]
		ivs = append(ivs, intervention{name: fmt.Sprintf("%s: ablate %s latent %d", site, f.Role, f.Latent), kind: "ablate",
			vector: fmt.Sprintf("latent %d (%s)", f.Latent, f.Concept), site: site,
			hook: interp.EditHook(site, m, []interp.LatentEdit{{Latent: f.Latent}})})
	}
	if len(goal) > 0 && maxes[goal[0].Latent] > 0 {
		f := goal[0]
		v := maxes[f.Latent]
		ivs = append(ivs, intervention{name: fmt.Sprintf("%s: clamp goal latent %d at %.3g", site, f.Latent, v), kind: "clamp",
			vector: fmt.Sprintf("latent %d (%s)", f.Latent, f.Concept), site: site, scale: float64(v),
			hook: interp.EditHook(site, m, []interp.LatentEdit{{Latent: f.Latent, Value: v}})})
	}
	return ivs
}

// steering adds scale·dir at the layer's flat output, one intervention
// per scale.
func steering(layer string, dir direction, scales []float64) []intervention {
	var ivs []intervention
	site := interp.Flat(layer)
	for _, s := range scales {
		ivs = append(ivs, intervention{name: fmt.Sprintf("%s: %s × %+g", layer, dir.Name, s), kind: "steer",
			vector: dir.Name, site: site, scale: s, hook: interp.SteerHook(site, dir.Vec, s)})
	}
	return ivs
}
