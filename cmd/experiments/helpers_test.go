package main

import (
	"flag"
	"io"

	"github.com/misgen/misgen/envs"
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

// tinyMazeTables are the [env] tables and the start of the [agent] table
// of the command tests' tiny experiments: a 7×7 maze whose cheese sits
// near the top-right corner in training and anywhere in the OOD variant,
// and an MLP policy (the tests add its width and depth).
const tinyMazeTables = `[env]
game = "maze"
[env.train]
size = 7
cheese_region = 3
[env.ood.anywhere]
cheese_region = 0
[agent]
arch = "mlp"`
