package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// randomTopK returns a TopK SAE with random (not unit-norm, not tied)
// weights and a random batch x, so no symmetry hides a wrong gradient.
func randomTopK(t *testing.T, cfg SAEConfig, rows int, seed uint64) (*SAE, Matrix) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	randn := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		return v
	}
	d, n := cfg.DIn, cfg.Latents
	sc := 1 / math.Sqrt(float64(d))
	m := mustSAE(t, cfg, randn(n*d, sc), randn(n, 0.3), randn(d*n, sc), randn(d, 0.3))
	x := Matrix{Rows: rows, Cols: d, Data: randn(rows*d, 1)}
	return m, x
}

// stepGrads runs the trainer's forward pass on x, backpropagates and
// returns the loss, the firing counts and the gradients of w_enc, b_enc,
// w_dec, b_pre.
func stepGrads(t *testing.T, tr *trainer, x Matrix) (loss float64, fired []float32, grads [][]float32) {
	t.Helper()
	if err := tr.newOptimizer(); err != nil {
		t.Fatal(err)
	}
	defer tr.opt.Free()
	if err := tr.opt.ZeroGrad(); err != nil {
		t.Fatal(err)
	}
	s := torch.NewScope()
	defer s.Close()
	l, f := tr.forward(s, x.tensor(s))
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if err := l.Backward(); err != nil {
		t.Fatal(err)
	}
	loss, err := l.Item()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tr.m.params() {
		grads = append(grads, floats(t, s.Grad(p)))
	}
	return loss, floats(t, f), grads
}

func newTestTrainer(m *SAE, o TrainOptions) *trainer {
	o, err := o.withDefaults(m.Config.DIn)
	if err != nil {
		panic(err)
	}
	return &trainer{m: m, o: o, rng: rand.New(rand.NewPCG(1, 1)),
		dead: deadTracker{since: make([]int, m.Config.Latents), after: o.DeadAfter}}
}

// within checks max|got − want| ≤ tol·max(1, max|want|) (float32 sums in
// another order differ relative to the size of the terms).
func within(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	scale, worst, at := 1.0, 0.0, 0
	for i := range want {
		scale = math.Max(scale, math.Abs(float64(want[i])))
		if e := math.Abs(float64(got[i]) - float64(want[i])); e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
	}
	if len(got) != len(want) || math.IsNaN(worst) || worst > tol*scale {
		t.Errorf("%s: [%d] = %v, want %v (error %.3g, scale %.3g)", what, at, got[at], want[at], worst, scale)
	}
}

// The sparse TopK path gives the dense path's loss, firing counts and
// gradients to 1e-5, with and without the AuxK term (whose code comes from
// dead latents whose pre-activations may all be negative).
func TestSparseTopKMatchesDense(t *testing.T) {
	names := []string{"w_enc", "b_enc", "w_dec", "b_pre"}
	for i, tc := range []struct {
		cfg  SAEConfig
		rows int
		auxK bool
	}{
		{SAEConfig{Kind: TopK, DIn: 16, Latents: 64, K: 4}, 40, false},
		{SAEConfig{Kind: TopK, DIn: 16, Latents: 64, K: 4}, 40, true},
		{SAEConfig{Kind: TopK, DIn: 128, Latents: 1024, K: 16}, 256, false},
		{SAEConfig{Kind: TopK, DIn: 12, Latents: 30, K: 3}, 17, true}, // below the top-k kernel's n ≥ 64
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			m, x := randomTopK(t, tc.cfg, tc.rows, uint64(i+1))
			defer m.Free()
			o := TrainOptions{Steps: 1, BatchSize: tc.rows, LR: 1e-3}
			if tc.auxK {
				o.Revival, o.AuxK = AuxK, 5
			}
			var loss [2]float64
			var fired [2][]float32
			var grads [2][][]float32
			for j, dense := range []bool{true, false} {
				o.DenseTopK = dense
				tr := newTestTrainer(m, o)
				if tc.auxK { // every third latent dead
					for l := 0; l < tc.cfg.Latents; l += 3 {
						tr.dead.since[l] = tr.dead.after
					}
				}
				loss[j], fired[j], grads[j] = stepGrads(t, tr, x)
			}
			if !near(loss[1], loss[0], 1e-5*math.Max(1, math.Abs(loss[0]))) {
				t.Errorf("loss %v, dense %v", loss[1], loss[0])
			}
			if !slices.Equal(fired[1], fired[0]) {
				t.Errorf("fired %v, dense %v", fired[1], fired[0])
			}
			for p := range names {
				within(t, "grad "+names[p], grads[1][p], grads[0][p], 1e-5)
			}
		})
	}
}

// Central finite differences of the sparse path's own loss agree with its
// gradients on a tiny SAE whose top-k choices and ReLU signs have margins
// wider than the perturbation (so the loss is a quadratic in each
// parameter there and the differences are exact up to float32 rounding).
// (The AuxK term differentiates a detached error on purpose, so finite
// differences do not apply to it; TestSparseTopKMatchesDense covers it.)
func TestSparseTopKFiniteDifferences(t *testing.T) {
	cfg := SAEConfig{Kind: TopK, DIn: 3, Latents: 6, K: 2}
	const h = 1e-2
	for _, seed := range []uint64{7, 8} {
		m, x := randomTopK(t, cfg, 5, seed)
		o := TrainOptions{Steps: 1, BatchSize: x.Rows, LR: 1e-3}
		newTr := func(m *SAE) *trainer { return newTestTrainer(m, o) }
		checkMargins(t, m, x, 0.05)
		_, _, grads := stepGrads(t, newTr(m), x)
		host := [][]float32{floats(t, m.WEnc), floats(t, m.BEnc), floats(t, m.WDec), floats(t, m.BPre)}
		lossAt := func() float64 {
			pm := mustSAE(t, cfg, host[0], host[1], host[2], host[3])
			defer pm.Free()
			s := torch.NewNoGradScope()
			defer s.Close()
			l, _ := newTr(pm).forward(s, x.tensor(s))
			v, err := l.Item()
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		for p, vals := range host {
			for i := range vals {
				orig := vals[i]
				vals[i] = orig + h
				up := lossAt()
				vals[i] = orig - h
				down := lossAt()
				vals[i] = orig
				numeric := (up - down) / (2 * h)
				if got := float64(grads[p][i]); math.Abs(numeric-got) > 1e-3*math.Max(1, math.Abs(numeric)) {
					t.Errorf("seed %d: d loss/d param %d[%d]: analytic %v, finite difference %v", seed, p, i, got, numeric)
				}
			}
		}
		m.Free()
	}
}

// checkMargins fails unless, for every row of x, the K-th and (K+1)-th
// pre-activations and every selected value's sign are at least margin
// apart from a change of choice.
func checkMargins(t *testing.T, m *SAE, x Matrix, margin float64) {
	t.Helper()
	s := torch.NewNoGradScope()
	defer s.Close()
	pre := floats(t, m.PreActs(s, x.tensor(s)))
	n, k := m.Config.Latents, m.Config.K
	for r := 0; r < x.Rows; r++ {
		row := slices.Clone(pre[r*n : (r+1)*n])
		slices.Sort(row)
		slices.Reverse(row)
		if gap := float64(row[k-1] - row[k]); gap < margin {
			t.Fatalf("row %d: top-k gap %v < %v; pick another seed", r, gap, margin)
		}
		for _, v := range row[:k] {
			if math.Abs(float64(v)) < margin {
				t.Fatalf("row %d: selected value %v within %v of the ReLU kink", r, v, margin)
			}
		}
	}
}

// Training on the sparse path follows the dense path: the same loss curve
// (to rounding), the same dead latents, revival counts and unit-norm
// decoder columns, for every revival method.
func TestSparseTrainingFollowsDense(t *testing.T) {
	data, _ := sparseData(2000, 16, 24, 0.08, 4)
	for _, rev := range []Revival{NoRevival, Resample, AuxK} {
		var stats [2]TrainStats
		for j, dense := range []bool{true, false} {
			m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 16, Latents: 48, K: 4}, data.ColMeans(), 5)
			if err != nil {
				t.Fatal(err)
			}
			killLatents(t, m, 12)
			o := TrainOptions{Steps: 120, BatchSize: 64, LR: 3e-3, Seed: 3, Revival: rev,
				DeadAfter: 5 * 64, ResampleEvery: 40, DenseTopK: dense}
			stats[j], err = Train(m, data, o)
			if err != nil {
				t.Fatal(err)
			}
			for c, v := range decoderNorms(t, m) {
				if !near(float64(v), 1, 1e-5) {
					t.Errorf("%s dense=%v: decoder column %d has norm %v", rev, dense, c, v)
				}
			}
			m.Free()
		}
		d, sp := stats[0], stats[1]
		for i := range d.LossCurve {
			if !near(sp.LossCurve[i], d.LossCurve[i], 1e-3*d.LossCurve[i]) {
				t.Errorf("%s: loss curve point %d: sparse %v, dense %v", rev, i, sp.LossCurve[i], d.LossCurve[i])
			}
		}
		if sp.DeadAtEnd != d.DeadAtEnd || sp.Resampled != d.Resampled {
			t.Errorf("%s: sparse dead %d resampled %d, dense dead %d resampled %d",
				rev, sp.DeadAtEnd, sp.Resampled, d.DeadAtEnd, d.Resampled)
		}
		if rev == NoRevival && d.DeadAtEnd < 12 {
			t.Errorf("no revival: %d dead at the end, want the 12 killed", d.DeadAtEnd)
		}
	}
}

// BenchmarkTrainTopK times training steps of the `go run ./bench sae` SAE
// (d_in 128, 1024 latents, k 16, batch 1024) on each path, for profiling;
// the figures that count are the bench's.
func BenchmarkTrainTopK(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	data := NewMatrix(8192, 128)
	for i := range data.Data {
		data.Data[i] = float32(rng.NormFloat64())
	}
	for _, dense := range []bool{false, true} {
		b.Run(fmt.Sprintf("dense=%v", dense), func(b *testing.B) {
			m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 128, Latents: 1024, K: 16}, data.ColMeans(), 1)
			if err != nil {
				b.Fatal(err)
			}
			defer m.Free()
			b.ResetTimer()
			if _, err := Train(m, data, TrainOptions{Steps: b.N, BatchSize: 1024, LR: 1e-3, Seed: 1, DenseTopK: dense}); err != nil {
				b.Fatal(err)
			}
		})
	}
}
