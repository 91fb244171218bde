package interp

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// Hand-computed case: W_enc = W_dec = I, b_enc = [0, −1], b_pre = [½, ½].
// Row 1 x = [1.5, 3.5]: x − b_pre = [1, 3], pre = [1, 2].
//
//	ReLU: z = [1, 2], x̂ = [1.5, 2.5], ‖x − x̂‖² = 1, ‖z‖₁ = 3.
//	TopK(1): z = [0, 2], x̂ = [0.5, 2.5], ‖x − x̂‖² = 2.
//
// Row 2 x = [½, ½]: pre = [0, −1], z = 0 for both, x̂ = x, error 0.
func TestSAELossHandComputed(t *testing.T) {
	id := []float32{1, 0, 0, 1}
	x := []float32{1.5, 3.5, 0.5, 0.5}
	for i, tc := range []struct {
		cfg  SAEConfig
		want float64
	}{
		{SAEConfig{Kind: ReLUL1, DIn: 2, Latents: 2, L1: 0.5}, (1+0)/2.0 + 0.5*3/2},
		{SAEConfig{Kind: ReLUL1, DIn: 2, Latents: 2, L1: 0}, 0.5},
		{SAEConfig{Kind: TopK, DIn: 2, Latents: 2, K: 1}, (2 + 0) / 2.0},
		{SAEConfig{Kind: TopK, DIn: 2, Latents: 2, K: 2}, 0.5},
	} {
		m := mustSAE(t, tc.cfg, id, []float32{0, -1}, id, []float32{0.5, 0.5})
		s := torch.NewScope()
		loss, _ := m.Loss(s, s.FromFloat32(x, 2, 2))
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		got, _ := loss.Item()
		if !near(got, tc.want, 1e-6) {
			t.Errorf("case %d (%s): loss %v, want %v", i, tc.cfg.Kind, got, tc.want)
		}
		s.Close()
		m.Free()
	}
}

// The L1 penalty is weighted by decoder column norms, so scaling a column
// by 2 doubles that latent's penalty.
func TestSAEL1WeightsByDecoderNorm(t *testing.T) {
	m := mustSAE(t, SAEConfig{Kind: ReLUL1, DIn: 2, Latents: 2, L1: 1},
		[]float32{1, 0, 0, 1}, []float32{0, 0}, []float32{2, 0, 0, 1}, []float32{0, 0})
	defer m.Free()
	s := torch.NewScope()
	defer s.Close()
	// x = [1, 0]: z = [1, 0], x̂ = [2, 0], recon = 1, penalty = 1·2.
	loss, _ := m.Loss(s, s.FromFloat32([]float32{1, 0}, 1, 2))
	if got, _ := loss.Item(); !near(got, 3, 1e-6) {
		t.Errorf("loss %v, want 3", got)
	}
}

func TestTopKSemantics(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const rows, n = 9, 12
	pre := make([]float32, rows*n)
	for i := range pre {
		pre[i] = float32(rng.NormFloat64())
	}
	pre[0] = -5 // a row where fewer than K of the top values are positive
	for i := 1; i < n; i++ {
		pre[i] = -float32(i)
	}
	for _, k := range []int{1, 3, n} {
		s := torch.NewNoGradScope()
		z := floats(t, topKCode(s, s.FromFloat32(pre, rows, n), int64(k)))
		for r := 0; r < rows; r++ {
			row := pre[r*n : (r+1)*n]
			sorted := slices.Clone(row)
			slices.SortFunc(sorted, func(a, b float32) int { return int(b*1e6) - int(a*1e6) })
			thresh := sorted[k-1]
			nnz := 0
			for j, v := range z[r*n : (r+1)*n] {
				want := float32(0)
				if row[j] >= thresh && row[j] > 0 {
					want = row[j]
				}
				if v != want {
					t.Errorf("k=%d row %d latent %d: z=%v, want %v (pre %v)", k, r, j, v, want, row[j])
				}
				if v != 0 {
					nnz++
				}
			}
			if nnz > k {
				t.Errorf("k=%d row %d: %d active latents", k, r, nnz)
			}
		}
		s.Close()
	}
}

func decoderNorms(t *testing.T, m *SAE) []float32 {
	s := torch.NewNoGradScope()
	defer s.Close()
	return floats(t, s.Norm(m.WDec, false, 0))
}

func TestTrainKeepsUnitDecoderAndLearns(t *testing.T) {
	data, _ := sparseData(3000, 16, 24, 0.08, 1)
	held, _ := sparseData(1000, 16, 24, 0.08, 1) // same features (same seed), fresh coefficients
	held = held.SubRows(seq(500, 1000))
	for i, tc := range []struct {
		cfg     SAEConfig
		project bool
	}{
		{SAEConfig{Kind: TopK, DIn: 16, Latents: 48, K: 4}, false},
		{SAEConfig{Kind: TopK, DIn: 16, Latents: 48, K: 4}, true},
		{SAEConfig{Kind: ReLUL1, DIn: 16, Latents: 48, L1: 0.02}, false},
	} {
		m, err := NewSAE(tc.cfg, data.ColMeans(), uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		before, err := Evaluate(m, held)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Train(m, data, TrainOptions{Steps: 400, BatchSize: 128, LR: 3e-3, Seed: 1, ProjectDecoderGrad: tc.project})
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range decoderNorms(t, m) {
			if !near(float64(v), 1, 1e-5) {
				t.Errorf("case %d: decoder column %d has norm %v", i, j, v)
			}
		}
		after, err := Evaluate(m, held)
		if err != nil {
			t.Fatal(err)
		}
		if after.FVU > 0.2 || after.FVU >= before.FVU {
			t.Errorf("case %d: FVU %.3f after training (%.3f before), want < 0.2", i, after.FVU, before.FVU)
		}
		if tc.cfg.Kind == TopK && after.L0 > 4 {
			t.Errorf("case %d: TopK L0 %v > k", i, after.L0)
		}
		if st.Steps != 400 || len(st.LossCurve) == 0 {
			t.Errorf("case %d: stats %+v", i, st)
		}
		m.Free()
	}
}

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// killLatents makes latents [0, n) dead: an encoder bias of −2 keeps their
// pre-activations out of the top k (the data's pre-activations are O(1)),
// yet within reach of aux-k's gradient in a few hundred Adam steps.
func killLatents(t *testing.T, m *SAE, n int) {
	b := floats(t, m.BEnc)
	for i := 0; i < n; i++ {
		b[i] = -2
	}
	s := torch.NewNoGradScope()
	defer s.Close()
	if err := m.BEnc.CopyFrom(s.FromFloat32(b, int64(len(b)))); err != nil {
		t.Fatal(err)
	}
}

func TestDeadLatentRevival(t *testing.T) {
	data, _ := sparseData(3000, 16, 24, 0.08, 2)
	const killed = 24
	dead := map[Revival]float64{}
	for _, rev := range []Revival{NoRevival, Resample, AuxK} {
		m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 16, Latents: 48, K: 4}, data.ColMeans(), 3)
		if err != nil {
			t.Fatal(err)
		}
		killLatents(t, m, killed)
		st, err := Train(m, data, TrainOptions{Steps: 300, BatchSize: 128, LR: 3e-3, Seed: 2,
			Revival: rev, DeadAfter: 5 * 128, ResampleEvery: 50})
		if err != nil {
			t.Fatal(err)
		}
		mt, err := Evaluate(m, data)
		if err != nil {
			t.Fatal(err)
		}
		dead[rev] = mt.DeadFraction
		if rev == Resample && st.Resampled < killed/2 {
			t.Errorf("resample re-initialised %d latents, want ≥ %d", st.Resampled, killed/2)
		}
		m.Free()
	}
	if dead[NoRevival] < float64(killed)/48-1e-9 {
		t.Errorf("without revival dead fraction %v, want ≥ %v (the killed latents)", dead[NoRevival], float64(killed)/48)
	}
	for _, rev := range []Revival{Resample, AuxK} {
		if dead[rev] > dead[NoRevival]/2 {
			t.Errorf("%s: dead fraction %v, not below half of no-revival %v", rev, dead[rev], dead[NoRevival])
		}
	}
	t.Logf("dead fractions: %v", dead)
}

func TestEvaluateExactReconstruction(t *testing.T) {
	// An identity ReLU SAE on non-negative data reconstructs exactly:
	// FVU = 0, MSE = 0, L0 = number of positive entries per row.
	id := []float32{1, 0, 0, 1}
	m := mustSAE(t, SAEConfig{Kind: ReLUL1, DIn: 2, Latents: 2}, id, []float32{0, 0}, id, []float32{0, 0})
	defer m.Free()
	data := Matrix{Rows: 4, Cols: 2, Data: []float32{1, 0, 2, 0, 0, 0, 3, 0}}
	mt, err := Evaluate(m, data)
	if err != nil {
		t.Fatal(err)
	}
	if mt.FVU != 0 || mt.MSE != 0 || mt.L0 != 0.75 || mt.Alive != 1 || mt.DeadFraction != 0.5 {
		t.Errorf("metrics %+v, want FVU 0, MSE 0, L0 0.75, 1 alive, dead 0.5", mt)
	}
	if mt.Freq[0] != 0.75 || mt.Freq[1] != 0 {
		t.Errorf("freq %v", mt.Freq)
	}
}
