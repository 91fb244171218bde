package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/experiments"
	"github.com/misgen/misgen/experiments/tables"
	"github.com/misgen/misgen/internal/testtool"
)

// The Slurm tests run `experiments slurm --submit` against a real
// single-node Slurm brought up by scripts/slurm-up.sh in a scratch
// directory, with its own cluster name, ports and munged, and compare the
// merged failure table with a local run of the same tiny config. The array
// tasks and the merge job run this test binary as the experiments command
// (childEnv, exported to the jobs by sbatch).

// slurmTOML trains two seeds of a small maze for a few seconds each (16
// updates); the requeue test holds seed 1 after update slurmHoldAt.
const slurmTOML = `
[experiment]
name = "slurmtiny"
description = "tiny experiment for the Slurm tests"
seeds = 2
` + tinyMazeTables + `
hidden = 32
layers = 1
[ppo]
total_steps = 16384
num_envs = 16
num_steps = 64
threads = 1
checkpoint_every = 0.2
[eval]
episodes = 30
replays = 0
[report]
plots = false
`

// slurmHoldAt is the update after which the requeue test's interrupt hook
// (agents.StopAfterUpdateEnv) holds seed 1 until the task is requeued.
const slurmHoldAt = 6

func TestSlurmJobArrayMatchesLocalRun(t *testing.T) {
	testtool.Integration(t, "brings up a Slurm cluster and trains small agents (~1 min)")
	ready := startSlurm(t) // comes up while the local run trains
	dir := t.TempDir()
	config := filepath.Join(dir, "slurmtiny.toml")
	if err := os.WriteFile(config, []byte(slurmTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	// The reference: an unsharded local run.
	localOut := filepath.Join(dir, "local")
	start := time.Now()
	if code, _, errOut := runMain(t, "run", config, "--profile", "base", "--out", localOut); code != 0 {
		t.Fatalf("local run: code %d\n%s", code, errOut)
	}
	want := failureTable(t, localOut)
	t.Logf("local run: %s", time.Since(start).Round(100*time.Millisecond))
	ready()
	t.Setenv(childEnv, "1") // sbatch exports it: the jobs run this binary as experiments

	t.Run("rejected partition", func(t *testing.T) {
		code, _, errOut := runMain(t, "slurm", config, "--profile", "base", "--out", filepath.Join(dir, "bad"),
			"--shards", "2", "--partition", "nosuchpartition", "--submit")
		if code != 1 || !strings.Contains(errOut, "sbatch refused") || !strings.Contains(errOut, "nosuchpartition") ||
			!strings.Contains(strings.ToLower(errOut), "invalid partition") {
			t.Errorf("code %d, stderr:\n%s", code, errOut)
		}
	})

	t.Run("array and merge", func(t *testing.T) {
		out := filepath.Join(dir, "slurm")
		ids := submit(t, config, out)
		waitJobs(t, out, ids, nil)
		if got := failureTable(t, out); !bytes.Equal(got, want) {
			t.Errorf("merged table differs from the local run's:\n--- local\n%s\n--- slurm\n%s", want, got)
		}
		// Each shard ran once, as its own session, and the merge wrote the report.
		for i := 0; i < 2; i++ {
			if n := len(shardManifest(t, out, i).Sessions); n != 1 {
				t.Errorf("shard %d ran %d sessions, want 1", i, n)
			}
		}
		if reports, _ := filepath.Glob(filepath.Join(out, "slurmtiny", "base-*", "report.html")); len(reports) != 1 {
			t.Errorf("merge job wrote %d report.html files, want 1", len(reports))
		}
		// Both scripts ran the setup.
		logs, _ := filepath.Glob(filepath.Join(scriptDir(t, out), "logs", "*.log"))
		for _, l := range logs {
			if b, _ := os.ReadFile(l); !bytes.Contains(b, []byte("misgen test setup: ran\n")) {
				t.Errorf("%s does not show the setup:\n%s", l, b)
			}
		}
		if len(logs) != 3 {
			t.Errorf("logs %v, want 2 tasks' and the merge's", logs)
		}
	})

	// A requeue from outside (preemption): SIGTERM reaches experiments,
	// which checkpoints; Slurm requeues the task.
	t.Run("requeue mid-training", func(t *testing.T) {
		interruptedRun(t, config, filepath.Join(dir, "requeue"), want, func(task string) {
			if b, err := exec.Command("scontrol", "requeue", task).CombinedOutput(); err != nil {
				t.Fatalf("scontrol requeue %s: %v\n%s", task, err, b)
			}
		})
	})

	// The time limit near: Slurm sends USR1 to the batch shell
	// (--signal=B:USR1@<lead>), as scancel --signal=USR1 --batch does here;
	// the script has experiments checkpoint and requeues the task itself.
	t.Run("USR1 before the time limit", func(t *testing.T) {
		log := interruptedRun(t, config, filepath.Join(dir, "usr1"), want, func(task string) {
			if b, err := exec.Command("scancel", "--signal=USR1", "--batch", task).CombinedOutput(); err != nil {
				t.Fatalf("scancel --signal=USR1 --batch %s: %v\n%s", task, err, b)
			}
		})
		if !bytes.Contains(log, []byte("misgen: USR1 at ")) || !regexp.MustCompile(`requeueing [0-9]+_1 at`).Match(log) {
			t.Errorf("task 1's log does not show the USR1 handler requeueing it:\n%s", log)
		}
	})
}

// interruptedRun submits the array with seed 1 (task 1) held by the
// interrupt hook after update slurmHoldAt, with its checkpoint written,
// calls interrupt with the task's id once it is held, and waits for the
// merge. The resumed task is not held again. It checks that the merged
// table is want and that task 1 ran twice, resuming seed 1 at the held
// update, and returns task 1's log.
func interruptedRun(t *testing.T, config, out string, want []byte, interrupt func(task string)) []byte {
	t.Helper()
	t.Setenv(agents.StopAfterUpdateEnv, strconv.Itoa(slurmHoldAt))
	t.Setenv(agents.StopSeedEnv, "1")
	ids := submit(t, config, out)
	task := ids.array + "_1"
	logPath := func() string { return filepath.Join(scriptDir(t, out), "logs", fmt.Sprintf("array-%s.log", task)) }
	held := fmt.Sprintf(agents.StoppedLine, slurmHoldAt)
	var interrupted time.Time
	waitJobs(t, out, ids, func() {
		if !interrupted.IsZero() {
			releaseRequeued(t, task, interrupted)
			return
		}
		if log, _ := os.ReadFile(logPath()); bytes.Contains(log, []byte(held)) {
			interrupt(task)
			interrupted = time.Now()
		}
	})
	if interrupted.IsZero() {
		t.Fatal("task 1 finished without being held by the interrupt hook: the test did not interrupt it")
	}
	if got := failureTable(t, out); !bytes.Equal(got, want) {
		t.Errorf("table after an interruption differs from the local run's:\n--- local\n%s\n--- slurm\n%s", want, got)
	}
	// The requeued task ran twice and resumed from its checkpoint.
	if s := shardManifest(t, out, 1).Sessions; len(s) != 2 || s[0].Error == "" || s[1].Error != "" {
		t.Errorf("shard 1 sessions %+v: want an interrupted one, then a finished one", s)
	}
	log, _ := os.ReadFile(logPath())
	m := regexp.MustCompile(`seed 1: .*resumed at update ([0-9]+)`).FindAllSubmatch(log, -1)
	if !bytes.Contains(log, []byte("restart 1")) || len(m) != 2 || string(m[0][1]) != "0" || string(m[1][1]) != strconv.Itoa(slurmHoldAt) {
		t.Errorf("task 1's log does not show a restart that resumed seed 1 at update %d:\n%s", slurmHoldAt, log)
	}
	return log
}

// startSlurm starts bringing up a private cluster for this test; the
// returned function waits until it is up and points the Slurm commands at
// it. The cluster is stopped and removed in t.Cleanup.
func startSlurm(t *testing.T) (ready func()) {
	t.Helper()
	testtool.Require(t, "Slurm is not installed: scripts/setup.sh installs slurmctld slurmd slurm-client munge",
		"slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "munged")
	if os.Geteuid() != 0 {
		t.Fatal("the Slurm test needs root (SlurmUser=root, munged as the munge user); run it as root as CI does")
	}
	// Not t.TempDir: the munge user must be able to reach the directory.
	dir, err := os.MkdirTemp("", "misgen-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	scripts, _ := filepath.Abs("../../scripts")
	ctld, slurmd := freePort(t), freePort(t)
	up := exec.Command(filepath.Join(scripts, "slurm-up.sh"), dir)
	up.Env = append(os.Environ(), fmt.Sprintf("SLURM_CLUSTER=mgtest%d", os.Getpid()),
		fmt.Sprintf("SLURMCTLD_PORT=%d", ctld), fmt.Sprintf("SLURMD_PORT=%d", slurmd))
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"log/slurmctld.log", "log/slurmd.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				t.Logf("%s (last 3000 bytes):\n%s", f, b[max(0, len(b)-3000):])
			}
		}
		if b, err := exec.Command(filepath.Join(scripts, "slurm-down.sh"), dir).CombinedOutput(); err != nil {
			t.Errorf("slurm-down.sh: %v\n%s", err, b)
		}
		os.RemoveAll(dir)
	})
	var upOut bytes.Buffer
	up.Stdout, up.Stderr = &upOut, &upOut
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	t.Cleanup(func() {
		if !waited {
			up.Wait()
		}
	})
	return func() {
		t.Helper()
		waited = true
		if err := up.Wait(); err != nil {
			t.Fatalf("slurm-up.sh: %v\n%s", err, upOut.String())
		}
		t.Setenv("SLURM_CONF", filepath.Join(dir, "slurm.conf"))
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type jobIDs struct{ array, merge string }

// slurmSetup is the --setup of the test jobs: it announces itself in the
// job logs, reads an unset variable (as module scripts do; the scripts
// run it without set -u) and starts the binary through a launcher.
const slurmSetup = `echo "misgen test setup: ${UNSET_IN_SETUP}ran"
launcher=(env MISGEN_TEST_LAUNCHER=1)
`

// submit runs `experiments slurm --submit` with 2 shards, the merge job's
// own resources and slurmSetup, and returns the printed job ids.
func submit(t *testing.T, config, out string) jobIDs {
	t.Helper()
	setup := filepath.Join(t.TempDir(), "setup.sh")
	if err := os.WriteFile(setup, []byte(slurmSetup), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := runMain(t, "slurm", config, "--profile", "base", "--out", out, "--shards", "2",
		"--time", "30", "--merge-time", "10", "--merge-cpus", "1", "--setup", setup, "--submit")
	var ids jobIDs
	if n, _ := fmt.Sscanf(stdout, "array %s\nmerge %s\n", &ids.array, &ids.merge); code != 0 || n != 2 {
		t.Fatalf("experiments slurm --submit: code %d\nstdout: %s\nstderr: %s", code, stdout, errOut)
	}
	return ids
}

// waitJobs polls squeue until the merge job completed, calling each (if
// set) on every poll; a failed job or a timeout fails the test with the
// job logs.
func waitJobs(t *testing.T, out string, ids jobIDs, each func()) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("jobs %s, %s: %s", ids.array, ids.merge, time.Since(start).Round(100*time.Millisecond)) }()
	deadline := time.Now().Add(4 * time.Minute)
	var states string
	for time.Now().Before(deadline) {
		b, err := exec.Command("squeue", "-h", "-t", "all", "-j", ids.array+","+ids.merge, "-o", "%i %T %r").CombinedOutput()
		if err != nil {
			t.Fatalf("squeue: %v\n%s", err, b)
		}
		states = string(b)
		if regexp.MustCompile(`\b(FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)\b`).MatchString(states) {
			t.Fatalf("a job failed:\n%s\n%s", states, jobLogs(t, out))
		}
		for _, line := range strings.Split(states, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == ids.merge && f[1] == "COMPLETED" {
				return
			}
		}
		if each != nil {
			each()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("jobs not done after 4 minutes:\n%s\n%s", states, jobLogs(t, out))
}

// releaseRequeued starts a requeued task early: Slurm holds a requeued job
// back (reason BeginTime) for the credential lifetime, two minutes, because
// slurmd refuses a job credential issued in the same second as the revoked
// one of the killed run. Two seconds after the requeue is enough for that.
func releaseRequeued(t *testing.T, task string, requeued time.Time) {
	if time.Since(requeued) < 2*time.Second {
		return
	}
	b, _ := exec.Command("squeue", "-h", "-t", "all", "-j", task, "-o", "%T %r").Output()
	if strings.TrimSpace(string(b)) != "PENDING BeginTime" {
		return
	}
	if b, err := exec.Command("scontrol", "update", "JobId="+task, "StartTime=now").CombinedOutput(); err != nil {
		t.Logf("scontrol update %s StartTime=now: %v %s", task, err, b)
	}
}

func scriptDir(t *testing.T, out string) string {
	t.Helper()
	d, _ := filepath.Glob(filepath.Join(out, "slurmtiny", "slurm", "base-*"))
	if len(d) != 1 {
		t.Fatalf("script directories %v", d)
	}
	return d[0]
}

func jobLogs(t *testing.T, out string) string {
	logs, _ := filepath.Glob(filepath.Join(scriptDir(t, out), "logs", "*.log"))
	var b strings.Builder
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		fmt.Fprintf(&b, "== %s (last 2000 bytes)\n%s\n", l, data[max(0, len(data)-2000):])
	}
	return b.String()
}

// failureTable reads the one run directory's failure_rates.csv under out.
func failureTable(t *testing.T, out string) []byte {
	t.Helper()
	tables, _ := filepath.Glob(filepath.Join(out, "slurmtiny", "base-*", "tables", tables.FailureRatesCSV))
	if len(tables) != 1 {
		t.Fatalf("%d failure tables under %s", len(tables), out)
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func shardManifest(t *testing.T, out string, i int) experiments.Manifest {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "slurmtiny", "base-*", fmt.Sprintf("manifest.shard-%d-of-2.json", i)))
	var m experiments.Manifest
	if len(paths) != 1 {
		t.Fatalf("shard %d manifests: %v", i, paths)
	}
	b, err := os.ReadFile(paths[0])
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCommonDir(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{"/r/exp/quick-1/logs/a.jsonl"}, "/r/exp/quick-1/logs"},
		{[]string{"/r/exp/quick-1/logs/a.jsonl", "/r/exp/quick-1/logs/b.jsonl"}, "/r/exp/quick-1/logs"},
		{[]string{"/r/exp/p=0/quick-1/logs/a.jsonl", "/r/exp/p=0.2/quick-2/logs/a.jsonl"}, "/r/exp"},
		// A shared name prefix is not a shared directory.
		{[]string{"/r/exp/p=0/a.jsonl", "/r/exp/p=0.2/a.jsonl"}, "/r/exp"},
		{[]string{"/a/x", "/b/x"}, "/"},
	} {
		if got := commonDir(tc.paths); got != tc.want {
			t.Errorf("commonDir(%v) = %q, want %q", tc.paths, got, tc.want)
		}
	}
}

// `experiments slurm` prints the busiest task's training time at
// --steps-per-s, or at the rate of the config's own earlier training logs,
// with a suggested --time; without either it says how to get one.
func TestSlurmTimeEstimate(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "slurmtiny.toml")
	if err := os.WriteFile(config, []byte(slurmTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs")
	args := []string{"slurm", config, "--profile", "base", "--out", out, "--shards", "2"}
	// Each task trains one seed: 16 updates × 1024 steps.
	const estimate = "the busiest task trains 16384 steps per seed slot;\n  at 1024 steps/s per seed (%s) that is 16s of training.\n" +
		"  Suggested --time=00:15:00"
	code, _, errOut := runMain(t, append(args, "--steps-per-s", "1024")...)
	if want := fmt.Sprintf(estimate, "--steps-per-s"); code != 0 || !strings.Contains(errOut, want) {
		t.Errorf("code %d, want %q in:\n%s", code, want, errOut)
	}
	code, _, errOut = runMain(t, args...)
	if code != 0 || !strings.Contains(errOut, "no training logs of slurmtiny (profile base)") || !strings.Contains(errOut, "pass --steps-per-s") {
		t.Errorf("without logs: code %d:\n%s", code, errOut)
	}
	// The run directory is named as the script directory.
	scripts, _ := filepath.Glob(filepath.Join(out, "slurmtiny", "slurm", "base-*"))
	if len(scripts) != 1 {
		t.Fatalf("script directories %v", scripts)
	}
	logs := filepath.Join(out, "slurmtiny", filepath.Base(scripts[0]), "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	rows := `{"update":1,"steps_per_s":1000}` + "\n" + `{"update":2,"steps_per_s":1048}` + "\n"
	if err := os.WriteFile(filepath.Join(logs, "train-seed-0.jsonl"), []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runMain(t, args...)
	if want := fmt.Sprintf(estimate, "median of 2 updates in 1 training logs under "+logs); code != 0 || !strings.Contains(errOut, want) {
		t.Errorf("code %d, want %q in:\n%s", code, want, errOut)
	}
}

func TestSlurmFlagErrors(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "slurmtiny.toml")
	if err := os.WriteFile(config, []byte(slurmTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--merge-cpus", "0"}, 2, "--merge-cpus 0: want >= 1"},
		{[]string{"--steps-per-s", "-1"}, 2, "--steps-per-s -1: want > 0"},
		{[]string{"--setup", filepath.Join(dir, "missing.sh")}, 1, "--setup: open " + filepath.Join(dir, "missing.sh")},
		{[]string{"--time", "10", "--signal-lead", "10m"}, 1, "signal lead 10m0s is not shorter than the time limit 10"},
	} {
		args := append([]string{"slurm", config, "--profile", "base", "--out", filepath.Join(dir, "runs")}, tc.args...)
		if code, _, errOut := runMain(t, args...); code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: code %d, want %d and %q in:\n%s", tc.args, code, tc.code, tc.want, errOut)
		}
	}
}
