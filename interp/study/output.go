package study

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/misgen/misgen/schema"
)

// siteCharts are a site's Pareto and MDL charts, each named by its file.
func siteCharts(ls schema.LayerSummary) []schema.ChartFile {
	charts := layerCharts(ls)
	for i := range charts {
		charts[i].File = schema.SiteFileName(ls.Site) + "." + charts[i].File
	}
	return charts
}

// layerCharts are the site's Pareto curves (downstream KL and alive
// latents against L0) and description length against L0, one line per
// training mode and dictionary size.
func layerCharts(ls schema.LayerSummary) []schema.ChartFile {
	group := map[string][]schema.SAEResult{}
	for _, s := range ls.SAEs {
		k := fmt.Sprintf("%s %d", s.Training, s.Latents)
		group[k] = append(group[k], s)
	}
	kl := schema.Chart{Title: ls.Site + ": downstream KL against L0 (held-out episodes)", XLabel: "L0 (active latents per input)",
		YLabel: "KL(original ‖ spliced), nats", LogX: true, LogY: true, HLine: math.NaN()}
	alive := schema.Chart{Title: ls.Site + ": alive latents against L0", XLabel: "L0 (active latents per input)",
		YLabel: "latents that fire on held-out rows", LogX: true, HLine: math.NaN()}
	dl := schema.Chart{Title: ls.Site + ": description length against L0 (infeasible SAEs left out)", XLabel: "L0 (active latents per input)",
		YLabel: "bits per activation", LogX: true, HLine: math.NaN()}
	for _, k := range sortedKeys(group) {
		rs := group[k]
		sort.Slice(rs, func(a, b int) bool { return rs[a].L0 < rs[b].L0 })
		var s1, s2, s3 schema.Series
		s1.Label, s2.Label, s3.Label = k, k, k
		dashed := strings.HasPrefix(k, "e2e")
		s1.Dashed, s2.Dashed, s3.Dashed = dashed, dashed, dashed
		for _, r := range rs {
			x := math.Max(r.L0, 1e-3)
			s1.X, s1.Y = append(s1.X, x), append(s1.Y, math.Max(r.KL, 1e-6))
			s2.X, s2.Y = append(s2.X, x), append(s2.Y, float64(r.Alive))
			if r.MDL.Feasible {
				s3.X, s3.Y = append(s3.X, x), append(s3.Y, float64(r.MDL.DL))
			}
		}
		kl.Series, alive.Series = append(kl.Series, s1), append(alive.Series, s2)
		if len(s3.X) > 0 {
			dl.Series = append(dl.Series, s3)
		}
	}
	out := []schema.ChartFile{{File: "pareto_kl.png", Chart: kl}, {File: "pareto_alive.png", Chart: alive}}
	if len(dl.Series) > 0 {
		out = append(out, schema.ChartFile{File: "mdl.png", Chart: dl})
	}
	return out
}

// steeringCharts plot, per site, the proxy and goal rates against the
// steering scale of each vector, with the paired intervals around the
// unedited rate (scale 0).
func steeringCharts(ivs []schema.Intervention) []schema.ChartFile {
	bySite := map[string][]schema.Intervention{}
	for _, iv := range ivs {
		if iv.Kind == "steer" {
			bySite[iv.Site] = append(bySite[iv.Site], iv)
		}
	}
	var out []schema.ChartFile
	for _, site := range sortedKeys(bySite) {
		byVec := map[string][]schema.Intervention{}
		for _, iv := range bySite[site] {
			byVec[iv.Vector] = append(byVec[iv.Vector], iv)
		}
		c := schema.Chart{Title: site + ": steering on " + bySite[site][0].Variant + " test levels", XLabel: "scale",
			YLabel: "share of episodes (paired 95% CI)", HLine: bySite[site][0].Failure.Base, HLineLabel: "proxy outcome without steering",
			YMin: 0, YMax: 1}
		for _, v := range sortedKeys(byVec) {
			list := byVec[v]
			sort.Slice(list, func(a, b int) bool { return list[a].Scale < list[b].Scale })
			for _, which := range []string{"proxy outcome", "true goal"} {
				s := schema.Series{Label: v + ": " + which, Dashed: which == "true goal"}
				for _, iv := range withZero(list) {
					d := iv.Failure
					if which == "true goal" {
						d = iv.Success
					}
					s.X, s.Y = append(s.X, iv.Scale), append(s.Y, d.Treated)
					s.Low, s.High = append(s.Low, d.Base+d.Lo), append(s.High, d.Base+d.Hi)
				}
				c.Series = append(c.Series, s)
			}
		}
		out = append(out, schema.ChartFile{File: "steer_" + schema.SiteFileName(site) + ".png", Chart: c})
	}
	return out
}

// withZero adds the unedited point (scale 0, no change) to a steering
// curve.
func withZero(list []schema.Intervention) []schema.Intervention {
	z := list[0]
	z.Scale = 0
	for _, d := range []*schema.PairedDifference{&z.Failure, &z.Success} {
		d.Treated, d.Delta, d.Lo, d.Hi = d.Base, 0, 0, 0
	}
	out := append([]schema.Intervention{z}, list...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Scale < out[b].Scale })
	return out
}

// retargetCharts are, per site, the charts of the share of episodes
// reaching the goal and the proxy against the scale.
func retargetCharts(rts []schema.Retarget) []schema.ChartFile {
	var out []schema.ChartFile
	for _, rt := range rts {
		out = append(out, schema.ChartFile{File: "retarget_" + schema.SiteFileName(rt.Site) + ".png", Chart: retargetChart(rt)})
	}
	return out
}

// retargetChart plots the share of episodes reaching the target against
// the scale (log axis) for the goal channel and the control channel, with
// paired intervals, the unedited policy's share, and the observation-level
// retarget (the cheese drawn at the target) as the reference line.
func retargetChart(rt schema.Retarget) schema.Chart {
	c := schema.Chart{Title: rt.Site + ": retargeting on " + rt.Variant + " test levels", XLabel: "scale (multiples of the goal channel's rise)",
		YLabel: "episodes reaching the target (paired 95% CI)", LogX: true, HLine: math.NaN()}
	top := 0.0
	base := schema.Series{Label: "unedited policy", Dashed: true}
	for _, kind := range []string{"channel", "control"} {
		s := schema.Series{Label: kind, Dashed: kind == "control"}
		for _, t := range rt.Tests {
			if t.Kind != kind {
				continue
			}
			s.Label = fmt.Sprintf("%s %d", map[string]string{"channel": "goal channel", "control": "random channel"}[kind], t.Channel)
			d := t.Reached
			s.X, s.Y = append(s.X, t.Scale), append(s.Y, d.Treated)
			s.Low, s.High = append(s.Low, d.Base+d.Lo), append(s.High, d.Base+d.Hi)
			top = max(top, d.Base+d.Hi)
			if kind == "channel" {
				base.X, base.Y = append(base.X, t.Scale), append(base.Y, d.Base)
			}
		}
		if len(s.X) > 0 {
			c.Series = append(c.Series, s)
		}
	}
	if len(base.X) > 0 {
		c.Series = append(c.Series, base)
	}
	for _, t := range rt.Tests {
		if t.Kind == "observation" {
			c.HLine, c.HLineLabel = t.Reached.Treated, "cheese drawn at the target (no edit inside the policy)"
			top = max(top, t.Reached.Treated)
		}
	}
	c.YMin, c.YMax = 0, math.Min(1, 1.2*top+0.02)
	return c
}
