package agents

import (
	"fmt"

	"github.com/misgen/misgen/internal/torch"
)

// rollout steps the envs NumSteps times with actions sampled from the
// policy, filling the rollout storage and the bootstrap values (CleanRL's
// rollout loop and "bootstrap value if not done").
func (t *trainer) rollout() error {
	s := torch.NewNoGradScope()
	defer s.Close()
	for step := 0; step < t.sizes.NumSteps; step++ {
		if err := t.act(s, step); err != nil {
			return err
		}
		if err := t.envStep(step); err != nil {
			return err
		}
		if t.opt.PPO.BootstrapTimeouts {
			if err := t.bootstrapTimeLimits(s, step); err != nil {
				return err
			}
		}
	}
	if err := t.criticValues(s, t.envs.obs, t.lastValues); err != nil {
		return err
	}
	for i, d := range t.nextDone {
		t.lastDones[i] = b2f(d)
	}
	return nil
}

// act stores the step's observations and done flags, runs the policy on
// the observations and samples every env's action (CleanRL's
// get_action_and_value).
func (t *trainer) act(s *torch.Scope, step int) error {
	E, A, obsSize, sh := t.sizes.NumEnvs, t.io.NumActions, t.io.ObsSize(), t.io.ObsShape
	base := step * E
	copy(t.obs[base*obsSize:(base+E)*obsSize], t.envs.obs)
	for i, d := range t.nextDone {
		t.dones[base+i] = b2f(d)
	}
	obs := s.FromFloat32(t.envs.obs, int64(E), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	logits, value := t.policy.Forward(s, obs, nil)
	logp := s.LogSoftmax(logits, 1)
	if err := s.Err(); err != nil {
		return err
	}
	if err := logp.CopyToFloat32(t.stepLogits); err != nil {
		return err
	}
	if err := value.CopyToFloat32(t.values[base : base+E]); err != nil {
		return err
	}
	s.Close()
	for i := 0; i < E; i++ {
		lp := t.stepLogits[i*A : (i+1)*A]
		a, ok := pickAction(t.actionRNG, lp, false)
		if !ok {
			return fmt.Errorf("env %d step %d: the policy gave non-finite action log-probabilities %v", i, step, lp)
		}
		t.stepActions[i] = a
		t.actions[base+i] = int64(a)
		t.logProbs[base+i] = lp[a]
	}
	return nil
}

// envStep applies the sampled actions and stores the (normalised)
// rewards and the done flags of the next observations.
func (t *trainer) envStep(step int) error {
	E := t.sizes.NumEnvs
	if err := t.envs.step(t.stepActions); err != nil {
		return err
	}
	t.globalStep += int64(E)
	r := t.rewards[step*E : (step+1)*E]
	copy(r, t.envs.rewards)
	if t.rewardNorm != nil {
		t.rewardNorm.Normalize(r, t.envs.dones)
	}
	copy(t.nextDone, t.envs.dones)
	return nil
}

// bootstrapTimeLimits adds γ·V(s_T) to the step's reward of every env
// whose episode its time limit just cut, V(s_T) being the critic's value
// of the episode's final observation (see BootstrapTimeLimits).
func (t *trainer) bootstrapTimeLimits(s *torch.Scope, step int) error {
	cut := false
	for _, tr := range t.envs.truncated {
		cut = cut || tr
	}
	if !cut {
		return nil
	}
	// One forward pass over every env's row keeps the code simple;
	// truncations are rare (at most one per episode).
	if err := t.criticValues(s, t.envs.finalObs, t.timeLimitValues); err != nil {
		return err
	}
	E := t.sizes.NumEnvs
	BootstrapTimeLimits(t.rewards[step*E:(step+1)*E], t.envs.truncated, t.timeLimitValues, t.opt.PPO.Gamma)
	return nil
}

// criticValues writes the critic's value of each observation in obs (rows
// of ObsSize) into dst.
func (t *trainer) criticValues(s *torch.Scope, obs []float32, dst []float32) error {
	sh := t.io.ObsShape
	x := s.FromFloat32(obs, int64(len(dst)), int64(sh[0]), int64(sh[1]), int64(sh[2]))
	_, value := t.policy.Forward(s, x, nil)
	if err := s.Err(); err != nil {
		return err
	}
	if err := value.CopyToFloat32(dst); err != nil {
		return err
	}
	s.Close()
	return nil
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
