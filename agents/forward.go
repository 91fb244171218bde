package agents

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// MaxForwardBatch bounds the observations of one forward pass of
// ForwardBatches.
const MaxForwardBatch = 1024

// ForwardBatches runs p without autograd on the n observations of obs
// (n·C·H·W values in the policy's IO shape), at most MaxForwardBatch at a
// time, with hook (nil for none) on every pass. For each batch it calls fn
// with the batch's scope, the index of its first observation, its logits
// [m, NumActions] and values [m]; the tensors are freed when fn returns.
// An obs length that is not a multiple of the observation size, a failed
// forward pass or an error from fn ends it with that error.
func ForwardBatches(p Policy, obs []float32, hook Hook, fn func(s *torch.Scope, lo int, logits, values *torch.Tensor) error) error {
	io := p.IO()
	size := io.ObsSize()
	if len(obs)%size != 0 {
		return fmt.Errorf("agents: %d observation values are not a multiple of the observation size %d", len(obs), size)
	}
	n := len(obs) / size
	sh := io.ObsShape
	for lo := 0; lo < n; lo += MaxForwardBatch {
		m := min(MaxForwardBatch, n-lo)
		if err := forwardBatch(p, obs[lo*size:(lo+m)*size], int64(m), sh, hook, func(s *torch.Scope, logits, values *torch.Tensor) error {
			return fn(s, lo, logits, values)
		}); err != nil {
			return err
		}
	}
	return nil
}

// forwardBatch runs one batch of m observations in its own no-grad scope.
func forwardBatch(p Policy, obs []float32, m int64, sh [3]int, hook Hook, fn func(s *torch.Scope, logits, values *torch.Tensor) error) error {
	s := torch.NewNoGradScope()
	defer s.Close()
	x := s.FromFloat32(obs, m, int64(sh[0]), int64(sh[1]), int64(sh[2]))
	logits, values := p.Forward(s, x, hook)
	if err := s.Err(); err != nil {
		return fmt.Errorf("agents: forward pass: %w", err)
	}
	return fn(s, logits, values)
}
