package study

import (
	"fmt"

	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// apartTiles is how far apart (in tiles) the true goal and the proxy must
// be for a step to count in concept scoring.
const apartTiles = 1.0

// featureAlpha is the permutation-test level a concept's strongest latent
// must reach to be listed.
const featureAlpha = 0.05

// features scores the chosen SAE's latents against the goal and proxy
// concepts on the steps where the two are apart, lists the latents
// specific to each role and draws each listed latent's top-activating
// observations. Only flat sites have per-sample latents to score.
func features(d *siteData, m *interp.SAE, o *Options, channels []string, shape [3]int) (goal, proxy []schema.Feature, note string, err error) {
	rows := d.truth().Apart(apartTiles)
	if len(rows) < 50 {
		return nil, nil, fmt.Sprintf("only %d captured steps have the goal and the proxy apart: too few to tell goal features from proxy features", len(rows)), nil
	}
	codes, err := interp.Codes(m, d.rows(rows))
	if err != nil {
		return nil, nil, "", err
	}
	var scores []interp.ConceptScore
	for i, c := range d.truth().Concepts(rows) {
		sc, err := interp.ScoreConcept(codes, c, o.Shifts, o.Seed+uint64(i))
		if err != nil {
			return nil, nil, "", err
		}
		scores = append(scores, sc)
	}
	goal, proxy = interp.SelectFeatures(scores, featureAlpha, 5)
	switch {
	case len(goal) == 0 && len(proxy) == 0:
		note = "No latent is specific to the true goal or to the proxy (none beat the permutation null at p ≤ 0.05 while tracking one role at least twice as strongly as the other)."
	case len(goal) == 0:
		note = "No goal-specific latent: no latent tracks the true goal beyond the proxy strongly enough to beat the permutation null (p ≤ 0.05)."
	case len(proxy) == 0:
		note = "No proxy-specific latent beat the permutation null (p ≤ 0.05)."
	}
	for _, fs := range [][]schema.Feature{goal, proxy} {
		for i := range fs {
			if fs[i].Image, err = featureImage(d, rows, codes, fs[i], o, channels, shape); err != nil {
				return nil, nil, "", err
			}
		}
	}
	return goal, proxy, note, nil
}

// featureImage draws the observations on which a listed latent fires most.
func featureImage(d *siteData, rows []int, codes interp.Matrix, f schema.Feature, o *Options, channels []string, shape [3]int) (string, error) {
	top := interp.TopActivating(codes, f.Latent, 6)
	if len(top) == 0 {
		return "", nil
	}
	p := interp.Panels{Shape: shape, Channels: channels,
		Title: fmt.Sprintf("%s latent %d (%s feature: %s, partial r %+.2f given %s): top activations", d.site, f.Latent, f.Role, f.Concept, f.R, f.Control)}
	for _, r := range top {
		sample := rows[r]
		p.Vectors = append(p.Vectors, d.obs.Row(sample))
		s := d.steps[sample]
		p.Captions = append(p.Captions, fmt.Sprintf("activation %.2f, %s, step %d, goal at (%+.0f, %+.0f) from the agent",
			codes.Data[r*codes.Cols+f.Latent], d.variants[sample], s.T, s.GoalX-s.AgentX, s.GoalY-s.AgentY))
	}
	img, err := p.Render()
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s.%s_latent_%d.png", schema.SiteFileName(d.site.String()), f.Role, f.Latent)
	return name, interp.WritePNG(o.OutDir, name, img)
}
