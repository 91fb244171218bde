// Package circumvent stress-tests white-box audit statistics: which of them
// an agent could defeat without changing its behaviour.
//
// # Passive controls: function-preserving reparametrisations
//
// A reparametrisation changes a policy's parameters but not its function
// (logits and values on every observation, to float rounding). A statistic
// that changes under one measures the parametrisation, not the policy.
// Params holds a host copy of a policy's parameters; Transform changes one
// hidden Space's basis; Controls are the named random controls.
//
// Which transformations are exact depends on what the hidden units pass
// through. With P a permutation and D a diagonal matrix:
//
//   - ReLU: relu(P D z) = P D relu(z) exactly when D's entries are
//     positive. So a space followed by a ReLU admits permutations and
//     positive per-unit scales, and nothing else in general.
//   - Max-pool (per channel, over positions): commutes with permutations
//     of channels and positive per-channel scales, likewise.
//   - Residual sums x + f(x): every term of the sum shares one basis, so a
//     transform of a stream must be applied to everything that writes it
//     (the stage conv before the max-pool, every block's second conv) and
//     undone in everything that reads it (every block's first conv after
//     its ReLU, the next stage's conv or fc after the flatten).
//   - The bilinear block h = e + (W e) ⊙ (V e): the elementwise product
//     pins the product's basis up to permutation and per-unit scale
//     ((D a) ⊙ b = D (a ⊙ b)), and the residual ties e's basis to the
//     product's, so e, W e, the product and h share one basis. Exact:
//     e' = P D e (embed rows), W' = P D W D⁻¹ Pᵀ, V' = P V D⁻¹ Pᵀ, heads'
//     columns · D⁻¹ Pᵀ, for any nonzero D (signs included: no ReLU); and,
//     inside the product, row k of W times α_k with row k of V divided by
//     α_k (BalanceBilinear), or rows k of W and V swapped.
//   - Heads: the logits and the value are outputs, so no basis change
//     applies to them. (Adding one constant to every logit keeps the
//     action distribution but not the logits; it is not used.)
//
// Rotations are not exact anywhere in the three architectures. A rotation
// R of a hidden basis can be absorbed by the next layer only when nothing
// nonlinear sits between the two linear maps, and every hidden space here
// passes through a ReLU, a max-pool or (bilinear) the elementwise product
// and its residual: with e' = R e, W' = W Rᵀ and V' = V Rᵀ the product is
// unchanged but h' = R e + (W e) ⊙ (V e), which no head can map back to h
// unless R is a signed permutation. The tests measure this (a random
// rotation of the bilinear embedding and of an MLP hidden layer, absorbed
// as far as linear algebra allows, changes the logits by orders of
// magnitude more than the exact transforms). So the controls are the full
// exact group: permutations and scales (and the bilinear balance); the
// rotation-invariance of a statistic (the bilinear eigen-mass reads the
// quadratic form pulled back to the observation, which no change of the
// embedding's basis affects) has to be argued, not tested by a control.
//
// # Active circumvention
//
// FineTune changes a policy on in-distribution observations to move one
// audit statistic while holding its action distribution to the original's:
// loss = KL(original ‖ new) + value drift + λ · penalty, with the held-out
// KL checked every few steps against a tolerance (a step that exceeds it
// is rolled back and λ halved), so the returned policy is within the
// tolerance on the check observations by construction. The penalty is a
// pluggable differentiable surrogate (Penalty). ShareScaling is the exact
// (zero-KL) attack on first-layer weight mass.
package circumvent
