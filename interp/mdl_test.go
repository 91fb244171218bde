package interp

import (
	"math"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func TestMDLArithmetic(t *testing.T) {
	for i, tc := range []struct {
		n, k int
		want float64
	}{{4, 2, math.Log2(6)}, {10, 3, math.Log2(120)}, {5, 0, 0}, {5, 5, 0}, {64, 1, 6}} {
		if got := Log2Binomial(tc.n, tc.k); !near(got, tc.want, 1e-9) {
			t.Errorf("case %d: log2 C(%d,%d) = %v, want %v", i, tc.n, tc.k, got, tc.want)
		}
	}
	if !math.IsInf(Log2Binomial(3, 4), -1) {
		t.Error("log2 C(3,4) is not −Inf")
	}
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
		// max = (1, 3, 0): 1 bit → Δ = (1, 3, 1).
		{1, []float32{1, 0, 0, 0, 3, 0}},
		// 2 bits → Δ = (⅓, 1, 1): 0.5/⅓ = 1.5 → 2 → ⅔; 0.2/⅓ = 0.6 → 1 → ⅓.
		{2, []float32{2.0 / 3, 1, 0, 1.0 / 3, 3, 0}},
	} {
		st := quantSteps([]float32{1, 3, 0}, tc.bits)
		got := floats(t, quantize(s, z, s.FromFloat32(st, 1, 3)))
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
	var rs []MDLResult
	for _, m := range []*SAE{exact, lossy} {
		codes, err := Codes(m, acts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := DescriptionLength(m, codes, tm.forward, "fc", obs, MDLOptions{Tolerance: tol})
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
			kl, err := DownstreamKL(tm.forward, QuantizeHook("fc", m, LatentMax(codes), r.Bits-1), obs)
			if err != nil {
				t.Fatal(err)
			}
			if kl <= tol {
				t.Errorf("%s: %d bits already within tolerance (KL %v), chose %d", m.Config.Kind, r.Bits-1, kl, r.Bits)
			}
		}
		if !near(r.DL, r.IndexBits+r.L0*float64(r.Bits), 1e-9) {
			t.Errorf("DL %v ≠ index %v + L0 %v × bits %d", r.DL, r.IndexBits, r.L0, r.Bits)
		}
	}
	if !rs[0].Feasible || rs[0].KL > 1e-9 {
		t.Fatalf("exact SAE: %+v, want feasible with KL 0", rs[0])
	}
	if rs[1].KL <= tol || rs[1].Feasible || !math.IsInf(rs[1].DL, 1) {
		t.Errorf("lossy SAE: %+v, want KL over tolerance and infeasible", rs[1])
	}
	if BestMDL(rs) != 0 || BestMDL(rs[1:]) != -1 {
		t.Errorf("BestMDL = %d / %d, want 0 / −1", BestMDL(rs), BestMDL(rs[1:]))
	}
}
