package stats

import (
	"math/rand/v2"
	"testing"
)

// The audit's shape: 6 configs × 8 seeds = 48 agents.

func BenchmarkSpearman48(b *testing.B) {
	x, y, _ := population(1, 6, 8, 0.5, 0.5, 1)
	for b.Loop() {
		Spearman(x, y)
	}
}

func BenchmarkSpearmanClusterCI48x2000(b *testing.B) {
	x, y, cl := population(1, 6, 8, 0.5, 0.5, 1)
	for b.Loop() {
		SpearmanClusterCI(x, y, cl, 2000, 1)
	}
}

func BenchmarkPairedAbsRhoDiff48x2000(b *testing.B) {
	x, y, cl := population(1, 6, 8, 0.5, 0.5, 1)
	x2, _, _ := population(2, 6, 8, 0.5, 0.5, 1)
	for b.Loop() {
		PairedAbsRhoDiff(x, x2, y, cl, 2000, 1)
	}
}

func BenchmarkPermutationWithin48x10000(b *testing.B) {
	x, y, cl := population(1, 6, 8, 0.5, 0.5, 1)
	for b.Loop() {
		PermutationWithin(x, y, cl, 10000, 1)
	}
}

func BenchmarkNestedLOORidge48x5x5(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	X, y := make([][]float64, 48), make([]float64, 48)
	for i := range X {
		X[i] = make([]float64, 5)
		for j := range X[i] {
			X[i][j] = rng.NormFloat64()
		}
		y[i] = X[i][0] + rng.NormFloat64()
	}
	lambdas := []float64{0.1, 1, 10, 100, 1000}
	for b.Loop() {
		NestedLOORidge(X, y, lambdas)
	}
}

func BenchmarkLeaveClusterOut48(b *testing.B) {
	x, y, cl := population(1, 6, 8, 0.5, 0.5, 1)
	for b.Loop() {
		LeaveClusterOut(x, y, cl)
	}
}

// The pipeline's other shapes: a paired table of 600 (seed, level) units
// with 2000 resamples, a layer's latents scored against a concept, a
// preference table of 8 seeds, a rollout's values, a row of logits.

func BenchmarkComparePairedRates600x2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	base, treated := make([]bool, 600), make([]bool, 600)
	for i := range base {
		base[i], treated[i] = rng.IntN(10) < 9, rng.IntN(10) < 8
	}
	for b.Loop() {
		ComparePairedRates(base, treated, 2000, 1)
	}
}

func BenchmarkMcNemar(b *testing.B) {
	for b.Loop() {
		McNemar(77, 28)
	}
}

func BenchmarkPartialCorrelation2000(b *testing.B) {
	x, y, _ := population(1, 1, 2000, 0.5, 0, 1)
	z, _, _ := population(2, 1, 2000, 0.5, 0, 1)
	for b.Loop() {
		PartialCorrelation(x, y, z)
	}
}

func BenchmarkAUC2000(b *testing.B) {
	x, _, _ := population(1, 1, 2000, 0.5, 0, 1)
	labels := make([]bool, len(x))
	for i := range labels {
		labels[i] = i%3 == 0
	}
	for b.Loop() {
		AUC(x, labels)
	}
}

func BenchmarkChiSquareHomogeneity8(b *testing.B) {
	k, n := []int{12, 40, 33, 7, 50, 21, 38, 19}, []int{60, 64, 58, 61, 63, 57, 66, 59}
	for b.Loop() {
		ChiSquareHomogeneity(k, n)
	}
}

func BenchmarkR2_2000(b *testing.B) {
	x, y, _ := population(1, 1, 2000, 0.5, 0, 1)
	for b.Loop() {
		R2(x, y)
	}
}

func BenchmarkPopVariance4096(b *testing.B) {
	x, _, _ := population(1, 1, 4096, 0.5, 0, 1)
	for b.Loop() {
		PopVariance(x)
	}
}

func BenchmarkLogSoftmax15(b *testing.B) {
	x, _, _ := population(1, 1, 15, 0.5, 0, 1)
	for b.Loop() {
		LogSoftmax(x)
	}
}
