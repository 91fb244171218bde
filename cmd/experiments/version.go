package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/misgen/misgen/experiments"
)

// versionOptions are the flags of `experiments version` (none).
type versionOptions struct{ streams }

var versionCommand = command{
	name: "version", args: "", minArgs: 0, maxArgs: 0,
	summary: "Print the binary's version, commit (\"+modified\" for a dirty work tree), Go and libtorch versions:\n" +
		"what every run's manifest.json records.",
	setup: setupOf[versionOptions](),
}

func (o *versionOptions) register(*flag.FlagSet) {}

func (o *versionOptions) run(context.Context, []string) error {
	m := experiments.Identity()
	commit := m.Commit
	if m.Modified {
		commit += "+modified"
	}
	_, err := fmt.Fprintf(o.stdout, "%s %s\ncommit %s\n%s, libtorch %s\n", m.Tool, m.Version, commit, m.GoVersion, m.LibtorchVersion)
	return err
}
