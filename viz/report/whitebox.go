package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/misgen/misgen/schema"
)

// whiteBox states what the interp stage's summary adds to the episodes,
// findings first: which latents are specific to the goal and to the proxy,
// which edits of the policy's internals changed its OOD behaviour on held
// out test levels, and what the SAE sweep, the bilinear forms and the
// polytope codes show.
// audited says the audit's statistics already added something beyond the
// episodes (the explanations that lead the findings).
func whiteBox(in *interpOutputs, f Files, audited bool) []finding {
	rel := f.rel(in.Dir)
	if !in.Exists || len(in.Files) == 0 {
		beyond := " Without it nothing beyond the episodes is known."
		if audited {
			beyond = " Beyond the audit's statistics above, nothing about the internals is known."
		}
		return []finding{{Text: template.HTML(fmt.Sprintf("Not available in this run: %s holds no outputs (interp.enabled = false, or the interp stage has not run).%s", code(rel+"/"), beyond)), Source: rel}}
	}
	src := rel + "/" + schema.InterpSummaryJSON
	s := in.Summary
	if s == nil {
		return []finding{{Text: template.HTML(fmt.Sprintf("Not available in this run: %s holds outputs but no %s (the interp stage did not finish), so its findings cannot be summarised; the files are shown under Internals.", code(rel+"/"), code(schema.InterpSummaryJSON))), Source: src}}
	}
	var out []finding
	add := func(text string) { out = append(out, finding{Text: template.HTML(text), Source: src}) }
	add(fmt.Sprintf("Everything below was chosen on the selection levels %s and tested on the disjoint test levels %s.",
		levelRange(s.Levels.Selection), levelRange(s.Levels.Test)))
	for _, l := range s.Layers {
		add(featureFinding(l))
	}
	for _, text := range interventionFindings(s.Interventions) {
		add(text)
	}
	for _, l := range s.Layers {
		add(sweepFinding(l))
	}
	if len(s.Bilinear) > 0 {
		add(bilinearFinding(s.Bilinear))
	}
	if p := s.Polytope; p != nil {
		add(polytopeFinding(p))
	}
	return out
}

func levelRange(r [2]uint64) string { return fmt.Sprintf("[%d, %d)", r[0], r[1]) }

// g3 formats x with three significant digits.
func g3(x float64) string { return fmt.Sprintf("%.3g", x) }

// featureFinding names the latents specific to the goal and to the proxy
// at a flat site, or says plainly that there are none.
func featureFinding(l schema.LayerSummary) string {
	site := code(l.Site)
	if l.Goal == nil && l.Proxy == nil && l.FeatureNote == "" {
		return fmt.Sprintf("%s is read per position; its latents are not scored against per-sample concepts.", site)
	}
	list := func(fs []schema.Feature) string {
		var parts []string
		for _, f := range fs[:min(3, len(fs))] {
			parts = append(parts, fmt.Sprintf("latent %d (%s, partial r %+.2f given %s, p %s)", f.Latent, code(f.Concept), f.R, code(f.Control), g3(f.P)))
		}
		return strings.Join(parts, "; ")
	}
	text := fmt.Sprintf("Features of %s on %s, scored on the %d captured steps where the goal and the proxy are apart:", code(l.Chosen), site, l.Rows.Apart)
	if len(l.Goal) > 0 {
		text += " <b>goal-specific</b> " + list(l.Goal) + "."
	}
	if len(l.Proxy) > 0 {
		text += " <b>proxy-specific</b> " + list(l.Proxy) + "."
	}
	if l.FeatureNote != "" {
		text += " " + template.HTMLEscapeString(l.FeatureNote)
	}
	return text
}

// interventionFindings report the tests whose effect on the proxy outcome
// survived the Holm correction, and the strongest steering effect.
func interventionFindings(ivs []schema.Intervention) []string {
	if len(ivs) == 0 {
		return []string{"Interventions: not available in this run (interp.interventions is off, there is no OOD variant, or no feature or vector was found to edit)."}
	}
	var sig []string
	for _, iv := range ivs {
		if iv.PHolm <= 0.05 {
			sig = append(sig, fmt.Sprintf("%s moved the proxy outcome %s → %s (Δ %s, Holm p %s) and the true goal %s → %s",
				code(iv.Name), pct(iv.Failure.Base), pct(iv.Failure.Treated), deltaText(iv.Failure), g3(iv.PHolm),
				pct(iv.Success.Base), pct(iv.Success.Treated)))
		}
	}
	head := fmt.Sprintf("%d paired interventions on %d test levels of %s", len(ivs), ivs[0].Failure.N, code(ivs[0].Variant))
	if len(sig) == 0 {
		return []string{head + ": <b>none</b> changed the proxy outcome significantly after Holm correction (p ≤ 0.05); the table and the steering curves under Internals give every effect with its paired interval."}
	}
	return []string{head + ": " + strings.Join(sig, "; ") + "."}
}

// deltaText renders a paired difference in points with its interval.
func deltaText(d schema.PairedDifference) string {
	return fmt.Sprintf("%+.1f [%+.1f, %+.1f] points", 100*d.Delta, 100*d.Lo, 100*d.Hi)
}

// sweepFinding summarises a site's SAE sweep: the MDL choice and how end
// to end training compares with local training at matched L0.
func sweepFinding(l schema.LayerSummary) string {
	site := code(l.Site)
	text := fmt.Sprintf("%d SAEs at %s (trained on %d episodes, scored on %d others).", len(l.SAEs), site, l.Rows.TrainEpisodes, l.Rows.HeldEpisodes)
	for _, s := range l.SAEs {
		if s.Name == l.Chosen {
			text += fmt.Sprintf(" MDL chose %s: %s bits per activation at L0 %s, downstream KL %s nats.", code(s.Name), g3(float64(s.MDL.DL)), g3(s.L0), g3(s.KL))
		}
	}
	if l.ChosenNote != "" {
		text += " " + template.HTMLEscapeString(l.ChosenNote) + "."
	}
	better, pairs := 0, 0
	local := map[string]schema.SAEResult{}
	for _, s := range l.SAEs {
		if s.Training == "local" {
			local[fmt.Sprint(s.Latents, s.TargetL0)] = s
		}
	}
	for _, s := range l.SAEs {
		if lo, ok := local[fmt.Sprint(s.Latents, s.TargetL0)]; ok && s.Training == "e2e" {
			pairs++
			if s.KL < lo.KL {
				better++
			}
		}
	}
	if pairs > 0 {
		text += fmt.Sprintf(" End-to-end SAEs kept the policy's output closer than local ones at the same size and L0 in %d of %d pairs (Pareto curves under Internals).", better, pairs)
	}
	return text
}

// bilinearFinding summarises the eigenvalue spectra of the logit forms.
func bilinearFinding(bs []schema.BilinearSpectrum) string {
	var parts []string
	worst := 0.0
	for _, b := range bs {
		worst = math.Max(worst, b.MaxError)
		if len(b.Eigenvalues) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: top eigenvalue %s, top %d carry %s of Σ|λ|", code(fmt.Sprintf("%d %s", b.Action, b.Name)),
			g3(b.Eigenvalues[0]), len(b.CumAbs), pct(b.CumAbs[len(b.CumAbs)-1])))
	}
	return fmt.Sprintf("Bilinear policy: each analysed action's logit minus the mean logit is exactly a quadratic form over [observation; 1] (largest difference from the forward pass %s); %s. The eigenvector grids under Internals show which observation channels and cells each term reads.",
		g3(worst), strings.Join(parts, "; "))
}

// polytopeFinding compares how far OOD steps land from the visited
// polytopes with how far held-out in-distribution steps do.
func polytopeFinding(p *schema.Polytope) string {
	return fmt.Sprintf("Polytope codes over all %d ReLU units (%s): %s of OOD steps lie in a polytope the in-distribution episodes visited, against %s of held-out in-distribution steps; median nearest Hamming distance %s vs %s.",
		p.Bits, template.HTMLEscapeString(strings.Join(p.Layers, ", ")), pct(p.OOD.Exact), pct(p.HeldID.Exact), g3(p.OOD.Median), g3(p.HeldID.Median))
}
