package audit

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/agents/probe"
	"github.com/misgen/misgen/interp"
)

// param returns the host values and shape of the policy parameter name.
func param(p agents.Policy, name string) ([]float32, []int64, error) {
	for _, n := range p.Params() {
		if n.Name == name {
			v, err := n.Tensor.Float32s()
			return v, n.Tensor.Shape(), err
		}
	}
	return nil, nil, fmt.Errorf("audit: policy has no parameter %q", name)
}

func weightGoalShare(a *Measurement) (float64, error) {
	r := a.Channels
	if len(r.Goal) == 0 || len(r.Proxy) == 0 {
		return 0, undefined("the game lacks a goal or proxy channel")
	}
	if a.Policy.Config().FirstLayer() == "" {
		return 0, undefined("no first-layer rule for arch %q", a.Policy.Config().Arch)
	}
	mass, err := probe.ChannelMass(a.Policy)
	if err != nil {
		return 0, err
	}
	return groupShare(mass, r.Goal, r.Proxy)
}

// groupShare is Σ v[goal] / (Σ v[goal] + Σ v[proxy]).
func groupShare(v []float64, goal, proxy []int) (float64, error) {
	var g, p float64
	for _, c := range goal {
		g += v[c]
	}
	for _, c := range proxy {
		p += v[c]
	}
	if g+p == 0 {
		return 0, undefined("no mass on either group")
	}
	return g / (g + p), nil
}

// BilinearChannelMass eigendecomposes the bilinear policy's interaction
// matrix for the logit difference right − left, pulled back to the
// observation: with the embedding e = A x + a and the block's quadratic
// term eᵀ Q e (interp.InteractionMatrix of bilinear.w, bilinear.v and the
// actor-head direction), the form on [x; 1] is [A a]ᵀ Q [A a]. Each input
// channel gets Σᵢ |λᵢ| · Σ_{j in channel} vᵢⱼ² (the bias coordinate is
// left out).
func BilinearChannelMass(p agents.Policy, right, left int) ([]float64, error) {
	if p.Config().Arch != "bilinear" {
		return nil, undefined("not a bilinear policy")
	}
	if right < 0 || left < 0 {
		return nil, undefined("the game has no right/left actions")
	}
	get := func(name string) (interp.Matrix, error) {
		v, sh, err := param(p, name)
		if err != nil {
			return interp.Matrix{}, err
		}
		cols := 1
		if len(sh) == 2 {
			cols = int(sh[1])
		}
		return interp.Matrix{Rows: int(sh[0]), Cols: cols, Data: v}, nil
	}
	var ms [5]interp.Matrix
	for i, name := range []string{"embed.w", "embed.b", "bilinear.w", "bilinear.v", "actor.w"} {
		m, err := get(name)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	embed, err := interp.WithBias(ms[0], ms[1].Data)
	if err != nil {
		return nil, err
	}
	u, err := interp.HeadDirection(ms[4], right, left)
	if err != nil {
		return nil, err
	}
	q, err := interp.InteractionMatrix(ms[2], ms[3], u)
	if err != nil {
		return nil, err
	}
	e := mat.NewDense(embed.Rows, embed.Cols, toF64(embed.Data))
	var qe, form mat.Dense
	qe.Mul(q, e)
	form.Mul(e.T(), &qe)
	n := embed.Cols
	sym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			sym.SetSym(i, j, 0.5*(form.At(i, j)+form.At(j, i)))
		}
	}
	sp, err := interp.Eigen(sym)
	if err != nil {
		return nil, err
	}
	io := p.IO()
	plane := io.ObsShape[1] * io.ObsShape[2]
	mass := make([]float64, io.ObsShape[0])
	for i, lam := range sp.Values {
		for j, x := range sp.Vectors[i][:n-1] {
			mass[j/plane] += math.Abs(lam) * x * x
		}
	}
	return mass, nil
}

func bilinearGoalShare(a *Measurement) (float64, error) {
	r := a.Channels
	if len(r.Goal) == 0 || len(r.Proxy) == 0 {
		return 0, undefined("the game lacks a goal or proxy channel")
	}
	mass, err := BilinearChannelMass(a.Policy, r.Right, r.Left)
	if err != nil {
		return 0, err
	}
	return groupShare(mass, r.Goal, r.Proxy)
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
