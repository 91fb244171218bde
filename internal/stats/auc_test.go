package stats

import (
	"math/rand/v2"
	"testing"
)

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		name string
		s    []float64
		l    []bool
		want float64
	}{
		{"separated", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.1, 0.2, 0.8, 0.9}, []bool{true, true, false, false}, 0},
		{"all tied", []float64{1, 1, 1, 1}, []bool{true, false, true, false}, 0.5},
		// Positives 0.3, 0.9 against negatives 0.1, 0.5, 0.9: 0.3 wins one
		// pair, 0.9 wins two and ties one (½): 3.5 of 6 pairs.
		{"ties", []float64{0.3, 0.9, 0.1, 0.5, 0.9}, []bool{true, true, false, false, false}, 3.5 / 6},
		{"one class", []float64{1, 2}, []bool{true, true}, nan},
		{"empty", nil, nil, nan},
		{"NaN", []float64{1, nan, 3}, []bool{true, false, true}, nan},
	} {
		if got := AUC(c.s, c.l); !near(got, c.want, 1e-12) {
			t.Errorf("%s: AUC = %v, want %v", c.name, got, c.want)
		}
	}
}

// Fixed-seed property: AUC equals the brute-force count of won pairs.
func TestAUCMatchesPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := 0; trial < 50; trial++ {
		n := 2 + rng.IntN(30)
		s, l := make([]float64, n), make([]bool, n)
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
		want := nan
		if pairs > 0 {
			want = won / pairs
		}
		if got := AUC(s, l); !near(got, want, 1e-12) {
			t.Errorf("trial %d: AUC %v, pair count %v", trial, got, want)
		}
	}
}
