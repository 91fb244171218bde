package stage

import (
	"fmt"
	"strings"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
)

// pooled concatenates every variant's rows of one layer.
type pooled struct {
	acts     interp.Matrix
	obs      interp.Observations
	concepts []interp.Concept
	episodes []int32
	ood      []bool
}

func poolLayer(layer string, caps []*capturedVariant) pooled {
	var p pooled
	for _, c := range caps {
		st := c.stores[layer]
		if p.acts.Cols == 0 {
			p.acts.Cols, p.obs.Cols, p.obs.Shape = st.Acts.Cols, c.obs.Cols, c.obs.Shape
		}
		p.acts.Data = append(p.acts.Data, st.Acts.Data...)
		p.acts.Rows += st.Acts.Rows
		p.obs.Data = append(p.obs.Data, c.obs.Data...)
		p.obs.Rows += c.obs.Rows
		cs := c.truth.Concepts()
		if p.concepts == nil {
			p.concepts = cs
		} else {
			for i := range cs {
				p.concepts[i].Values = append(p.concepts[i].Values, cs[i].Values...)
			}
		}
		p.episodes = append(p.episodes, c.truth.Episodes()...)
		for range c.truth.Steps {
			p.ood = append(p.ood, c.v.OOD)
		}
	}
	return p
}

// split holds out every fifth row.
func (p pooled) split() (trainActs, heldActs interp.Matrix, heldObs interp.Observations) {
	var tr, he []int
	for i := 0; i < p.acts.Rows; i++ {
		if i%5 == 0 {
			he = append(he, i)
		} else {
			tr = append(tr, i)
		}
	}
	return p.acts.SubRows(tr), p.acts.SubRows(he), interp.Observations{Matrix: p.obs.SubRows(he), Shape: p.obs.Shape}
}

func analyseLayer(model interp.ModelFunc, rollout interp.RolloutFunc, freeze []torch.Named, o Options, layer string,
	caps []*capturedVariant) (LayerSummary, []interp.InterventionResult, error) {
	ls := LayerSummary{Layer: layer}
	p := poolLayer(layer, caps)
	if p.acts.Rows < 10 {
		return ls, nil, fmt.Errorf("only %d captured rows", p.acts.Rows)
	}
	train, held, heldObs := p.split()
	spliceVariant := o.Variants[0].Name
	for _, v := range o.Variants {
		if v.OOD {
			spliceVariant = v.Name
			break
		}
	}
	type named struct {
		name string
		m    *interp.SAE
	}
	var saes []named
	defer func() {
		for _, s := range saes {
			s.m.Free()
		}
	}()
	score := func(name string, m *interp.SAE) error {
		mt, err := interp.Evaluate(m, held)
		if err != nil {
			return err
		}
		kl, err := interp.DownstreamKL(model, interp.SpliceHook(layer, m, false), heldObs)
		if err != nil {
			return err
		}
		ep, err := rollout(spliceVariant, interp.SpliceHook(layer, m, false))
		if err != nil {
			return err
		}
		nm := interp.NamedMetrics{Name: name, Metrics: mt, DownstreamKL: kl, Spliced: ep}
		ls.SAEs = append(ls.SAEs, nm)
		saes = append(saes, named{name, m})
		objective, _, _ := strings.Cut(name, "-")
		return m.WriteFile(interp.SAEPath(o.OutDir, layer, name), interp.SAEFileInfo{Layer: layer, Name: name, Objective: objective, Metrics: &nm})
	}
	for i, size := range o.SAE.Sizes {
		cfg := interp.SAEConfig{Kind: o.SAE.Kind, DIn: p.acts.Cols, Latents: size, K: min(o.SAE.K, size), L1: o.SAE.L1}
		revival := interp.AuxK
		if cfg.Kind == interp.ReLUL1 {
			revival = interp.Resample
		}
		local, err := interp.NewSAE(cfg, train.ColMeans(), o.Seed+uint64(i))
		if err != nil {
			return ls, nil, err
		}
		if _, err := interp.Train(local, train, interp.TrainOptions{Steps: o.SAE.Steps, BatchSize: o.SAE.BatchSize, LR: o.SAE.LR,
			Seed: o.Seed + uint64(i), Revival: revival}); err != nil {
			local.Free()
			return ls, nil, err
		}
		if err := score(fmt.Sprintf("local-%d", size), local); err != nil {
			local.Free()
			return ls, nil, err
		}
		o.Log("interp: %s local SAE %d trained", layer, size)
		if !o.SAE.EndToEnd {
			continue
		}
		e2e, err := interp.NewSAE(cfg, train.ColMeans(), o.Seed+uint64(i))
		if err != nil {
			return ls, nil, err
		}
		if _, err := interp.TrainE2E(e2e, model, layer, p.obs, interp.E2EOptions{Steps: o.SAE.Steps, BatchSize: min(o.SAE.BatchSize, 256),
			LR: o.SAE.LR, Seed: o.Seed + uint64(i), Freeze: freeze}); err != nil {
			e2e.Free()
			return ls, nil, err
		}
		if err := score(fmt.Sprintf("e2e-%d", size), e2e); err != nil {
			e2e.Free()
			return ls, nil, err
		}
		cmp, err := interp.Compare(local, e2e, model, layer, held, heldObs)
		if err != nil {
			return ls, nil, err
		}
		ls.Comparisons = append(ls.Comparisons, cmp)
	}
	for _, s := range saes {
		codes, err := interp.Codes(s.m, held)
		if err != nil {
			return ls, nil, err
		}
		r, err := interp.DescriptionLength(s.m, codes, model, layer, heldObs, interp.MDLOptions{Tolerance: o.MDLTolerance})
		if err != nil {
			return ls, nil, err
		}
		r.Name = s.name
		ls.MDL = append(ls.MDL, r)
	}
	best := interp.BestMDL(ls.MDL)
	if best < 0 {
		best = 0 // no interp.SAE within tolerance: analyse the first, and say so in the summary
		ls.Chosen = saes[0].name + " (no SAE within the KL tolerance)"
	} else {
		ls.Chosen = saes[best].name
	}
	chosen := saes[best].m
	codes, err := interp.Codes(chosen, p.acts)
	if err != nil {
		return ls, nil, err
	}
	assoc, err := interp.Correlate(codes, p.concepts)
	if err != nil {
		return ls, nil, err
	}
	ls.TopGoal = interp.TopAssociations(assoc, interp.RoleGoal, 5)
	ls.TopProxy = interp.TopAssociations(assoc, interp.RoleProxy, 5)
	if err := writeLayerTables(o.OutDir, ls); err != nil {
		return ls, nil, err
	}
	obsShape := [3]int{int(p.obs.Shape[0]), int(p.obs.Shape[1]), int(p.obs.Shape[2])}
	for _, top := range []struct {
		tag string
		fc  []interp.FeatureConcept
	}{{"goal", ls.TopGoal}, {"proxy", ls.TopProxy}} {
		if len(top.fc) == 0 {
			continue
		}
		rows := interp.TopActivating(codes, top.fc[0].Latent, 8)
		if len(rows) == 0 {
			continue
		}
		var panels [][]float32
		for _, r := range rows {
			panels = append(panels, p.obs.Row(r))
		}
		img, err := interp.HeatmapGrid(panels, obsShape, 4)
		if err != nil {
			return ls, nil, err
		}
		if err := interp.WritePNG(o.OutDir, fmt.Sprintf("%s.top_%s_feature_%d.png", layer, top.tag, top.fc[0].Latent), img); err != nil {
			return ls, nil, err
		}
	}
	if o.Polytope {
		var idCodes, oodCodes []uint64
		var idEp, oodEp []int32
		all := interp.SignCodes(p.acts)
		for i, c := range all {
			if p.ood[i] {
				oodCodes, oodEp = append(oodCodes, c), append(oodEp, p.episodes[i])
			} else {
				idCodes, idEp = append(idCodes, c), append(idEp, p.episodes[i])
			}
		}
		cmp, err := interp.ComparePolytopes(idCodes, idEp, oodCodes, oodEp)
		if err != nil {
			return ls, nil, err
		}
		ls.Polytope = &cmp
		if err := interp.WriteText(o.OutDir, layer+".polytope.md", interp.PolytopeTable(layer, cmp, "ID", "OOD")); err != nil {
			return ls, nil, err
		}
	}
	if !o.Interventions {
		return ls, nil, nil
	}
	ivs, err := layerInterventions(rollout, o, layer, chosen, ls, p)
	return ls, ivs, err
}

func writeLayerTables(dir string, ls LayerSummary) error {
	files := map[string]string{
		ls.Layer + ".sae.md":      interp.MetricsTable(ls.SAEs),
		ls.Layer + ".mdl.md":      interp.MDLTable(ls.MDL) + "\nChosen: " + ls.Chosen + "\n",
		ls.Layer + ".features.md": "Top goal features\n\n" + interp.AssociationsTable(ls.TopGoal) + "\nTop proxy features\n\n" + interp.AssociationsTable(ls.TopProxy),
	}
	if len(ls.Comparisons) > 0 {
		files[ls.Layer+".local_vs_e2e.md"] = interp.ComparisonTable(ls.Comparisons)
		if err := interp.WriteJSON(dir, ls.Layer+".local_vs_e2e.json", ls.Comparisons); err != nil {
			return err
		}
	}
	for name, text := range files {
		if err := interp.WriteText(dir, name, text); err != nil {
			return err
		}
	}
	return nil
}

// layerInterventions ablates the top goal and proxy latents and steers
// along ± the goal vector (goal visible minus not) on every OOD variant.
func layerInterventions(rollout interp.RolloutFunc, o Options, layer string, m *interp.SAE, ls LayerSummary, p pooled) ([]interp.InterventionResult, error) {
	type iv struct {
		name string
		hook interp.Hook
	}
	var ivs []iv
	if len(ls.TopGoal) > 0 {
		j := ls.TopGoal[0].Latent
		ivs = append(ivs, iv{fmt.Sprintf("%s: ablate goal latent %d", layer, j), interp.EditHook(layer, m, []interp.LatentEdit{{Latent: j}})})
	}
	if len(ls.TopProxy) > 0 {
		j := ls.TopProxy[0].Latent
		ivs = append(ivs, iv{fmt.Sprintf("%s: ablate proxy latent %d", layer, j), interp.EditHook(layer, m, []interp.LatentEdit{{Latent: j}})})
	}
	var visible []bool
	for _, c := range p.concepts {
		if c.Name == "goal_visible" {
			for _, v := range c.Values {
				visible = append(visible, v > 0.5)
			}
		}
	}
	if vec, err := interp.GoalVector(p.acts, visible); err == nil {
		for _, sign := range []float64{1, -1} {
			ivs = append(ivs, iv{fmt.Sprintf("%s: goal vector × %+g", layer, sign*o.SteerScale), interp.SteerHook(layer, vec, sign*o.SteerScale)})
		}
	} else {
		o.Log("interp: %s: no goal vector: %v", layer, err)
	}
	var out []interp.InterventionResult
	for _, v := range o.Variants {
		if !v.OOD {
			continue
		}
		for _, x := range ivs {
			r, err := interp.RunIntervention(x.name, v.Name, rollout, x.hook, o.Interval)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// analyseBilinear eigendecomposes the bilinear block's interaction matrix
// for every action's logit relative to the mean logit (softmax ignores a
// shift shared by all logits, so only these differences steer the
// policy). The analysis is exact in the embedding space e the block reads;
// the images show each top eigenvector v pulled back to the observation
// layout as Aᵀv (A = "embed.w"), the observation pattern whose embedding
// points along v.
func analyseBilinear(p agents.Policy, o Options) ([]BilinearSummary, error) {
	byName := map[string]*torch.Tensor{}
	for _, n := range p.Params() {
		byName[n.Name] = n.Tensor
	}
	get := func(name string) (interp.Matrix, error) {
		t, ok := byName[name]
		if !ok {
			return interp.Matrix{}, fmt.Errorf("bilinear analysis: policy has no parameter %q", name)
		}
		return interp.MatrixOf(t)
	}
	w, err := get("bilinear.w")
	if err != nil {
		return nil, err
	}
	v, err := get("bilinear.v")
	if err != nil {
		return nil, err
	}
	actor, err := get("actor.w")
	if err != nil {
		return nil, err
	}
	embed, err := get("embed.w")
	if err != nil {
		return nil, err
	}
	io := p.IO()
	names := make([]string, actor.Rows)
	if g, err := lookupActionNames(o); err == nil && len(g) == actor.Rows {
		names = g
	}
	var out []BilinearSummary
	text := ""
	for a := 0; a < actor.Rows; a++ {
		u := make([]float64, actor.Cols)
		for k := range u {
			var mean float64
			for b := 0; b < actor.Rows; b++ {
				mean += float64(actor.Data[b*actor.Cols+k])
			}
			u[k] = float64(actor.Data[a*actor.Cols+k]) - mean/float64(actor.Rows)
		}
		q, err := interp.InteractionMatrix(w, v, u)
		if err != nil {
			return nil, err
		}
		sp, err := interp.Eigen(q)
		if err != nil {
			return nil, err
		}
		dir := fmt.Sprintf("action %d %s − mean", a, names[a])
		out = append(out, BilinearSummary{Direction: dir, Spectrum: sp})
		text += interp.SpectrumTable(dir, sp, 8) + "\n"
		var panels [][]float32
		for i := 0; i < min(4, len(sp.Vectors)); i++ {
			panels = append(panels, pullBack(embed, sp.Vectors[i]))
		}
		img, err := interp.HeatmapGrid(panels, io.ObsShape, 4)
		if err != nil {
			return nil, err
		}
		if err := interp.WritePNG(o.OutDir, fmt.Sprintf("bilinear.action%d.png", a), img); err != nil {
			return nil, err
		}
	}
	return out, interp.WriteText(o.OutDir, "bilinear.md", text)
}

// pullBack returns Aᵀv for A [hidden, obs].
func pullBack(a interp.Matrix, v []float64) []float32 {
	out := make([]float32, a.Cols)
	for k := 0; k < a.Rows; k++ {
		for i := 0; i < a.Cols; i++ {
			out[i] += float32(v[k] * float64(a.Data[k*a.Cols+i]))
		}
	}
	return out
}

func lookupActionNames(o Options) ([]string, error) {
	g, err := envs.Lookup(o.Game)
	if err != nil {
		return nil, err
	}
	spec, err := g.Spec(g.NewConfig(), o.Obs)
	return spec.ActionName, err
}
