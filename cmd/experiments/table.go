package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/internal/atomicfile"
	"github.com/misgen/misgen/viz/palette"
	"github.com/misgen/misgen/viz/plot"
)

// tableOptions are the flags and arguments of `experiments table`.
type tableOptions struct {
	runDirs []string
	write   string
	title   string
	sweep   string
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
	fs.StringVar(&o.sweep, "sweep-outcomes", "", "with -write and the runs of one numeric sweep (one run directory per point):\n"+
		"also write sweep.png, each variant's rate of these comma-separated outcomes against the swept value")
}

func (o *tableOptions) run(_ context.Context, args []string) error {
	o.runDirs = args
	var runs []tables.RunRows
	for _, d := range o.runDirs {
		rr, err := experiments.ReadRunRows(d)
		if err != nil {
			return err
		}
		runs = append(runs, rr)
	}
	rows, err := tables.MergeRows(runs)
	if err != nil {
		return err
	}
	fmt.Fprint(o.stdout, tables.Markdown(rows))
	if o.write == "" {
		return nil
	}
	if err := experiments.WriteTables(o.write, rows, o.title); err != nil {
		return err
	}
	roles := palette.Outcomes{Success: string(runs[0].Success), Proxy: string(runs[0].Proxy)}
	if err := plot.WriteFailureBars(filepath.Join(o.write, "failure_rates.png"), rows, roles, o.title, plot.DefaultSize); err != nil {
		return err
	}
	if o.sweep == "" {
		return nil
	}
	return writeSweepPlot(filepath.Join(o.write, "sweep.png"), runs, strings.Split(o.sweep, ","), o.title)
}

// writeSweepPlot draws the chosen outcomes' pooled rates against the swept
// value, one line per variant and outcome, with Wilson intervals.
func writeSweepPlot(path string, runs []tables.RunRows, outcomes []string, title string) error {
	key, series, err := tables.SweepSeries(runs, outcomes)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		return fmt.Errorf("-sweep-outcomes %s: no run reports these outcomes", strings.Join(outcomes, ","))
	}
	png, err := plot.ChartPNG(plot.Chart{Title: title, XLabel: key, YLabel: "share of episodes (Wilson 95% CI)", Series: series,
		HLine: math.NaN(), YMin: 0, YMax: 1}, plot.DefaultSize)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, png, 0o644)
}
