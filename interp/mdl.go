package interp

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/internal/stats"
	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/schema"
)

// Coding selects how MDL counts the bits that name an activation's active
// latents.
type Coding string

const (
	// Combinatorial names the active set of ℓ latents out of n with
	// log2(n+1) bits for ℓ plus log2 C(n, ℓ) bits for which ones: the
	// cost when nothing is known about latent frequencies.
	Combinatorial Coding = "combinatorial"
	// Entropy codes each latent's on/off bit with an ideal code for its
	// firing frequency pᵢ: Σᵢ H(pᵢ) bits per activation, with
	// H(p) = −p log2 p − (1−p) log2(1−p). Cheaper when some latents fire
	// often and others rarely.
	Entropy Coding = "entropy"
)

// BinaryEntropy returns H(p) in bits (0 at p = 0 and p = 1).
func BinaryEntropy(p float64) float64 {
	if p <= 0 || p >= 1 {
		return 0
	}
	return -p*math.Log2(p) - (1-p)*math.Log2(1-p)
}

// IndexBits returns the mean bits per activation that name the active
// latents of codes (rows = activations, n = Cols latents) under coding.
func IndexBits(codes Matrix, coding Coding) (float64, error) {
	if codes.Rows == 0 {
		return 0, fmt.Errorf("mdl: no codes")
	}
	n := codes.Cols
	switch coding {
	case Combinatorial:
		var sum float64
		for i := 0; i < codes.Rows; i++ {
			sum += stats.Log2Binomial(n, activeCount(codes.Row(i)))
		}
		return math.Log2(float64(n+1)) + sum/float64(codes.Rows), nil
	case Entropy:
		var bits float64
		for j := 0; j < n; j++ {
			on := 0
			for i := 0; i < codes.Rows; i++ {
				if codes.Data[i*n+j] > 0 {
					on++
				}
			}
			bits += BinaryEntropy(float64(on) / float64(codes.Rows))
		}
		return bits, nil
	}
	return 0, fmt.Errorf("mdl coding = %q: want %q or %q", coding, Combinatorial, Entropy)
}

func activeCount(row []float32) int {
	n := 0
	for _, v := range row {
		if v > 0 {
			n++
		}
	}
	return n
}

// MeanL0 returns the mean number of active latents per row.
func MeanL0(codes Matrix) float64 {
	if codes.Rows == 0 {
		return 0
	}
	t := 0
	for i := 0; i < codes.Rows; i++ {
		t += activeCount(codes.Row(i))
	}
	return float64(t) / float64(codes.Rows)
}

// LatentMax returns each latent's largest value in codes: the top of its
// quantisation range.
func LatentMax(codes Matrix) []float32 {
	mx := make([]float32, codes.Cols)
	for i := 0; i < codes.Rows; i++ {
		for j, v := range codes.Row(i) {
			mx[j] = max(mx[j], v)
		}
	}
	return mx
}

// quantize rounds every active value z > 0 to the nearest point of the grid
// Δ·{1, 2, …, 2^bits} per latent (Δᵢ = maxᵢ/2^bits, so the top level is
// maxᵢ), rounding halves up; inactive values stay 0. Zero needs no level:
// the index bits already say which latents are off, so all 2^bits levels
// describe active values in (0, maxᵢ].
func quantize(s *torch.Scope, z *torch.Tensor, step *torch.Tensor, bits int) *torch.Tensor {
	top := math.Pow(2, float64(bits))
	levels := s.ToFloat32(s.ToInt64(s.AddScalar(s.Div(z, step), 0.5))) // z ≥ 0: trunc(y+½) = round half up
	levels = s.Clamp(levels, 1, top)
	return s.Mul(s.Mul(levels, step), s.ToFloat32(s.GtScalar(z, 0)))
}

// quantSteps returns Δᵢ = maxᵢ/2^bits for every latent (1 where maxᵢ = 0,
// harmless since those latents are always 0).
func quantSteps(maxes []float32, bits int) []float32 {
	levels := float32(math.Pow(2, float64(bits)))
	out := make([]float32, len(maxes))
	for i, m := range maxes {
		out[i] = 1
		if m > 0 {
			out[i] = m / levels
		}
	}
	return out
}

// QuantizeHook splices the SAE into layer with every active latent value
// quantised to bits bits over (0, maxes[i]] (see quantize).
func QuantizeHook(site Site, m *SAE, maxes []float32, bits int) Hook {
	steps := quantSteps(maxes, bits)
	return site.Hook(func(s *torch.Scope, x *torch.Tensor) *torch.Tensor {
		z := quantize(s, m.Encode(s, x), s.FromFloat32(steps, 1, int64(len(steps))), bits)
		return m.Decode(s, z)
	})
}

// MDLOptions control description-length scoring.
type MDLOptions struct {
	// Tolerance is the largest mean KL(original ‖ spliced) in nats that a
	// quantised SAE may cause; the value precision is the coarsest that
	// stays within it.
	Tolerance float64
	MaxBits   int    // finest precision tried (default 16)
	Coding    Coding // default Combinatorial
}

// DescriptionLength scores m as a lossy code for a layer's activations
// (Ayonrinde et al.): the mean bits per activation to name its active
// latents plus their values at the coarsest uniform precision b (bits per
// value, latent i quantised on [0, maxᵢ] with 2^b levels) that keeps the
// policy's downstream KL(original ‖ SAE-spliced) within o.Tolerance:
//
//	DL = IndexBits + L0 · b
//
// codes are m's codes of held-out activations of the layer (they give L0,
// the active sets and maxᵢ); obs are observations whose forward passes
// measure the KL. An SAE whose KL exceeds the tolerance at every precision
// is infeasible (DL = +Inf). The per-SAE cost of sending the dictionary and
// the ranges is not counted: it is shared by every activation.
func DescriptionLength(m *SAE, codes Matrix, model ModelFunc, site Site, obs Observations, o MDLOptions) (schema.MDLResult, error) {
	if o.MaxBits <= 0 {
		o.MaxBits = 16
	}
	if o.Coding == "" {
		o.Coding = Combinatorial
	}
	if !(o.Tolerance > 0) {
		return schema.MDLResult{}, fmt.Errorf("mdl tolerance = %v: want a positive KL in nats", o.Tolerance)
	}
	if codes.Cols != m.Config.Latents {
		return schema.MDLResult{}, fmt.Errorf("mdl: codes have %d columns, sae has %d latents", codes.Cols, m.Config.Latents)
	}
	r := schema.MDLResult{L0: MeanL0(codes), Coding: string(o.Coding), Tolerance: o.Tolerance}
	var err error
	if r.IndexBits, err = IndexBits(codes, o.Coding); err != nil {
		return r, err
	}
	if r.KL, err = DownstreamKL(model, SpliceHook(site, m, false), obs); err != nil {
		return r, err
	}
	r.DL = schema.Num(math.Inf(1))
	if r.KL > o.Tolerance {
		return r, nil // no quantisation can beat the unquantised SAE
	}
	maxes := LatentMax(codes)
	for b := 1; b <= o.MaxBits; b++ {
		kl, err := DownstreamKL(model, QuantizeHook(site, m, maxes, b), obs)
		if err != nil {
			return r, err
		}
		if kl <= o.Tolerance {
			r.Bits, r.KLAtBits, r.Feasible = b, kl, true
			r.ValueBits = r.L0 * float64(b)
			r.DL = schema.Num(r.IndexBits + r.ValueBits)
			return r, nil
		}
	}
	return r, nil
}

// BestMDL returns the index of the feasible result with the smallest
// description length, or −1 when none is feasible. Equal lengths (a local
// and an e2e SAE of one size and L0 quantised alike cost the same bits)
// go to the lower downstream KL at that precision, then to the first listed.
func BestMDL(rs []schema.MDLResult) int {
	best := -1
	for i, r := range rs {
		if !r.Feasible {
			continue
		}
		if best < 0 || r.DL < rs[best].DL || (r.DL == rs[best].DL && r.KLAtBits < rs[best].KLAtBits) {
			best = i
		}
	}
	return best
}
