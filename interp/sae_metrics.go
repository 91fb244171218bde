package interp

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// Metrics are an SAE's reconstruction and sparsity figures on held-out
// activations.
type Metrics struct {
	Samples int     `json:"samples"`
	L0      float64 `json:"l0"`  // mean number of non-zero latents per input
	MSE     float64 `json:"mse"` // mean squared error per element
	// FVU is the fraction of variance unexplained:
	// Σ‖x − x̂‖² / Σ‖x − x̄‖² with x̄ the held-out mean.
	FVU float64 `json:"fvu"`
	// DeadFraction is the fraction of latents that never fire on the
	// held-out set; Alive is their complement as a count.
	DeadFraction float64 `json:"dead_fraction"`
	Alive        int     `json:"alive"`
	// Freq is each latent's firing frequency on the held-out set (for MDL's
	// entropy coding and for reports).
	Freq []float64 `json:"-"`
}

// evalChunk bounds the rows pushed through libtorch at once.
const evalChunk = 4096

// Evaluate computes m's Metrics on the rows of data.
func Evaluate(m *SAE, data Matrix) (Metrics, error) {
	if err := data.check("sae evaluation data"); err != nil {
		return Metrics{}, err
	}
	if data.Cols != m.Config.DIn || data.Rows == 0 {
		return Metrics{}, fmt.Errorf("sae evaluation data is %d×%d, sae d_in is %d", data.Rows, data.Cols, m.Config.DIn)
	}
	mean := data.ColMeans()
	var sse, sst, l0 float64
	fires := make([]float64, m.Config.Latents)
	s := torch.NewNoGradScope()
	defer s.Close()
	meanT := s.FromFloat32(mean, 1, int64(data.Cols))
	for lo := 0; lo < data.Rows; lo += evalChunk {
		hi := min(data.Rows, lo+evalChunk)
		cs := torch.NewNoGradScope()
		x := cs.FromFloat32(data.Data[lo*data.Cols:hi*data.Cols], int64(hi-lo), int64(data.Cols))
		xHat, z := m.Reconstruct(cs, x)
		e := cs.Sum(cs.Square(cs.Sub(xHat, x)), false)
		v := cs.Sum(cs.Square(cs.Sub(x, meanT)), false)
		active := cs.ToFloat32(cs.GtScalar(z, 0))
		perLatent := cs.Sum(active, false, 0)
		nnz := cs.Sum(active, false)
		if err := cs.Err(); err != nil {
			cs.Close()
			return Metrics{}, err
		}
		ev, _ := e.Item()
		vv, _ := v.Item()
		nz, _ := nnz.Item()
		pl, err := perLatent.Float32s()
		cs.Close()
		if err != nil {
			return Metrics{}, err
		}
		sse += ev
		sst += vv
		l0 += nz
		for i, c := range pl {
			fires[i] += float64(c)
		}
	}
	if err := s.Err(); err != nil {
		return Metrics{}, err
	}
	n := float64(data.Rows)
	mt := Metrics{Samples: data.Rows, L0: l0 / n, MSE: sse / (n * float64(data.Cols)), Freq: fires}
	if sst > 0 {
		mt.FVU = sse / sst
	}
	for i, c := range fires {
		fires[i] = c / n
		if c > 0 {
			mt.Alive++
		}
	}
	mt.DeadFraction = 1 - float64(mt.Alive)/float64(m.Config.Latents)
	return mt, nil
}

// SpliceHook returns a hook that replaces the site's rows with the SAE's
// reconstruction. With
// keepError the SAE's error term x − x̂ is added back, so the layer output is
// unchanged up to rounding; interventions use that form so that only the
// latents they modify change the pass.
func SpliceHook(site Site, m *SAE, keepError bool) Hook {
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		xHat, _ := m.Reconstruct(s, x)
		if keepError {
			xHat = s.Add(xHat, s.Sub(x, s.Detach(xHat)))
		}
		return xHat
	})
}

// KLDiv returns the mean over rows of KL(p ‖ q) = Σ_a p_a (log p_a − log q_a)
// between the action distributions softmax(pLogits) and softmax(qLogits),
// both [B, A].
func KLDiv(s *torch.Scope, pLogits, qLogits *torch.Tensor) *torch.Tensor {
	lp := s.LogSoftmax(pLogits, 1)
	lq := s.LogSoftmax(qLogits, 1)
	return s.Mean(s.Sum(s.Mul(s.Exp(lp), s.Sub(lp, lq)), false, 1), false)
}

// Observations are policy inputs in Go memory: Rows observations of Shape
// (e.g. channels, height, width), flattened into Matrix rows.
type Observations struct {
	Matrix
	Shape []int64 // per-observation shape; product = Cols
}

// tensor returns rows [lo, hi) as a [n, Shape...] tensor.
func (o Observations) tensor(s *torch.Scope, lo, hi int) *torch.Tensor {
	sh := append([]int64{int64(hi - lo)}, o.Shape...)
	return s.FromFloat32(o.Data[lo*o.Cols:hi*o.Cols], sh...)
}

// DownstreamKL returns the mean KL(original ‖ spliced) between the policy's
// action distributions without a hook and with hook (typically SpliceHook),
// over the observations. The direction (original first) is the one Braun et
// al.'s e2e loss uses: it weights actions by how likely the original policy
// makes them.
func DownstreamKL(model ModelFunc, hook Hook, obs Observations) (float64, error) {
	if obs.Rows == 0 {
		return 0, fmt.Errorf("downstream KL: no observations")
	}
	var total float64
	for lo := 0; lo < obs.Rows; lo += evalChunk {
		hi := min(obs.Rows, lo+evalChunk)
		s := torch.NewNoGradScope()
		x := obs.tensor(s, lo, hi)
		orig, _ := model(s, x, nil)
		spliced, _ := model(s, x, hook)
		kl := KLDiv(s, orig, spliced)
		if err := s.Err(); err != nil {
			s.Close()
			return 0, fmt.Errorf("downstream KL: %w", err)
		}
		v, err := kl.Item()
		s.Close()
		if err != nil {
			return 0, err
		}
		total += v * float64(hi-lo)
	}
	return total / float64(obs.Rows), nil
}
