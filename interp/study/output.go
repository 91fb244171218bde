package study

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// writeLayer writes a site's markdown table and returns its Pareto and
// MDL charts.
func writeLayer(dir string, ls schema.LayerSummary) ([]schema.ChartFile, error) {
	name := fileSafe(ls.Site)
	if err := interp.WriteText(dir, name+".saes.md", layerMarkdown(ls)); err != nil {
		return nil, err
	}
	charts := layerCharts(ls)
	for i := range charts {
		charts[i].File = name + "." + charts[i].File
	}
	return charts, nil
}

// layerMarkdown renders a site's SAE sweep and features.
func layerMarkdown(ls schema.LayerSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nSAEs trained on %d rows of %d episodes, scored on %d rows of %d other episodes. KL is the policy's downstream KL(original ‖ spliced) in nats; DL is the description length in bits per activation (∞ when no precision keeps the KL within the tolerance).\n\n",
		ls.Site, ls.Rows.Train, ls.Rows.TrainEpisodes, ls.Rows.Held, ls.Rows.HeldEpisodes)
	var rows [][]string
	for _, s := range ls.SAEs {
		rows = append(rows, []string{s.Name, s.Training, fmt.Sprint(s.Latents), interp.G3(s.L0), interp.G3(s.FVU),
			interp.G3(s.KL), fmt.Sprint(s.Alive), fmt.Sprint(s.MDL.Bits), interp.G3(float64(s.MDL.DL))})
	}
	b.WriteString(interp.Table([]string{"SAE", "training", "latents", "L0", "FVU", "KL", "alive", "bits/value", "DL"}, rows))
	fmt.Fprintf(&b, "\nChosen by MDL: %s. %s\n", orNone(ls.Chosen), ls.ChosenNote)
	if ls.Goal != nil || ls.Proxy != nil || ls.FeatureNote != "" {
		fmt.Fprintf(&b, "\n## Features of %s\n\nScored on %d steps where the goal and the proxy are at least a tile apart; r is the partial correlation given the other role's matching concept, p the permutation p-value of the concept's strongest latent.\n\n", ls.Chosen, ls.Rows.Apart)
		var fr [][]string
		for _, f := range append(append([]schema.Feature(nil), ls.Goal...), ls.Proxy...) {
			auc := ""
			if f.AUC != nil {
				auc = interp.G3(*f.AUC)
			}
			fr = append(fr, []string{f.Role, fmt.Sprint(f.Latent), f.Concept, fmt.Sprintf("%+.3f", f.R), f.Control, auc, interp.G3(f.P)})
		}
		b.WriteString(interp.Table([]string{"role", "latent", "concept", "partial r", "given", "AUC", "p"}, fr))
		if ls.FeatureNote != "" {
			b.WriteString("\n" + ls.FeatureNote + "\n")
		}
	}
	return b.String()
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

// writeInterventions writes the interventions table and returns, per
// layer and steering vector, the charts of the failure and success rates
// against the scale.
func writeInterventions(dir string, ivs []schema.Intervention) ([]schema.ChartFile, error) {
	if len(ivs) == 0 {
		return nil, nil
	}
	var rows [][]string
	for _, iv := range ivs {
		rows = append(rows, []string{iv.Name, iv.Variant, pct(iv.Failure.Base), pct(iv.Failure.Treated), diff(iv.Failure),
			interp.G3(iv.PHolm), pct(iv.Success.Base), pct(iv.Success.Treated), diff(iv.Success)})
	}
	text := fmt.Sprintf("# Interventions\n\nPaired tests on the same %d test levels (disjoint from the levels features and vectors were chosen on), with and without each edit. Δ is treated − base with a paired-bootstrap 95%% interval; p is McNemar's exact test, Holm-adjusted over all %d tests.\n\n",
		ivs[0].Failure.N, len(ivs)) +
		interp.Table([]string{"intervention", "variant", "proxy base", "proxy treated", "Δ proxy [95% CI]", "p (Holm)", "goal base", "goal treated", "Δ goal [95% CI]"}, rows)
	if err := interp.WriteText(dir, "interventions.md", text); err != nil {
		return nil, err
	}
	return steeringCharts(ivs), nil
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
		out = append(out, schema.ChartFile{File: "steer_" + fileSafe(site) + ".png", Chart: c})
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

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func diff(d schema.PairedDifference) string {
	return fmt.Sprintf("%+.1f [%+.1f, %+.1f]", 100*d.Delta, 100*d.Lo, 100*d.Hi)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// polytopeMarkdown renders the polytope comparison.
func polytopeMarkdown(p *schema.Polytope) string {
	row := func(name string, s schema.NearestSummary) []string {
		return []string{name, fmt.Sprint(s.Samples), pct(s.Exact), interp.G3(s.Mean), interp.G3(s.Median), interp.G3(s.P90)}
	}
	return fmt.Sprintf("# Polytope codes\n\nEach step's code is the on/off pattern of all %d units of the ReLU layers %s. Distances are normalised Hamming distances to the nearest code of the in-distribution training episodes; held-out in-distribution episodes are the control. Distinct codes: %d in distribution, %d OOD; code changes per step: %.3f in distribution, %.3f OOD.\n\n",
		p.Bits, strings.Join(p.Layers, ", "), p.DistinctID, p.DistinctOOD, p.ChangeRateID, p.ChangeRateOOD) +
		interp.Table([]string{"steps", "count", "in a visited polytope", "mean distance", "median", "90th percentile"},
			[][]string{row("held-out in-distribution", p.HeldID), row("OOD", p.OOD)})
}

// bilinearMarkdown renders the eigenvalues of each analysed action.
func bilinearMarkdown(bs []schema.BilinearSpectrum) string {
	var rows [][]string
	for _, s := range bs {
		var ev []string
		for _, v := range s.Eigenvalues {
			ev = append(ev, fmt.Sprintf("%+.3g", v))
		}
		rows = append(rows, []string{fmt.Sprintf("%d %s", s.Action, s.Name), strings.Join(ev, ", "),
			pct(s.CumAbs[len(s.CumAbs)-1]), interp.G3(s.MaxError), s.Image})
	}
	return "# Bilinear logit forms\n\nEach row is one action's logit minus the mean logit, written exactly as a quadratic form over [observation; 1] and eigendecomposed. The check column is the largest difference between the form and the policy's forward pass on captured observations.\n\n" +
		interp.Table([]string{"action", "top eigenvalues", "share of Σ|λ|", "max |form − forward|", "figure"}, rows)
}

// writeRetarget writes retarget.md and returns, per site, the chart of
// the share of episodes reaching the goal and the proxy against the scale.
func writeRetarget(dir string, rts []schema.Retarget) ([]schema.ChartFile, error) {
	if len(rts) == 0 {
		return nil, nil
	}
	if err := interp.WriteText(dir, "retarget.md", retargetMarkdown(rts)); err != nil {
		return nil, err
	}
	var out []schema.ChartFile
	for _, rt := range rts {
		out = append(out, schema.ChartFile{File: "retarget_" + fileSafe(rt.Site) + ".png", Chart: retargetChart(rt)})
	}
	return out, nil
}

// retargetMarkdown renders each site's channel choice and paired tests.
func retargetMarkdown(rts []schema.Retarget) string {
	var b strings.Builder
	b.WriteString("# Retargeting (procgen-tools)\n\nA conv channel whose activation at the cheese's position rises when the cheese is shown rather than hidden (paired observations of the same states on the selection levels) is raised at the position of a target tile on every step, and the mouse's visits to that tile are compared with the unedited policy on the same test levels and action randomness. A window cell maps to the site position whose receptive-field centre is nearest. Δ is treated − base with a paired-bootstrap 95% interval; p is McNemar's exact test on reaching the target, Holm-adjusted together with the interventions.\n")
	for _, rt := range rts {
		fmt.Fprintf(&b, "\n## %s (%d×%d positions)\n\nChannels by mean rise at the cheese's position (shown − hidden), over %d pairs in %d selection episodes; ± is the standard error across episodes.\n\n",
			rt.Site, rt.Grid[0], rt.Grid[1], rt.Pairs, rt.Episodes)
		var cr [][]string
		for _, c := range rt.Channels {
			cr = append(cr, []string{fmt.Sprint(c.Channel), fmt.Sprintf("%+.3g ± %.2g", c.Rise, c.SE), interp.G3(c.Shown)})
		}
		b.WriteString(interp.Table([]string{"channel", "rise ± s.e.", "mean with cheese shown"}, cr))
		fmt.Fprintf(&b, "\nTarget: %s. The target is in view on %.1f%% of the unedited policy's steps; the edit acts on those only. Control: channel %d (drawn at random) with the same added value. The observation row draws the cheese at the target instead of its tile (when the target is in view) and edits nothing inside the policy. Variant %s.\n\n",
			rt.Target, 100*rt.InView, rt.Control, rt.Variant)
		var tr [][]string
		for _, t := range rt.Tests {
			ch, scale, value := fmt.Sprint(t.Channel), fmt.Sprintf("%g", t.Scale), interp.G3(t.Value)
			if t.Kind == "observation" {
				ch, scale, value = "cheese drawn at the target", "—", "—"
			}
			tr = append(tr, []string{t.Kind, ch, scale, value, pct(t.Reached.Base), pct(t.Reached.Treated),
				diff(t.Reached), interp.G3(t.PHolm), diff(t.Success), diff(t.Failure)})
		}
		b.WriteString(interp.Table([]string{"edit", "channel", "scale", "added", "reached base", "reached treated", "Δ reached [95% CI]", "p (Holm)", "Δ cheese [95% CI]", "Δ corner [95% CI]"}, tr))
	}
	return b.String()
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
