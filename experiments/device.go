package experiments

import (
	"context"

	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/internal/keyerr"
	"github.com/misgen/misgen/internal/torch"
)

// Device resolves ppo.device for this binary: the CPU, or the first GPU
// for "cuda". A binary whose libtorch sees no GPU (a CPU build, or no GPU
// on this machine) gets a *ConfigError naming the key and what to do.
// Training, evaluation and the interp stage all run on this device.
func Device(c *Config) (torch.Device, error) {
	if c.PPO.Device != "cuda" {
		return torch.CPU, nil
	}
	if torch.CUDADeviceCount() == 0 {
		return torch.CPU, config.ErrorIn(c.Source, keyerr.Errorf("ppo.device",
			`= "cuda", but this binary's libtorch %s sees no CUDA device: build misgen against a CUDA libtorch `+
				`and run it on a GPU machine (README "GPU build"), or set ppo.device = "cpu"`, torch.Version()))
	}
	return torch.CUDA(0), nil
}

// onDevice runs a stage with new tensor scopes allocating on the config's
// device (torch.SetDefaultDevice), restoring the previous default after.
func onDevice(stage StageFunc) StageFunc {
	return func(ctx context.Context, r *Run) error {
		d, err := Device(r.Config)
		if err != nil {
			return err
		}
		prev := torch.SetDefaultDevice(d)
		defer torch.SetDefaultDevice(prev)
		return stage(ctx, r)
	}
}
