package agents

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// Batched outputs equal one forward pass per observation, in order, and
// the batches cover every observation once.
func TestForwardBatchesMatchesSingleRows(t *testing.T) {
	p, err := NewPolicy(testArchs[1], testIO, 3)
	if err != nil {
		t.Fatal(err)
	}
	size := testIO.ObsSize()
	n := MaxForwardBatch + 37
	rng := rand.New(rand.NewPCG(1, 2))
	obs := make([]float32, n*size)
	for i := range obs {
		obs[i] = rng.Float32()
	}
	var logits, values []float32
	var starts []int
	err = ForwardBatches(p, obs, nil, func(s *torch.Scope, lo int, l, v *torch.Tensor) error {
		starts = append(starts, lo)
		a, err := l.Float32s()
		if err != nil {
			return err
		}
		b, err := v.Float32s()
		logits, values = append(logits, a...), append(values, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(starts) != 2 || starts[0] != 0 || starts[1] != MaxForwardBatch || len(values) != n || len(logits) != n*testIO.NumActions {
		t.Fatalf("batches start at %v with %d values, %d logits; want [0 %d], %d, %d", starts, len(values), len(logits), MaxForwardBatch, n, n*testIO.NumActions)
	}
	for _, i := range []int{0, MaxForwardBatch - 1, MaxForwardBatch, n - 1} {
		s := torch.NewNoGradScope()
		x := s.FromFloat32(obs[i*size:(i+1)*size], 1, int64(testIO.ObsShape[0]), int64(testIO.ObsShape[1]), int64(testIO.ObsShape[2]))
		l, v := p.Forward(s, x, nil)
		a, err := l.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		b, err := v.Float32s()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if math.Abs(float64(b[0]-values[i])) > 1e-5 {
			t.Errorf("row %d: value %v batched, %v alone", i, values[i], b[0])
		}
		for k, want := range a {
			if got := logits[i*testIO.NumActions+k]; math.Abs(float64(got-want)) > 1e-5 {
				t.Errorf("row %d logit %d: %v batched, %v alone", i, k, got, want)
			}
		}
	}
	if err := ForwardBatches(p, obs[:size+1], nil, func(*torch.Scope, int, *torch.Tensor, *torch.Tensor) error { return nil }); err == nil {
		t.Error("a partial observation was accepted")
	}
}
