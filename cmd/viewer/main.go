// Command viewer watches misgen episodes: recorded replays (a replay file
// or a run directory with replays/), a level played with the keyboard
// (-play), or a policy playing live (-checkpoint). -screenshot and -gif
// render recorded episodes to files and exit without opening a window.
//
// This binary does not link ebiten: ebiten initialises GLFW when the
// program starts and panics without an X display, before main could say
// why. So help, -screenshot and -gif run here on any machine, and the
// window modes run in the companion binary viewer-window (cmd/viewer-window,
// built next to this one by `go build -o bin/ ./cmd/...`), which this one
// starts with the same arguments once it has checked that DISPLAY is set.
//
// Exit status: 0 on success, 2 for usage errors and a missing display, 1
// for runtime failures; the window's own status otherwise.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/misgen/misgen/viz/viewer/app"
)

// windowBinary is the name of the companion binary with the window.
const windowBinary = "viewer-window"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	a, err := app.ParseArgs(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if a.Headless() {
		if err := app.RunHeadless(a, stdout); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	return openWindow(args, stdout, stderr)
}

// openWindow runs the window binary with args, or explains in one line why
// it cannot.
func openWindow(args []string, stdout, stderr io.Writer) int {
	if os.Getenv("DISPLAY") == "" {
		fmt.Fprintf(stderr, "viewer: the window needs an X display and DISPLAY is unset: run it under a virtual display (xvfb-run -a viewer %s), use ssh -X, or write files with -screenshot out.png / -gif out.gif\n", shellJoin(args))
		return 2
	}
	bin, err := findWindow()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "viewer: %v\n", err)
		return 1
	}
	// Interrupts reach the window, which decides when to stop; this
	// process waits for it and passes on its exit status.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		for s := range sig {
			_ = cmd.Process.Signal(s)
		}
	}()
	return exitStatus(cmd.Wait(), bin, stderr)
}

// exitStatus is the window's exit status as this process's: its code, or
// 128+n (as a shell reports it) when signal n stopped it.
func exitStatus(err error, bin string, stderr io.Writer) int {
	var exit *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &exit) {
		if exit.ExitCode() >= 0 {
			return exit.ExitCode()
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
	}
	fmt.Fprintf(stderr, "viewer: %s: %v\n", bin, err)
	return 1
}

// shellJoin joins args into a line a shell reads back as args.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// findWindow locates viewer-window: next to this executable (or the file
// a symlink to it names), else on PATH.
func findWindow() (string, error) {
	self, _ := os.Executable()
	real, _ := filepath.EvalSymlinks(self)
	for _, exe := range []string{self, real} {
		if exe == "" {
			continue
		}
		p := filepath.Join(filepath.Dir(exe), windowBinary)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(windowBinary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("viewer: the window is in the %s binary, found neither next to %s nor on PATH: build both with `go build -o bin/ ./cmd/...` (or make build)", windowBinary, self)
}
