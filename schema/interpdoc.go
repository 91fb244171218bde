package schema

import (
	"fmt"
	"math"
	"strings"

	"github.com/misgen/misgen/schema/doc"
)

// InterpDocument is one of the interp stage's tables-and-prose documents,
// named by its file in interp/ (written there as Markdown).
type InterpDocument struct {
	File string // e.g. "fc.saes.md"
	Doc  doc.Doc
}

// Documents are the interp stage's documents, built from the summary
// alone: one per analysed layer ("<site>.saes.md"), then the
// interventions, retargeting, bilinear and polytope documents where the
// summary holds those results. The stage writes them and the report shows
// them, so both present the same data.
func (s *InterpSummary) Documents() []InterpDocument {
	var out []InterpDocument
	for _, ls := range s.Layers {
		out = append(out, InterpDocument{SiteFileName(ls.Site) + ".saes.md", ls.Document()})
	}
	if len(s.Interventions) > 0 {
		out = append(out, InterpDocument{"interventions.md", InterventionsDocument(s.Interventions)})
	}
	if len(s.Retarget) > 0 {
		out = append(out, InterpDocument{"retarget.md", RetargetDocument(s.Retarget)})
	}
	if len(s.Bilinear) > 0 {
		out = append(out, InterpDocument{"bilinear.md", BilinearDocument(s.Bilinear)})
	}
	if s.Polytope != nil {
		out = append(out, InterpDocument{"polytope.md", s.Polytope.Document()})
	}
	return out
}

// SiteFileName is a site's name ("stage1/pos") made fit for a file name
// ("stage1_pos"): path separators become underscores.
func SiteFileName(site string) string { return strings.ReplaceAll(site, "/", "_") }

// Document presents a site's SAE sweep, the MDL choice and, when scored,
// the chosen SAE's goal and proxy features.
func (ls LayerSummary) Document() doc.Doc {
	d := doc.Doc{
		doc.Heading{Level: 1, Text: ls.Site},
		doc.Paragraph{Text: fmt.Sprintf("SAEs trained on %d rows of %d episodes, scored on %d rows of %d other episodes. KL is the policy's downstream KL(original ‖ spliced) in nats; DL is the description length in bits per activation (∞ when no precision keeps the KL within the tolerance).",
			ls.Rows.Train, ls.Rows.TrainEpisodes, ls.Rows.Held, ls.Rows.HeldEpisodes)},
	}
	sweep := doc.Table{Header: []string{"SAE", "training", "latents", "L0", "FVU", "KL", "alive", "bits/value", "DL"}}
	for _, s := range ls.SAEs {
		sweep.Rows = append(sweep.Rows, []string{s.Name, s.Training, fmt.Sprint(s.Latents), doc.G3(s.L0), doc.G3(s.FVU),
			doc.G3(s.KL), fmt.Sprint(s.Alive), fmt.Sprint(s.MDL.Bits), descriptionLength(s.MDL.DL)})
	}
	chosen := ls.Chosen
	if chosen == "" {
		chosen = "none"
	}
	d = append(d, sweep, doc.Paragraph{Text: fmt.Sprintf("Chosen by MDL: %s. %s", chosen, ls.ChosenNote)})
	if ls.Goal == nil && ls.Proxy == nil && ls.FeatureNote == "" {
		return d
	}
	d = append(d, doc.Heading{Level: 2, Text: "Features of " + ls.Chosen},
		doc.Paragraph{Text: fmt.Sprintf("Scored on %d steps where the goal and the proxy are at least a tile apart; r is the partial correlation given the other role's matching concept, p the permutation p-value of the concept's strongest latent.", ls.Rows.Apart)})
	features := doc.Table{Header: []string{"role", "latent", "concept", "partial r", "given", "AUC", "p"}}
	for _, f := range append(append([]Feature(nil), ls.Goal...), ls.Proxy...) {
		auc := ""
		if f.AUC != nil {
			auc = doc.G3(*f.AUC)
		}
		features.Rows = append(features.Rows, []string{f.Role, fmt.Sprint(f.Latent), f.Concept, fmt.Sprintf("%+.3f", f.R), f.Control, auc, doc.G3(f.P)})
	}
	d = append(d, features)
	if ls.FeatureNote != "" {
		d = append(d, doc.Paragraph{Text: ls.FeatureNote})
	}
	return d
}

// InterventionsDocument presents the paired intervention tests; ivs must
// not be empty.
func InterventionsDocument(ivs []Intervention) doc.Doc {
	t := doc.Table{Header: []string{"intervention", "variant", "proxy base", "proxy treated", "Δ proxy [95% CI]", "p (Holm)", "goal base", "goal treated", "Δ goal [95% CI]"}}
	for _, iv := range ivs {
		t.Rows = append(t.Rows, []string{iv.Name, iv.Variant, percent(iv.Failure.Base), percent(iv.Failure.Treated), iv.Failure.interval(),
			doc.G3(iv.PHolm), percent(iv.Success.Base), percent(iv.Success.Treated), iv.Success.interval()})
	}
	return doc.Doc{
		doc.Heading{Level: 1, Text: "Interventions"},
		doc.Paragraph{Text: fmt.Sprintf("Paired tests on the same %d test levels (disjoint from the levels features and vectors were chosen on), with and without each edit. Δ is treated − base with a paired-bootstrap 95%% interval; p is McNemar's exact test, Holm-adjusted over all %d tests.",
			ivs[0].Failure.N, len(ivs))},
		t,
	}
}

// RetargetDocument presents each site's channel choice and paired
// retargeting tests.
func RetargetDocument(rts []Retarget) doc.Doc {
	d := doc.Doc{
		doc.Heading{Level: 1, Text: "Retargeting (procgen-tools)"},
		doc.Paragraph{Text: "A conv channel whose activation at the cheese's position rises when the cheese is shown rather than hidden (paired observations of the same states on the selection levels) is raised at the position of a target tile on every step, and the mouse's visits to that tile are compared with the unedited policy on the same test levels and action randomness. A window cell maps to the site position whose receptive-field centre is nearest. Δ is treated − base with a paired-bootstrap 95% interval; p is McNemar's exact test on reaching the target, Holm-adjusted together with the interventions."},
	}
	for _, rt := range rts {
		d = append(d, rt.document()...)
	}
	return d
}

// document is one site's section of the retargeting document.
func (rt Retarget) document() doc.Doc {
	channels := doc.Table{Header: []string{"channel", "rise ± s.e.", "mean with cheese shown"}}
	for _, c := range rt.Channels {
		channels.Rows = append(channels.Rows, []string{fmt.Sprint(c.Channel), fmt.Sprintf("%+.3g ± %.2g", c.Rise, c.SE), doc.G3(c.Shown)})
	}
	tests := doc.Table{Header: []string{"edit", "channel", "scale", "added", "reached base", "reached treated", "Δ reached [95% CI]", "p (Holm)", "Δ cheese [95% CI]", "Δ corner [95% CI]"}}
	for _, t := range rt.Tests {
		ch, scale, value := fmt.Sprint(t.Channel), fmt.Sprintf("%g", t.Scale), doc.G3(t.Value)
		if t.Kind == "observation" {
			ch, scale, value = "cheese drawn at the target", "—", "—"
		}
		tests.Rows = append(tests.Rows, []string{t.Kind, ch, scale, value, percent(t.Reached.Base), percent(t.Reached.Treated),
			t.Reached.interval(), doc.G3(t.PHolm), t.Success.interval(), t.Failure.interval()})
	}
	return doc.Doc{
		doc.Heading{Level: 2, Text: fmt.Sprintf("%s (%d×%d positions)", rt.Site, rt.Grid[0], rt.Grid[1])},
		doc.Paragraph{Text: fmt.Sprintf("Channels by mean rise at the cheese's position (shown − hidden), over %d pairs in %d selection episodes; ± is the standard error across episodes.", rt.Pairs, rt.Episodes)},
		channels,
		doc.Paragraph{Text: fmt.Sprintf("Target: %s. The target is in view on %.1f%% of the unedited policy's steps; the edit acts on those only. Control: channel %d (drawn at random) with the same added value. The observation row draws the cheese at the target instead of its tile (when the target is in view) and edits nothing inside the policy. Variant %s.",
			rt.Target, 100*rt.InView, rt.Control, rt.Variant)},
		tests,
	}
}

// BilinearDocument presents the eigenvalues of each analysed action's
// logit form; every spectrum must have at least one eigenvalue.
func BilinearDocument(bs []BilinearSpectrum) doc.Doc {
	t := doc.Table{Header: []string{"action", "top eigenvalues", "share of Σ|λ|", "max |form − forward|", "figure"}}
	for _, s := range bs {
		var ev []string
		for _, v := range s.Eigenvalues {
			ev = append(ev, fmt.Sprintf("%+.3g", v))
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%d %s", s.Action, s.Name), strings.Join(ev, ", "),
			percent(s.CumAbs[len(s.CumAbs)-1]), doc.G3(s.MaxError), s.Image})
	}
	return doc.Doc{
		doc.Heading{Level: 1, Text: "Bilinear logit forms"},
		doc.Paragraph{Text: "Each row is one action's logit minus the mean logit, written exactly as a quadratic form over [observation; 1] and eigendecomposed. The check column is the largest difference between the form and the policy's forward pass on captured observations."},
		t,
	}
}

// Document presents the polytope comparison of held-out in-distribution
// and OOD steps.
func (p *Polytope) Document() doc.Doc {
	row := func(name string, s NearestSummary) []string {
		return []string{name, fmt.Sprint(s.Samples), percent(s.Exact), doc.G3(s.Mean), doc.G3(s.Median), doc.G3(s.P90)}
	}
	return doc.Doc{
		doc.Heading{Level: 1, Text: "Polytope codes"},
		doc.Paragraph{Text: fmt.Sprintf("Each step's code is the on/off pattern of all %d units of the ReLU layers %s. Distances are normalised Hamming distances to the nearest code of the in-distribution training episodes; held-out in-distribution episodes are the control. Distinct codes: %d in distribution, %d OOD; code changes per step: %.3f in distribution, %.3f OOD.",
			p.Bits, strings.Join(p.Layers, ", "), p.DistinctID, p.DistinctOOD, p.ChangeRateID, p.ChangeRateOOD)},
		doc.Table{Header: []string{"steps", "count", "in a visited polytope", "mean distance", "median", "90th percentile"},
			Rows: [][]string{row("held-out in-distribution", p.HeldID), row("OOD", p.OOD)}},
	}
}

// percent formats a share in [0, 1] as a percentage with one decimal.
func percent(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// interval formats a paired difference in percentage points with its
// interval: "+1.2 [-0.5, +3.0]".
func (d PairedDifference) interval() string {
	return fmt.Sprintf("%+.1f [%+.1f, %+.1f]", 100*d.Delta, 100*d.Lo, 100*d.Hi)
}

// descriptionLength formats an SAE's description length: ∞ when no
// quantisation kept the KL within the tolerance. It is +Inf in a fresh
// summary and null (NaN) in one read back from summary.json, so both
// print as ∞.
func descriptionLength(dl Num) string {
	if v := float64(dl); math.IsInf(v, 0) || math.IsNaN(v) {
		return "∞"
	}
	return doc.G3(float64(dl))
}
