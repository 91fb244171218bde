package interp

import "github.com/misgen/misgen/internal/torch"

// A TopK SAE's code has K non-zero latents per row, so its gradient touches
// only K dictionary entries per row. The sparse training path keeps the code
// as (indices, values) pairs and never forms the dense z [B, latents]:
//
//	values, indices = top K of W_enc(x − b_pre) + b_enc   (torch.TopKLinear)
//	x̂ = Σ_j ReLU(values_j) · W_dec[:, indices_j] + b_pre  (torch.SparseLinear)
//
// Both ops have hand-written backward passes in the libtorch shim that touch
// only the selected encoder rows and decoder columns, so a step costs one
// dense matmul (the pre-activations, needed to pick the top K) where the
// dense path costs six. The gradients are the dense path's (tested against
// it, TrainOptions.DenseTopK, and against finite differences).

// forward runs one training forward pass on the batch x and returns the
// total loss (with the AuxK term when it applies) and each latent's number
// of firing rows, on the sparse path for TopK SAEs unless o.DenseTopK.
func (t *trainer) forward(s *torch.Scope, x *torch.Tensor) (loss, fired *torch.Tensor) {
	if t.m.Config.Kind == TopK && !t.o.DenseTopK {
		return t.sparseForward(s, x)
	}
	m := t.m
	pre := m.PreActs(s, x)
	z := m.activate(s, pre)
	xHat := m.Decode(s, z)
	loss = m.lossFrom(s, x, xHat, z)
	if dead := t.auxDead(); len(dead) > 0 {
		loss = s.Add(loss, s.MulScalar(t.auxLoss(s, x, xHat, pre, dead), t.o.AuxCoef))
	}
	return loss, s.Sum(s.ToFloat32(s.GtScalar(z, 0)), false, 0)
}

// sparseForward is forward for a TopK SAE through its sparse code.
func (t *trainer) sparseForward(s *torch.Scope, x *torch.Tensor) (loss, fired *torch.Tensor) {
	m := t.m
	xc := s.Sub(x, m.BPre)
	top, idx, pre := s.TopKLinear(xc, m.WEnc, m.BEnc, int64(m.Config.K))
	vals := s.Relu(top)
	xHat := m.decodeSparse(s, idx, vals)
	loss = m.lossFrom(s, x, xHat, nil)
	if dead := t.auxDead(); len(dead) > 0 {
		loss = s.Add(loss, s.MulScalar(t.sparseAuxLoss(s, x, xc, xHat, pre, dead), t.o.AuxCoef))
	}
	return loss, firedCounts(s, idx, vals, int64(m.Config.Latents))
}

// decodeSparse returns x̂ = W_dec z + b_pre for the code z given as
// (indices, values) [B, K]: Decode without the dense z.
func (m *SAE) decodeSparse(s *torch.Scope, idx, vals *torch.Tensor) *torch.Tensor {
	return s.SparseLinear(idx, vals, m.WDec, m.BPre)
}

// firedCounts returns, per latent, the number of rows whose code gives it
// a positive value.
func firedCounts(s *torch.Scope, idx, vals *torch.Tensor, latents int64) *torch.Tensor {
	pos := s.ToFloat32(s.GtScalar(vals, 0))
	return s.Bincount(s.Reshape(idx, -1), s.Reshape(pos, -1), latents)
}

// auxDead returns the dead latents when the AuxK loss applies this step.
func (t *trainer) auxDead() []int {
	if t.o.Revival != AuxK {
		return nil
	}
	return t.dead.dead()
}

// sparseAuxLoss is auxLoss on the sparse path: z_aux is the code of the top
// AuxK pre-activations among the dead latents, its values recomputed with
// gradients by GatherLinear (pre carries none).
func (t *trainer) sparseAuxLoss(s *torch.Scope, x, xc, xHat, pre *torch.Tensor, dead []int) *torch.Tensor {
	m := t.m
	_, idx := t.deadTopK(s, pre, dead)
	vals := s.GatherLinear(xc, m.WEnc, m.BEnc, idx)
	e := s.Detach(s.Sub(x, xHat))
	eHat := s.SparseLinear(idx, vals, m.WDec, nil)
	return s.DivScalar(s.Sum(s.Square(s.Sub(e, eHat)), false), float64(x.Shape()[0]))
}

// deadTopK returns the min(AuxK, len(dead)) largest pre-activations of each
// row among the dead latents, and their indices.
func (t *trainer) deadTopK(s *torch.Scope, pre *torch.Tensor, dead []int) (vals, idx *torch.Tensor) {
	n := t.m.Config.Latents
	mask := make([]float32, n)
	for _, i := range dead {
		mask[i] = 1
	}
	isDead := s.GtScalar(s.FromFloat32(mask, 1, int64(n)), 0.5)
	masked := s.Where(isDead, pre, s.FullLike(pre, -1e30))
	return s.TopK(masked, int64(min(t.o.AuxK, len(dead))), 1)
}
