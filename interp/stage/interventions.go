package stage

import (
	"context"
	"fmt"
	"sort"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
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
// order: whether each episode reached the true goal and the proxy outcome.
type outcomes struct {
	success, proxy []bool
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
func (t *tester) play(hook interp.Hook) (outcomes, error) {
	cfg := variantConfig(t.game, t.variant)
	res, err := agents.Evaluate(t.ctx, agents.EvalOptions{
		Policy: t.policy, Levels: t.o.Test, NumEnvs: t.o.NumEnvs, Seed: t.o.Seed + 7919, Hook: hook,
		NewEnv: func() (envs.Env, error) { return t.game.New(cfg, t.o.Obs) },
	})
	if err != nil {
		return outcomes{}, err
	}
	sort.Slice(res, func(a, b int) bool { return res[a].LevelSeed < res[b].LevelSeed })
	out := outcomes{success: make([]bool, len(res)), proxy: make([]bool, len(res))}
	for i, r := range res {
		out.success[i], out.proxy[i] = r.Outcome == t.spec.Success, r.Outcome == t.spec.Proxy
	}
	return out, nil
}

// run tests every intervention against one baseline run and adjusts the
// failure p-values for the number of tests (Holm).
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
			Failure: interp.Paired(base.proxy, treated.proxy, t.o.Bootstrap, seed),
			Success: interp.Paired(base.success, treated.success, t.o.Bootstrap, seed)})
		t.o.Log("interp: intervention %s on %s: proxy %.1f%% → %.1f%%", iv.name, t.variant.Name,
			100*out[i].Failure.Base, 100*out[i].Failure.Treated)
	}
	holm(out)
	return out, nil
}

// holm sets PHolm of every intervention from the failure p-values.
func holm(ivs []schema.Intervention) {
	p := make([]float64, len(ivs))
	for i, iv := range ivs {
		p[i] = iv.Failure.P
	}
	for i, adj := range interp.Holm(p) {
		ivs[i].PHolm = adj
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
