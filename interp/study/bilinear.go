package study

import (
	"fmt"
	"math"
	"sort"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/schema"
)

// bilinearActions is how many of the most taken actions get a figure.
const bilinearActions = 4

// bilinearPolicyOf reads a bilinear policy's weights.
func bilinearPolicyOf(p agents.Policy) (interp.BilinearPolicy, error) {
	byName := map[string]*torch.Tensor{}
	for _, n := range p.Params() {
		byName[n.Name] = n.Tensor
	}
	get := func(name string) (interp.Matrix, error) {
		t, ok := byName[name]
		if !ok {
			return interp.Matrix{}, fmt.Errorf("bilinear analysis: policy has no parameter %q", name)
		}
		if len(t.Shape()) == 1 {
			v, err := t.Float32s()
			return interp.Matrix{Rows: 1, Cols: len(v), Data: v}, err
		}
		return interp.MatrixOf(t)
	}
	var bp interp.BilinearPolicy
	var a, ab, ub interp.Matrix
	var err error
	for _, x := range []struct {
		name string
		dst  *interp.Matrix
	}{{"embed.w", &a}, {"embed.b", &ab}, {"bilinear.w", &bp.W}, {"bilinear.v", &bp.V}, {"actor.w", &bp.U}, {"actor.b", &ub}} {
		if *x.dst, err = get(x.name); err != nil {
			return bp, err
		}
	}
	bp.A, bp.B, bp.UB = a, ab.Data, ub.Data
	return bp, nil
}

// analyseBilinear eigendecomposes the logit form over [obs; 1] of the
// actions the policy takes most in distribution, checks each form against
// the forward pass on captured observations, and draws the top
// eigenvectors over the observation channels.
func analyseBilinear(p agents.Policy, id *capture, o *Options, actionNames, channels []string) ([]schema.BilinearSpectrum, error) {
	bp, err := bilinearPolicyOf(p)
	if err != nil {
		return nil, err
	}
	io := p.IO()
	check := id.obs.SubRows(firstRows(id.obs.Rows, 300))
	logits, err := forwardLogits(p, check, id.obsShape())
	if err != nil {
		return nil, err
	}
	var out []schema.BilinearSpectrum
	for _, a := range mostTaken(id.truth, io.NumActions, bilinearActions) {
		q, err := bp.LogitForm(a)
		if err != nil {
			return nil, err
		}
		sp, err := interp.Eigen(q)
		if err != nil {
			return nil, err
		}
		bs := schema.BilinearSpectrum{Action: a, Name: nameOf(actionNames, a)}
		for i := 0; i < check.Rows; i++ {
			mean := 0.0
			for b := 0; b < io.NumActions; b++ {
				mean += float64(logits.Data[i*io.NumActions+b])
			}
			want := float64(logits.Data[i*io.NumActions+a]) - mean/float64(io.NumActions)
			bs.MaxError = math.Max(bs.MaxError, math.Abs(interp.QuadForm(q, interp.Augment(check.Row(i)))-want))
		}
		n := min(6, len(sp.Values))
		bs.Eigenvalues, bs.CumAbs = sp.Values[:n], sp.CumAbs[:n]
		if bs.Image, err = eigenFigure(sp, n, a, bs.Name, io.ObsShape, channels, o); err != nil {
			return nil, err
		}
		out = append(out, bs)
	}
	return out, nil
}

// eigenFigure draws the top n eigenvectors of one action's form.
func eigenFigure(sp interp.Spectrum, n, action int, name string, shape [3]int, channels []string, o *Options) (string, error) {
	g := interp.ChannelGrid{Shape: shape, Channels: channels,
		Title: fmt.Sprintf("action %d (%s) minus the mean logit: top %d eigenvectors of its form over [obs; 1]", action, name, n),
		Note:  "cells: eigenvector entries over the observation; the entry on the constant 1 is in each caption"}
	for i := 0; i < n; i++ {
		v := sp.Vectors[i]
		g.Vectors = append(g.Vectors, v)
		g.Captions = append(g.Captions, fmt.Sprintf("eig %+.3g c %+.2f", sp.Values[i], v[len(v)-1]))
	}
	img, err := g.Render()
	if err != nil {
		return "", err
	}
	file := fmt.Sprintf("bilinear.action%d.png", action)
	return file, interp.WritePNG(o.OutDir, file, img)
}

// mostTaken returns the n actions taken most often in truth, most first.
func mostTaken(truth *interp.GroundTruth, actions, n int) []int {
	count := make([]int, actions)
	for _, s := range truth.Steps {
		if s.Action >= 0 && int(s.Action) < actions {
			count[s.Action]++
		}
	}
	order := make([]int, actions)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return count[order[a]] > count[order[b]] })
	return order[:min(n, actions)]
}

// forwardLogits returns the policy's logits on obs.
func forwardLogits(p agents.Policy, obs interp.Matrix, shape []int64) (interp.Matrix, error) {
	s := torch.NewNoGradScope()
	defer s.Close()
	logits, _ := p.Forward(s, s.FromFloat32(obs.Data, append([]int64{int64(obs.Rows)}, shape...)...), nil)
	if err := s.Err(); err != nil {
		return interp.Matrix{}, err
	}
	return interp.MatrixOf(logits)
}

func firstRows(n, k int) []int {
	out := make([]int, min(n, k))
	for i := range out {
		out[i] = i
	}
	return out
}

func nameOf(names []string, i int) string {
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprint(i)
}
