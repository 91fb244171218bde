package slurm

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeExperiments stands in for the binary in the array script: it
// records its arguments and environment, traps SIGTERM (to write
// "checkpointed" and exit with the status in $FAKE_TERM_STATUS, as
// experiments exits after an interrupted run), then announces itself in
// "started" and waits for a signal; with FAKE_FINISH set it exits 0 at
// once instead. Its checkpoint takes a moment, so a shell that did not
// wait for it would exit first.
const fakeExperiments = `#!/bin/bash
dir=$(dirname "$0")
echo "$*" > "$dir/args"
echo "${MISGEN_LAUNCHED:-}/${SETUP_EXPORT:-}" > "$dir/env"
trap 'sleep 0.2; echo checkpointed > "$dir/checkpointed"; exit "${FAKE_TERM_STATUS:-1}"' TERM
[ -n "${FAKE_FINISH:-}" ] && exit 0
touch "$dir/started"
while :; do sleep 0.05; done
`

// fakeScontrol records its arguments.
const fakeScontrol = `#!/bin/bash
echo "$*" >> "$(dirname "$0")/../scontrol"
`

// The array script's shell passes SIGTERM on to experiments and waits for
// it to exit; on USR1 it does the same and then requeues its own task,
// unless experiments finished anyway. Run for real with bash, a fake
// binary and a fake scontrol.
func TestArrayScriptSignals(t *testing.T) {
	for _, tc := range []struct {
		name       string
		signal     syscall.Signal // 0: none
		termStatus string         // experiments' exit status after SIGTERM
		finish     bool           // experiments finishes at once
		lead       time.Duration
		wantStatus int
		requeue    bool
	}{
		{"time limit near", syscall.SIGUSR1, "1", false, DefaultSignalLead, 1, true},
		{"finished when signalled", syscall.SIGUSR1, "0", false, DefaultSignalLead, 0, false},
		{"preempted", syscall.SIGTERM, "1", false, DefaultSignalLead, 1, false},
		{"no signal", 0, "", true, DefaultSignalLead, 0, false},
		{"no lead, time limit", syscall.SIGTERM, "1", false, 0, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			exe := filepath.Join(dir, "experiments")
			for path, text := range map[string]string{exe: fakeExperiments, filepath.Join(bin, "scontrol"): fakeScontrol} {
				if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			o := options(t, 2)
			o.Exe, o.SignalLead = exe, tc.lead
			// The setup runs without set -u and may set a launcher.
			o.Setup = "echo \"$UNSET_IN_SETUP\" >/dev/null\nexport SETUP_EXPORT=yes\nlauncher=(env MISGEN_LAUNCHED=yes)"
			s, err := Write(testConfig(t, "seeds = 2", "", false), o)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", s.Array)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SLURM_ARRAY_JOB_ID=7", "SLURM_ARRAY_TASK_ID=1",
				"FAKE_TERM_STATUS="+tc.termStatus)
			if tc.finish {
				cmd.Env = append(cmd.Env, "FAKE_FINISH=1")
			}
			var log strings.Builder
			cmd.Stdout, cmd.Stderr = &log, &log
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.signal != 0 {
				waitForFile(t, filepath.Join(dir, "started"))
				if err := cmd.Process.Signal(tc.signal); err != nil {
					t.Fatal(err)
				}
			}
			status := 0
			var exit *exec.ExitError
			if err := cmd.Wait(); errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus {
				t.Errorf("exit status %d, want %d\n%s", status, tc.wantStatus, log.String())
			}
			scontrol, _ := os.ReadFile(filepath.Join(dir, "scontrol"))
			if want := map[bool]string{true: "requeue 7_1\n", false: ""}[tc.requeue]; string(scontrol) != want {
				t.Errorf("scontrol called with %q, want %q\n%s", scontrol, want, log.String())
			}
			_, err = os.Stat(filepath.Join(dir, "checkpointed"))
			if signalled := tc.signal != 0; (err == nil) != signalled {
				t.Errorf("experiments checkpointed: %v, want %v\n%s", err == nil, signalled, log.String())
			}
			args, _ := os.ReadFile(filepath.Join(dir, "args"))
			env, _ := os.ReadFile(filepath.Join(dir, "env"))
			if !strings.HasPrefix(string(args), "run ") || !strings.Contains(string(args), "--shard 1/2") || string(env) != "yes/yes\n" {
				t.Errorf("experiments ran with args %q, launcher/setup env %q", args, env)
			}
		})
	}
}

// waitForFile waits until path exists, failing the test after a minute.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear within a minute", path)
}
