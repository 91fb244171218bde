package agents

import (
	"math"

	"github.com/misgen/misgen/internal/torch"
)

// bilinear is flatten → linear embed e = A x + a → h = e + (W e) ⊙ (V e) →
// heads. The block has no element-wise nonlinearity, so every logit and the
// value are exactly a quadratic form in e plus a linear term: for an output
// direction u, uᵀ((W e) ⊙ (V e)) = eᵀ Q e with Q = Σₖ uₖ sym(Wₖ ⊗ Vₖ). The
// residual e term (linear, also analysable exactly) lets the policy learn
// quickly from the start, when the product term is small.
//
// Parameters: "embed.w" [hidden, obs], "embed.b", "bilinear.w" and
// "bilinear.v" [hidden, hidden] (separate tensors so weight analyses read
// them directly, no bias), then the heads.
//
// Hook points: "embed" (e) and "bilinear" ((W e) ⊙ (V e), before the
// residual sum); replacing "bilinear" replaces only the quadratic term.
type bilinear struct {
	basePolicy
	embedW, embedB *torch.Tensor
	w, v           *torch.Tensor
	heads          heads
}

func newBilinear(b *paramBuilder, cfg PolicyConfig, io PolicyIO) *bilinear {
	p := &bilinear{}
	h := cfg.Hidden
	p.embedW = b.orthogonal("embed.w", 1, h, io.ObsSize())
	p.embedB = b.zeros("embed.b", h)
	// Gain 1/√2 per factor keeps the product term's scale near the
	// embedding's at init (each factor has unit-ish variance per unit).
	p.w = b.orthogonal("bilinear.w", 1/math.Sqrt2, h, h)
	p.v = b.orthogonal("bilinear.v", 1/math.Sqrt2, h, h)
	p.heads = newHeads(b, h, io.NumActions)
	p.basePolicy = b.base(cfg, io, []string{"embed", "bilinear"}, nil)
	return p
}

func (p *bilinear) Forward(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor) {
	if !checkObs(s, obs, p.io) {
		return nil, nil
	}
	e := s.Linear(s.Flatten(obs), p.embedW, p.embedB)
	e = applyHook(s, hook, "embed", e)
	q := s.Mul(s.Linear(e, p.w, nil), s.Linear(e, p.v, nil))
	q = applyHook(s, hook, "bilinear", q)
	return p.heads.forward(s, s.Add(e, q))
}
