package experiments

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockChildEnv makes the test binary a process that takes the lock named by
// the variable, prints "locked" and waits until stdin closes or it is killed.
const lockChildEnv = "MISGEN_LOCK_CHILD"

func init() {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		return
	}
	l, _, err := AcquireLock(path, []string{"lock-child"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	l.Release()
	os.Exit(0)
}

// startLockHolder starts a child process holding the lock at path.
func startLockHolder(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("lock child said %q (%v)", line, err)
	}
	return cmd
}

func TestLockRefusesSecondProcessAndTakesOverFromDeadOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", ".lock")
	host, _ := os.Hostname()
	child := startLockHolder(t, path)
	pid := child.Process.Pid

	// A second process is refused, with the holder's host and pid.
	l, _, err := AcquireLock(path, nil)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != pid || le.Holder.Host != host {
		t.Fatalf("AcquireLock while a child holds it = %v, %v; want a LockedError naming pid %d on %s", l, err, pid, host)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("host %s pid %d", host, pid)) || !strings.Contains(msg, path) {
		t.Errorf("message does not name the holder and the file: %s", msg)
	}

	// kill -9 leaves the record behind; the kernel frees the flock, and the
	// next process takes the lock over, naming the dead holder.
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	l, takeover, err := AcquireLock(path, nil)
	if err != nil {
		t.Fatalf("lock of a killed process not taken over: %v", err)
	}
	if takeover == nil || takeover.Previous.PID != pid || !takeover.SameHost || takeover.Alive {
		t.Fatalf("takeover = %+v, want the dead child %d on this host", takeover, pid)
	}
	if s := takeover.String(); !strings.Contains(s, "process is gone") || !strings.Contains(s, fmt.Sprint(pid)) {
		t.Errorf("takeover message: %s", s)
	}
	// A second handle in this very process is refused too (flock locks
	// open files, not processes), naming this process.
	_, _, err = AcquireLock(path, nil)
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != os.Getpid() {
		t.Errorf("second handle: %v", err)
	}
	// A clean release leaves no record: the next holder takes over nothing.
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l, takeover, err = AcquireLock(path, nil)
	if err != nil || takeover != nil {
		t.Fatalf("after a clean release: takeover %+v, err %v", takeover, err)
	}
	l.Release()
}

func TestLockTakeoverMessages(t *testing.T) {
	p := LockHolder{Host: "node7", PID: 4242, StartedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, tc := range []struct {
		t    LockTakeover
		want string
	}{
		{LockTakeover{Previous: p, SameHost: true}, "process is gone"},
		{LockTakeover{Previous: p, SameHost: true, Alive: true}, "pid now belongs to another process"},
		{LockTakeover{Previous: p}, "another host"},
	} {
		if s := tc.t.String(); !strings.Contains(s, tc.want) || !strings.Contains(s, "host node7 pid 4242") {
			t.Errorf("%+v: %s", tc.t, s)
		}
	}
}

func TestExecuteHoldsRunLockPerShard(t *testing.T) {
	c, err := loadText(t, baseTOML, "quick")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	plan := func(s Shard) *Run {
		runs, err := Plan(c, PlanOptions{Out: out, Shard: s})
		if err != nil || len(runs) != 1 {
			t.Fatalf("plan: %v, %d runs", err, len(runs))
		}
		return runs[0]
	}
	started, release := make(chan struct{}), make(chan struct{})
	blocking := []Stage{{Name: "train", Run: func(ctx context.Context, r *Run) error {
		close(started)
		<-release
		return nil
	}}}
	first := plan(Shard{0, 2})
	done := make(chan error)
	go func() { done <- first.Execute(context.Background(), blocking) }()
	<-started

	// Same directory and shard: refused, naming this process.
	err = plan(Shard{0, 2}).Execute(context.Background(), nil)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder == nil || le.Holder.PID != os.Getpid() ||
		!strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("second process on shard 0/2: %v", err)
	}
	// Another shard of the same directory runs alongside.
	if err := plan(Shard{1, 2}).Execute(context.Background(), nil); err != nil {
		t.Errorf("shard 1/2 beside shard 0/2: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Released: the same shard runs again.
	if err := plan(Shard{0, 2}).Execute(context.Background(), nil); err != nil {
		t.Errorf("after the first finished: %v", err)
	}
}
