package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/misgen/misgen/experiments"
)

// validateOptions are the flags and arguments of `experiments validate`.
type validateOptions struct {
	config  string
	profile string
	out     string
	seeds   string
	print   bool
	streams
}

var validateCommand = command{
	name: "validate", args: "<config>", minArgs: 1, maxArgs: 1,
	summary: "Check a config strictly (every profile and sweep point) and summarise it.",
	setup:   setupOf[validateOptions](),
}

func (o *validateOptions) register(fs *flag.FlagSet) {
	registerProfile(fs, &o.profile)
	fs.StringVar(&o.out, "out", "runs", "results root, for the run directory shown")
	fs.StringVar(&o.seeds, "seeds", "", seedsOverrideHelp)
	fs.BoolVar(&o.print, "print", false, "print the resolved TOML of the profile (each sweep point)")
}

func (o *validateOptions) run(_ context.Context, args []string) error {
	o.config = args[0]
	c, err := loadWithOverrides(o.config, o.profile, o.seeds)
	if err != nil {
		return err
	}
	if _, err := experiments.Device(c); err != nil {
		return err // what run would refuse, validate refuses too
	}
	subs, err := c.Expand()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "%s: ok (every profile and sweep point validates)\n", c.Source)
	fmt.Fprintf(o.stdout, "  experiment %s: %s\n", c.Experiment.Name, c.Experiment.Description)
	for _, sc := range subs {
		d := sc.Derived()
		dir, err := experiments.RunDir(o.out, sc)
		if err != nil {
			return err
		}
		label := "profile " + sc.Experiment.Profile
		if sc.Experiment.Point != "" {
			label += ", " + sc.Experiment.Point
		}
		fmt.Fprintf(o.stdout, "  %s: game %s, variants %s\n", label, sc.Env.Game, strings.Join(d.Variants, ", "))
		fmt.Fprintf(o.stdout, "    seeds %v × %d env steps (%d updates of %d samples); %d eval episodes per variant\n",
			d.Seeds, sc.PPO.TotalSteps, d.NumUpdates, d.BatchSize, d.EvalEpisodes)
		fmt.Fprintf(o.stdout, "    run dir %s\n", dir)
		if o.print {
			text, err := sc.ResolvedTOML()
			if err != nil {
				return err
			}
			fmt.Fprintf(o.stdout, "\n%s\n", text)
		}
	}
	return nil
}
