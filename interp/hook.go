package interp

import "github.com/misgen/misgen/internal/torch"

// Hook is called by a policy's forward pass at each named layer with that
// layer's output. It returns act to leave the pass unchanged, or a tensor of
// the same shape to replace it (splicing an SAE, ablating a feature). It is
// an alias so that a policy package can declare its own hook type with the
// same signature and still accept interp's hooks without conversion.
type Hook = func(s *torch.Scope, layer string, act *torch.Tensor) *torch.Tensor

// ModelFunc runs a policy forward pass on a batch of observations
// [B, obs...] in scope s, calling hook (which may be nil) at each named
// layer, and returns action logits [B, A] and values [B] (value may be nil
// when a caller does not need it).
type ModelFunc func(s *torch.Scope, obs *torch.Tensor, hook Hook) (logits, value *torch.Tensor)

// AtLayer returns a hook that applies f to the output of the named layer and
// passes every other layer through.
func AtLayer(layer string, f func(s *torch.Scope, act *torch.Tensor) *torch.Tensor) Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		if name != layer {
			return act
		}
		return f(s, act)
	}
}

// Chain returns a hook that applies hooks in order, each seeing the previous
// one's output; nil hooks are skipped.
func Chain(hooks ...Hook) Hook {
	return func(s *torch.Scope, name string, act *torch.Tensor) *torch.Tensor {
		for _, h := range hooks {
			if h != nil {
				act = h(s, name, act)
			}
		}
		return act
	}
}

// flatRows reshapes act [B, ...] to [B, D]; the caller restores the shape
// with s.Reshape(out, act.Shape()...).
func flatRows(s *torch.Scope, act *torch.Tensor) *torch.Tensor {
	sh := act.Shape()
	if len(sh) == 2 {
		return act
	}
	return s.Reshape(act, sh[0], -1)
}
