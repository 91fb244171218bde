package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/misgen/misgen/experiments/config"
)

// listOptions are the flags of `experiments list` (none yet).
type listOptions struct{ streams }

var listCommand = command{
	name: "list", args: "", minArgs: 0, maxArgs: 0,
	summary: "List the configs shipped in the binary, with the profiles each defines and one-line descriptions.",
	setup:   setupOf[listOptions](),
}

func (o *listOptions) register(*flag.FlagSet) {}

func (o *listOptions) run(context.Context, []string) error {
	tw := tabwriter.NewWriter(o.stdout, 0, 4, 2, ' ', 0)
	for _, s := range config.List() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, strings.Join(s.Profiles, ","), s.Description)
	}
	return tw.Flush()
}
