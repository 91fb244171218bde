package agents

import "github.com/misgen/misgen/agents/agentconfig"

// The configuration types live in the torch-free package agentconfig, so an
// experiment config decodes without linking libtorch; these names are the
// same types.
type (
	// PolicyConfig is the [agent] table (agentconfig.PolicyConfig).
	PolicyConfig = agentconfig.PolicyConfig
	// PPOConfig is the [ppo] table (agentconfig.PPOConfig).
	PPOConfig = agentconfig.PPOConfig
	// LossConfig is the part of PPOConfig the PPO loss reads.
	LossConfig = agentconfig.LossConfig
)

// DefaultPolicyConfig is agentconfig.DefaultPolicyConfig.
func DefaultPolicyConfig() PolicyConfig { return agentconfig.DefaultPolicyConfig() }

// DefaultPPOConfig is agentconfig.DefaultPPOConfig.
func DefaultPPOConfig() PPOConfig { return agentconfig.DefaultPPOConfig() }
