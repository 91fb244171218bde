package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/misgen/misgen/envs"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/config"
)

func newTestFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func envsOutcome(s string) envs.Outcome { return envs.Outcome(s) }

func outcomes(names ...string) []envs.Outcome {
	out := make([]envs.Outcome, len(names))
	for i, n := range names {
		out[i] = envs.Outcome(n)
	}
	return out
}

// planRun writes src (TOML) to dir/name, loads its base profile and
// returns the first run it plans under dir/results.
func planRun(t *testing.T, dir, name, src string) *experiments.Run {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path, "base")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := experiments.Plan(c, experiments.PlanOptions{Out: filepath.Join(dir, "results")})
	if err != nil {
		t.Fatal(err)
	}
	return runs[0]
}
