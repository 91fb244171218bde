package interp

import "testing"

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
