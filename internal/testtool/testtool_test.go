package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCI(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{{"", false}, {"true", true}, {"TRUE", true}, {"1", true}, {"false", false}, {"0", false}, {"yes", false}} {
		t.Setenv(CIEnv, tc.value)
		if got := CI(); got != tc.want {
			t.Errorf("CI=%q: CI() = %v, want %v", tc.value, got, tc.want)
		}
	}
}

// missingChild, set in a child test process, names the subtest it runs
// with a missing tool; the parent reads whether it skipped or failed.
const missingChild = "TESTTOOL_MISSING_CHILD"

// TestMissingToolSkipsOrFails runs Require on a missing program in a child
// test process: it skips it normally and fails it under CI=true.
func TestMissingToolSkipsOrFails(t *testing.T) {
	if os.Getenv(missingChild) == "1" {
		Require(t, "install it", "misgen-no-such-tool-"+strings.Repeat("x", 8))
		t.Log("reached after Require")
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP"},
		{"false", false, "--- SKIP"},
		{"true", true, "--- FAIL"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingToolSkipsOrFails$", "-test.v")
		cmd.Env = append(os.Environ(), missingChild+"=1", CIEnv+"="+tc.ci)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tc.wantFail || !strings.Contains(string(out), tc.want) ||
			!strings.Contains(string(out), "misgen-no-such-tool-") || strings.Contains(string(out), "reached after Require") {
			t.Errorf("CI=%q: err %v, want failure %v and %q:\n%s", tc.ci, err, tc.wantFail, tc.want, out)
		}
	}
}

func TestRequireFindsPrograms(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"tool-a", "tool-b"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	t.Setenv(CIEnv, "true")
	got := Require(t, "", "tool-a", "tool-b")
	if len(got) != 2 || got[0] != filepath.Join(dir, "tool-a") || got[1] != filepath.Join(dir, "tool-b") {
		t.Errorf("Require: %v", got)
	}
	if p := RequireAny(t, "", "tool-missing", "tool-b"); p != filepath.Join(dir, "tool-b") {
		t.Errorf("RequireAny: %q", p)
	}
}
