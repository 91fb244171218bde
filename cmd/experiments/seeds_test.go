package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/experiments"
)

// TestSeedsFlag: run's --seeds is a count or a list; eval's --only-seeds
// selects seeds the run has, so "0" is seed 0 and "2" seed 2, not a count,
// and eval refuses --seeds rather than read it the other way.
func TestSeedsFlag(t *testing.T) {
	var evaluated []int
	stages := experiments.Stages{
		Train: failing("train"), Interp: failing("interp"), Report: failing("report"),
		Eval: func(_ context.Context, r *experiments.Run) error {
			for _, j := range r.Jobs {
				if !slices.Contains(evaluated, j.Seed) {
					evaluated = append(evaluated, j.Seed)
				}
			}
			return nil
		},
	}
	out := t.TempDir()
	if code, _, errOut := runWith(t, stages, "run", "coinrun-ood", "--out", out, "--seeds", "3"); code != 1 {
		t.Fatalf("run: code %d %s", code, errOut)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "coinrun-ood", "quick-*"))
	if len(dirs) != 1 {
		t.Fatalf("run dirs %v", dirs)
	}
	for i, c := range []struct {
		seeds string
		code  int
		want  []int  // seeds evaluated
		err   string // substring of stderr
	}{
		{"0", 0, []int{0}, ""},
		{"2", 0, []int{2}, ""},
		{"0,2", 0, []int{0, 2}, ""},
		{"2,", 0, []int{2}, ""},
		{"0,", 0, []int{0}, ""},
		{"2,0", 0, []int{0, 2}, ""}, // in the run's order
		{"5", 2, nil, "--only-seeds 5: the run has seeds [0 1 2]"},
		{"1,1", 2, nil, `"1" is not a new seed`},
		{"-1", 2, nil, `"-1" is not a new seed`},
	} {
		evaluated = nil
		code, _, errOut := runWith(t, stages, "eval", dirs[0], "--only-seeds", c.seeds)
		if code != c.code || !slices.Equal(evaluated, c.want) || !strings.Contains(errOut, c.err) {
			t.Errorf("case %d: eval --only-seeds %s: code %d, evaluated %v, want %d %v\n%s", i, c.seeds, code, evaluated, c.code, c.want, errOut)
		}
	}
	evaluated = nil
	if code, _, errOut := runWith(t, stages, "eval", dirs[0], "--seeds", "1"); code != 2 || evaluated != nil || !strings.Contains(errOut, "--only-seeds 1") {
		t.Errorf("eval --seeds 1: code %d, evaluated %v\n%s", code, evaluated, errOut)
	}

	// run and validate keep the count-or-list rule.
	if code, _, errOut := runWith(t, stages, "run", "coinrun-ood", "--out", out, "--seeds", "0"); code != 2 || !strings.Contains(errOut, "want a count in [1,") {
		t.Errorf("run --seeds 0: code %d %s", code, errOut)
	}
	if code, stdout, _ := runMain(t, "validate", "coinrun-ood", "--print", "--seeds", "2"); code != 0 || !strings.Contains(stdout, "seeds = [0, 1]") {
		t.Errorf("validate --seeds 2: code %d\n%s", code, stdout)
	}
	if code, stdout, _ := runMain(t, "validate", "coinrun-ood", "--print", "--seeds", "2,"); code != 0 || !strings.Contains(stdout, "seeds = [2]") {
		t.Errorf("validate --seeds 2,: code %d\n%s", code, stdout)
	}

	// Each command's help says which rule applies.
	for _, c := range []struct{ cmd, want string }{
		{"eval", "one seed (0) or a list (0,2); not a count"},
		{"eval", "--only-seeds 0 is seed 0"},
		{"run", "a count N (seeds 0..N-1), or a list like 0,5,7"},
		{"run", "eval's --only-seeds 0 selects seed 0"},
		{"validate", "a count N (seeds 0..N-1)"},
	} {
		if code, stdout, _ := runMain(t, c.cmd, "--help"); code != 0 || !strings.Contains(stdout, c.want) {
			t.Errorf("%s --help lacks %q:\n%s", c.cmd, c.want, stdout)
		}
	}
}
