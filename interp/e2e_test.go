package interp

import (
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func TestTrainE2EReducesKLAndFreezesPolicy(t *testing.T) {
	tm := newTinyModel(t, 6, 12, 4, 6)
	// The policy's weights are trainable leaves, as in a real policy.
	for _, p := range []*torch.Tensor{tm.w1, tm.b1, tm.w2, tm.b2} {
		if err := p.SetRequiresGrad(true); err != nil {
			t.Fatal(err)
		}
	}
	w2Before := floats(t, tm.w2)
	obs := randomObs(600, 6, 7)
	held := randomObs(300, 6, 8)
	acts := layerActs(t, tm.forward, obs)
	heldActs := layerActs(t, tm.forward, held)
	cfg := SAEConfig{Kind: TopK, DIn: 12, Latents: 24, K: 2}
	local, err := NewSAE(cfg, acts.ColMeans(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Free()
	e2e, err := NewSAE(cfg, acts.ColMeans(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer e2e.Free()
	klInit, err := DownstreamKL(tm.forward, SpliceHook(Flat("fc"), e2e, false), held)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(local, acts, TrainOptions{Steps: 300, BatchSize: 64, LR: 3e-3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	freeze := []torch.Named{{Name: "w1", Tensor: tm.w1}, {Name: "b1", Tensor: tm.b1}, {Name: "w2", Tensor: tm.w2}, {Name: "b2", Tensor: tm.b2}}
	st, err := TrainE2E(e2e, tm.forward, Flat("fc"), obs, E2EOptions{Steps: 300, BatchSize: 64, LR: 3e-3, Seed: 1, Freeze: freeze})
	if err != nil {
		t.Fatal(err)
	}
	if st.Steps != 300 {
		t.Errorf("steps %d", st.Steps)
	}
	var kl, l0 [2]float64
	for i, m := range []*SAE{local, e2e} {
		if kl[i], err = DownstreamKL(tm.forward, SpliceHook(Flat("fc"), m, false), held); err != nil {
			t.Fatal(err)
		}
		mt, err := Evaluate(m, heldActs)
		if err != nil {
			t.Fatal(err)
		}
		l0[i] = mt.L0
	}
	t.Logf("KL init %.4f; local KL %.4f L0 %.2f; e2e KL %.4f L0 %.2f", klInit, kl[0], l0[0], kl[1], l0[1])
	if kl[1] > klInit/3 {
		t.Errorf("e2e KL %v not below a third of the initial %v", kl[1], klInit)
	}
	if kl[1] >= kl[0] {
		t.Errorf("e2e KL %v not below local KL %v at the same k", kl[1], kl[0])
	}
	if l0[0] > 2 || l0[1] > 2 {
		t.Errorf("L0 local %v e2e %v above k", l0[0], l0[1])
	}
	for i, v := range floats(t, tm.w2) {
		if v != w2Before[i] {
			t.Fatal("e2e training changed the policy's weights")
		}
	}
	if !tm.w2.RequiresGrad() {
		t.Error("frozen parameter's requires-grad flag not restored")
	}
	s := torch.NewNoGradScope()
	defer s.Close()
	if g := s.Grad(tm.w2); g != nil {
		t.Error("frozen policy parameter accumulated a gradient")
	}
}
