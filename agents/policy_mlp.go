package agents

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/internal/torch"
)

// sqrt2 is the orthogonal-init gain CleanRL uses for ReLU layers.
var sqrt2 = math.Sqrt2

// mlp is flatten → [linear(hidden) → relu] × layers → heads.
//
// Hook points: "fc0", "fc1", ... (each hidden layer after its relu).
type mlp struct {
	basePolicy
	ws, bs []*torch.Tensor
	heads  heads
}

func newMLP(b *paramBuilder, cfg PolicyConfig, io PolicyIO) *mlp {
	p := &mlp{}
	in := io.ObsSize()
	var layers []string
	for i := 0; i < cfg.Layers; i++ {
		name := fmt.Sprintf("fc%d", i)
		p.ws = append(p.ws, b.orthogonal(name+".w", sqrt2, cfg.Hidden, in))
		p.bs = append(p.bs, b.zeros(name+".b", cfg.Hidden))
		layers = append(layers, name)
		in = cfg.Hidden
	}
	p.heads = newHeads(b, in, io.NumActions)
	p.basePolicy = b.base(cfg, io, layers, layers)
	return p
}

func (p *mlp) Forward(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor) {
	if !checkObs(s, obs, p.io) {
		return nil, nil
	}
	x := s.Flatten(obs)
	for i := range p.ws {
		x = s.Relu(s.Linear(x, p.ws[i], p.bs[i]))
		x = applyHook(s, hook, p.layers[i], x)
	}
	return p.heads.forward(s, x)
}
