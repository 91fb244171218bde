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
