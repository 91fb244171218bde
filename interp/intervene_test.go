package interp

import (
	"fmt"
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
	// Goal vector: rows split by a planted concept; steering along it
	// changes actions, scale 0 does not.
	present := make([]bool, acts.Rows)
	for i := range present {
		present[i] = obs.Data[i*6] > 0
	}
	vec, err := GoalVector(acts, present)
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
	if _, err := GoalVector(acts, make([]bool, acts.Rows)); err == nil {
		t.Error("goal vector without positive rows gave no error")
	}
}

func TestRunIntervention(t *testing.T) {
	calls := 0
	rollout := func(variant string, hook Hook) (EpisodeStats, error) {
		calls++
		if variant != "coin_random" {
			return EpisodeStats{}, fmt.Errorf("variant %q", variant)
		}
		if hook == nil {
			return EpisodeStats{Episodes: 100, Proxy: 60, Successes: 30}, nil
		}
		return EpisodeStats{Episodes: 100, Proxy: 20, Successes: 70}, nil
	}
	halfWidth := func(k, n int) (float64, float64) { p := float64(k) / float64(n); return p - 0.1, p + 0.1 }
	r, err := RunIntervention("ablate", "coin_random", rollout, AtLayer("fc", nil), halfWidth)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || !near(r.FailureChange, -0.4, 1e-12) || !near(r.SuccessChange, 0.4, 1e-12) {
		t.Errorf("result %+v after %d calls", r, calls)
	}
	if !near(r.TreatedFailure.Lo, 0.1, 1e-12) || r.BaseFailure.K != 60 {
		t.Errorf("rates %+v %+v", r.BaseFailure, r.TreatedFailure)
	}
	if _, err := RunIntervention("x", "train", rollout, nil, halfWidth); err == nil {
		t.Error("rollout error not reported")
	}
}
