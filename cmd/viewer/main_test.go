package main

import (
	"bytes"
	"image/gif"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/misgen/misgen/viz/replay/replaytest"
)

// buildViewer builds this command into a fresh directory and returns its
// path.
func buildViewer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "viewer")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// environ is the test's environment without an X or Wayland display, with
// extra added.
func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, env []string, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errb.String()}
}

// TestNoDisplay runs the viewer binary with DISPLAY and WAYLAND_DISPLAY
// unset (make test runs under xvfb-run, so the test unsets them itself):
// help and the file exports work, and the window mode says in one line
// how to get a display.
func TestNoDisplay(t *testing.T) {
	bin := buildViewer(t)
	dir, _ := replaytest.RunDir(t, 1)
	out := t.TempDir()
	noDisplay := environ()

	r := runBin(t, noDisplay, bin, "-h")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage:") || !strings.Contains(r.stdout, "-screenshot file") || r.stderr != "" {
		t.Errorf("-h: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}

	shot := filepath.Join(out, "shot.png")
	r = runBin(t, noDisplay, bin, dir, "-screenshot", shot, "-frame", "5")
	if r.code != 0 || !strings.Contains(r.stdout, "wrote "+shot) {
		t.Fatalf("-screenshot: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() < 100 {
		t.Fatalf("screenshot: %v %v", err, img)
	}

	anim := filepath.Join(out, "ep.gif")
	r = runBin(t, noDisplay, bin, dir, "-gif", anim, "-episode", "1", "-every", "8")
	if r.code != 0 {
		t.Fatalf("-gif: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f, err = os.Open(anim)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(f)
	f.Close()
	if err != nil || len(g.Image) < 2 {
		t.Fatalf("gif: %v", err)
	}

	for _, args := range [][]string{{dir}, {"-play", "maze"}} {
		r = runBin(t, noDisplay, bin, args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(r.stderr, "xvfb-run -a viewer "+strings.Join(args, " ")) ||
			!strings.Contains(r.stderr, "-screenshot") || !strings.Contains(r.stderr, "-gif") || r.stdout != "" {
			t.Errorf("window %v without a display: exit %d\nstdout %q\nstderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	// Argument errors are still reported as such.
	if r = runBin(t, noDisplay, bin, dir, "-scale", "100"); r.code != 2 || !strings.Contains(r.stderr, "-scale 100") {
		t.Errorf("bad -scale: exit %d %q", r.code, r.stderr)
	}
}

// TestWindowIsStarted: with a display the window modes run viewer-window
// (here a stand-in script) next to the viewer, with the same arguments and
// its exit status.
func TestWindowIsStarted(t *testing.T) {
	bin := buildViewer(t)
	dir, _ := replaytest.RunDir(t, 1)
	got := filepath.Join(t.TempDir(), "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + got + "\necho window on $DISPLAY\nexit 3\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(bin), windowBinary), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{dir, "-filter", "reached_end_no_coin", "-side"}
	r := runBin(t, environ("DISPLAY=:42"), bin, args...)
	if r.code != 3 || r.stdout != "window on :42\n" {
		t.Fatalf("window run: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if passed := strings.Fields(string(b)); !slices.Equal(passed, args) {
		t.Errorf("window got arguments %q, want %q", passed, args)
	}

	// Through a symlink elsewhere (an install into a bin directory), the
	// window is still found next to the real file.
	link := filepath.Join(t.TempDir(), "viewer")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	if r = runBin(t, environ("DISPLAY=:42"), link, args...); r.code != 3 {
		t.Errorf("viewer run through a symlink: exit %d %q", r.code, r.stderr)
	}

	// Without the window binary (not next to viewer, not on PATH): one
	// line saying how to build it.
	os.Remove(filepath.Join(filepath.Dir(bin), windowBinary))
	r = runBin(t, environ("DISPLAY=:42", "PATH="+t.TempDir()), bin, dir)
	if r.code != 1 || !strings.Contains(r.stderr, "viewer-window") || !strings.Contains(r.stderr, "go build -o bin/ ./cmd/...") {
		t.Errorf("missing window binary: exit %d %q", r.code, r.stderr)
	}
}

// TestViewerLinksNoWindow guards the design: this binary must not link
// ebiten (whose package init needs a display) nor the training and
// experiment code.
func TestViewerLinksNoWindow(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/misgen/misgen/viz/viewer/app") {
		t.Fatalf("go list -deps printed no dependency list:\n%s", out)
	}
	for _, d := range deps {
		if strings.Contains(d, "hajimehoshi/ebiten") || strings.Contains(d, "go-gl/glfw") ||
			slices.Contains([]string{"experiments", "agents", "interp", "internal/torch"}, strings.TrimPrefix(d, "github.com/misgen/misgen/")) {
			t.Errorf("cmd/viewer links %s", d)
		}
	}
}
