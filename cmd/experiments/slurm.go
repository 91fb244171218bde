package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/slurm"
)

// slurmOptions are the flags and arguments of `experiments slurm`.
type slurmOptions struct {
	config     string
	profile    string
	out        string
	seeds      string
	shards     int
	partition  string
	time       string
	extra      []string
	setup      string
	signalLead time.Duration
	merge      slurm.Resources
	stepsPerS  float64
	submit     bool
	streams
}

var slurmCommand = command{
	name: "slurm", args: "<config>", minArgs: 1, maxArgs: 1,
	summary: "Write (and with --submit, submit) Slurm scripts that run an experiment as a job array.\n\n" +
		"Task i of the array runs 'experiments run <config> --shard i/N'; a merge job that waits for\n" +
		"every task (--dependency=afterok) rebuilds the tables and report. A requeued or preempted task\n" +
		"resumes from its checkpoints; a task near its time limit checkpoints and requeues itself\n" +
		"(--signal-lead). Scripts go to <out>/<experiment>/slurm/<run-id>/, logs to its logs/.\n" +
		"It also prints an estimate of a task's training time, for choosing --time.",
	setup: setupOf[slurmOptions](),
}

func (o *slurmOptions) register(fs *flag.FlagSet) {
	registerProfile(fs, &o.profile)
	fs.StringVar(&o.out, "out", "runs", "results root directory (shared by all tasks)")
	fs.StringVar(&o.seeds, "seeds", "", "override the training seeds: a count N or a list like 0,5,7")
	fs.IntVar(&o.shards, "shards", 0, fmt.Sprintf("number of array tasks (default: one per seed × sweep point, at most %d)", slurm.MaxDefaultShards))
	fs.StringVar(&o.partition, "partition", "", "Slurm partition of both jobs (default: the cluster's)")
	fs.StringVar(&o.time, "time", "", "Slurm time limit per array task, e.g. 4:00:00 (default: the partition's; see the printed estimate)")
	fs.Func("sbatch", "extra sbatch option for both scripts, e.g. --sbatch=--account=proj (repeatable)", func(s string) error {
		o.extra = append(o.extra, s)
		return nil
	})
	fs.StringVar(&o.setup, "setup", "", "bash `file` copied into both scripts and run before the binary: module loads,\n"+
		"or a container launcher (set launcher=(apptainer exec image.sif))")
	fs.DurationVar(&o.signalLead, "signal-lead", slurm.DefaultSignalLead,
		"how long before the time limit a task gets USR1 to checkpoint and requeue itself (0: no signal)")
	fs.IntVar(&o.merge.CPUs, "merge-cpus", 1, "CPUs of the merge job")
	fs.StringVar(&o.merge.Mem, "merge-mem", "", "memory of the merge job, e.g. 4G (default: the cluster's)")
	fs.StringVar(&o.merge.Time, "merge-time", "", "time limit of the merge job, e.g. 30 or 1:00:00 (default: the partition's)")
	fs.Float64Var(&o.stepsPerS, "steps-per-s", 0, "training steps/s of one seed for the time estimate\n"+
		"(default: the median of earlier runs' training logs of this experiment and profile)")
	fs.BoolVar(&o.submit, "submit", false, "submit the scripts with sbatch and print the job ids")
}

func (o *slurmOptions) run(ctx context.Context, args []string) error {
	o.config = args[0]
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
	o.printEstimate(c, opts, s)
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

// printEstimate prints the busiest task's training time at --steps-per-s,
// or at the rate measured from earlier runs' training logs (this config's
// own under --out, else the same experiment and profile under --out, then
// under results/), with the suggested --time; or says why there is none.
func (o *slurmOptions) printEstimate(c *experiments.Config, opts slurm.Options, s *slurm.Scripts) {
	rate, source := o.stepsPerS, "--steps-per-s"
	if rate <= 0 {
		logs, err := slurm.TrainLogs(c, opts.Out, opts.Out, filepath.Join(opts.WorkDir, "results"))
		var n int
		if err == nil && len(logs) > 0 {
			rate, n, err = slurm.MeasuredRate(logs)
		}
		if err != nil || len(logs) == 0 {
			fmt.Fprintf(o.stderr, "time estimate: no training logs of %s (profile %s) under %s or results/ to measure steps/s from;\n"+
				"  pass --steps-per-s (a seed's steps_per_s in a short run's logs/train-seed-*.jsonl) to get one\n",
				c.Experiment.Name, c.Experiment.Profile, opts.Out)
			return
		}
		source = fmt.Sprintf("median of %d updates in %d training logs under %s", n, len(logs), commonDir(logs))
	}
	e := slurm.NewEstimate(s.TaskSteps, rate)
	fmt.Fprintf(o.stderr, "time estimate (a guess, not a measurement): the busiest task trains %d steps per seed slot;\n"+
		"  at %.0f steps/s per seed (%s) that is %s of training.\n"+
		"  Suggested --time=%s (2 × training + 10 min for eval, interp, audit and slack)",
		e.Steps, e.StepsPerS, source, e.Train.Round(time.Second), slurm.FormatTime(e.Suggested))
	if o.time != "" {
		fmt.Fprintf(o.stderr, "; --time is %s", o.time)
	}
	fmt.Fprintln(o.stderr)
}

// scriptOptions resolves the paths the scripts need absolute: the binary,
// the working directory, the results root and a config file (a shipped
// config's name is kept: the binary resolves it); and reads --setup.
func (o *slurmOptions) scriptOptions() (slurm.Options, error) {
	if o.shards < 0 {
		return slurm.Options{}, usagef("--shards %d: want >= 1", o.shards)
	}
	if o.merge.CPUs < 1 {
		return slurm.Options{}, usagef("--merge-cpus %d: want >= 1", o.merge.CPUs)
	}
	if o.stepsPerS < 0 {
		return slurm.Options{}, usagef("--steps-per-s %v: want > 0", o.stepsPerS)
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
	opts := slurm.Options{
		Exe: exe, WorkDir: wd, Config: config, Profile: o.profile, Seeds: o.seeds, Out: out,
		Shards: o.shards, Partition: o.partition, Time: o.time, Extra: o.extra,
		SignalLead: o.signalLead, Merge: o.merge,
	}
	if o.setup != "" {
		path, err := filepath.Abs(o.setup)
		if err != nil {
			return slurm.Options{}, err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return slurm.Options{}, fmt.Errorf("--setup: %w", err)
		}
		opts.Setup, opts.SetupFrom = string(b), "--setup "+path
	}
	return opts, nil
}

// commonDir is the deepest directory that holds every path in paths
// (absolute paths, at least one).
func commonDir(paths []string) string {
	dir := filepath.Dir(paths[0])
	for _, p := range paths[1:] {
		for dir != "/" && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			dir = filepath.Dir(dir)
		}
	}
	return dir
}
