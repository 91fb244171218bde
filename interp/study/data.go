package study

import (
	"fmt"
	"sort"

	"github.com/misgen/misgen/interp"
)

// siteData is one site's data pooled over the variants' captures: one
// sample per captured step (observation, ground truth, episode) and the
// site's rows, several per sample when the site reads a conv layer per
// position. Samples are split by whole episodes into a training part (for
// SAEs) and a held-out part (for their metrics).
type siteData struct {
	site      interp.Site
	acts      interp.Matrix // site rows, perSample consecutive rows per sample
	perSample int
	obs       interp.Observations // one row per sample
	steps     []interp.Step
	ood       []bool
	variants  []string
	train     []int // sample indices of training episodes
	held      []int // sample indices of held-out episodes
}

// heldOutEvery makes every fifth episode (by a hash of its id) held out.
const heldOutEvery = 5

// HeldOut reports whether a captured episode (interp.Step.Episode) belongs
// to the held-out split: SAEs train on the other episodes, and their
// metrics (schema.SAEResult: FVU, L0, KL) are measured on these, pooled
// over the variants. The split depends on the episode id alone, so every
// site and every variant splits the same episodes the same way.
func HeldOut(episode int32) bool {
	x := uint64(episode) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return (x^(x>>31))%heldOutEvery == 0
}

// poolSite pools layer's captured rows of every capture. A layer whose
// rows are [C, H, W] is read per position.
func poolSite(caps []*capture, layer string, obsShape []int64) (*siteData, error) {
	d := &siteData{site: interp.Flat(layer), perSample: 1, obs: interp.Observations{Shape: obsShape}}
	for _, c := range caps {
		acts, ok := c.acts[layer]
		if !ok {
			return nil, fmt.Errorf("layer %q was not captured", layer)
		}
		if sh := c.shapes[layer]; interp.SiteOf(layer, sh).PerPosition {
			d.site.PerPosition, d.perSample = true, int(sh[1]*sh[2])
			var err error
			if acts, err = interp.PositionRows(acts, sh); err != nil {
				return nil, err
			}
		}
		if d.acts.Cols == 0 {
			d.acts.Cols, d.obs.Cols = acts.Cols, c.obs.Cols
		}
		d.acts.Data = append(d.acts.Data, acts.Data...)
		d.acts.Rows += acts.Rows
		d.obs.Data = append(d.obs.Data, c.obs.Data...)
		d.obs.Rows += c.obs.Rows
		for _, s := range c.truth.Steps {
			d.steps = append(d.steps, s)
			d.ood = append(d.ood, c.variant.OOD)
			d.variants = append(d.variants, c.variant.Name)
		}
	}
	for i, s := range d.steps {
		if HeldOut(s.Episode) {
			d.held = append(d.held, i)
		} else {
			d.train = append(d.train, i)
		}
	}
	if len(d.train) < 10 || len(d.held) < 10 {
		return nil, fmt.Errorf("site %s: %d training and %d held-out samples: capture more (interp.samples, interp.episodes)", d.site, len(d.train), len(d.held))
	}
	return d, nil
}

// rows returns the site rows of samples.
func (d *siteData) rows(samples []int) interp.Matrix {
	idx := make([]int, 0, len(samples)*d.perSample)
	for _, s := range samples {
		for p := 0; p < d.perSample; p++ {
			idx = append(idx, s*d.perSample+p)
		}
	}
	return d.acts.SubRows(idx)
}

// observations returns the observations of samples.
func (d *siteData) observations(samples []int) interp.Observations {
	return interp.Observations{Matrix: d.obs.SubRows(samples), Shape: d.obs.Shape}
}

// episodes counts the distinct episodes of samples.
func (d *siteData) episodes(samples []int) int {
	seen := map[int32]bool{}
	for _, s := range samples {
		seen[d.steps[s].Episode] = true
	}
	return len(seen)
}

// truth is the ground truth of every sample (as one GroundTruth, for its
// concept helpers).
func (d *siteData) truth() *interp.GroundTruth {
	return &interp.GroundTruth{Steps: d.steps}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
