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
//
// Signals. The array script runs experiments in the background and waits
// for it, so that its shell can handle signals. SIGTERM (preemption,
// scancel, a requeue, the time limit itself) is passed on to experiments,
// which checkpoints at the next update boundary and exits; the shell waits
// for that, because Slurm kills whatever is left once the batch shell
// exits. A time-out is not requeued by --requeue, and the merge job, which
// waits for every task to succeed, would then be cancelled; so the array
// asks Slurm for USR1 a lead time before the limit (--signal=B:USR1@<lead>,
// Options.SignalLead), and on USR1 the shell stops experiments the same way
// and then requeues its own task (scontrol requeue <job>_<task>). The
// requeued task resumes from the checkpoint.
//
// Environment. Options.Setup is bash that both scripts run before the
// binary: module loads, or a container launcher. The binary is run as
// "${launcher[@]}" <binary> ...: a setup that sets the bash array launcher,
// e.g. launcher=(apptainer exec --bind /scratch misgen.sif), runs it inside
// a container.
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
	"time"

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
	// Partition, when set, becomes both scripts' --partition.
	Partition string
	// Time, when set, is the array tasks' --time (the merge job's is
	// Merge.Time), in Slurm's forms: minutes, [D-]HH:MM[:SS], MM:SS.
	Time string
	// Extra are further sbatch options written as #SBATCH lines of both
	// scripts, e.g. "--account=proj42" or "--mem=8G". The merge job's own
	// resources (Merge) follow them, so they win where both set one.
	Extra []string
	// SignalLead is how long before its time limit an array task gets USR1
	// (--signal=B:USR1@<seconds>, rounded up to whole seconds), to
	// checkpoint and requeue itself; it must exceed one PPO update plus a
	// checkpoint, and Slurm may send the signal up to a minute early.
	// 0 asks for no signal: a task that reaches its limit then ends as
	// TIMEOUT. DefaultSignalLead is the command's default.
	SignalLead time.Duration
	// Setup is bash run by both scripts before the binary, without
	// set -eu (module scripts often read unset variables): module loads,
	// exports, or a container launcher (the package doc). "" = none.
	Setup string
	// SetupFrom names where Setup came from, for a comment in the scripts.
	SetupFrom string
	// Merge are the merge job's resources.
	Merge Resources
}

// Resources are the CPUs, memory and time limit of one job.
type Resources struct {
	// CPUs is --cpus-per-task; 0 means 1.
	CPUs int
	// Mem, when set, is --mem (e.g. "4G"); else the cluster's default.
	Mem string
	// Time, when set, is --time; else the partition's default.
	Time string
}

// DefaultSignalLead is the default Options.SignalLead: five minutes, for
// an update and a checkpoint of the largest shipped configs, plus Slurm's
// minute of signal-timing slack.
const DefaultSignalLead = 5 * time.Minute

// maxSignalLead is the largest lead sbatch --signal accepts (seconds).
const maxSignalLead = 65535 * time.Second

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
	// TaskSteps is the training of the busiest task, in environment steps
	// that one seed slot trains in sequence: summed over the task's run
	// directories, the steps of one seed times the rounds its seeds need
	// (one round when all of them train at once). Estimate turns it into
	// a time.
	TaskSteps int64
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
		TaskSteps: plan.taskSteps,
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
	for _, v := range []string{o.WorkDir, o.Out, o.Partition, o.Time, o.Merge.Mem, o.Merge.Time} {
		if strings.ContainsAny(v, " \t\n\r") {
			return fmt.Errorf("slurm: %q: #SBATCH lines cannot hold blanks; use a path or value without them", v)
		}
	}
	if o.Shards < 0 {
		return fmt.Errorf("slurm: %d shards, want >= 1 (or 0 for the default)", o.Shards)
	}
	if o.Merge.CPUs < 0 {
		return fmt.Errorf("slurm: %d merge CPUs, want >= 1 (or 0 for 1)", o.Merge.CPUs)
	}
	for _, e := range o.Extra {
		if !strings.HasPrefix(e, "-") || strings.ContainsAny(e, "\n\r") {
			return fmt.Errorf("slurm: sbatch option %q: want one option starting with '-', e.g. --account=proj", e)
		}
	}
	return o.checkSignalLead()
}

// checkSignalLead checks that the lead fits sbatch --signal and leaves the
// task time to work: a lead at or over the time limit would requeue the
// task as soon as it starts, again and again.
func (o Options) checkSignalLead() error {
	if o.SignalLead < 0 || o.SignalLead > maxSignalLead {
		return fmt.Errorf("slurm: signal lead %s: want 0 (no signal) to %s", o.SignalLead, maxSignalLead)
	}
	if o.SignalLead == 0 || o.Time == "" {
		return nil
	}
	limit, err := ParseTime(o.Time)
	if err != nil || limit == 0 {
		return nil // sbatch judges other forms ("UNLIMITED", ...)
	}
	if o.SignalLead >= limit {
		return fmt.Errorf("slurm: signal lead %s is not shorter than the time limit %s (%s): the task would be requeued as soon as it starts; use a shorter lead or a longer --time",
			o.SignalLead, o.Time, limit)
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
	// taskSteps is Scripts.TaskSteps.
	taskSteps int64
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
		var steps int64
		for _, r := range runs {
			k := len(r.Jobs)
			if par := c.Experiment.Parallel; par > 0 {
				k = min(k, par)
			}
			p.maxConcurrent = max(p.maxConcurrent, k)
			rounds := int64((len(r.Jobs) + k - 1) / k)
			ppo := r.Config.PPO
			steps += rounds * int64(ppo.NumUpdates()) * int64(ppo.BatchSize())
		}
		p.taskSteps = max(p.taskSteps, steps)
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

// sbatchHeader is the #SBATCH block common to both scripts; cpus, time
// and mem are the job's own, time and mem omitted when "".
func sbatchHeader(o Options, name, log string, r Resources) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", name)
	fmt.Fprintf(&b, "#SBATCH --chdir=%s\n", o.WorkDir)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", log)
	b.WriteString("#SBATCH --open-mode=append\n") // a requeued job continues its log
	b.WriteString("#SBATCH --requeue\n")
	b.WriteString("#SBATCH --ntasks=1\n")
	if o.Partition != "" {
		fmt.Fprintf(&b, "#SBATCH --partition=%s\n", o.Partition)
	}
	for _, e := range o.Extra {
		fmt.Fprintf(&b, "#SBATCH %s\n", e)
	}
	// The job's own resources come after Extra: sbatch keeps the last
	// value of an option given twice.
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=%d\n", max(1, r.CPUs))
	if r.Mem != "" {
		fmt.Fprintf(&b, "#SBATCH --mem=%s\n", r.Mem)
	}
	if r.Time != "" {
		fmt.Fprintf(&b, "#SBATCH --time=%s\n", r.Time)
	}
	return b.String()
}

// setupBlock runs o.Setup, if any, without set -eu, with an empty launcher
// array it may fill; launch is how the scripts then start the binary.
func setupBlock(o Options) (block, launch string) {
	if o.Setup == "" {
		return "", quote(o.Exe)
	}
	var b strings.Builder
	b.WriteString("\n# The environment hook: the binary runs as \"${launcher[@]}\" <binary> ...\n")
	b.WriteString("launcher=()\n")
	from := o.SetupFrom
	if from == "" {
		from = "setup"
	}
	fmt.Fprintf(&b, "# ---- begin %s\nset +eu\n%s", from, o.Setup)
	if !strings.HasSuffix(o.Setup, "\n") {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "set -eu\n# ---- end %s\n\n", from)
	// ${a[@]+"${a[@]}"} expands an empty array under set -u in bash < 4.4 too.
	return b.String(), `${launcher[@]+"${launcher[@]}"} ` + quote(o.Exe)
}

// arrayScript runs one shard per array task, handling the signals as the
// package doc describes.
func arrayScript(c *experiments.Config, o Options, s *Scripts) string {
	var b strings.Builder
	b.WriteString(sbatchHeader(o, "misgen-"+c.Experiment.Name, filepath.Join(s.Logs, "array-%A_%a.log"),
		Resources{CPUs: s.CPUsPerTask, Time: o.Time}))
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", o.Shards-1)
	if s.GPU {
		b.WriteString("#SBATCH --gres=gpu:1\n")
	}
	lead := int64((o.SignalLead + time.Second - 1) / time.Second)
	if lead > 0 {
		fmt.Fprintf(&b, "#SBATCH --signal=B:USR1@%d\n", lead)
	}
	fmt.Fprintf(&b, "\n# One shard of %s (profile %s) per task; written by `experiments slurm`.\n", c.Experiment.Name, o.Profile)
	b.WriteString("# A requeued task resumes from the run directory's markers and checkpoints.\nset -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", quote(o.WorkDir))
	fmt.Fprintf(&b, "echo \"misgen: shard ${SLURM_ARRAY_TASK_ID}/%d on $(hostname) at $(date -Is), restart ${SLURM_RESTART_COUNT:-0}\"\n", o.Shards)
	setup, launch := setupBlock(o)
	b.WriteString(setup)
	args := []string{launch, "run", quote(o.Config), "--profile", quote(o.Profile), "--out", quote(o.Out)}
	if o.Seeds != "" {
		args = append(args, "--seeds", quote(o.Seeds))
	}
	args = append(args, "--shard", fmt.Sprintf(`"${SLURM_ARRAY_TASK_ID}/%d"`, o.Shards))
	b.WriteString(signalHandling(strings.Join(args, " "), lead))
	return b.String()
}

// signalHandling runs cmd in the background and waits for it: SIGTERM is
// passed on to it, and USR1 (lead > 0) passes SIGTERM on too and, unless
// cmd then succeeded, requeues the task.
func signalHandling(cmd string, lead int64) string {
	var b strings.Builder
	b.WriteString(`
# experiments runs in the background so that this shell handles signals.
# SIGTERM (preemption, scancel, requeue, the time limit) is passed on: it
# checkpoints at the next update boundary and exits, while this shell waits
# (Slurm kills what is left when the batch shell exits).
# stop uses $!, set as soon as experiments is started, not $child, which a
# signal could beat.
timeout=0
signalled=0
stop() { signalled=1; kill -TERM "${!:-}" 2>/dev/null || true; }
trap stop TERM
`)
	if lead > 0 {
		fmt.Fprintf(&b, `# USR1 comes %d s before the time limit (--signal=B:USR1@%d): stop the
# same way, then requeue this task, which a time-out would not.
trap 'timeout=1; echo "misgen: USR1 at $(date -Is): time limit near, checkpointing to requeue"; stop' USR1
`, lead, lead)
	}
	fmt.Fprintf(&b, "%s &\nchild=$!\n", cmd)
	b.WriteString(`while :; do
	signalled=0
	status=0
	wait "$child" || status=$?
	[ "$signalled" = 1 ] || break # a trapped signal ended wait early: wait again
done
if [ "$timeout" = 1 ] && [ "$status" != 0 ]; then
	task="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
	echo "misgen: experiments stopped (exit status $status); requeueing $task at $(date -Is)"
	scontrol requeue "$task"
fi
exit "$status"
`)
	return b.String()
}

// mergeScript rebuilds each run directory's tables and report from every
// shard's outcomes and prints the merged failure table; for a sweep it also
// writes the table over all points into <out>/<experiment>/tables.
func mergeScript(c *experiments.Config, o Options, s *Scripts) string {
	var b strings.Builder
	b.WriteString(sbatchHeader(o, "misgen-"+c.Experiment.Name+"-merge", filepath.Join(s.Logs, "merge-%j.log"), o.Merge))
	// Without this a merge whose array failed would wait forever.
	b.WriteString("#SBATCH --kill-on-invalid-dep=yes\n")
	fmt.Fprintf(&b, "\n# Merge the shards of %s once every array task succeeded:\n", c.Experiment.Name)
	fmt.Fprintf(&b, "#   sbatch --dependency=afterok:<array job id> %s\n", s.Merge)
	b.WriteString("set -euo pipefail\n")
	fmt.Fprintf(&b, "cd %s\n", quote(o.WorkDir))
	setup, launch := setupBlock(o)
	b.WriteString(setup)
	var dirs []string
	for _, d := range s.RunDirs {
		fmt.Fprintf(&b, "%s report %s\n", launch, quote(d))
		dirs = append(dirs, quote(d))
	}
	table := fmt.Sprintf("%s table %s", launch, strings.Join(dirs, " "))
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
