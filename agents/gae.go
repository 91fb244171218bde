package agents

import (
	"fmt"
	"math"

	"github.com/misgen/misgen/internal/stats"
)

// GAE computes generalised advantage estimates (Schulman et al.) for a
// rollout of numSteps steps of numEnvs envs, stored step-major: index
// t*numEnvs + e.
//
// dones[t*numEnvs+e] is 1 when the observation at step t is the first of a
// new episode (the previous step ended one), as CleanRL stores it; it cuts
// bootstrapping from step t-1 into step t. lastValues and lastDones are the
// value estimate and done flag of the observation after the last step.
// Returns are advantages + values (the value targets).
//
// For t from the last step down, with lastgaelam = 0 at the end:
//
//	delta_t    = r_t + γ V_{t+1} (1 - d_{t+1}) - V_t
//	lastgaelam = delta_t + γ λ (1 - d_{t+1}) lastgaelam
//	A_t        = lastgaelam
//
// It panics if a slice length does not match numEnvs and numSteps
// (programmer error).
func GAE(rewards, values, dones, lastValues, lastDones []float32, numEnvs, numSteps int, gamma, lambda float64) (advantages, returns []float32) {
	n := numEnvs * numSteps
	if len(rewards) != n || len(values) != n || len(dones) != n || len(lastValues) != numEnvs || len(lastDones) != numEnvs {
		panic(fmt.Sprintf("agents: GAE: lengths rewards %d values %d dones %d (want %d), last values %d last dones %d (want %d)",
			len(rewards), len(values), len(dones), n, len(lastValues), len(lastDones), numEnvs))
	}
	advantages = make([]float32, n)
	returns = make([]float32, n)
	for e := 0; e < numEnvs; e++ {
		lastgaelam := 0.0
		for t := numSteps - 1; t >= 0; t-- {
			var nextNonTerminal, nextValue float64
			if t == numSteps-1 {
				nextNonTerminal = 1 - float64(lastDones[e])
				nextValue = float64(lastValues[e])
			} else {
				nextNonTerminal = 1 - float64(dones[(t+1)*numEnvs+e])
				nextValue = float64(values[(t+1)*numEnvs+e])
			}
			i := t*numEnvs + e
			delta := float64(rewards[i]) + gamma*nextValue*nextNonTerminal - float64(values[i])
			lastgaelam = delta + gamma*lambda*nextNonTerminal*lastgaelam
			advantages[i] = float32(lastgaelam)
			returns[i] = float32(lastgaelam + float64(values[i]))
		}
	}
	return advantages, returns
}

// BootstrapTimeLimits prepares one vector step's rewards for GAE when
// time-limit truncations are not to count as terminal: for every env i
// whose episode its time limit cut on this step (truncated[i]), it adds
// γ·finalValues[i] to rewards[i], finalValues[i] being the critic's value
// of that episode's final observation s_T. GAE treats the episode end as
// terminal (its done flag cuts the next value), so its target for the step
// becomes r + γ·V(s_T), as if the episode had gone on (Pardo et al. 2018,
// "Time Limits in Reinforcement Learning"; SB3 does the same). Rewards of
// other envs are unchanged. It panics if the lengths differ.
func BootstrapTimeLimits(rewards []float32, truncated []bool, finalValues []float32, gamma float64) {
	if len(truncated) != len(rewards) || len(finalValues) != len(rewards) {
		panic(fmt.Sprintf("agents: BootstrapTimeLimits: %d rewards, %d truncation flags, %d final values", len(rewards), len(truncated), len(finalValues)))
	}
	for i, tr := range truncated {
		if tr {
			rewards[i] = float32(float64(rewards[i]) + gamma*float64(finalValues[i]))
		}
	}
}

// ExplainedVariance is 1 - Var(target - pred) / Var(target): 1 for a
// perfect value function, 0 for one no better than the mean, negative for
// worse. It is NaN when the targets have zero variance (as in CleanRL) or
// the slices are empty. It panics if the lengths differ.
func ExplainedVariance(pred, target []float32) float64 {
	if len(pred) != len(target) {
		panic(fmt.Sprintf("agents: ExplainedVariance: %d predictions, %d targets", len(pred), len(target)))
	}
	if len(target) == 0 {
		return math.NaN()
	}
	t := stats.Float64s(target)
	varTarget := stats.PopVariance(t)
	if varTarget == 0 {
		return math.NaN()
	}
	res := make([]float64, len(t))
	for i := range t {
		res[i] = t[i] - float64(pred[i])
	}
	return 1 - stats.PopVariance(res)/varTarget
}
