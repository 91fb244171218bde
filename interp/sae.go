package interp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/misgen/misgen/internal/torch"
)

// SAEConfig fixes an SAE's shape and sparsity.
type SAEConfig struct {
	Kind    Kind
	DIn     int     // input width (flattened layer output)
	Latents int     // dictionary size
	K       int     // active latents per input (TopK only)
	L1      float64 // sparsity coefficient (ReLUL1 only)
}

// Validate reports the first invalid field.
func (c SAEConfig) Validate() error {
	switch c.Kind {
	case ReLUL1:
		if c.L1 < 0 || math.IsNaN(c.L1) {
			return fmt.Errorf("sae l1 = %v: want a non-negative number", c.L1)
		}
	case TopK:
		if c.K < 1 || c.K > c.Latents {
			return fmt.Errorf("sae k = %d: want a value in [1, latents=%d]", c.K, c.Latents)
		}
	default:
		return fmt.Errorf("sae kind = %q: want %q or %q", c.Kind, ReLUL1, TopK)
	}
	if c.DIn < 1 || c.Latents < 1 {
		return fmt.Errorf("sae shape d_in=%d latents=%d: want both ≥ 1", c.DIn, c.Latents)
	}
	return nil
}

// SAE is a sparse autoencoder x ≈ W_dec z + b_pre with z = f(W_enc(x − b_pre)
// + b_enc). The pre-encoder bias b_pre is also the decoder bias, so the
// dictionary models deviations from a learnt centre. The columns of W_dec
// (the dictionary directions) have unit norm after every training step, so
// latent magnitudes are comparable and the L1 penalty cannot be dodged by
// shrinking z and growing W_dec.
//
// The parameters are owned by the SAE; call Free when done.
type SAE struct {
	Config SAEConfig
	WEnc   *torch.Tensor // [latents, d_in]
	BEnc   *torch.Tensor // [latents]
	WDec   *torch.Tensor // [d_in, latents]
	BPre   *torch.Tensor // [d_in]
	scope  *torch.Scope
}

// NewSAE returns an SAE with unit-norm random decoder columns, the encoder
// initialised to the decoder's transpose (Gao et al.'s tied init, which
// starts every latent alive), zero encoder bias and b_pre = center (the data
// mean is a good choice; nil means zero). seed fixes the weights.
func NewSAE(cfg SAEConfig, center []float32, seed uint64) (*SAE, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if center != nil && len(center) != cfg.DIn {
		return nil, fmt.Errorf("sae center has %d values, d_in is %d", len(center), cfg.DIn)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ae))
	d, n := cfg.DIn, cfg.Latents
	dec := make([]float32, d*n) // row-major [d, n]
	for j := 0; j < n; j++ {
		var norm float64
		for i := 0; i < d; i++ {
			v := rng.NormFloat64()
			dec[i*n+j] = float32(v)
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for i := 0; i < d; i++ {
			dec[i*n+j] /= float32(norm)
		}
	}
	enc := make([]float32, n*d)
	for j := 0; j < n; j++ {
		for i := 0; i < d; i++ {
			enc[j*d+i] = dec[i*n+j]
		}
	}
	if center == nil {
		center = make([]float32, d)
	}
	return saeFromHost(cfg, enc, make([]float32, n), dec, center)
}

// saeFromHost builds an SAE from row-major host values.
func saeFromHost(cfg SAEConfig, wEnc, bEnc, wDec, bPre []float32) (*SAE, error) {
	s := torch.NewNoGradScope()
	d, n := int64(cfg.DIn), int64(cfg.Latents)
	m := &SAE{Config: cfg, scope: s,
		WEnc: s.FromFloat32(wEnc, n, d),
		BEnc: s.FromFloat32(bEnc, n),
		WDec: s.FromFloat32(wDec, d, n),
		BPre: s.FromFloat32(bPre, d),
	}
	if err := s.Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("sae parameters: %w", err)
	}
	for _, p := range m.params() {
		if err := p.SetRequiresGrad(true); err != nil {
			s.Close()
			return nil, err
		}
	}
	return m, nil
}

// Free releases the parameters.
func (m *SAE) Free() {
	if m != nil && m.scope != nil {
		m.scope.Close()
		m.scope = nil
	}
}

func (m *SAE) params() []*torch.Tensor { return []*torch.Tensor{m.WEnc, m.BEnc, m.WDec, m.BPre} }

// Params returns the parameters with stable names ("w_enc", "b_enc",
// "w_dec", "b_pre"), for saving with torch.WriteNamed.
func (m *SAE) Params() []torch.Named {
	return []torch.Named{{Name: "w_enc", Tensor: m.WEnc}, {Name: "b_enc", Tensor: m.BEnc},
		{Name: "w_dec", Tensor: m.WDec}, {Name: "b_pre", Tensor: m.BPre}}
}

// PreActs returns W_enc(x − b_pre) + b_enc for x [B, d_in].
func (m *SAE) PreActs(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
	return s.Linear(s.Sub(x, m.BPre), m.WEnc, m.BEnc)
}

// Encode returns the latent code z [B, latents] of x [B, d_in]: ReLU of the
// pre-activations (ReLUL1), or for TopK the ReLU of the K largest
// pre-activations of each row with every other latent exactly zero (so at
// most K latents are non-zero; fewer when some of the K are negative).
func (m *SAE) Encode(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
	return m.activate(s, m.PreActs(s, x))
}

func (m *SAE) activate(s *torch.Scope, pre *torch.Tensor) *torch.Tensor {
	if m.Config.Kind == TopK {
		return topKCode(s, pre, int64(m.Config.K))
	}
	return s.Relu(pre)
}

// topKCode keeps the ReLU of the k largest entries of each row of pre.
func topKCode(s *torch.Scope, pre *torch.Tensor, k int64) *torch.Tensor {
	vals, idx := s.TopK(pre, k, 1)
	return s.Scatter(s.ZerosLike(pre), 1, idx, s.Relu(vals))
}

// Decode returns W_dec z + b_pre.
func (m *SAE) Decode(s *torch.Scope, z *torch.Tensor) *torch.Tensor {
	return s.Linear(z, m.WDec, m.BPre)
}

// Reconstruct returns Decode(Encode(x)) and the code z.
func (m *SAE) Reconstruct(s *torch.Scope, x *torch.Tensor) (xHat, z *torch.Tensor) {
	z = m.Encode(s, x)
	return m.Decode(s, z), z
}

// Loss is the local training objective on a batch x [B, d_in]:
//
//	recon    = (1/B) Σ_b ‖x_b − x̂_b‖²          (squared error summed over dims)
//	sparsity = (1/B) Σ_b Σ_i |z_bi| · ‖d_i‖     (ReLUL1 only; TopK has none)
//	loss     = recon + L1 · sparsity
//
// and also returns z. ‖d_i‖ is the decoder column norm (1 after
// renormalisation; kept so the penalty stays honest between
// renormalisations).
func (m *SAE) Loss(s *torch.Scope, x *torch.Tensor) (loss, z *torch.Tensor) {
	xHat, z := m.Reconstruct(s, x)
	return m.lossFrom(s, x, xHat, z), z
}

// NormalizeDecoder rescales every decoder column to unit L2 norm in place.
func (m *SAE) NormalizeDecoder() error {
	s := torch.NewNoGradScope()
	defer s.Close()
	// √(Σ w²) down the columns: libtorch's norm over dim 0 of the row-major
	// [d_in, latents] matrix took ~8× as long, ~5% of a training step.
	norms := s.Clamp(s.Sqrt(s.Sum(s.Square(m.WDec), true, 0)), 1e-12, math.MaxFloat32)
	n := s.Div(m.WDec, norms)
	if err := s.Err(); err != nil {
		return err
	}
	return m.WDec.CopyFrom(n)
}
