package interp

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func TestMain(m *testing.M) {
	torch.SetNumThreads(1)
	torch.ManualSeed(1)
	os.Exit(m.Run())
}

// sparseData returns n rows x = Σ_{i active} c_i f_i with nf random unit
// feature directions f_i in dim dims, each active independently with
// probability p and coefficient c_i ~ U(0.5, 1.5).
func sparseData(n, dims, nf int, p float64, seed uint64) (Matrix, [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	feats := make([][]float64, nf)
	for i := range feats {
		f := make([]float64, dims)
		var norm float64
		for j := range f {
			f[j] = rng.NormFloat64()
			norm += f[j] * f[j]
		}
		for j := range f {
			f[j] /= math.Sqrt(norm)
		}
		feats[i] = f
	}
	m := NewMatrix(n, dims)
	for r := 0; r < n; r++ {
		row := m.Row(r)
		for _, f := range feats {
			if rng.Float64() < p {
				c := 0.5 + rng.Float64()
				for j := range row {
					row[j] += float32(c * f[j])
				}
			}
		}
	}
	return m, feats
}

func mustSAE(t *testing.T, cfg SAEConfig, wEnc, bEnc, wDec, bPre []float32) *SAE {
	t.Helper()
	m, err := saeFromHost(cfg, wEnc, bEnc, wDec, bPre)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func floats(t *testing.T, x *torch.Tensor) []float32 {
	t.Helper()
	v, err := x.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
