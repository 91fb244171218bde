package export

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/safetensors"
	"github.com/misgen/misgen/internal/testtool"
	"github.com/misgen/misgen/interp"
	"github.com/misgen/misgen/interp/study"
)

// python is Debian's interpreter with python3-torch and python3-numpy
// (scripts/setup.sh installs them).
const python = "/usr/bin/python3"

// TestPythonReference loads every exported artefact of the fixture run in
// PyTorch with the reference modules of python/misgen and checks, in one
// Python process (python/tests/check_export.py):
//   - each policy's logits, values and hooked layer outputs on its recorded
//     check batch match misgen's to 1e-5, and each SAE's codes and
//     reconstructions do too; the captured policy run on the exported
//     observations reproduces every site's exported activations (to their
//     float16 storage); each SAE reconstructs its site's exported held-out
//     rows with the FVU misgen recorded (misgen.verify);
//   - the activation and concept arrays equal misgen's stores exactly, per
//     position for stage1/pos;
//   - files with a renamed tensor, a wrong shape or a wrong dtype are
//     refused, and so is a policy whose outputs disagree with its check
//     batch by 1e-3 (so the checks above can fail);
//   - the Python unit tests pass and the README's snippet runs.
func TestPythonReference(t *testing.T) {
	testtool.Integration(t, "runs PyTorch on the exports")
	testtool.Require(t, "install python3-torch and python3-numpy (scripts/setup.sh)", python)
	f := tinyRun(t)
	work := t.TempDir()
	dumps := writeDumps(t, f, filepath.Join(work, "dumps"))
	bad := writeCorrupted(t, f, filepath.Join(work, "bad"))
	snippet := writeSnippet(t, f.root, filepath.Join(work, "snippet.py"))
	cmd := exec.Command(python, "python/tests/check_export.py", "--export", f.opts.Out,
		"--dumps", dumps, "--bad", bad, "--snippet", snippet, "--unit")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 77 {
		testtool.Missing(t, "python3-torch or python3-numpy is missing: %s", out)
	}
	if err != nil {
		t.Fatalf("check_export.py: %v\n%s", err, out)
	}
	t.Logf("check_export.py:\n%s", out)
	for _, want := range []string{"ok   policies/seed-0.safetensors: logits", "ok   policies/seed-1.safetensors",
		"ok   policies/seed-2.safetensors", "ok   saes/fc.relu-24.safetensors: codes", "ok   saes/stage1_pos.e2e-64-L04.safetensors",
		"ok   6 activation and concept arrays equal", "ok   activations/*.obs.npy: ", "train -> stage1/pos",
		"ok   FVU saes/fc.local-64-L04.safetensors", "ok   FVU saes/stage1_pos.local-16-L04.safetensors",
		"naive reshape(-1, 8)", "ok   the FVU check refuses the naive layout", "refused: ", "ok   README snippet ran"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(string(out), "refused: "); n != 6 {
		t.Errorf("%d corrupted files refused, want 6", n)
	}
}

// writeDumps writes misgen's store contents as raw little-endian arrays for
// the Python side to compare with the exported .npy files.
func writeDumps(t *testing.T, f *fixture, dir string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var names []string
	for _, v := range tinyVariants {
		for _, site := range wantSites {
			st, err := interp.ReadStoreFile(study.ActsPath(f.opts.InterpDir, v.Name, site.Layer))
			if err != nil {
				t.Fatal(err)
			}
			acts := st.Acts
			if site.PerPosition {
				if acts, err = interp.PositionRows(st.Acts, st.Shape); err != nil {
					t.Fatal(err)
				}
			}
			writeRaw(t, filepath.Join(dir, v.Name+"."+site.File+".f32"), acts.Data)
			if site.Layer != "fc" {
				continue
			}
			all := make([]int, st.Acts.Rows)
			for i := range all {
				all[i] = i
			}
			cs := st.Truth.Concepts(all)
			names = names[:0]
			rows := make([]float64, 0, len(cs)*st.Acts.Rows)
			for r := 0; r < st.Acts.Rows; r++ {
				for _, c := range cs {
					rows = append(rows, c.Values[r])
				}
			}
			for _, c := range cs {
				names = append(names, c.Name)
			}
			writeRaw(t, filepath.Join(dir, v.Name+".concepts.f64"), rows)
		}
	}
	b, _ := json.Marshal(names)
	os.WriteFile(filepath.Join(dir, "concepts.json"), b, 0o644)
	return dir
}

func writeRaw(t *testing.T, path string, v any) {
	t.Helper()
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// badCase is one corrupted file and the error Python must refuse it with.
type badCase struct {
	Kind  string `json:"kind"` // "policy", "sae" or "verify"
	File  string `json:"file"`
	Check string `json:"check,omitempty"`
	Error string `json:"error"`
}

// corrupt rewrites an exported safetensors file into dir after edit.
func corrupt(t *testing.T, src, dst string, edit func(ts []safetensors.Tensor) []safetensors.Tensor) string {
	t.Helper()
	f, err := safetensors.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(dst, edit(append([]safetensors.Tensor{}, f.Tensors...)), f.Metadata); err != nil {
		t.Fatal(err)
	}
	return dst
}

// edit applies fn to the tensor called name.
func edit(t *testing.T, name string, fn func(*safetensors.Tensor)) func([]safetensors.Tensor) []safetensors.Tensor {
	return func(ts []safetensors.Tensor) []safetensors.Tensor {
		for i := range ts {
			if ts[i].Name == name {
				fn(&ts[i])
				return ts
			}
		}
		t.Fatalf("no tensor %q to corrupt", name)
		return nil
	}
}

func writeCorrupted(t *testing.T, f *fixture, dir string) string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	out := func(name string) string { return filepath.Join(dir, name) }
	src := func(rel string) string { return filepath.Join(f.opts.Out, rel) }
	toF64 := func(tn *safetensors.Tensor) {
		v, _ := tn.Float32s()
		var b bytes.Buffer
		for _, x := range v {
			binary.Write(&b, binary.LittleEndian, float64(x))
		}
		tn.DType, tn.Data = safetensors.F64, b.Bytes()
	}
	transpose := func(tn *safetensors.Tensor) { tn.Shape = []int{tn.Shape[1], tn.Shape[0]} }
	cases := []badCase{
		{"policy", corrupt(t, src("policies/seed-0.safetensors"), out("renamed.safetensors"),
			edit(t, "fc.w", func(tn *safetensors.Tensor) { tn.Name = "fc.weight" })), "", "missing ['fc.w'], unexpected ['fc.weight']"},
		{"policy", corrupt(t, src("policies/seed-1.safetensors"), out("shape.safetensors"), edit(t, "fc0.w", transpose)),
			"", "'fc0.w' has shape [539, 16], want [16, 539]"},
		{"policy", corrupt(t, src("policies/seed-2.safetensors"), out("dtype.safetensors"), edit(t, "bilinear.v", toF64)),
			"", "'bilinear.v' has dtype float64, want float32"},
		{"sae", corrupt(t, src("saes/fc.local-64-L04.safetensors"), out("sae_shape.safetensors"), edit(t, "w_enc", transpose)),
			"", "'w_enc' has shape [16, 64], want [64, 16]"},
		{"sae", corrupt(t, src("saes/fc.relu-24.safetensors"), out("sae_dtype.safetensors"), edit(t, "b_pre", toF64)),
			"", "'b_pre' has dtype float64"},
		{"verify", src("policies/seed-0.safetensors"), corrupt(t, src("check/policy.seed-0.safetensors"), out("check.safetensors"),
			edit(t, "logits", func(tn *safetensors.Tensor) {
				v, _ := tn.Float32s()
				v[3] += 1e-3
				*tn = safetensors.Float32(tn.Name, tn.Shape, v)
			})), "logits: max |difference| 0.001"},
	}
	b, _ := json.MarshalIndent(cases, "", " ")
	path := out("bad.json")
	os.WriteFile(path, b, 0o644)
	return path
}

// writeSnippet extracts the Python block of README.md's section "Using the
// results from Python", points its run_dir at runDir and writes it to path.
func writeSnippet(t *testing.T, runDir, path string) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Using the results from Python\n")
	if !ok {
		t.Fatal(`README.md has no section "## Using the results from Python"`)
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	m := regexp.MustCompile("(?s)```python\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("the README section has no ```python block")
	}
	runLine := regexp.MustCompile(`(?m)^run_dir = .*$`)
	if !runLine.MatchString(m[1]) {
		t.Fatal(`the README snippet has no line run_dir = ... to point at the test run`)
	}
	code := runLine.ReplaceAllLiteralString(m[1], "run_dir = "+jsonQuote(runDir))
	if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
