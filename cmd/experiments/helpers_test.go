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
