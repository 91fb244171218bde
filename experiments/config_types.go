package experiments

import (
	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/viz/palette"
)

// Config is one decoded, validated experiment. Decoding lives in the
// torch-free package config (so the viewer can read a config without
// linking libtorch); this package runs it.
type Config = config.Config

// outcomeRoles names the game's success and proxy outcomes, for colouring.
func outcomeRoles(c *Config) palette.Outcomes {
	spec, err := c.Spec()
	if err != nil {
		return palette.Outcomes{}
	}
	return palette.Outcomes{Success: string(spec.Success), Proxy: string(spec.Proxy)}
}
