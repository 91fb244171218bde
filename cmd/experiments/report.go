package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/misgen/misgen/experiments"
)

// reportOptions are the arguments of `experiments report`.
type reportOptions struct {
	runDir string
	streams
}

var reportCommand = command{
	name: "report", args: "<run-dir>", minArgs: 1, maxArgs: 1,
	summary: "(Re)build the tables, plots and report.html of a run directory, e.g. after all shards finished.",
	setup:   setupOf[reportOptions](),
}

func (o *reportOptions) register(*flag.FlagSet) {}

func (o *reportOptions) run(ctx context.Context, args []string) error {
	o.runDir = args[0]
	r, err := openRun(o.runDir)
	if err != nil {
		return err
	}
	r.Force = true
	r.Progress = experiments.NewProgress(o.stderr, progressPrefix(r))
	r.Args = os.Args
	if err := r.Execute(ctx, []experiments.Stage{{Name: "report", Run: o.stages.Report}}); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "%s\n", r.Report())
	return nil
}
