package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/misgen/misgen/internal/testtool"
)

// `make build` stamps the commit and the dirty flag into the binary (this
// machine's Go builds with -buildvcs=false), and `experiments version`
// reports them as every manifest records them.
func TestMakeBuildStampsTheCommit(t *testing.T) {
	testtool.Integration(t, "runs make build (setup check and a full link)")
	testtool.Require(t, "make and git build the binary", "make", "git")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			t.Skipf("not a git checkout: %v", err) // a source tarball has no commit to stamp
		}
		return strings.TrimSpace(string(out))
	}
	want := git("rev-parse", "HEAD")
	if git("status", "--porcelain") != "" {
		want += "+modified"
	}
	bin := t.TempDir()
	if out, err := exec.Command("make", "-C", root, "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "experiments"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "commit "+want+"\n") {
		t.Errorf("experiments version:\n%s\nwant commit %s", out, want)
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := runMain(t, "version")
	if code != 0 || !strings.Contains(out, "misgen experiments") || !strings.Contains(out, "libtorch") {
		t.Errorf("code %d\n%s", code, out)
	}
}
