package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// whiteBox states what the interp stage's summary.json adds to the
// episodes: per layer the SAEs' quality, local vs end-to-end, the MDL
// choice, the strongest goal and proxy features and the polytope
// statistics; then the interventions and the bilinear spectra.
func whiteBox(in *interpOutputs, f Files) []finding {
	rel := f.rel(in.Dir)
	if !in.Exists || len(in.Files) == 0 {
		return []finding{{Text: template.HTML(fmt.Sprintf("Not available in this run: %s holds no outputs (interp.enabled = false, or the interp stage has not run). Without it nothing beyond the episodes is known.", code(rel+"/"))), Source: rel}}
	}
	src := rel + "/" + SummaryJSON
	s := in.Summary
	if s == nil {
		return []finding{{Text: template.HTML(fmt.Sprintf("Not available in this run: %s holds outputs but no %s (the interp stage did not finish), so its findings cannot be summarised; the files are shown under Internals.", code(rel+"/"), code(SummaryJSON))), Source: src}}
	}
	var out []finding
	add := func(format string, args ...any) {
		out = append(out, finding{Text: template.HTML(fmt.Sprintf(format, args...)), Source: src})
	}
	if len(s.Layers) == 0 {
		add("The interp stage analysed no layer.")
	}
	for _, l := range s.Layers {
		for _, text := range layerFindings(l) {
			add("%s", text)
		}
	}
	for _, text := range interventionFindings(s.Interventions) {
		add("%s", text)
	}
	if len(s.Bilinear) > 0 {
		add("%s", bilinearFinding(s.Bilinear))
	}
	return out
}

// g3 formats x with three significant digits.
func g3(x float64) string { return fmt.Sprintf("%.3g", x) }

// layerFindings are the sentences about one analysed layer.
func layerFindings(l InterpLayer) []string {
	layer := code(l.Layer)
	var out []string
	if len(l.SAEs) > 0 {
		var parts []string
		for _, m := range l.SAEs {
			p := fmt.Sprintf("%s FVU %s at L0 %s, %s dead, downstream KL %s nats", code(m.Name), g3(m.FVU), g3(m.L0), pct(m.DeadFraction), g3(m.DownstreamKL))
			if e := m.Spliced; e.Episodes > 0 {
				p += fmt.Sprintf(" (spliced in: goal %d/%d, proxy %d/%d episodes)", e.Successes, e.Episodes, e.Proxy, e.Episodes)
			}
			parts = append(parts, p)
		}
		out = append(out, fmt.Sprintf("Sparse autoencoders on %s (held-out activations, %d samples): %s.", layer, l.SAEs[0].Samples, strings.Join(parts, "; ")))
	}
	for _, c := range l.Comparisons {
		matched := "at matched L0 " + g3(c.Local.L0)
		if math.Abs(c.Local.L0-c.E2E.L0) > 0.1*math.Max(c.Local.L0, 1) {
			matched = fmt.Sprintf("at L0 %s (local) vs %s (e2e)", g3(c.Local.L0), g3(c.E2E.L0))
		}
		s := fmt.Sprintf("Local vs end-to-end SAE on %s, %d latents %s: downstream KL %s (local) vs %s (e2e) nats, FVU %s vs %s",
			layer, c.Latents, matched, g3(c.Local.KL), g3(c.E2E.KL), g3(c.Local.FVU), g3(c.E2E.FVU))
		switch {
		case c.E2E.KL < c.Local.KL && c.E2E.FVU > c.Local.FVU:
			s += fmt.Sprintf(": the end-to-end SAE keeps the policy's output %s× closer while reconstructing less of the activations, so much of the variance the local SAE explains does not matter to the policy.", g3(c.Local.KL/math.Max(c.E2E.KL, 1e-300)))
		case c.E2E.KL < c.Local.KL:
			s += ": the end-to-end SAE is better on both counts."
		default:
			s += ": end-to-end training did not lower the downstream KL here."
		}
		out = append(out, s)
	}
	if m, ok := chosenMDL(l); ok {
		s := fmt.Sprintf("MDL chose %s on %s: %s bits per activation (%s index bits + %s value bits at %d bit(s) per value) within the KL tolerance of %s nats",
			code(m.Name), layer, g3(m.DL), g3(m.IndexBits), g3(m.ValueBits), m.Bits, g3(m.Tolerance))
		if n := feasible(l.MDL); n > 1 {
			s += fmt.Sprintf(", the shortest of %d feasible dictionaries", n)
		}
		out = append(out, s+"; the features below are its latents.")
	} else if l.Chosen != "" {
		out = append(out, fmt.Sprintf("MDL on %s: %s — no dictionary met the KL tolerance, so the features below come from a dictionary that changes the policy's behaviour.", layer, html.EscapeString(l.Chosen)))
	}
	out = append(out, featureFindings(l)...)
	if p := l.Polytope; p != nil && p.B.Samples > 0 {
		where := "most OOD steps put the layer in sign patterns (linear regions) never seen in the captured in-distribution steps"
		if p.BInA >= 0.5 {
			where = "most OOD steps run through linear regions the layer already used in distribution"
		}
		out = append(out, fmt.Sprintf("ReLU sign-pattern (polytope) codes at %s: %d distinct codes in %d in-distribution steps, %d in %d OOD steps; <b>%s</b> of the OOD steps fall in a region seen in distribution, so %s.",
			layer, p.A.Distinct, p.A.Samples, p.B.Distinct, p.B.Samples, pct(p.BInA), where))
	}
	return out
}

// chosenMDL is the MDL result of the layer's chosen SAE.
func chosenMDL(l InterpLayer) (MDLResult, bool) {
	for _, m := range l.MDL {
		if m.Name == l.Chosen && m.Feasible {
			return m, true
		}
	}
	return MDLResult{}, false
}

func feasible(ms []MDLResult) int {
	n := 0
	for _, m := range ms {
		if m.Feasible {
			n++
		}
	}
	return n
}

// association renders a feature–concept association with its statistic.
func association(c FeatureConcept) string {
	stat := fmt.Sprintf("r = %.2f", c.Pearson)
	if c.AUC != nil {
		stat = fmt.Sprintf("AUC %.3f, r = %.2f", *c.AUC, c.Pearson)
	}
	return fmt.Sprintf("latent %d ~ %s (%s, strength %.2f)", c.Latent, code(c.Concept), stat, c.Strength)
}

// featureFindings names the strongest goal and proxy features of the
// chosen SAE and says whether they are the same latents.
func featureFindings(l InterpLayer) []string {
	layer := code(l.Layer)
	if len(l.TopGoal) == 0 && len(l.TopProxy) == 0 {
		return []string{fmt.Sprintf("Feature–concept associations on %s: none recorded (the game reports no goal or proxy concepts).", layer)}
	}
	var out []string
	list := func(fs []FeatureConcept) string {
		var parts []string
		for _, c := range fs[:min(3, len(fs))] {
			parts = append(parts, association(c))
		}
		return strings.Join(parts, "; ")
	}
	for _, x := range []struct {
		role string
		fs   []FeatureConcept
	}{{"goal", l.TopGoal}, {"proxy", l.TopProxy}} {
		if len(x.fs) == 0 {
			out = append(out, fmt.Sprintf("No latent of %s is associated with a %s concept.", layer, x.role))
			continue
		}
		out = append(out, fmt.Sprintf("Strongest %s-concept features of %s on %s (over the captured steps of all variants): %s.", x.role, code(l.Chosen), layer, list(x.fs)))
	}
	if len(l.TopGoal) == 0 || len(l.TopProxy) == 0 {
		return out
	}
	g, p := l.TopGoal[0], l.TopProxy[0]
	cmp := fmt.Sprintf("The proxy is represented more strongly than the goal (strength %.2f vs %.2f)", p.Strength, g.Strength)
	if g.Strength >= p.Strength {
		cmp = fmt.Sprintf("The goal is represented at least as strongly as the proxy (strength %.2f vs %.2f)", g.Strength, p.Strength)
	}
	switch shared := sharedLatents(l.TopGoal, l.TopProxy); {
	case g.Latent == p.Latent:
		cmp += fmt.Sprintf("; the top goal and the top proxy feature are the same latent %d, so this dictionary does not separate the goal from the proxy (and ablating the top goal latent is the same edit as ablating the top proxy latent)", g.Latent)
	case len(shared) > 0:
		cmp += fmt.Sprintf("; latent(s) %s appear among both the top goal and the top proxy features, so this dictionary separates the goal from the proxy only partly", strings.Join(shared, ", "))
	}
	return append(out, cmp+".")
}

// sharedLatents lists the latents in both lists, in a's order.
func sharedLatents(a, b []FeatureConcept) []string {
	inB := map[int]bool{}
	for _, c := range b {
		inB[c.Latent] = true
	}
	seen := map[int]bool{}
	var out []string
	for _, c := range a {
		if inB[c.Latent] && !seen[c.Latent] {
			seen[c.Latent] = true
			out = append(out, fmt.Sprint(c.Latent))
		}
	}
	return out
}

// interventionFindings compare each intervention's failure (proxy) and
// success rates with and without it.
func interventionFindings(ivs []Intervention) []string {
	if len(ivs) == 0 {
		return []string{"Interventions: not available in this run (interp.interventions is off, or there is no OOD variant to intervene on)."}
	}
	var out []string
	steered := false
	for _, iv := range ivs {
		if strings.Contains(iv.Name, "goal vector") {
			steered = true
		}
		verdict := "the failure intervals overlap, so this sample does not show an effect"
		if !iv.BaseFailure.Overlaps(iv.TreatedFailure) {
			verdict = "the failure intervals do not overlap: a causal handle on the failure that episodes alone could not reveal"
		}
		out = append(out, fmt.Sprintf("Intervention %s on %s moved the proxy (failure) rate from %s to <b>%s</b> (%+.1f points) and the goal rate from %s to %s (%+.1f points); %s.",
			code(iv.Name), code(iv.Variant),
			html.EscapeString(iv.BaseFailure.Percent()), html.EscapeString(iv.TreatedFailure.Percent()), 100*iv.FailureChange,
			html.EscapeString(iv.BaseSuccess.Percent()), html.EscapeString(iv.TreatedSuccess.Percent()), 100*iv.SuccessChange, verdict))
	}
	if !steered {
		out = append(out, "No goal-vector steering in this run: the goal vector is the mean activation with the goal visible minus the mean with it hidden, and the stage writes none when the captured steps lack one of the two (e.g. the goal is always visible; see the run log).")
	}
	return out
}

// bilinearFinding summarises the eigenvalue spectra: how many
// eigenvectors carry 90% of each direction's interaction.
func bilinearFinding(bs []BilinearSpectrum) string {
	var parts []string
	for _, b := range bs {
		sp := b.Spectrum
		if len(sp.Values) == 0 {
			parts = append(parts, html.EscapeString(b.Direction)+": empty spectrum")
			continue
		}
		n := len(sp.CumSq)
		for i, c := range sp.CumSq {
			if c >= 0.9 {
				n = i + 1
				break
			}
		}
		top := math.NaN()
		if len(sp.CumSq) > 0 {
			top = sp.CumSq[0]
		}
		parts = append(parts, fmt.Sprintf("%s: λ₁ = %s carries %s of Σλ², %d of %d eigenvalues reach 90%%",
			html.EscapeString(b.Direction), g3(sp.Values[0]), pct(top), n, len(sp.Values)))
	}
	return "Bilinear layer eigen-analysis (each action's logit minus the mean logit as a quadratic form of the embedding): " + strings.Join(parts, "; ") +
		". Few eigenvalues carrying most of Σλ² means the action depends on a few input patterns, shown as images under Internals."
}
