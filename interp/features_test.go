package interp

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPearsonKnownValues(t *testing.T) {
	for i, tc := range []struct {
		x, y []float64
		want float64
	}{
		{[]float64{1, 2, 3}, []float64{2, 4, 6}, 1},
		{[]float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{[]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8}, // Σdxdy = 4, Σdx² = Σdy² = 5
		{[]float64{1, 1, 1}, []float64{1, 2, 3}, 0},
		{[]float64{-1, 0, 1}, []float64{1, 0, 1}, 0},
	} {
		if got := Pearson(tc.x, tc.y); !near(got, tc.want, 1e-12) {
			t.Errorf("case %d: Pearson = %v, want %v", i, got, tc.want)
		}
	}
}

func TestAUCKnownValues(t *testing.T) {
	for i, tc := range []struct {
		s    []float64
		l    []bool
		want float64
	}{
		{[]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{[]float64{0.1, 0.2, 0.8, 0.9}, []bool{true, true, false, false}, 0},
		{[]float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		// Positives 0.3, 0.9 against negatives 0.1, 0.5, 0.9: 0.3 wins one
		// pair, 0.9 wins two and ties one (½): 3.5 of 6 pairs.
		{[]float64{0.3, 0.9, 0.1, 0.5, 0.9}, []bool{true, true, false, false, false}, 3.5 / 6},
	} {
		if got := AUC(tc.s, tc.l); !near(got, tc.want, 1e-12) {
			t.Errorf("case %d: AUC = %v, want %v", i, got, tc.want)
		}
	}
	if got := AUC([]float64{1, 2}, []bool{true, true}); !math.IsNaN(got) {
		t.Errorf("AUC with one class = %v, want NaN", got)
	}
}

// Fixed-seed property: AUC equals the brute-force pair count.
func TestAUCMatchesPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := 0; trial < 50; trial++ {
		n := 2 + rng.IntN(30)
		s := make([]float64, n)
		l := make([]bool, n)
		for i := range s {
			s[i] = float64(rng.IntN(5)) // many ties
			l[i] = rng.IntN(2) == 0
		}
		var won, pairs float64
		for i := range s {
			for j := range s {
				if l[i] && !l[j] {
					pairs++
					switch {
					case s[i] > s[j]:
						won++
					case s[i] == s[j]:
						won += 0.5
					}
				}
			}
		}
		got := AUC(s, l)
		if pairs == 0 {
			if !math.IsNaN(got) {
				t.Errorf("trial %d: AUC %v with one class", trial, got)
			}
			continue
		}
		if !near(got, won/pairs, 1e-12) {
			t.Errorf("trial %d: AUC %v, pair count %v", trial, got, won/pairs)
		}
	}
}

// Synthetic codes with planted answers: latent 0 tracks a continuous goal
// concept, latent 2 fires exactly when a binary proxy concept holds, latent
// 1 is noise.
func TestTopActivating(t *testing.T) {
	codes := Matrix{Rows: 5, Cols: 2, Data: []float32{0, 1, 3, 0, 0, 2, 5, 0, 1, 0}}
	got := TopActivating(codes, 0, 2)
	if len(got) != 2 || got[0] != 3 || got[1] != 1 {
		t.Errorf("TopActivating = %v, want [3 1]", got)
	}
	if got := TopActivating(codes, 1, 10); len(got) != 2 || got[0] != 2 || got[1] != 0 {
		t.Errorf("TopActivating latent 1 = %v, want [2 0] (zeros skipped)", got)
	}
}
