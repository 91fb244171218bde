package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/misgen/misgen/agents"
	"github.com/misgen/misgen/internal/testtool"
)

// childEnv makes the test binary act as the experiments command, so the
// test can kill a real run mid-training. Like main, it stops cleanly on
// SIGINT and SIGTERM (Slurm's requeue sends SIGTERM).
const childEnv = "MISGEN_EXPERIMENTS_CHILD"

func init() {
	if os.Getenv(childEnv) == "1" {
		ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
	}
}

// A tiny real experiment: small maze, small MLP, few updates, frequent
// checkpoints, one thread so runs are deterministic.
const resumeTOML = `
[experiment]
name = "resume"
description = "kill and resume"
seeds = 2
parallel = 1
` + tinyMazeTables + `
hidden = 32
layers = 1
[ppo]
total_steps = 12288
num_envs = 16
num_steps = 64
threads = 1
checkpoint_every = 0.2
[eval]
episodes = 30
replays = 1
`

// resumeHoldAt is the update of seed 0 after which the killed run is held
// by the interrupt hook (agents.StopAfterUpdateEnv) and killed; the run
// has 12.
const resumeHoldAt = 5

func runChild(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run", "--out", filepath.Join(dir, "results"), filepath.Join(dir, "resume.toml")}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = nil, nil
	return cmd
}

func TestKillDuringTrainingThenResumeGivesSameTable(t *testing.T) {
	testtool.Integration(t, "trains small agents (~30 s)")
	tables := map[string][]byte{}
	for _, mode := range []string{"uninterrupted", "killed"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "resume.toml"), []byte(resumeTOML), 0o644); err != nil {
			t.Fatal(err)
		}
		if mode == "killed" {
			killWhenHeld(t, dir)
		}
		cmd := runChild(t, dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s run: %v\n%s", mode, err, out)
		}
		resumed := regexp.MustCompile(fmt.Sprintf(`(?m)seed 0: .*resumed at update %d$`, resumeHoldAt))
		if mode == "killed" && !resumed.Match(out) {
			t.Errorf("the run after the kill did not resume seed 0 at update %d:\n%s", resumeHoldAt, out)
		}
		tbl, _ := filepath.Glob(filepath.Join(dir, "results", "resume", "*", "tables", "failure_rates.csv"))
		if len(tbl) != 1 {
			t.Fatalf("%s run wrote %d failure tables:\n%s", mode, len(tbl), out)
		}
		b, err := os.ReadFile(tbl[0])
		if err != nil {
			t.Fatal(err)
		}
		tables[mode] = b
	}
	if string(tables["killed"]) != string(tables["uninterrupted"]) {
		t.Errorf("table after kill+resume differs from an uninterrupted run:\n--- uninterrupted\n%s\n--- killed and resumed\n%s",
			tables["uninterrupted"], tables["killed"])
	}
}

// killWhenHeld starts the experiment in dir with the interrupt hook set to
// hold seed 0 after update resumeHoldAt, and kills it with SIGKILL once
// it reports that it is held: deterministically mid-training, with seed
// 0's checkpoint at that update.
func killWhenHeld(t *testing.T, dir string) {
	t.Helper()
	cmd := runChild(t, dir)
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", agents.StopAfterUpdateEnv, resumeHoldAt), agents.StopSeedEnv+"=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	held, seen := fmt.Sprintf(agents.StoppedLine, resumeHoldAt), &strings.Builder{}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), held) {
		fmt.Fprintln(seen, sc.Text())
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if sc.Err() != nil || !strings.Contains(sc.Text(), held) {
		t.Fatalf("the run ended without being held by the interrupt hook (%v):\n%s", sc.Err(), seen)
	}
	ckpts, _ := filepath.Glob(filepath.Join(dir, "results", "resume", "*", "checkpoints", "seed-0", agents.CheckpointFile))
	if len(ckpts) != 1 {
		t.Fatalf("killed run left %d checkpoints of seed 0", len(ckpts))
	}
	if c, err := agents.ReadCheckpoint(ckpts[0]); err != nil || c.Update != resumeHoldAt {
		t.Fatalf("killed run's checkpoint: %v, update %d; want update %d", err, c.Update, resumeHoldAt)
	}
	if done, _ := filepath.Glob(filepath.Join(dir, "results", "resume", "*", ".done", "train")); len(done) > 0 {
		t.Fatal("the killed run had finished training")
	}
}
