package agents

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// LossInputs is one minibatch: the policy's current outputs and what the
// rollout recorded. Shapes: Logits [N, A], Values [N], Actions int64 [N],
// the rest float32 [N].
type LossInputs struct {
	Logits, Values *torch.Tensor // current policy outputs (with grad)
	Actions        *torch.Tensor // actions taken
	OldLogProbs    *torch.Tensor // log π_old(a|s) at rollout time
	OldValues      *torch.Tensor // V_old(s) at rollout time
	Advantages     *torch.Tensor // GAE advantages
	Returns        *torch.Tensor // value targets (advantages + old values)
}

// Losses are scalar tensors of one PPO minibatch. Total carries the graph
// for Backward; the others are for logging (ApproxKL and ClipFrac are
// computed without grad).
type Losses struct {
	Total    *torch.Tensor // Policy - EntCoef·Entropy + VFCoef·Value
	Policy   *torch.Tensor // clipped surrogate: mean max(-A·ρ, -A·clip(ρ, 1±ε))
	Value    *torch.Tensor // 0.5·mean (V - R)², or of the max with the clipped error
	Entropy  *torch.Tensor // mean entropy of π(·|s)
	ApproxKL *torch.Tensor // mean (ρ - 1) - log ρ, an unbiased low-variance KL(π_old‖π) estimator
	ClipFrac *torch.Tensor // fraction of samples with |ρ - 1| > ε
}

// advNormEps guards the advantage normalisation, as CleanRL's 1e-8.
const advNormEps = 1e-8

// PPOLoss computes the clipped-surrogate PPO loss of one minibatch in s
// (CleanRL ppo_procgen): ρ = exp(log π(a|s) - log π_old(a|s)); advantages
// are standardised over the minibatch when cfg.NormAdv (with the unbiased
// std, like torch's .std()); the value loss is optionally clipped to
// V_old ± ε. On failure (shape mismatch) it returns zero Losses and s.Err()
// says why.
func PPOLoss(s *torch.Scope, in LossInputs, cfg LossConfig) Losses {
	if s.Err() != nil {
		return Losses{}
	}
	for _, t := range []*torch.Tensor{in.Logits, in.Values, in.Actions, in.OldLogProbs, in.OldValues, in.Advantages, in.Returns} {
		if t == nil {
			s.Fail(fmt.Errorf("agents: PPOLoss: nil input tensor"))
			return Losses{}
		}
	}
	logp := s.LogSoftmax(in.Logits, 1)
	newLogProb := s.Reshape(s.Gather(logp, 1, s.Reshape(in.Actions, -1, 1)), -1)
	entropy := s.Mean(s.Neg(s.Sum(s.Mul(s.Exp(logp), logp), false, 1)), false)

	logRatio := s.Sub(newLogProb, in.OldLogProbs)
	ratio := s.Exp(logRatio)

	// Logging statistics carry no gradient.
	dRatio, dLogRatio := s.Detach(ratio), s.Detach(logRatio)
	approxKL := s.Mean(s.Sub(s.SubScalar(dRatio, 1), dLogRatio), false)
	clipFrac := s.Mean(s.ToFloat32(s.GtScalar(s.Abs(s.SubScalar(dRatio, 1)), cfg.ClipCoef)), false)

	adv := in.Advantages
	if cfg.NormAdv {
		adv = s.Div(s.Sub(adv, s.Mean(adv, false)), s.AddScalar(s.Std(adv, false), advNormEps))
	}
	pg1 := s.Mul(s.Neg(adv), ratio)
	pg2 := s.Mul(s.Neg(adv), s.Clamp(ratio, 1-cfg.ClipCoef, 1+cfg.ClipCoef))
	pgLoss := s.Mean(s.Maximum(pg1, pg2), false)

	values := s.Reshape(in.Values, -1)
	unclipped := s.Square(s.Sub(values, in.Returns))
	var vLoss *torch.Tensor
	if cfg.ClipVLoss {
		clippedV := s.Add(in.OldValues, s.Clamp(s.Sub(values, in.OldValues), -cfg.ClipCoef, cfg.ClipCoef))
		clipped := s.Square(s.Sub(clippedV, in.Returns))
		vLoss = s.MulScalar(s.Mean(s.Maximum(unclipped, clipped), false), 0.5)
	} else {
		vLoss = s.MulScalar(s.Mean(unclipped, false), 0.5)
	}
	total := s.Add(s.Sub(pgLoss, s.MulScalar(entropy, cfg.EntCoef)), s.MulScalar(vLoss, cfg.VFCoef))
	if s.Err() != nil {
		return Losses{}
	}
	return Losses{Total: total, Policy: pgLoss, Value: vLoss, Entropy: entropy, ApproxKL: approxKL, ClipFrac: clipFrac}
}
