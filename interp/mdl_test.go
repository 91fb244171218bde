package interp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/torch"
	"github.com/misgen/misgen/schema"
)

func TestMDLArithmetic(t *testing.T) {
	if !near(BinaryEntropy(0.5), 1, 1e-12) || !near(BinaryEntropy(0.25), 0.8112781244591328, 1e-12) || BinaryEntropy(0) != 0 {
		t.Error("binary entropy wrong")
	}
	// 4 latents, rows with ℓ = 2, 0, 1, 1.
	codes := Matrix{Rows: 4, Cols: 4, Data: []float32{
		1, 2, 0, 0,
		0, 0, 0, 0,
		0, 3, 0, 0,
		0, 0, 0, 4,
	}}
	comb, err := IndexBits(codes, Combinatorial)
	if err != nil {
		t.Fatal(err)
	}
	// log2 5 for ℓ, then mean of log2 6, 0, 2, 2.
	if want := math.Log2(5) + (math.Log2(6)+0+2+2)/4; !near(comb, want, 1e-9) {
		t.Errorf("combinatorial index bits %v, want %v", comb, want)
	}
	ent, _ := IndexBits(codes, Entropy)
	// Frequencies ¼, ½, 0, ¼.
	if want := 2*BinaryEntropy(0.25) + 1; !near(ent, want, 1e-12) {
		t.Errorf("entropy index bits %v, want %v", ent, want)
	}
	if MeanL0(codes) != 1 {
		t.Errorf("L0 %v, want 1", MeanL0(codes))
	}
	if mx := LatentMax(codes); mx[0] != 1 || mx[1] != 3 || mx[2] != 0 || mx[3] != 4 {
		t.Errorf("latent max %v", mx)
	}
	if _, err := IndexBits(codes, "huffman"); err == nil {
		t.Error("unknown coding accepted")
	}
}

func TestQuantize(t *testing.T) {
	s := torch.NewNoGradScope()
	defer s.Close()
	z := s.FromFloat32([]float32{0.5, 1.0, 0, 0.2, 3, 0}, 2, 3)
	for i, tc := range []struct {
		bits int
		want []float32
	}{
		// max = (1, 3, 0): 1 bit → Δ = (½, 3/2, 1), levels {1, 2}: 0.5 → 1·½;
		// 1.0/1.5 = 0.67 → 1·3/2; 0.2/½ = 0.4 → 1·½ (the lowest level: an
		// active value is never rounded to 0); 3 → 2·3/2.
		{1, []float32{0.5, 1.5, 0, 0.5, 3, 0}},
		// 2 bits → Δ = (¼, ¾, 1): 0.5/¼ = 2 → ½; 1/¾ = 1.33 → 1 → ¾;
		// 0.2/¼ = 0.8 → 1 → ¼; 3/¾ = 4 → 3.
		{2, []float32{0.5, 0.75, 0, 0.25, 3, 0}},
	} {
		st := quantSteps([]float32{1, 3, 0}, tc.bits)
		got := floats(t, quantize(s, z, s.FromFloat32(st, 1, 3), tc.bits))
		for j := range got {
			if !near(float64(got[j]), float64(tc.want[j]), 1e-6) {
				t.Errorf("case %d: quantized %v, want %v", i, got, tc.want)
				break
			}
		}
	}
}

// On a tiny model, DescriptionLength picks the coarsest precision within
// tolerance (one bit fewer exceeds it), and BestMDL prefers the cheaper
// feasible SAE.
func TestDescriptionLengthOnTinyModel(t *testing.T) {
	tm := newTinyModel(t, 6, 8, 4, 1)
	obs := randomObs(300, 6, 2)
	acts := layerActs(t, tm.forward, obs)
	// An identity ReLU SAE reproduces the non-negative layer exactly.
	exact := mustSAE(t, SAEConfig{Kind: ReLUL1, DIn: 8, Latents: 8}, identity(8), make([]float32, 8), identity(8), make([]float32, 8))
	defer exact.Free()
	// A TopK(2) SAE over the same dictionary drops information.
	lossy := mustSAE(t, SAEConfig{Kind: TopK, DIn: 8, Latents: 8, K: 2}, identity(8), make([]float32, 8), identity(8), make([]float32, 8))
	defer lossy.Free()
	const tol = 0.01
	var rs []schema.MDLResult
	for _, m := range []*SAE{exact, lossy} {
		codes, err := Codes(m, acts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DescriptionLength(m, codes, tm.forward, Flat("fc"), obs, MDLOptions{Tolerance: tol})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
		if !r.Feasible {
			continue
		}
		if r.KLAtBits > tol || r.Bits < 1 {
			t.Errorf("%s: bits %d with KL %v over tolerance", m.Config.Kind, r.Bits, r.KLAtBits)
		}
		if r.Bits > 1 {
			kl, err := DownstreamKL(tm.forward, QuantizeHook(Flat("fc"), m, LatentMax(codes), r.Bits-1), obs)
			if err != nil {
				t.Fatal(err)
			}
			if kl <= tol {
				t.Errorf("%s: %d bits already within tolerance (KL %v), chose %d", m.Config.Kind, r.Bits-1, kl, r.Bits)
			}
		}
		if !near(float64(r.DL), r.IndexBits+r.L0*float64(r.Bits), 1e-9) {
			t.Errorf("DL %v ≠ index %v + L0 %v × bits %d", r.DL, r.IndexBits, r.L0, r.Bits)
		}
	}
	if !rs[0].Feasible || rs[0].KL > 1e-9 {
		t.Fatalf("exact SAE: %+v, want feasible with KL 0", rs[0])
	}
	if rs[1].KL <= tol || rs[1].Feasible || !math.IsInf(float64(rs[1].DL), 1) {
		t.Errorf("lossy SAE: %+v, want KL over tolerance and infeasible", rs[1])
	}
	if BestMDL(rs) != 0 || BestMDL(rs[1:]) != -1 {
		t.Errorf("BestMDL = %d / %d, want 0 / −1", BestMDL(rs), BestMDL(rs[1:]))
	}
}

// sparseSource is a layer whose activations are exactly sparse: each row is
// a positive combination of k of the atoms (orthonormal directions of R^d).
// The model reads the layer through a fixed linear head, so a dictionary
// that reconstructs the rows keeps the action distribution.
type sparseSource struct {
	d, atoms, k int
	head        []float32 // [actions, d]
}

func (src sparseSource) rows(n int, seed uint64) Matrix {
	rng := rand.New(rand.NewPCG(seed, 31))
	m := NewMatrix(n, src.d)
	for i := 0; i < n; i++ {
		for _, a := range rng.Perm(src.atoms)[:src.k] {
			m.Data[i*src.d+a] += float32(1 + rng.Float64())
		}
	}
	return m
}

func (src sparseSource) model() ModelFunc {
	return func(s *torch.Scope, obs *torch.Tensor, hook Hook) (*torch.Tensor, *torch.Tensor) {
		x := obs
		if hook != nil {
			x = hook(s, "fc", obs)
		}
		logits := s.Linear(x, s.FromFloat32(src.head, int64(len(src.head)/src.d), int64(src.d)), nil)
		return logits, s.Sum(x, false, 1)
	}
}

// On data built from 6 atoms with 2 active per row, MDL prefers the
// dictionary of the true size and sparsity: one with fewer active latents
// cannot reconstruct the rows within the KL tolerance, and larger ones pay
// more index bits for the same values.
func TestMDLFindsTheTrueDictionary(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := sparseSource{d: 6, atoms: 6, k: 2, head: make([]float32, 4*6)}
	for i := range src.head {
		src.head[i] = float32(2 * rng.NormFloat64())
	}
	train, held := src.rows(4000, 1), src.rows(600, 2)
	obs := Observations{Matrix: held, Shape: []int64{6}}
	model := src.model()
	var rs []schema.MDLResult
	for i, c := range []struct{ latents, k int }{{6, 1}, {6, 2}, {24, 2}, {24, 4}} {
		m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 6, Latents: c.latents, K: c.k}, train.ColMeans(), uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Train(m, train, TrainOptions{Steps: 1500, BatchSize: 256, LR: 3e-3, Seed: uint64(i), Revival: AuxK}); err != nil {
			t.Fatal(err)
		}
		codes, err := Codes(m, held)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DescriptionLength(m, codes, model, Flat("fc"), obs, MDLOptions{Tolerance: 0.02})
		m.Free()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("latents %2d k %d: L0 %.2f KL %.4f bits %d DL %.2f", c.latents, c.k, r.L0, r.KL, r.Bits, float64(r.DL))
		rs = append(rs, r)
	}
	if rs[0].Feasible {
		t.Errorf("k = 1 cannot reconstruct two-atom rows, yet it is feasible: %+v", rs[0])
	}
	if best := BestMDL(rs); best != 1 {
		t.Errorf("MDL chose sweep entry %d, want entry 1, the true dictionary (6 latents, k 2)", best)
	}
	if rs[1].DL == rs[2].DL || rs[2].DL == rs[3].DL {
		t.Errorf("description lengths tie: %.3f %.3f %.3f", rs[1].DL, rs[2].DL, rs[3].DL)
	}
}

// Equal description lengths go to the SAE that costs the policy less.
func TestBestMDLBreaksTiesByKL(t *testing.T) {
	rs := []schema.MDLResult{
		{DL: 30, KLAtBits: 0.001, Feasible: true},
		{DL: 21, KLAtBits: 0.0033, Feasible: true},
		{DL: 21, KLAtBits: 0.0017, Feasible: true},
		{DL: 21, KLAtBits: 0.0001, Feasible: false},
	}
	if got := BestMDL(rs); got != 2 {
		t.Errorf("BestMDL = %d, want 2 (DL 21 with the lower KL, the infeasible one ignored)", got)
	}
}
