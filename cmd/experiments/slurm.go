package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/misgen/misgen/experiments/slurm"
)

// slurmOptions are the flags and arguments of `experiments slurm`.
type slurmOptions struct {
	config    string
	profile   string
	out       string
	seeds     string
	shards    int
	partition string
	time      string
	extra     []string
	submit    bool
	streams
}

var slurmCommand = command{
	name: "slurm", args: "<config>", minArgs: 1, maxArgs: 1,
	summary: "Write (and with --submit, submit) Slurm scripts that run an experiment as a job array.\n\n" +
		"Task i of the array runs 'experiments run <config> --shard i/N'; a merge job that waits for\n" +
		"every task (--dependency=afterok) rebuilds the tables and report. A requeued or preempted task\n" +
		"resumes from its checkpoints. Scripts go to <out>/<experiment>/slurm/<run-id>/, logs to its logs/.",
	setup: func(fs *flag.FlagSet, st streams) func(context.Context, []string) error {
		o := &slurmOptions{streams: st}
		registerProfile(fs, &o.profile)
		fs.StringVar(&o.out, "out", "runs", "results root directory (shared by all tasks)")
		fs.StringVar(&o.seeds, "seeds", "", "override the training seeds: a count N or a list like 0,5,7")
		fs.IntVar(&o.shards, "shards", 0, fmt.Sprintf("number of array tasks (default: one per seed × sweep point, at most %d)", slurm.MaxDefaultShards))
		fs.StringVar(&o.partition, "partition", "", "Slurm partition (default: the cluster's)")
		fs.StringVar(&o.time, "time", "", "Slurm time limit per task, e.g. 4:00:00 (default: the partition's)")
		fs.Func("sbatch", "extra sbatch option for both scripts, e.g. --sbatch=--account=proj (repeatable)", func(s string) error {
			o.extra = append(o.extra, s)
			return nil
		})
		fs.BoolVar(&o.submit, "submit", false, "submit the scripts with sbatch and print the job ids")
		return func(ctx context.Context, args []string) error {
			o.config = args[0]
			return runSlurm(ctx, o)
		}
	},
}

func runSlurm(ctx context.Context, o *slurmOptions) error {
	c, err := loadWithOverrides(o.config, o.profile, o.seeds)
	if err != nil {
		return err
	}
	o.profile = c.Experiment.Profile // the tasks apply the profile chosen here
	opts, err := o.scriptOptions()
	if err != nil {
		return err
	}
	s, err := slurm.Write(c, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stderr, "%d array tasks × %d CPUs, run directories:\n  %s\n", s.Shards, s.CPUsPerTask, strings.Join(s.RunDirs, "\n  "))
	if !o.submit {
		fmt.Fprintf(o.stdout, "%s\n%s\n%s\n", s.Array, s.Merge, s.Submit)
		fmt.Fprintf(o.stderr, "submit both with: %s (or add --submit)\n", s.Submit)
		return nil
	}
	ids, err := slurm.Submit(ctx, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "array %s\nmerge %s\n", ids.Array, ids.Merge)
	fmt.Fprintf(o.stderr, "logs in %s; follow with: squeue -j %s,%s\n", s.Logs, ids.Array, ids.Merge)
	return nil
}

// scriptOptions resolves the paths the scripts need absolute: the binary,
// the working directory, the results root and a config file (a shipped
// config's name is kept: the binary resolves it).
func (o *slurmOptions) scriptOptions() (slurm.Options, error) {
	if o.shards < 0 {
		return slurm.Options{}, usagef("--shards %d: want >= 1", o.shards)
	}
	exe, err := os.Executable()
	if err != nil {
		return slurm.Options{}, fmt.Errorf("locating the experiments binary: %w", err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return slurm.Options{}, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return slurm.Options{}, err
	}
	out, err := filepath.Abs(o.out)
	if err != nil {
		return slurm.Options{}, err
	}
	config := o.config
	if _, err := os.Stat(config); err == nil {
		if config, err = filepath.Abs(config); err != nil {
			return slurm.Options{}, err
		}
	}
	return slurm.Options{
		Exe: exe, WorkDir: wd, Config: config, Profile: o.profile, Seeds: o.seeds, Out: out,
		Shards: o.shards, Partition: o.partition, Time: o.time, Extra: o.extra,
	}, nil
}
