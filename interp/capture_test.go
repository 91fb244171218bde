package interp

import (
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

func TestCaptureRecordsLayerOutputs(t *testing.T) {
	tm := newTinyModel(t, 5, 7, 3, 2)
	obs := randomObs(10, 5, 3)
	c := NewCapture("fc")
	g := NewGroundTruth(nil, "", "")
	s := torch.NewNoGradScope()
	defer s.Close()
	for lo := 0; lo < 10; lo += 4 { // three batches: 4, 4, 2
		hi := min(10, lo+4)
		logits, _ := tm.forward(s, obs.tensor(s, lo, hi), c.Hook())
		if logits == nil {
			t.Fatal(s.Err())
		}
		for i := lo; i < hi; i++ {
			g.Add(Step{T: int32(i), Action: -1}, "train")
		}
	}
	want := floats(t, s.Relu(s.Linear(obs.tensor(s, 0, 10), tm.w1, tm.b1)))
	got := c.Acts("fc")
	if got.Rows != 10 || got.Cols != 7 {
		t.Fatalf("captured %d×%d, want 10×7", got.Rows, got.Cols)
	}
	for i, v := range want {
		if got.Data[i] != v {
			t.Fatalf("value %d = %v, want %v", i, got.Data[i], v)
		}
	}
	stores, err := c.Stores(g)
	if err != nil || len(stores) != 1 || stores[0].Shape[0] != 7 {
		t.Fatalf("stores %v, %v", stores, err)
	}
	if _, err := NewCapture("conv9").Stores(g); err == nil {
		t.Error("a layer that never ran gave no error")
	}
}
