package main

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/misgen/misgen/agents"
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
[env]
game = "maze"
[env.train]
size = 7
cheese_region = 3
[env.ood.anywhere]
cheese_region = 0
[agent]
arch = "mlp"
hidden = 32
layers = 1
[ppo]
total_steps = 24576
num_envs = 16
num_steps = 64
threads = 1
checkpoint_every = 0.2
[eval]
episodes = 30
replays = 1
`

func runChild(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run", "--out", filepath.Join(dir, "results"), filepath.Join(dir, "resume.toml")}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = nil, nil
	return cmd
}

func TestKillDuringTrainingThenResumeGivesSameTable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains small agents (~30 s)")
	}
	tables := map[string][]byte{}
	for _, mode := range []string{"uninterrupted", "killed"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "resume.toml"), []byte(resumeTOML), 0o644); err != nil {
			t.Fatal(err)
		}
		if mode == "killed" {
			cmd := runChild(t, dir)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Kill -9 once seed 0 has written a checkpoint but before the
			// run finishes.
			deadline := time.Now().Add(60 * time.Second)
			for {
				ckpts, _ := filepath.Glob(filepath.Join(dir, "results", "resume", "*", "checkpoints", "seed-0", agents.CheckpointFile))
				if len(ckpts) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			done, _ := filepath.Glob(filepath.Join(dir, "results", "resume", "*", ".done", "train"))
			if len(done) > 0 {
				t.Fatal("the run finished training before it was killed; the test did not interrupt it")
			}
		}
		cmd := runChild(t, dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s run: %v\n%s", mode, err, out)
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
