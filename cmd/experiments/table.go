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
	setup: func(fs *flag.FlagSet, st streams) func(context.Context, []string) error {
		o := &tableOptions{streams: st}
		fs.StringVar(&o.write, "write", "", "also write failure_rates.{md,csv,json} and failure_rates.png (pooled) into this directory")
		fs.StringVar(&o.title, "title", "Failure rates", "title of the written Markdown and plot")
		return func(ctx context.Context, args []string) error {
			o.runDirs = args
			return runTable(ctx, o)
		}
	},
}

func runTable(_ context.Context, o *tableOptions) error {
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
	return plot.WriteFailureBars(filepath.Join(o.write, "failure_rates.png"), rows, o.title, plot.DefaultSize)
}
