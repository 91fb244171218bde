package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/internal/testtool"
)

// A tiny real experiment with the interp stage: two seeds of a small MLP
// on a small maze, SAEs of one size, local and end-to-end.
const exportTOML = `
[experiment]
name = "exp"
description = "export wiring"
seeds = 2
parallel = 1
` + tinyMazeTables + `
hidden = 16
layers = 1
[ppo]
total_steps = 1024
num_envs = 16
num_steps = 32
threads = 1
[eval]
episodes = 6
replays = 0
[interp]
enabled = true
layers = ["fc0"]
samples = 200
episodes = 4
[interp.sae]
sizes = [16]
l0 = [4]
steps = 20
batch_size = 32
end_to_end = true
[report]
plots = false
html = false
`

// TestExportRunDirectory runs the pipeline on a tiny config and exports
// the run directory: every seed's policy, both SAEs, both variants'
// activations and every evaluated episode arrive, under the default and a
// chosen output directory. (export/python_test.go checks the contents in
// PyTorch.)
func TestExportRunDirectory(t *testing.T) {
	testtool.Integration(t, "runs the whole pipeline on a tiny config")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "exp.toml")
	os.WriteFile(cfg, []byte(exportTOML), 0o644)
	if code, _, errOut := runMain(t, "run", cfg, "--out", filepath.Join(dir, "results")); code != 0 {
		t.Fatalf("run: code %d\n%s", code, errOut)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "results", "exp", "*"))
	if len(runs) != 1 {
		t.Fatalf("run dirs %v", runs)
	}
	code, out, errOut := runMain(t, "export", runs[0])
	if code != 0 || strings.TrimSpace(out) != filepath.Join(runs[0], "export") || !strings.Contains(errOut, "exported 2 policies, 2 SAEs") {
		t.Fatalf("export: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	ex := filepath.Join(runs[0], "export")
	for _, f := range []string{"policies/seed-0.safetensors", "policies/seed-1.safetensors", "saes/fc0.local-16-L04.safetensors",
		"saes/fc0.e2e-16-L04.safetensors", "check/policy.seed-1.safetensors", "activations/train.fc0.npy",
		"activations/anywhere.concepts.npy", "activations/anywhere.obs.npy", "activations/index.json", "index.json"} {
		if _, err := os.Stat(filepath.Join(ex, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	sae, err := safetensors.ReadFile(filepath.Join(ex, "saes", "fc0.e2e-16-L04.safetensors"))
	if err != nil || sae.Metadata["policy_seed"] != "0" || sae.Metadata["layer"] != "fc0" || sae.Metadata["site"] != "fc0" || sae.Metadata["k"] != "4" ||
		!strings.Contains(sae.Metadata["metrics"], `"fvu"`) {
		t.Errorf("SAE metadata %v (%v)", sae.Metadata, err)
	}
	f, err := os.Open(filepath.Join(ex, "outcomes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 1+2*2*6 || !reflect.DeepEqual(rows[0], []string{"seed", "variant", "level", "outcome", "steps", "return"}) ||
		rows[1][0] != "0" || rows[1][1] != "train" || rows[len(rows)-1][1] != "anywhere" {
		t.Errorf("outcomes.csv: %d rows, first %v, last %v (%v)", len(rows), rows[0], rows[len(rows)-1], err)
	}
	other := filepath.Join(dir, "elsewhere")
	if code, out, _ := runMain(t, "export", runs[0], "--out", other); code != 0 || strings.TrimSpace(out) != other {
		t.Errorf("export --out: code %d, %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(other, "policies", "seed-1.safetensors")); err != nil {
		t.Error(err)
	}
	if code, _, errOut := runMain(t, "export", dir); code != 2 || !strings.Contains(errOut, "not a run directory") {
		t.Errorf("export of a non-run dir: code %d %s", code, errOut)
	}
}
