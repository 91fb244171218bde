package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/misgen/misgen/experiments"
)

// listOptions are the flags of `experiments list` (none yet).
type listOptions struct{ streams }

var listCommand = command{
	name: "list", args: "", minArgs: 0, maxArgs: 0,
	summary: "List the configs shipped in the binary, with one-line descriptions.",
	setup: func(fs *flag.FlagSet, st streams) func(context.Context, []string) error {
		o := &listOptions{streams: st}
		return func(ctx context.Context, _ []string) error { return runList(ctx, o) }
	},
}

func runList(_ context.Context, o *listOptions) error {
	tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	for _, s := range experiments.List() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Description)
	}
	return tw.Flush()
}
