//go:build display

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/misgen/misgen/internal/testtool"
	"github.com/misgen/misgen/viz/replay/replaytest"
	"github.com/misgen/misgen/viz/viewer"
)

// The tests of this package link ebiten (through package main), so they
// need an X display: xvfb-run -a go test -tags display ./cmd/viewer-window.

// TestViewerOpensWindow builds viewer and viewer-window side by side and
// opens a replay directory through viewer under this test's display: the
// window must come up, draw its first frame (viewer.FirstFrameEnv) and
// still be running, and an interrupt must close it.
func TestViewerOpensWindow(t *testing.T) {
	testtool.Integration(t, "builds the viewer binaries and opens a window")
	if os.Getenv("DISPLAY") == "" {
		testtool.Missing(t, "DISPLAY is unset: run under xvfb-run -a (scripts/setup.sh installs xvfb)")
	}
	bin := t.TempDir()
	out, err := exec.Command("go", "build", "-o", bin+"/", "../viewer", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, _ := replaytest.RunDir(t, 1)
	drawn := filepath.Join(t.TempDir(), "first-frame")
	cmd := exec.Command(filepath.Join(bin, "viewer"), dir)
	cmd.Env = append(os.Environ(), viewer.FirstFrameEnv+"="+drawn)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := awaitFile(drawn, exited); err != nil {
		cmd.Process.Kill()
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	// Closing: viewer passes the interrupt on to the window and exits.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		// Interrupted: 128+SIGINT, as a shell reports it, and no message.
		if cmd.ProcessState.ExitCode() != 130 {
			t.Errorf("interrupted viewer: %v, want exit status 130", err)
		}
	case <-time.After(failureBound):
		cmd.Process.Kill()
		t.Fatalf("viewer did not exit within %v of an interrupt\n%s", failureBound, stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "viewer:") {
		t.Errorf("window output:\n%s", stderr.String())
	}
}

// failureBound is how long the window test waits for an event before it
// fails: a bound on a hung window, not a speed requirement.
const failureBound = 2 * time.Minute

// awaitFile waits until path exists while the process whose exit exited
// reports keeps running; it fails if the process exits first or
// failureBound passes.
func awaitFile(path string, exited <-chan error) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	bound := time.After(failureBound)
	for {
		if _, err := os.Stat(path); err == nil {
			select {
			case err := <-exited:
				return fmt.Errorf("viewer exited right after its first frame: %v", err)
			default:
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("viewer exited before drawing a frame: %v", err)
		case <-bound:
			return fmt.Errorf("no frame drawn within %v", failureBound)
		case <-tick.C:
		}
	}
}
