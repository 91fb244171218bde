// Package slurm writes and submits the Slurm batch scripts that run one
// experiment as a job array: task i of N runs `experiments run <config>
// --shard i/N` (experiments.Shard: every task trains and evaluates its share
// of the seeds in the shared run directories), and a merge job that starts
// once every task succeeded (--dependency=afterok) rebuilds the tables and
// report.html of each run directory from all shards' outcomes.
//
// Tasks are requeue-safe: a preempted or requeued task starts the same
// command again, which resumes from the run directory's done-markers and
// each seed's latest checkpoint; its log file is appended to, not replaced.
// The run lock (experiments.AcquireLock) stops two tasks given the same shard
// from working at once.
package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/internal/atomicfile"
)

// Options describe the job: what each task runs and which Slurm options
// the scripts carry.
type Options struct {
	// Exe is the absolute path of the experiments binary (os.Executable).
	Exe string
	// WorkDir is the absolute working directory of every job.
	WorkDir string
	// Config is the config argument of `experiments run`: an absolute path,
	// or the name of a config shipped in the binary.
	Config string
	// Profile and Seeds are passed to `experiments run` (Seeds "" = the
	// config's seeds).
	Profile, Seeds string
	// Out is the absolute results root (`experiments run --out`).
	Out string
	// Shards is the number of array tasks, in [1, number of jobs]; 0
	// means one task per job (seed × sweep point), at most
	// MaxDefaultShards.
	Shards int
	// Partition and Time, when set, become --partition and --time.
	Partition, Time string
	// Extra are further sbatch options written as #SBATCH lines, e.g.
	// "--account=proj42" or "--mem=8G".
	Extra []string
}

// Scripts are the files Write produced.
type Scripts struct {
	Dir    string // the script directory
	Array  string // the job-array script
	Merge  string // the merge script (submit it with --dependency=afterok:<array id>)
	Submit string // a shell script that submits both, in order
	Logs   string // directory of the per-task and merge logs
	// RunDirs are the run directories the array fills (one per sweep point).
	RunDirs []string
	// Shards is the number of array tasks.
	Shards int
	// CPUsPerTask is the --cpus-per-task of the array tasks.
	CPUsPerTask int
	// GPU is set when ppo.device = "cuda": each task asks for one GPU
	// (--gres=gpu:1), which its seeds share.
	GPU bool
}

// MaxDefaultShards caps the default of one array task per job.
const MaxDefaultShards = 100

// ScriptDir is where Write puts the scripts of config c under the results
// root out: <out>/<experiment>/slurm/<profile>-<config hash>/.
func ScriptDir(out string, c *experiments.Config) (string, error) {
	id, err := c.RunID()
	if err != nil {
		return "", err
	}
	return filepath.Join(out, c.Experiment.Name, "slurm", id), nil
}

// Write writes the array, merge and submit scripts for config c (as loaded
// with o.Profile and o.Seeds applied) into ScriptDir(o.Out, c), creating
// the log directory, and returns their paths.
func Write(c *experiments.Config, o Options) (*Scripts, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	plan, err := planShards(c, o.Out, o.Shards)
	if err != nil {
		return nil, err
	}
	o.Shards = plan.shards
	dir, err := ScriptDir(o.Out, c)
	if err != nil {
		return nil, err
	}
	s := &Scripts{
		Dir: dir, Array: filepath.Join(dir, "array.sbatch"), Merge: filepath.Join(dir, "merge.sbatch"),
		Submit: filepath.Join(dir, "submit.sh"), Logs: filepath.Join(dir, "logs"),
		RunDirs: plan.runDirs, Shards: plan.shards, CPUsPerTask: CPUsPerTask(c, plan.maxConcurrent), GPU: plan.gpu,
	}
	if err := os.MkdirAll(s.Logs, 0o755); err != nil {
		return nil, err
	}
	files := []struct {
		path, text string
	}{
		{s.Array, arrayScript(c, o, s)},
		{s.Merge, mergeScript(c, o, s)},
		{s.Submit, submitScript(s)},
	}
	for _, f := range files {
		if err := atomicfile.WriteFile(f.path, []byte(f.text), 0o755); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (o Options) check() error {
	for _, p := range []struct{ name, path string }{{"Exe", o.Exe}, {"WorkDir", o.WorkDir}, {"Out", o.Out}} {
		if !filepath.IsAbs(p.path) {
			return fmt.Errorf("slurm: %s %q is not an absolute path", p.name, p.path)
		}
	}
	// #SBATCH lines are split at blanks: paths and values written there
	// cannot hold any.
	for _, v := range []string{o.WorkDir, o.Out, o.Partition, o.Time} {
		if strings.ContainsAny(v, " \t\n\r") {
			return fmt.Errorf("slurm: %q: #SBATCH lines cannot hold blanks; use a path or value without them", v)
		}
	}
	if o.Shards < 0 {
		return fmt.Errorf("slurm: %d shards, want >= 1 (or 0 for the default)", o.Shards)
	}
	for _, e := range o.Extra {
		if !strings.HasPrefix(e, "-") || strings.ContainsAny(e, "\n\r") {
			return fmt.Errorf("slurm: sbatch option %q: want one option starting with '-', e.g. --account=proj", e)
		}
	}
	return nil
}

// shardPlan is what the scripts need to know about the shards.
type shardPlan struct {
	shards  int
	runDirs []string
	gpu     bool // some run has ppo.device = "cuda"
	// maxConcurrent is the most seed jobs any task runs at once.
	maxConcurrent int
}

// planShards plans every shard as `experiments run --shard i/n` will, so
// the scripts agree with the tasks about run directories and the work of
// the busiest task. n = 0 picks the default shard count.
func planShards(c *experiments.Config, out string, n int) (shardPlan, error) {
	all, err := experiments.Plan(c, experiments.PlanOptions{Out: out})
	if err != nil {
		return shardPlan{}, err
	}
	var p shardPlan
	jobs := 0
	for _, r := range all {
		p.runDirs = append(p.runDirs, r.Dir)
		p.gpu = p.gpu || r.Config.PPO.Device == "cuda"
		jobs += len(r.Jobs)
	}
	if n == 0 {
		n = min(jobs, MaxDefaultShards)
	}
	p.shards = n
	if n > jobs {
		return shardPlan{}, fmt.Errorf("%d shards but the experiment has only %d independent jobs (seeds × sweep points): use at most %d", n, jobs, jobs)
	}
	for i := 0; i < n; i++ {
		runs, err := experiments.Plan(c, experiments.PlanOptions{Out: out, Shard: experiments.Shard{Index: i, Count: n}})
		if err != nil {
			return shardPlan{}, err
		}
		// A task executes its runs (sweep points) one after another; within
		// one run its seeds train in parallel.
		for _, r := range runs {
			k := len(r.Jobs)
			if par := c.Experiment.Parallel; par > 0 {
				k = min(k, par)
			}
			p.maxConcurrent = max(p.maxConcurrent, k)
		}
	}
	return p, nil
}

// CPUsPerTask is the CPU count a task needs to run concurrent seed jobs
// at once, each using max(ppo.threads, ppo.env_workers) CPUs: libtorch's
// threads during the update, the env workers (and the policy's threads in
// between) during rollouts. With that many CPUs the task's default
// parallelism (experiment.parallel = 0: one job per CPU slot of
// ppo.threads CPUs) runs all its seeds at once, as the request assumes.
func CPUsPerTask(c *experiments.Config, concurrent int) int {
	return max(1, concurrent) * max(1, c.PPO.Threads, c.PPO.EnvWorkers)
}

// quote makes s one word for bash.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sbatchHeader is the #SBATCH block common to both scripts.
func sbatchHeader(o Options, name, log string, cpus int) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", name)
	fmt.Fprintf(&b, "#SBATCH --chdir=%s\n", o.WorkDir)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", log)
	b.WriteString("#SBATCH --open-mode=append\n") // a requeued job continues its log
	b.WriteString("#SBATCH --requeue\n")
	b.WriteString("#SBATCH --ntasks=1\n")
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", cpus)
	if o.Partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", o.Partition)
	}
	if o.Time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", o.Time)
	}
	for _, e := range o.Extra {
		fmt.Fprintf(&b, "#SBATCH %s\n", e)
	}
	return b.String()
}

// arrayScript runs one shard per array task. exec hands the task's
// signals (SIGTERM on preemption, requeue or time limit) straight to
// experiments, which saves a checkpoint and exits; the requeued task
// resumes from it.
func arrayScript(c *experiments.Config, o Options, s *Scripts) string {
	var b strings.Builder
	b.WriteString(sbatchHeader(o, "misgen-"+c.Experiment.Name, filepath.Join(s.Logs, "array-%A_%a.log"), s.CPUsPerTask))
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", o.Shards-1)
	if s.GPU {
		b.WriteString("#SBATCH --gres=gpu:1\n")
	}
	fmt.Fprintf(&b, "\n# One shard of %s (profile %s) per task; written by `experiments slurm`.\n", c.Experiment.Name, o.Profile)
	b.WriteString("# A requeued task resumes from the run directory's markers and checkpoints.\nset -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", quote(o.WorkDir))
	fmt.Fprintf(&b, "echo \"misgen: shard ${SLURM_ARRAY_TASK_ID}/%d on $(hostname) at $(date -Is), restart ${SLURM_RESTART_COUNT:-0}\"\n", o.Shards)
	args := []string{quote(o.Exe), "run", quote(o.Config), "--profile", quote(o.Profile), "--out", quote(o.Out)}
	if o.Seeds != "" {
		args = append(args, "--seeds", quote(o.Seeds))
	}
	args = append(args, "--shard", fmt.Sprintf(`"${SLURM_ARRAY_TASK_ID}/%d"`, o.Shards))
	fmt.Fprintf(&b, "exec %s\n", strings.Join(args, " "))
	return b.String()
}

// mergeScript rebuilds each run directory's tables and report from every
// shard's outcomes and prints the merged failure table; for a sweep it also
// writes the table over all points into <out>/<experiment>/tables.
func mergeScript(c *experiments.Config, o Options, s *Scripts) string {
	var b strings.Builder
	b.WriteString(sbatchHeader(o, "misgen-"+c.Experiment.Name+"-merge", filepath.Join(s.Logs, "merge-%j.log"), 1))
	// Without this a merge whose array failed would wait forever.
	b.WriteString("#SBATCH --kill-on-invalid-dep=yes\n")
	fmt.Fprintf(&b, "\n# Merge the shards of %s once every array task succeeded:\n", c.Experiment.Name)
	fmt.Fprintf(&b, "#   sbatch --dependency=afterok:<array job id> %s\n", s.Merge)
	b.WriteString("set -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", quote(o.WorkDir))
	var dirs []string
	for _, d := range s.RunDirs {
		fmt.Fprintf(&b, "%s report %s\n", quote(o.Exe), quote(d))
		dirs = append(dirs, quote(d))
	}
	table := fmt.Sprintf("%s table %s", quote(o.Exe), strings.Join(dirs, " "))
	if c.Sweep.Key != "" {
		title := fmt.Sprintf("%s (%s): failure rates by %s", c.Experiment.Name, o.Profile, c.Sweep.Key)
		table += fmt.Sprintf(" --write %s --title %s", quote(filepath.Join(o.Out, c.Experiment.Name, "tables")), quote(title))
	}
	b.WriteString(table + "\n")
	return b.String()
}

// submitScript submits the array, then the merge depending on it.
func submitScript(s *Scripts) string {
	return fmt.Sprintf(`#!/bin/bash
# Submits the job array, then the merge job that waits for it; written by
# `+"`experiments slurm`"+` (which does the same with --submit).
set -euo pipefail
array=$(sbatch --parsable %s)
array=${array%%%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" %s)
echo "array job $array, merge job ${merge%%%%;*}"
`, quote(s.Array), quote(s.Merge))
}

// Submitted are the job ids sbatch returned.
type Submitted struct{ Array, Merge string }

// Submit submits s.Array, then s.Merge with --dependency=afterok on the
// array, with the sbatch found on PATH. Errors say what sbatch said; when
// the merge is refused after the array was accepted, the error names the
// array job and how to submit the merge by hand.
func Submit(ctx context.Context, s *Scripts) (Submitted, error) {
	var ids Submitted
	var err error
	if ids.Array, err = sbatch(ctx, s.Array); err != nil {
		return ids, err
	}
	if ids.Merge, err = sbatch(ctx, "--dependency=afterok:"+ids.Array, s.Merge); err != nil {
		return ids, fmt.Errorf("array job %s was submitted, but the merge job was not (submit it when fixed: sbatch --dependency=afterok:%s %s): %w",
			ids.Array, ids.Array, s.Merge, err)
	}
	return ids, nil
}

// sbatch runs `sbatch --parsable args...` and returns the job id.
func sbatch(ctx context.Context, args ...string) (string, error) {
	script := args[len(args)-1]
	cmd := exec.CommandContext(ctx, "sbatch", append([]string{"--parsable"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return "", fmt.Errorf("sbatch not found on PATH: --submit needs a Slurm client on this machine " +
			"(run it on the cluster's login node, or submit the written scripts there)")
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("sbatch refused %s: %s", script, msg)
	}
	id, err := ParseJobID(string(out))
	if err != nil {
		return "", fmt.Errorf("sbatch %s: %w", script, err)
	}
	return id, nil
}

// ParseJobID parses `sbatch --parsable` output: "<job id>" or
// "<job id>;<cluster>".
func ParseJobID(out string) (string, error) {
	line := strings.TrimSpace(out)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = strings.TrimSpace(line[i+1:]) // warnings may come first
	}
	id, _, _ := strings.Cut(line, ";")
	if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
		return "", fmt.Errorf("unexpected sbatch --parsable output %q: want a job id", strings.TrimSpace(out))
	}
	return id, nil
}
