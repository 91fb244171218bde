package main

import (
	"flag"

	"github.com/misgen/misgen/experiments/config"
)

// registerProfile is the --profile flag of every command that loads a
// config (run, validate, slurm): one list of profiles, one default.
func registerProfile(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "profile", config.DefaultProfile,
		"`profile` to apply: "+config.ProfileChoices()+" (default: quick where the file defines it, else base; a profile the file lacks is an error)")
}
