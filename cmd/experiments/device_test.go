package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/torch"
)

// A binary without CUDA asked for ppo.device = "cuda" stops before making
// any directory, naming the key and what to do; validate refuses it too.
func TestRunCUDAConfigOnCPUBinary(t *testing.T) {
	if torch.CUDADeviceCount() > 0 {
		t.Skip("this binary has a GPU")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "gpu.toml")
	src := strings.Replace(slurmTOML, "[ppo]\n", "[ppo]\ndevice = \"cuda\"\n", 1)
	if err := os.WriteFile(config, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results")
	code, _, errOut := runMain(t, "run", config, "--out", out)
	if code != 2 || !strings.Contains(errOut, `gpu.toml: ppo.device = "cuda", but this binary's libtorch`) ||
		!strings.Contains(errOut, `ppo.device = "cpu"`) {
		t.Errorf("code %d, stderr:\n%s", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("results directory made before the device check: %v", err)
	}
	// validate refuses what run would refuse.
	if code, _, errOut := runMain(t, "validate", config); code != 2 || !strings.Contains(errOut, `gpu.toml: ppo.device = "cuda", but this binary's libtorch`) {
		t.Errorf("validate: code %d, stderr:\n%s", code, errOut)
	}
	// Scripts for a cluster are still written (the login node need not
	// have a GPU), asking Slurm for one GPU per task.
	code, stdout, errOut := runMain(t, "slurm", config, "--out", out, "--shards", "2")
	if code != 0 {
		t.Fatalf("slurm: code %d\n%s", code, errOut)
	}
	array, err := os.ReadFile(strings.Fields(stdout)[0])
	if err != nil || !strings.Contains(string(array), "#SBATCH --gres=gpu:1\n") {
		t.Errorf("array script for a CUDA config (%v):\n%s", err, array)
	}
}
