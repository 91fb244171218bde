package study

import (
	"fmt"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// topChannels is how many channels a retarget summary lists.
const topChannels = 3

// retarget runs procgen-tools' retargeting test at every analysed conv
// layer, for games whose envs implement envs.TileMap and envs.GoalEditor;
// other games get a note.
func (r *runner) retarget(t *tester) error {
	probe, err := r.game.New(variantConfig(r.game, t.variant), r.o.Obs)
	if err != nil {
		return err
	}
	_, tm := probe.(envs.TileMap)
	_, ge := probe.(envs.GoalEditor)
	if !tm || !ge {
		r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("retargeting skipped: %s does not implement envs.TileMap and envs.GoalEditor", r.game.Name))
		return nil
	}
	for _, layer := range r.o.Layers {
		if len(r.caps[0].shapes[layer]) != 3 {
			continue
		}
		rt, err := r.retargetSite(t, layer)
		if err != nil {
			r.sum.Notes = append(r.sum.Notes, fmt.Sprintf("%s: no retargeting test: %v", layer, err))
			continue
		}
		r.sum.Retarget = append(r.sum.Retarget, rt)
	}
	return nil
}

// retargetSite chooses layer's goal channel on the selection levels and
// tests the retargeting edits on t's test levels.
func (r *runner) retargetSite(t *tester, layer string) (schema.Retarget, error) {
	shape := r.caps[0].shapes[layer]
	g, err := newGeometry(r.o.Obs.View, r.caps[0].obsShape(), shape)
	if err != nil {
		return schema.Retarget{}, err
	}
	effects, pairs, episodes, err := goalChannels(r.policy, r.caps, layer, g, r.o.Selection)
	if err != nil {
		return schema.Retarget{}, err
	}
	top := effects[0]
	if top.Rise <= 0 {
		return schema.Retarget{}, fmt.Errorf("no channel rises at the goal's position when the goal is shown (largest mean rise %.3g)", top.Rise)
	}
	rt := schema.Retarget{Site: interp.Site{Layer: layer, PerPosition: true}.String(), Grid: g.grid,
		Channels: effects[:min(topChannels, len(effects))], Pairs: pairs, Episodes: episodes,
		Control: controlChannel(int(shape[0]), top.Channel, r.o.Seed), Target: targetRule, Variant: t.variant.Name}
	base := newRetargetLog(g, false, int(r.o.Test.Count))
	b, err := t.playTracked(nil, base)
	if err != nil {
		return rt, fmt.Errorf("retarget baseline: %w", err)
	}
	rt.InView = float64(base.inView) / float64(max(base.rows, 1))
	for _, spec := range retargetSpecs(rt, top, r.o.RetargetScales) {
		log := newRetargetLog(g, spec.Kind == "observation", int(r.o.Test.Count))
		var hook interp.Hook
		if spec.Kind != "observation" {
			hook = targetHook(layer, spec.Channel, float32(spec.Value), func() []int { return log.pass })
		}
		tr, err := t.playTracked(hook, log)
		if err != nil {
			return rt, fmt.Errorf("retarget %s ×%g: %w", spec.Kind, spec.Scale, err)
		}
		seed := r.o.Seed + uint64(len(rt.Tests))
		spec.Reached = schema.PairedDifference(stats.ComparePairedRates(b.reached, tr.reached, r.o.Bootstrap, seed))
		spec.Success = schema.PairedDifference(stats.ComparePairedRates(b.success, tr.success, r.o.Bootstrap, seed))
		spec.Failure = schema.PairedDifference(stats.ComparePairedRates(b.proxy, tr.proxy, r.o.Bootstrap, seed))
		rt.Tests = append(rt.Tests, spec)
		r.o.Log("interp: retarget %s %s ×%g: reached target %.1f%% → %.1f%%", rt.Site, spec.Kind, spec.Scale,
			100*spec.Reached.Base, 100*spec.Reached.Treated)
	}
	return rt, nil
}

// retargetSpecs are the tests of one site, outcomes unfilled: the top
// channel and the control channel at each scale (adding scale × the top
// channel's rise at the target), then the goal drawn at the target.
func retargetSpecs(rt schema.Retarget, top schema.ChannelEffect, scales []float64) []schema.RetargetTest {
	var out []schema.RetargetTest
	for _, s := range scales {
		v := s * top.Rise
		out = append(out, schema.RetargetTest{Kind: "channel", Channel: top.Channel, Scale: s, Value: v},
			schema.RetargetTest{Kind: "control", Channel: rt.Control, Scale: s, Value: v})
	}
	return append(out, schema.RetargetTest{Kind: "observation", Channel: -1, Scale: 1})
}

// goalChannels ranks layer's channels by their paired rise at the goal's
// position (pairedRises) over every captured step where the goal is in
// view, pairing the captured activations with those of the same
// observation with the goal hidden. The goal's position is the centroid
// of the pixels the goal changes. It refuses a step from a level outside
// sel, so nothing is chosen on test levels. It returns the ranking, the
// number of pairs and of episodes.
func goalChannels(policy agents.Policy, caps []*capture, layer string, g geometry, sel envs.LevelSeeds) ([]schema.ChannelEffect, int, int, error) {
	var shown, hidden interp.Matrix
	var pos []int
	var eps []int32
	for _, c := range caps {
		if c.hidden == nil {
			continue
		}
		var rows []int
		for i, s := range c.truth.Steps {
			if !s.GoalVisible {
				continue
			}
			if lv, ok := c.levels[s.Episode]; !ok || !sel.Contains(lv) {
				return nil, 0, 0, fmt.Errorf("goal channels: episode %d ran on level %d, outside the selection levels %s", s.Episode, lv, sel)
			}
			y, x, ok := goalCentroid(c.obs.Row(i), c.hidden.Row(i), c.obsShape())
			if !ok {
				continue
			}
			rows, pos, eps = append(rows, i), append(pos, g.pixelPosition(y, x)), append(eps, s.Episode)
		}
		if len(rows) == 0 {
			continue
		}
		h, err := layerOutput(policy, layer, c.hidden.SubRows(rows))
		if err != nil {
			return nil, 0, 0, err
		}
		shown, hidden = appendRows(shown, c.acts[layer].SubRows(rows)), appendRows(hidden, h)
	}
	n := countEpisodes(eps)
	if n < 2 {
		return nil, 0, 0, fmt.Errorf("goal channels: %d paired observations in %d episodes with the goal in view; need two episodes", shown.Rows, n)
	}
	return pairedRises(shown, hidden, int(caps[0].shapes[layer][0]), pos, eps), shown.Rows, n, nil
}

// countEpisodes counts the distinct ids in eps.
func countEpisodes(eps []int32) int {
	seen := map[int32]bool{}
	for _, e := range eps {
		seen[e] = true
	}
	return len(seen)
}
