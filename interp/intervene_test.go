package interp

import (
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// actions returns the greedy actions of the model on obs under hook.
func actions(t *testing.T, model ModelFunc, obs Observations, hook Hook) ([]int64, []float32) {
	t.Helper()
	s := torch.NewNoGradScope()
	defer s.Close()
	logits, _ := model(s, obs.tensor(s, 0, obs.Rows), hook)
	a, err := s.Argmax(logits, false, 1).Int64s()
	if err != nil {
		t.Fatal(err)
	}
	return a, floats(t, logits)
}

func countDiff(a, b []int64) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func TestInterventionsChangeActions(t *testing.T) {
	tm := newTinyModel(t, 6, 8, 4, 3)
	obs := randomObs(200, 6, 4)
	acts := layerActs(t, tm.forward, obs)
	// A random (imperfect) TopK SAE: the error term must keep the
	// unedited pass exact anyway.
	m, err := NewSAE(SAEConfig{Kind: TopK, DIn: 8, Latents: 16, K: 3}, acts.ColMeans(), 5)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Free()
	base, baseLogits := actions(t, tm.forward, obs, nil)
	_, noEdit := actions(t, tm.forward, obs, EditHook(Flat("fc"), m, nil))
	for i := range baseLogits {
		if !near(float64(noEdit[i]), float64(baseLogits[i]), 1e-4) {
			t.Fatalf("edit hook without edits changed logit %d: %v vs %v", i, noEdit[i], baseLogits[i])
		}
	}
	codes, err := Codes(m, acts)
	if err != nil {
		t.Fatal(err)
	}
	// Ablate every latent that fires: actions must change for some rows
	// and only on rows where an ablated latent was active.
	var edits []LatentEdit
	for j, f := range LatentMax(codes) {
		if f > 0 {
			edits = append(edits, LatentEdit{Latent: j})
		}
	}
	ablated, _ := actions(t, tm.forward, obs, EditHook(Flat("fc"), m, edits))
	if countDiff(base, ablated) == 0 {
		t.Error("ablating all active latents changed no action")
	}
	// Clamping one latent high changes actions.
	clamped, _ := actions(t, tm.forward, obs, EditHook(Flat("fc"), m, []LatentEdit{{Latent: edits[0].Latent, Value: 50}}))
	if countDiff(base, clamped) == 0 {
		t.Error("clamping a latent to 50 changed no action")
	}
	// Ablating a latent on rows where it is zero changes nothing there.
	j := edits[0].Latent
	one, oneLogits := actions(t, tm.forward, obs, EditHook(Flat("fc"), m, []LatentEdit{{Latent: j}}))
	for i := 0; i < obs.Rows; i++ {
		if codes.Data[i*codes.Cols+j] == 0 && one[i] != base[i] {
			t.Errorf("row %d: latent %d inactive, yet ablation changed the action (logits %v)", i, j, oneLogits[i*4:i*4+4])
		}
	}
	// Paired vector: the same observations with input 0 raised by 1;
	// steering along it changes actions, scale 0 does not.
	shifted := Observations{Matrix: NewMatrix(obs.Rows, obs.Cols), Shape: obs.Shape}
	copy(shifted.Data, obs.Data)
	for i := 0; i < obs.Rows; i++ {
		shifted.Data[i*6]++
	}
	vec, err := PairedVector(layerActs(t, tm.forward, shifted), acts)
	if err != nil {
		t.Fatal(err)
	}
	if zero, _ := actions(t, tm.forward, obs, SteerHook(Flat("fc"), vec, 0)); countDiff(base, zero) != 0 {
		t.Error("steering with scale 0 changed actions")
	}
	for _, scale := range []float64{-5, 5} {
		if st, _ := actions(t, tm.forward, obs, SteerHook(Flat("fc"), vec, scale)); countDiff(base, st) == 0 {
			t.Errorf("steering with scale %v changed no action", scale)
		}
	}
	if _, err := PairedVector(acts, Matrix{Rows: 1, Cols: acts.Cols, Data: make([]float32, acts.Cols)}); err == nil {
		t.Error("unpaired rows gave no error")
	}
}
