package experiments

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments/config"
	"github.com/misgen/misgen/internal/torch"
)

func TestPPODeviceKey(t *testing.T) {
	unset, err := loadText(t, baseTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	// "cpu" is the default: the same resolved config and run directory as
	// leaving the key out.
	cpu, err := loadText(t, strings.Replace(baseTOML, "[ppo]\n", "[ppo]\ndevice = \"cpu\"\n", 1), "quick")
	if err != nil {
		t.Fatal(err)
	}
	idUnset, _ := unset.RunID()
	idCPU, _ := cpu.RunID()
	if idUnset != idCPU || cpu.PPO.Device != "" {
		t.Errorf(`device = "cpu": run ID %s (unset: %s), device %q`, idCPU, idUnset, cpu.PPO.Device)
	}
	if d, err := Device(cpu); err != nil || d != torch.CPU {
		t.Errorf("cpu config: device %v, %v", d, err)
	}
	_, err = loadText(t, strings.Replace(baseTOML, "[ppo]\n", "[ppo]\ndevice = \"gpu\"\n", 1), "quick")
	if err == nil || !strings.Contains(err.Error(), `t.toml: ppo.device = "gpu": want "cpu" or "cuda"`) {
		t.Errorf("device = gpu: %v", err)
	}

	cuda, err := loadText(t, strings.Replace(baseTOML, "[ppo]\n", "[ppo]\ndevice = \"cuda\"\n", 1), "quick")
	if err != nil {
		t.Fatal(err)
	}
	if idCUDA, _ := cuda.RunID(); idCUDA == idUnset {
		t.Error("a CUDA run shares the CPU run's directory")
	}
	d, err := Device(cuda)
	if torch.CUDADeviceCount() > 0 {
		if err != nil || d != torch.CUDA(0) {
			t.Errorf("cuda config with %d GPUs: %v, %v", torch.CUDADeviceCount(), d, err)
		}
		return
	}
	var ce *config.ConfigError
	if !errors.As(err, &ce) || ce.Key != "ppo.device" {
		t.Fatalf("cuda config on a CPU-only binary: %v, want a ConfigError on ppo.device", err)
	}
	for _, want := range []string{`t.toml: ppo.device = "cuda"`, "sees no CUDA device", `README "GPU build"`, `set ppo.device = "cpu"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// The stages that use libtorch stop before doing anything.
	ran := false
	err = onDevice(func(context.Context, *Run) error { ran = true; return nil })(context.Background(), &Run{Config: cuda})
	if !errors.As(err, &ce) || ran {
		t.Errorf("stage on a missing GPU: ran %v, err %v", ran, err)
	}
}

// A stage runs with scopes on the config's device and the previous default
// restored afterwards.
func TestOnDeviceSetsTheDefaultForTheStage(t *testing.T) {
	c, err := loadText(t, baseTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	prev := torch.SetDefaultDevice(torch.CUDA(3)) // stands for "anything else"
	defer torch.SetDefaultDevice(prev)
	var during torch.Device
	err = onDevice(func(context.Context, *Run) error { during = torch.DefaultDevice(); return nil })(context.Background(), &Run{Config: c})
	if err != nil || during != torch.CPU || torch.DefaultDevice() != torch.CUDA(3) {
		t.Errorf("during the stage %v, after %v, err %v", during, torch.DefaultDevice(), err)
	}
}
