package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/viz/plot"
)

// tableOptions are the flags and arguments of `experiments table`.
type tableOptions struct {
	runDirs []string
	write   string
	title   string
	streams
}

var tableCommand = command{
	name: "table", args: "<run-dir>...", minArgs: 1, maxArgs: -1,
	summary: "Merge the failure-rate tables of run directories (shards, seed splits, sweep points)\n" +
		"into one table, recomputing the pooled rows; print it as Markdown.",
	setup: setupOf[tableOptions](),
}

func (o *tableOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.write, "write", "", "also write failure_rates.{md,csv,json} and failure_rates.png (pooled) into this directory")
	fs.StringVar(&o.title, "title", "Failure rates", "title of the written Markdown and plot")
}

func (o *tableOptions) run(_ context.Context, args []string) error {
	o.runDirs = args
	var runs []experiments.RunRows
	for _, d := range o.runDirs {
		rr, err := experiments.ReadRunRows(d)
		if err != nil {
			return err
		}
		runs = append(runs, rr)
	}
	rows, err := experiments.MergeRows(runs)
	if err != nil {
		return err
	}
	fmt.Fprint(o.stdout, experiments.Markdown(rows))
	if o.write == "" {
		return nil
	}
	if err := experiments.WriteTables(o.write, rows, o.title); err != nil {
		return err
	}
	return plot.WriteFailureBars(filepath.Join(o.write, "failure_rates.png"), rows, runs[0].Roles, o.title, plot.DefaultSize)
}
